package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.support.Api;
import dev.switchboard.support.LocalSandboxes;
import dev.switchboard.support.FaultyProvider;
import dev.switchboard.support.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/** A switch that fails half way leaks no sandbox, leaves no dead pointer, and never loses unsaved files. */
@QuarkusTest
@TestProfile(SwitchFailureTest.Faulty.class)
class SwitchFailureTest {

    public static class Faulty implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.provider", "faulty");
        }
    }

    @Inject
    @Identifier("faulty")
    FaultyProvider provider;
    @Inject
    Pool db;

    @AfterEach
    void reset() {
        provider.reset();
    }

    private List<SandboxInfo> live(String userId) {
        return provider.list(Map.of(SandboxMetadata.OWNER, userId)).await().atMost(Duration.ofSeconds(10));
    }

    private Row userRow(String userId) {
        return db.preparedQuery("SELECT active_sandbox_id, switch_id FROM users WHERE id = $1").execute(Tuple.of(userId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
    }

    private String[] twoProjects(Api alice) {
        String a = alice.createProject("a");
        String b = alice.createProject("b");
        alice.addFragment(a, Map.of("index.html", "a"));
        alice.addFragment(b, Map.of("index.html", "b"));
        return new String[] { a, b };
    }

    @Test
    void restoreFailureKillsTheNewSandboxAndClearsTheKilledOldOne() {
        Api alice = Api.newUser("fail");
        String[] p = twoProjects(alice);
        String oldId = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");

        provider.writeFault.set(new ProviderException(Kind.TRANSIENT, "envd unreachable"));
        alice.switchTo(p[1]).statusCode(503).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).body("status", equalTo(503));

        assertTrue(live(alice.userId).isEmpty(), "neither the new nor the old sandbox is alive");
        Row row = userRow(alice.userId);
        assertNull(row.getString("active_sandbox_id"), "no pointer to the killed old sandbox " + oldId);
        assertNull(row.getValue("switch_id"), "the failed switch let go of its claim");
        alice.req().get("/api/active-fragment").then().statusCode(204);

        provider.reset();
        String url = alice.switchTo(p[1]).statusCode(200).extract().path("result.sandboxUrl");
        assertEquals("b", Http.get(url + "/index.html").body());
    }

    @Test
    void createFailureIsA429ForQuotaAndLeavesNothingBehind() {
        Api alice = Api.newUser("quota");
        String[] p = twoProjects(alice);
        String old = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");

        provider.createFault.set(new ProviderException(Kind.QUOTA, "maximum number of concurrent sandboxes"));
        alice.switchTo(p[1]).statusCode(429).contentType("application/problem+json").header("Retry-After", notNullValue());
        // No new sandbox came, so the user keeps the old one (saved back, not killed), and nothing else is left.
        assertEquals(List.of(old), live(alice.userId).stream().map(SandboxInfo::id).toList());
        assertEquals(old, userRow(alice.userId).getString("active_sandbox_id"));
    }

    @Test
    void failedKillOfTheOldSandboxDoesNotFailTheSwitchAndIsQueued() {
        Api alice = Api.newUser("killfail");
        String[] p = twoProjects(alice);
        String oldId = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");

        provider.killFault.set(new ProviderException(Kind.TRANSIENT, "timeout"));
        String newId = alice.switchTo(p[1]).statusCode(200).extract().path("result.sandboxId");
        assertEquals(newId, userRow(alice.userId).getString("active_sandbox_id"));

        RowSet<Row> queued = db.preparedQuery("SELECT provider, user_id, reason FROM pending_kills WHERE sandbox_id = $1")
                .execute(Tuple.of(oldId)).await().atMost(Duration.ofSeconds(5));
        assertEquals(1, queued.size(), "the failed kill is queued for the reconciler");
        Row q = queued.iterator().next();
        assertEquals("faulty", q.getString("provider"));
        assertEquals(alice.userId, q.getString("user_id"));
        assertEquals("switch", q.getString("reason"));
        provider.reset();
        provider.kill(oldId).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void saveBackReadFailureAbortsTheSwitchAndKeepsTheOldSandbox() throws Exception {
        Api alice = Api.newUser("unsaved");
        String[] p = twoProjects(alice);
        String oldId = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");
        String oldUrl = alice.req().get("/api/sandbox/init").then().extract().path("sandbox.sandboxUrl");

        provider.readFault.set(new ProviderException(Kind.TRANSIENT, "envd 503"));
        alice.switchTo(p[1]).statusCode(503);

        // Files that could not be saved are not destroyed: the old sandbox lives on and stays recorded.
        Row row = userRow(alice.userId);
        assertEquals(oldId, row.getString("active_sandbox_id"));
        assertNull(row.getValue("switch_id"));
        assertEquals("a", Http.get(oldUrl + "/index.html").body());
        assertEquals(List.of(oldId), live(alice.userId).stream().map(SandboxInfo::id).toList());
    }

    @Test
    void providerDownForTheWholeSwitchIs503AndKeepsStateIntact() {
        Api alice = Api.newUser("down");
        String[] p = twoProjects(alice);
        String oldId = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");

        ProviderException down = new ProviderException(Kind.TRANSIENT, "connection refused");
        provider.createFault.set(down);
        provider.killFault.set(down);
        provider.readFault.set(null);
        alice.switchTo(p[1]).statusCode(503).contentType("application/problem+json");
        // The old sandbox could not be killed, so it is still alive and still the user's.
        assertEquals(oldId, userRow(alice.userId).getString("active_sandbox_id"));
        assertEquals(1, live(alice.userId).size());
    }

    @Test
    void adminKillAllGoesOnPastAUserWhoseSandboxCannotBeSavedAndForceSkipsSaveBack() throws Exception {
        Api a = Api.newUser("killall-a");
        Api b = Api.newUser("killall-b");
        String pa = a.createProject("a");
        String pb = b.createProject("b");
        a.addFragment(pa, Map.of("index.html", "a"));
        b.addFragment(pb, Map.of("index.html", "b"));
        String sa = a.switchTo(pa).statusCode(200).extract().path("result.sandboxId");
        String sb = b.switchTo(pb).statusCode(200).extract().path("result.sandboxId");
        LocalSandboxes.write(sa, "index.html", "edited a");
        provider.unreadable.add(sb);

        io.restassured.specification.RequestSpecification admin = io.restassured.RestAssured.given()
                .header("Authorization", "Bearer " + dev.switchboard.support.Tokens.admin("ops"));
        List<String> failed = admin.delete("/api/admin/sandboxes").then().statusCode(200)
                .body("success", org.hamcrest.Matchers.equalTo(false))
                .body("results.killedSandboxes", org.hamcrest.Matchers.hasItem(sa))
                .extract().path("results.failedSandboxes");
        assertEquals(List.of(sb), failed.stream().filter(id -> id.equals(sa) || id.equals(sb)).toList());
        assertEquals(List.of(sb), live(b.userId).stream().map(SandboxInfo::id).toList(), "unsaved work is never killed");
        assertEquals(sb, userRow(b.userId).getString("active_sandbox_id"));
        assertTrue(live(a.userId).isEmpty());
        String saved = a.req().get("/api/projects/" + pa + "/fragments").then().statusCode(200).extract().path("[0].id");
        a.req().get("/api/projects/" + pa + "/fragments/" + saved).then().body("files.'index.html'",
                org.hamcrest.Matchers.equalTo("edited a"));

        // An operator who accepts the loss forces the kill: no save-back is attempted.
        LocalSandboxes.write(sb, "index.html", "edited b");
        admin.delete("/api/admin/users/" + b.userId + "/sandbox?force=true").then().statusCode(200)
                .body("success", org.hamcrest.Matchers.equalTo(true))
                .body("results.killedSandboxes", org.hamcrest.Matchers.contains(sb));
        assertTrue(live(b.userId).isEmpty());
        assertEquals(1, b.req().get("/api/projects/" + pb + "/fragments").then().statusCode(200).extract().jsonPath()
                .getList("id").size());
    }
}
