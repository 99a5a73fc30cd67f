package dev.switchboard.provider.e2b;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.admin.AdminService;
import dev.switchboard.admin.SandboxesCommand;
import dev.switchboard.common.Deployment;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.lifecycle.ReconcileJob;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.support.Api;
import dev.switchboard.support.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import picocli.CommandLine;

/**
 * Two deployments (say staging and production) on one E2B account: the other one's sandboxes, created through a
 * second client straight at the fake, survive this deployment's reconcile, admin kill-all, CLI kills and cleanup,
 * while this deployment's orphans are reaped. Unstamped sandboxes (made before the stamp) are this deployment's
 * only when its database knows them.
 */
@QuarkusTest
@TestProfile(E2bLifecycleTest.Profile.class)
class E2bDeploymentScopeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String OTHER = "production-eu";

    @InjectE2bFake
    E2bFake fake;
    @Inject
    SandboxProvider provider;
    @Inject
    Deployment deployment;
    @Inject
    ReconcileJob reconcile;
    @Inject
    AdminService admin;
    @Inject
    Vertx vertx;
    @Inject
    Pool db;

    private String ours;

    @BeforeEach
    void ourId() {
        ours = deployment.id().await().atMost(WAIT);
    }

    @AfterEach
    void reset() {
        fake.reset();
    }

    /** A sandbox as a switch of deployment {@code stamp} (null: of a version before the stamp) would leave it. */
    private String plant(String owner, String stamp) {
        Map<String, String> metadata = new HashMap<>(Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.OWNER, owner,
                SandboxMetadata.SWITCH, UUID.randomUUID().toString(), SandboxMetadata.INSTANCE, "other-pod"));
        if (stamp != null) {
            metadata.put(SandboxMetadata.DEPLOYMENT, stamp);
        }
        String id = provider.create(new SandboxSpec(null, Duration.ofMinutes(10), metadata, Map.of())).await().atMost(WAIT).id();
        // Well past the grace period, so only the deployment rule keeps it alive.
        fake.backdate(id, Duration.ofMinutes(10));
        return id;
    }

    private boolean alive(String id) {
        return fake.sandbox(id).isPresent();
    }

    private void assertUntouched(String id) {
        assertTrue(alive(id), "sandbox " + id + " of another deployment is alive");
        assertEquals(0, fake.requests("kill", id), "and was never killed");
    }

    /** The audit trail names a sandbox, as it does every sandbox this deployment created, claimed or parked. */
    private void knownToOurAuditTrail(String userId, String sandboxId) {
        db.preparedQuery("INSERT INTO sandbox_events (user_id, sandbox_id, type, provider) VALUES ($1, $2, 'created', 'e2b')")
                .execute(Tuple.of(userId, sandboxId)).await().atMost(WAIT);
    }

    @Test
    void reconcileReapsOnlyThisDeploymentsOrphans() {
        String owner = "scope-" + UUID.randomUUID().toString().substring(0, 8);
        String mine = plant(owner, ours);
        String theirs = plant(owner, OTHER);
        String oldUnknown = plant(owner, null);
        String oldKnown = plant(owner, null);
        knownToOurAuditTrail(owner, oldKnown);

        ReconcileJob.Report report = reconcile.runReporting().await().atMost(WAIT);

        assertFalse(alive(mine), "this deployment's orphan is reaped");
        assertFalse(alive(oldKnown), "an unstamped sandbox this database knows is this deployment's");
        assertUntouched(theirs);
        assertTrue(alive(oldUnknown), "an unstamped sandbox this database never knew is left to its provider timeout");
        assertEquals(0, fake.requests("kill", oldUnknown));
        assertTrue(report.orphansKilled() >= 2, "both counted (other test classes' orphans may add to them)");
    }

    @Test
    void adminKillAllKillsOnlyThisDeployment() {
        Api user = Api.newUser("scope-admin");
        String recorded = user.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        String mine = plant(user.userId, ours);
        String theirs = plant(user.userId, OTHER);
        String oldUnknown = plant("someone", null);

        List<String> killed = given().header("Authorization", "Bearer " + Tokens.admin("ops"))
                .delete("/api/admin/sandboxes").then().statusCode(200).extract().path("results.killedSandboxes");

        assertTrue(killed.containsAll(List.of(recorded, mine)), killed.toString());
        assertFalse(alive(recorded));
        assertFalse(alive(mine));
        assertUntouched(theirs);
        assertTrue(alive(oldUnknown));
        assertFalse(killed.contains(theirs) || killed.contains(oldUnknown), killed.toString());
    }

    @Test
    void cliKillsAndUserCleanupLeaveTheSameUserIdOfAnotherDeploymentAlone() {
        // One identity provider for both deployments: the same user id exists in each.
        Api user = Api.newUser("scope-cli");
        user.req().post("/api/sandbox/init").then().statusCode(200);
        String theirs = plant(user.userId, OTHER);
        String mine = plant(user.userId, ours);

        user.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        assertFalse(alive(mine), "cleanup kills the user's leftover of this deployment");
        assertUntouched(theirs);

        user.req().post("/api/sandbox/init").then().statusCode(200);
        assertEquals(0, cli(user.userId));
        assertUntouched(theirs);

        String recorded = user.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        assertEquals(0, cli("--all"));
        assertFalse(alive(recorded));
        assertUntouched(theirs);
    }

    private int cli(String... args) {
        return new CommandLine(new SandboxesCommand(admin, vertx)).setExecutionExceptionHandler((e, c, p) -> {
            throw e;
        }).execute(args);
    }
}
