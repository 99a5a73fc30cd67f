package dev.switchboard.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.support.Api;
import dev.switchboard.support.FaultyProvider;
import dev.switchboard.support.SseCall;
import dev.switchboard.support.SseCall.Event;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * {@code POST /api/switch-project} with {@code Accept: text/event-stream}: the progress events in order, the result as
 * the JSON answer, failures as a problem event or (before streaming) a plain problem, and a client hanging up mid-switch.
 */
@QuarkusTest
@TestProfile(SwitchFailureTest.Faulty.class)
class SwitchProgressTest {

    private static final List<String> STEPS = List.of("claimed", "acquired", "restored", "committed", "result");

    @Inject
    @Identifier("faulty")
    FaultyProvider provider;
    @Inject
    Pool db;

    @AfterEach
    void reset() {
        provider.reset();
    }

    private static SseCall stream(Api user, String projectId) {
        return SseCall.post("/api/switch-project", user.token(), "{\"projectId\":\"" + projectId + "\"}");
    }

    private Row userRow(String userId) {
        return db.preparedQuery("SELECT active_sandbox_id, switch_id FROM users WHERE id = $1").execute(Tuple.of(userId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
    }

    private int live(String userId) {
        return provider.list(Map.of(SandboxMetadata.OWNER, userId)).await().atMost(Duration.ofSeconds(10)).size();
    }

    @Test
    void progressEventsComeInOrderThenTheResultInTheShapeOfTheJsonAnswer() {
        Api alice = Api.newUser("progress");
        String a = alice.createProject("a");
        String b = alice.createProject("b");
        alice.addFragment(a, Map.of("index.html", "a"));
        alice.addFragment(b, Map.of("index.html", "b", "app.js", "x"));
        JsonPath plain = alice.switchTo(a).statusCode(200).extract().jsonPath();

        List<Event> events;
        try (SseCall call = stream(alice, b)) {
            assertEquals(200, call.status);
            assertTrue(call.contentType().startsWith("text/event-stream"), call.contentType());
            events = call.all();
        }
        List<String> names = events.stream().map(Event::name).toList();
        assertEquals(STEPS, names.stream().filter(n -> !n.equals("saved-back")).toList(), names.toString());
        int saved = names.indexOf("saved-back");
        assertTrue(saved > names.indexOf("claimed") && saved < names.indexOf("committed"), names.toString());
        assertEquals(1, names.stream().filter("saved-back"::equals).count(), names.toString());

        long last = -1;
        for (Event e : events.subList(0, events.size() - 1)) {
            long ms = e.json().getLong("ms");
            assertTrue(ms >= last && ms >= 0, "ms never decreases: " + events);
            last = ms;
        }
        JsonPath acquired = events.get(names.indexOf("acquired")).json();
        assertEquals("cold", acquired.getString("launch"));
        assertEquals(2, events.get(names.indexOf("restored")).json().getInt("restoredFiles"));

        JsonPath result = events.get(names.size() - 1).json();
        assertEquals(plain.getMap("").keySet(), result.getMap("").keySet());
        assertEquals(plain.getMap("result").keySet(), result.getMap("result").keySet());
        assertEquals(true, result.getBoolean("success"));
        String sandboxId = result.getString("result.sandboxId");
        assertEquals(acquired.getString("sandboxId"), sandboxId);
        assertEquals(sandboxId, events.get(names.indexOf("committed")).json().getString("sandboxId"));
        assertEquals(b, result.getString("result.activeProjectId"));
        assertEquals(2, result.getInt("result.restoredFiles"));
        // Local sandboxes serve no MCP: Switchboard's own, from the request's base without switchboard.public-url.
        assertEquals("http://localhost:" + io.restassured.RestAssured.port + "/mcp", result.getString("result.mcpServerUrl"));
        assertEquals(sandboxId, userRow(alice.userId).getString("active_sandbox_id"));
        assertEquals(1, live(alice.userId));
    }

    @Test
    void aFailureAfterStreamingStartedIsAProblemEventAndTheSwitchLetsGo() {
        Api alice = Api.newUser("progress-fail");
        String a = alice.createProject("a");
        alice.addFragment(a, Map.of("index.html", "a"));
        provider.createFault.set(new ProviderException(Kind.QUOTA, "maximum number of concurrent sandboxes"));

        List<Event> events;
        try (SseCall call = stream(alice, a)) {
            assertEquals(200, call.status);
            events = call.all();
        }
        List<String> names = events.stream().map(Event::name).toList();
        assertEquals("claimed", names.get(0), names.toString());
        assertEquals("problem", names.get(names.size() - 1), names.toString());
        assertTrue(!names.contains("acquired") && !names.contains("committed") && !names.contains("result"), names.toString());
        JsonPath problem = events.get(names.size() - 1).json();
        assertEquals(429, problem.getInt("status"));
        assertEquals("Too Many Requests", problem.getString("title"));
        assertNotNull(problem.getString("detail"));
        Row row = userRow(alice.userId);
        assertNull(row.getUUID("switch_id"), "the failed switch let go of its claim");
        assertNull(row.getString("active_sandbox_id"));
        assertEquals(0, live(alice.userId));
    }

    @Test
    void aProjectTheCallerMayNotSeeIsAPlainProblemBeforeAnyEvent() {
        Api alice = Api.newUser("progress-404");
        Api bob = Api.newUser("progress-bob");
        String bobs = bob.createProject("secret");
        // Someone else's project is 403, an unknown one 404: both as the JSON switch answers them, before any event.
        for (var c : Map.of(bobs, 403, UUID.randomUUID().toString(), 404).entrySet()) {
            try (SseCall call = stream(alice, c.getKey())) {
                assertEquals(c.getValue(), call.status);
                assertTrue(call.contentType().startsWith("application/problem+json"), call.contentType());
                assertEquals(c.getValue(), new JsonPath(call.body()).getInt("status"));
            }
        }
        try (SseCall call = SseCall.post("/api/switch-project", alice.token(), "{}")) {
            assertEquals(400, call.status, "validation comes before streaming too");
        }
        assertNull(userRow(alice.userId).getUUID("switch_id"), "nothing was claimed");
    }

    @Test
    void aClientThatHangsUpMidSwitchLeavesNoHalfSwitch() throws Exception {
        Api alice = Api.newUser("progress-gone");
        String a = alice.createProject("a");
        alice.addFragment(a, Map.of("index.html", "a"));
        FaultyProvider.Gate restore = provider.holdNextWrite();
        String sandboxId;
        try (SseCall call = stream(alice, a)) {
            Event e = call.next();
            while (e != null && !e.name().equals("acquired")) {
                e = call.next();
            }
            assertNotNull(e, "the switch got as far as acquired");
            sandboxId = e.json().getString("sandboxId");
            assertTrue(restore.entered.await(10, TimeUnit.SECONDS), "the restore is held");
        }
        // The client is gone; the switch goes on and commits.
        restore.open.complete(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Row row = userRow(alice.userId);
        while ((row.getUUID("switch_id") != null || row.getString("active_sandbox_id") == null) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            row = userRow(alice.userId);
        }
        assertNull(row.getUUID("switch_id"), "the switch finished");
        assertEquals(sandboxId, row.getString("active_sandbox_id"));
        assertEquals(1, live(alice.userId));
    }
}
