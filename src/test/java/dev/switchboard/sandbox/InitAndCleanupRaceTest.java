package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.support.Api;
import dev.switchboard.support.FaultyProvider;
import dev.switchboard.support.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Init goes through the same claim as a switch and never acts on a stale read; a switch cancelled by its user's
 * cleanup answers 409. Each race is made deterministic by holding one provider call of the first party.
 */
@QuarkusTest
@TestProfile(SwitchFailureTest.Faulty.class)
class InitAndCleanupRaceTest {

    @Inject
    @Identifier("faulty")
    FaultyProvider provider;
    @Inject
    Pool db;

    @AfterEach
    void reset() {
        provider.reset();
    }

    private List<String> live(String userId) {
        return provider.list(Map.of(SandboxMetadata.OWNER, userId)).await().atMost(Duration.ofSeconds(10))
                .stream().map(SandboxInfo::id).toList();
    }

    private String recorded(String userId) {
        return db.preparedQuery("SELECT active_sandbox_id FROM users WHERE id = $1").execute(Tuple.of(userId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString(0);
    }

    private static CompletableFuture<Response> async(java.util.function.Supplier<Response> call) {
        return CompletableFuture.supplyAsync(call);
    }

    @Test
    void initThatReadNoSandboxBeforeASwitchCommittedDoesNotUndoTheSwitch() throws Exception {
        Api alice = Api.newUser("stale-init");
        String a = alice.createProject("a");
        String b = alice.createProject("b");
        alice.addFragment(a, Map.of("index.html", "a"));
        alice.addFragment(b, Map.of("index.html", "b"));
        String dead = alice.switchTo(a).statusCode(200).extract().path("result.sandboxId");
        provider.kill(dead).await().atMost(Duration.ofSeconds(10)); // gone behind Switchboard's back

        // Init finds the recorded sandbox and asks the provider about it; the answer ("gone") is held back...
        FaultyProvider.Gate gate = provider.holdNextGet(dead);
        CompletableFuture<Response> init = async(() -> alice.req().post("/api/sandbox/init").then().extract().response());
        assertTrue(gate.entered.await(20, TimeUnit.SECONDS), "init asked the provider");
        // ...while a switch to b runs to its end.
        Response switched = alice.switchTo(b).statusCode(200).extract().response();
        String sandbox = switched.path("result.sandboxId");
        String url = switched.path("result.sandboxUrl");
        gate.open.complete(null);

        Response r = init.get(60, TimeUnit.SECONDS);
        // The switch's 200 stands: init answers the sandbox the switch made, and touched nothing.
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals(sandbox, r.path("sandbox.sandboxId"));
        assertEquals(sandbox, recorded(alice.userId));
        assertEquals(List.of(sandbox), live(alice.userId));
        assertEquals("b", Http.get(url + "/index.html").body());
    }

    @Test
    void initDuringASwitchInFlightAnswers409AndTheSwitchStands() throws Exception {
        Api alice = Api.newUser("init-inflight");
        String a = alice.createProject("a");
        String b = alice.createProject("b");
        alice.addFragment(a, Map.of("index.html", "a"));
        alice.addFragment(b, Map.of("index.html", "b"));
        alice.switchTo(a).statusCode(200);
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200);

        // The switch to b is held between acquire and commit (in restore)...
        FaultyProvider.Gate gate = provider.holdNextWrite();
        CompletableFuture<Response> switching = async(() -> alice.switchTo(b).extract().response());
        assertTrue(gate.entered.await(20, TimeUnit.SECONDS), "the switch is restoring");
        // ...when init reads "no live sandbox": it must not overtake the switch nor restore project a.
        alice.req().post("/api/sandbox/init").then().statusCode(409).contentType("application/problem+json")
                .body("status", equalTo(409));
        gate.open.complete(null);

        Response switched = switching.get(60, TimeUnit.SECONDS);
        assertEquals(200, switched.statusCode(), switched.asString());
        String sandbox = switched.path("result.sandboxId");
        assertEquals(sandbox, recorded(alice.userId));
        assertEquals(List.of(sandbox), live(alice.userId));
        assertEquals("b", Http.get(switched.path("result.sandboxUrl") + "/index.html").body());
        // Now that nothing is in flight, init answers the switch's sandbox.
        alice.req().post("/api/sandbox/init").then().statusCode(200).body("sandbox.sandboxId", equalTo(sandbox));
    }

    @Test
    void switchCancelledByTheSameUsersCleanupAnswers409() throws Exception {
        Api alice = Api.newUser("cancelled");
        String a = alice.createProject("a");
        alice.addFragment(a, Map.of("index.html", "a"));

        FaultyProvider.Gate gate = provider.holdNextWrite();
        CompletableFuture<Response> switching = async(() -> alice.switchTo(a).extract().response());
        assertTrue(gate.entered.await(20, TimeUnit.SECONDS), "the switch is restoring");
        // The cleanup kills every sandbox of the user, the switch's new one included, and cancels the switch.
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200);
        gate.open.complete(null);

        Response r = switching.get(60, TimeUnit.SECONDS);
        assertEquals(409, r.statusCode(), r.asString());
        assertEquals("application/problem+json", r.contentType());
        assertNull(recorded(alice.userId));
        assertEquals(List.of(), live(alice.userId));
    }

    /** Init found the sandbox alive, but it died before init touched it (a cleanup or a job killed it): a new one. */
    @Test
    void initWhoseSandboxDiesUnderItGetsANewOneWithTheProjectsFiles() {
        Api alice = Api.newUser("init-dies");
        String a = alice.createProject("a");
        alice.addFragment(a, Map.of("index.html", "a"));
        String first = alice.switchTo(a).statusCode(200).extract().path("result.sandboxId");
        provider.vanishOnExtend.add(first);

        Response r = alice.req().post("/api/sandbox/init").then().extract().response();

        assertEquals(200, r.statusCode(), r.asString());
        String now = r.path("sandbox.sandboxId");
        assertTrue(!first.equals(now), "a new sandbox");
        assertEquals(now, recorded(alice.userId));
        assertEquals(List.of(now), live(alice.userId));
        assertEquals("a", Http.get(r.path("sandbox.sandboxUrl") + "/index.html").body(), "holding the project's files");
    }
}
