package dev.switchboard.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;

/**
 * The seed's functions for existing callers: getUserIdForProject, getUserActiveFragment, kill one or all. Fixtures
 * are made over HTTP before each test, off the event loop; the tests themselves call the services on a Vert.x
 * context, as the service's own code does.
 */
@QuarkusTest
class LegacyFunctionsTest {

    @Inject
    ProjectService projects;
    @Inject
    SandboxService sandboxes;
    @Inject
    CleanupService cleanup;
    @Inject
    SwitchService switches;
    @Inject
    SandboxProvider provider;
    @Inject
    dev.switchboard.common.Deployment deployment;

    private Api owner;
    private String ownedProject;
    private Api alice;
    private String aliceProject;
    private String aliceFragment;
    private Api bob;

    @BeforeEach
    void fixtures() {
        owner = Api.newUser("owner");
        ownedProject = owner.createProject("p");
        alice = Api.newUser("legacy");
        aliceProject = alice.createProject("p");
        aliceFragment = alice.addFragment(aliceProject, Map.of("index.html", "x"));
        bob = Api.newUser("bystander");
        bob.req().get("/api/projects").then().statusCode(200); // creates bob's row
    }

    @Test
    @RunOnVertxContext
    void getUserIdForProjectAnswersTheOwner(UniAsserter asserter) {
        asserter.assertEquals(() -> projects.getUserIdForProject(ownedProject), owner.userId);
        asserter.assertNull(() -> projects.getUserIdForProject("00000000-0000-0000-0000-000000000000"));
        asserter.assertNull(() -> projects.getUserIdForProject("garbage"));
    }

    @Test
    @RunOnVertxContext
    void switchUserToProjectThenKillUserActiveSandbox(UniAsserter asserter) {
        String p = aliceProject;
        String f = aliceFragment;
        AtomicReference<String> sandbox = new AtomicReference<>();
        asserter.assertThat(() -> switches.switchUserToProject(alice.userId, p), r -> {
            assertEquals(f, r.fragmentId().toString());
            assertEquals(1, r.restoredFiles());
            sandbox.set(r.sandboxId());
        });
        asserter.assertThat(() -> sandboxes.activeFragment(alice.userId), a -> {
            assertEquals(p, a.projectId().toString());
            assertEquals("x", a.fragment().files().get("index.html").asText());
        });
        asserter.assertThat(() -> cleanup.killUserActiveSandbox(alice.userId, "cleanup"), k -> {
            assertTrue(k.killed());
            assertEquals(sandbox.get(), k.sandboxId());
        });
        asserter.assertThat(() -> provider.get(sandbox.get()), info -> assertTrue(info.isEmpty()));
        asserter.assertThat(() -> cleanup.killUserActiveSandbox(alice.userId, "cleanup"), k -> {
            assertFalse(k.killed());
            assertNull(k.sandboxId());
        });
        asserter.assertNull(() -> sandboxes.activeFragment(alice.userId));
    }

    @Test
    @RunOnVertxContext
    void killAllUserSandboxesAlsoKillsUnrecordedOnesOfThatUserOnly(UniAsserter asserter) {
        asserter.execute(() -> sandboxes.init(alice.userId));
        asserter.execute(() -> sandboxes.init(bob.userId));
        // A sandbox left behind by a crash: it carries alice's metadata and this deployment's, the database does not
        // know it.
        AtomicReference<String> orphan = new AtomicReference<>();
        asserter.assertThat(() -> deployment.id().chain(d -> provider.create(new SandboxSpec(null, java.time.Duration.ofMinutes(5),
                Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.OWNER, alice.userId, SandboxMetadata.DEPLOYMENT, d),
                Map.of()))), h -> orphan.set(h.id()));
        asserter.assertThat(() -> cleanup.killAllUserSandboxes(alice.userId, "cleanup"), r -> {
            assertEquals(2, r.totalProjects());
            assertEquals(2, r.killed());
            assertEquals(0, r.failed());
            assertTrue(r.killedSandboxes().contains(orphan.get()));
        });
        asserter.assertThat(() -> provider.list(Map.of(SandboxMetadata.OWNER, alice.userId)), l -> assertTrue(l.isEmpty()));
        asserter.assertThat(() -> provider.list(Map.of(SandboxMetadata.OWNER, bob.userId)), l -> assertEquals(1, l.size()));
    }
}
