package dev.switchboard.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Invariants 1 and 4: of concurrent switches the newest wins, losers answer 409 and leak nothing. */
@QuarkusTest
class ConcurrentSwitchTest {

    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;

    @Test
    void twentyConcurrentSwitchesLeaveExactlyTheWinnersSandbox() throws Exception {
        Api alice = Api.newUser("racer");
        int n = 20;
        List<String> projects = new ArrayList<>();
        Map<String, String> contentByProject = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String p = alice.createProject("project-" + i);
            alice.addFragment(p, Map.of("index.html", "content of project " + i));
            projects.add(p);
            contentByProject.put(p, "content of project " + i);
        }

        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> futures = new ArrayList<>();
        for (String p : projects) {
            futures.add(pool.submit(() -> {
                start.await();
                return alice.req().body(Map.of("projectId", p)).post("/api/switch-project");
            }));
        }
        start.countDown();
        List<Response> responses = new ArrayList<>();
        for (Future<Response> f : futures) {
            responses.add(f.get());
        }
        pool.shutdown();

        int ok = 0;
        int conflicts = 0;
        for (Response r : responses) {
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(409, r.statusCode(), "every loser answers 409: " + r.asString());
                assertEquals("application/problem+json", r.contentType());
                conflicts++;
            }
        }
        assertTrue(ok >= 1, "at least one switch wins");
        assertEquals(n, ok + conflicts);

        Row row = db.preparedQuery("SELECT active_sandbox_id, active_project_id::text, switch_id FROM users WHERE id = $1")
                .execute(Tuple.of(alice.userId)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        String recorded = row.getString("active_sandbox_id");
        String winnerProject = row.getString("active_project_id");
        assertNotNull(recorded);
        assertNull(row.getValue("switch_id"), "no switch is left in flight");

        List<SandboxInfo> live = provider.list(Map.of(SandboxMetadata.OWNER, alice.userId)).await().atMost(Duration.ofSeconds(10));
        assertEquals(1, live.size(), "exactly one sandbox is alive: " + live);
        assertEquals(recorded, live.get(0).id(), "the live sandbox is the one the database records");

        // It holds the winner's files, and the winner is one of the switches that answered 200.
        assertEquals(contentByProject.get(winnerProject), Http.get(live.get(0).url() + "/index.html").body());
        assertTrue(responses.stream().anyMatch(r -> r.statusCode() == 200
                && recorded.equals(r.path("result.sandboxId"))), "the recorded sandbox came from a 200 answer");
        // Every other 200 answer's sandbox was killed by a later switch: its URL is dead.
        for (Response r : responses) {
            if (r.statusCode() == 200 && !recorded.equals(r.path("result.sandboxId"))) {
                assertNull(Http.get(r.path("result.sandboxUrl") + "/index.html"));
            }
        }
    }
}
