package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import picocli.CommandLine;

/** The CLI's three forms against the running database and real local sandboxes. */
@QuarkusTest
class SandboxesCommandTest {

    @Inject
    AdminService admin;
    @Inject
    Vertx vertx;
    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;

    private record Run(int exit, String out) {
    }

    private Run run(String... args) {
        SandboxesCommand command = new SandboxesCommand(admin, vertx);
        StringWriter out = new StringWriter();
        command.out = new PrintWriter(out, true);
        int exit = new CommandLine(command).setExecutionExceptionHandler((e, cli, parsed) -> 1).execute(args);
        return new Run(exit, out.toString());
    }

    private boolean alive(String id) {
        return provider.get(id).await().atMost(Duration.ofSeconds(10)).isPresent();
    }

    @Test
    void listKillOneKillAll() {
        Api ann = Api.newUser("cli-ann");
        Api ben = Api.newUser("cli-ben");
        String p = ann.createProject("Airbnb clone");
        ann.addFragment(p, Map.of("index.html", "x"));
        String annSandbox = ann.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        String benSandbox = ben.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");

        Run list = run("--list");
        assertEquals(0, list.exit());
        assertTrue(list.out().contains("👤 User " + ann.userId + " (" + ann.userId + "@example.com)"), list.out());
        assertTrue(list.out().contains("   User ID: " + ann.userId), list.out());
        assertTrue(list.out().contains("   Active sandbox: " + annSandbox), list.out());
        assertTrue(list.out().contains("   Active project: " + p + " (Airbnb clone)"), list.out());
        assertTrue(list.out().contains("   Last used: "), list.out());
        assertTrue(list.out().contains("   Active sandbox: " + benSandbox), list.out());

        Run one = run(ann.userId);
        assertEquals(0, one.exit());
        assertTrue(one.out().contains("1 sandboxes killed, 0 failed"), one.out());
        assertTrue(one.out().contains("killed: " + annSandbox), one.out());
        assertFalse(alive(annSandbox));
        assertTrue(alive(benSandbox), "killing one user's sandbox leaves the others");
        assertFalse(run("--list").out().contains(annSandbox));

        Run all = run("--all");
        assertEquals(0, all.exit());
        assertTrue(all.out().contains("killed: " + benSandbox), all.out());
        assertFalse(alive(benSandbox));
        assertTrue(run("--list").out().contains("Found 0 users"), "nothing is left alive");
    }

    /**
     * The packaged jar answers {@code --list} without booting ({@link DirectListing}): same rows, same text as the
     * booted command, and a record whose provider deadline has passed is marked stopped by both.
     */
    @Test
    void theDirectListingPrintsWhatTheBootedCommandPrints() {
        // Other tests' records may point at sandboxes lost before their deadline, which only the provider knows of.
        run("--all");
        Api cam = Api.newUser("cli-cam");
        Api dee = Api.newUser("cli-dee");
        String p = cam.createProject("Todo app");
        cam.addFragment(p, Map.of("index.html", "x"));
        cam.switchTo(p).statusCode(200);
        String deeSandbox = dee.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        try {
            assertEquals(run("--list").out(), direct(), "live sandboxes");

            // Expired at the provider: gone there, and the database knows its deadline passed.
            provider.kill(deeSandbox).await().atMost(Duration.ofSeconds(10));
            db.preparedQuery("UPDATE users SET sandbox_provider_expires_at = now() - interval '1 second' WHERE id = $1")
                    .execute(Tuple.of(dee.userId)).await().atMost(Duration.ofSeconds(10));
            String booted = run("--list").out();
            assertTrue(booted.contains("   Active sandbox: " + deeSandbox + " (stopped; will be cleared)"), booted);
            assertEquals(booted, direct(), "a sandbox past its provider deadline");
        } finally {
            run("--all");
        }
    }

    private static String direct() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DirectListing.list(ConfigProvider.getConfig(), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, exit, err.toString());
        return out.toString();
    }

    @Test
    void badUsageAndUnknownUser() {
        assertEquals(2, run().exit());
        assertEquals(2, run("--list", "--all").exit());
        assertEquals(1, run("no-such-user-ever").exit());
    }
}
