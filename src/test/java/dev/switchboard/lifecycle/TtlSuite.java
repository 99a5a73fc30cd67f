package dev.switchboard.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Invariant 3 at the TTL: a sandbox edited until shortly before its max-age still has those edits saved by the TTL
 * sweep, because the provider's own expiry stays the expiry margin past Switchboard's deadline, extensions included.
 * Profiles: max-age 6 s, margin 6 s; the test drives the sweep itself, timed from the sandbox's creation.
 */
public abstract class TtlSuite {

    public static final Map<String, String> CONFIG = Map.of("switchboard.sandbox.max-age", "6s",
            "switchboard.sandbox.expiry-margin", "6s");

    @Inject
    LifecycleJobs jobs;
    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;

    protected abstract SandboxBackdoor backdoor();

    @Test
    void editsMadeJustBeforeMaxAgeAreSavedByTheTtlSweep() throws Exception {
        Api user = Api.newUser("ttl-save");
        String project = user.createProject("app");
        user.addFragment(project, Map.of("index.html", "v1"));
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        // Timed from the sandbox's creation, which is where its TTL starts, however long the switch itself took.
        Instant created = Instant.parse(user.req().get("/api/sandbox/init").then().statusCode(200)
                .extract().<String> path("sandbox.createdAt"));

        sleepUntil(created, Duration.ofMillis(3500));
        backdoor().writeBytes(sandbox, "index.html", "edited just before max-age".getBytes(StandardCharsets.UTF_8));
        // A heartbeat near the deadline must not pull the provider's expiry in to the deadline itself.
        user.req().post("/api/sandbox/heartbeat").then().statusCode(204);

        sleepUntil(created, Duration.ofMillis(7500));
        assertTrue(provider.get(sandbox).await().atMost(Duration.ofSeconds(10)).isPresent(),
                "past its TTL the sandbox is still there for the sweep to save");
        jobs.expireNow().await().atMost(Duration.ofSeconds(60));

        assertFalse(provider.get(sandbox).await().atMost(Duration.ofSeconds(10)).isPresent(), "the TTL sweep killed it");
        String latest = user.req().get("/api/projects/" + project + "/fragments").then().statusCode(200)
                .extract().path("[0].id");
        user.req().get("/api/projects/" + project + "/fragments/" + latest).then().statusCode(200)
                .body("files.'index.html'", org.hamcrest.Matchers.equalTo("edited just before max-age"));
        List<String> reasons = db.preparedQuery("SELECT reason FROM sandbox_events WHERE user_id = $1 AND type = 'killed'")
                .execute(Tuple.of(user.userId)).await().atMost(Duration.ofSeconds(10))
                .stream().map(r -> r.getString(0)).toList();
        assertEquals(List.of("ttl"), reasons);
    }

    private static void sleepUntil(Instant start, Duration at) throws InterruptedException {
        long left = Duration.between(Instant.now(), start.plus(at)).toMillis();
        if (left > 0) {
            Thread.sleep(left);
        }
    }
}
