package dev.switchboard.provider.e2b;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The switch API on E2B: restores in few requests, and an E2B outage or quota leaves the user's state intact. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bSwitchTest extends E2bTestSupport {

    @Inject
    Pool db;

    private Row userRow(String userId) {
        return db.preparedQuery("SELECT active_sandbox_id, switch_id FROM users WHERE id = $1").execute(Tuple.of(userId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
    }

    private String[] twoProjects(Api user) {
        String a = user.createProject("a");
        String b = user.createProject("b");
        user.addFragment(a, Map.of("index.html", "a"));
        user.addFragment(b, Map.of("index.html", "b"));
        return new String[] { a, b };
    }

    @Test
    void fiveHundredFileFragmentIsRestoredInAHandfulOfRequests() {
        Api alice = Api.newUser("e2b-bulk");
        String p = alice.createProject("bulk");
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i < 500; i++) {
            files.put("src/module-" + (i % 20) + "/file-" + i + ".js", "export const v" + i + " = " + i + ";\n".repeat(20));
        }
        alice.addFragment(p, files);

        JsonPath r = alice.switchTo(p).statusCode(200).body("result.restoredFiles", equalTo(500)).extract().jsonPath();
        String id = r.getString("result.sandboxId");
        int writes = fake.requests("files.write", id);
        int dataPlane = writes + fake.requests("health", id) + fake.requests("makedir", id);
        System.out.printf("e2b: 500-file restore took %d upload request(s), %d data-plane requests in all%n", writes, dataPlane);
        assertTrue(writes <= 3, "upload requests: " + writes);
        assertTrue(dataPlane <= 3, "data-plane requests (health, project root, uploads): " + dataPlane);

        E2bBackdoor backdoor = new E2bBackdoor(fake);
        assertEquals(files.get("src/module-7/file-7.js"),
                backdoor.read(id, r.getString("result.sandboxUrl"), "src/module-7/file-7.js").orElseThrow());
        assertEquals(500, fake.sandbox(id).orElseThrow().files().size());
    }

    @Test
    void providerDownForTheWholeSwitchIs503AndKeepsTheUsersState() {
        Api alice = Api.newUser("e2b-down");
        String[] p = twoProjects(alice);
        String oldId = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");
        int creates = fake.requests("create");

        fake.failNext(E2bFake.ANY, 1000, 503, null);
        alice.switchTo(p[1]).statusCode(503).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).body("status", equalTo(503));
        fake.clearFaults();

        // Save-back could not read the old sandbox, so it was not killed, and the create beside it left nothing behind.
        assertTrue(fake.requests("create") >= creates);
        assertTrue(fake.sandbox(oldId).isPresent(), "the old sandbox was not killed");
        Row row = userRow(alice.userId);
        assertEquals(oldId, row.getString("active_sandbox_id"));
        assertNull(row.getValue("switch_id"), "the failed switch let go of its claim");

        awaitBreakerClosed();
        alice.req().get("/api/active-fragment").then().statusCode(200).body("projectId", equalTo(p[0]));
        assertEquals(List.of(oldId), provider.list(Map.of(SandboxMetadata.OWNER, alice.userId)).await().atMost(WAIT)
                .stream().map(SandboxInfo::id).toList());
        alice.switchTo(p[1]).statusCode(200);
    }

    @Test
    void aSwitchWhoseCreateAnswerWasLostUsesTheOneSandboxE2bMade() {
        Api alice = Api.newUser("e2b-lost-create");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "p"));
        int creates = fake.requests("create");
        fake.dropNextAfterCreating(1);

        String id = alice.switchTo(p).statusCode(200).body("result.restoredFiles", equalTo(1))
                .extract().path("result.sandboxId");
        assertEquals(creates + 1, fake.requests("create"), "not created a second time");
        List<String> alices = fake.sandboxes().values().stream()
                .filter(s -> alice.userId.equals(s.metadata().get(SandboxMetadata.OWNER))).map(E2bFake.SandboxView::id).toList();
        assertEquals(List.of(id), alices, "exactly one sandbox for the switch, and the switch uses it");
        assertEquals(id, userRow(alice.userId).getString("active_sandbox_id"));
        assertEquals("p", new String(fake.file(id, fake.projectRoot() + "/index.html").orElseThrow()));
    }

    @Test
    void concurrencyQuotaIs429AndLeavesNothingBehind() {
        Api alice = Api.newUser("e2b-quota");
        String[] p = twoProjects(alice);
        alice.switchTo(p[0]).statusCode(200);
        // Two sandboxes of someone else and alice's fill the account: no create fits.
        create(owner());
        create(owner());
        fake.setMaxConcurrent(2);
        int creates = fake.requests("create");

        alice.switchTo(p[1]).statusCode(429).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).body("status", equalTo(429));
        assertEquals(creates + 1, fake.requests("create"), "a quota refusal is not retried");
        // No new sandbox came, so alice keeps the one she had (saved back, not killed): nothing else is left behind.
        String old = userRow(alice.userId).getString("active_sandbox_id");
        assertEquals(List.of(old), provider.list(Map.of(SandboxMetadata.OWNER, alice.userId)).await().atMost(WAIT)
                .stream().map(SandboxInfo::id).toList());
    }

    @Test
    void readinessReachesE2bAndFollowsItsOutages() {
        int gets = fake.requests("get");
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("sandbox provider e2b"));
        assertTrue(fake.requests("get") > gets, "the probe reached E2B");

        fake.failNext(E2bFake.ANY, 1000, 503, null);
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
        fake.clearFaults();
        awaitBreakerClosed();
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void sandboxExpiredAtE2bIsRecreatedByInit() {
        Api alice = Api.newUser("e2b-expired");
        String[] p = twoProjects(alice);
        String first = alice.switchTo(p[0]).statusCode(200).extract().path("result.sandboxId");
        fake.vanish(first);
        String again = alice.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        assertTrue(!first.equals(again) && fake.sandbox(again).isPresent());
        assertEquals("a", new String(fake.file(again, fake.projectRoot() + "/index.html").orElseThrow()));
    }
}
