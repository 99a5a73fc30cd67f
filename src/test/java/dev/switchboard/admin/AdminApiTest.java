package dev.switchboard.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/** The admin API: role checks, listing, killing, and the audit trail with its reasons. */
@QuarkusTest
class AdminApiTest {

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + Tokens.admin("ops"));
    }

    @Test
    void onlyAdminsGetIn() {
        Api user = Api.newUser("plain");
        user.req().get("/api/admin/sandboxes").then().statusCode(403).contentType("application/problem+json");
        user.req().get("/api/admin/events").then().statusCode(403);
        user.req().delete("/api/admin/users/" + user.userId + "/sandbox").then().statusCode(403);
        user.req().delete("/api/admin/sandboxes").then().statusCode(403);
        given().get("/api/admin/sandboxes").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void listKillAndTheAuditTrail() {
        Api alice = Api.newUser("audited");
        String p = alice.createProject("shop");
        alice.addFragment(p, Map.of("index.html", "x"));
        String first = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        String second = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");

        List<Map<String, Object>> listed = admin().queryParam("limit", 1000).get("/api/admin/sandboxes").then().statusCode(200)
                .extract().path("findAll { it.userId == '" + alice.userId + "' }");
        assertEquals(1, listed.size());
        assertEquals(second, listed.get(0).get("sandboxId"));
        assertEquals("shop", listed.get(0).get("projectName"));
        assertEquals("live", listed.get(0).get("status"));

        admin().delete("/api/admin/users/" + alice.userId + "/sandbox").then().statusCode(200)
                .body("success", equalTo(true))
                .body("results.killedSandboxes", contains(second));
        admin().delete("/api/admin/users/nobody-" + alice.userId + "/sandbox").then().statusCode(404)
                .contentType("application/problem+json");
        admin().queryParam("limit", 1000).get("/api/admin/sandboxes").then().body("userId", not(hasItem(alice.userId)));

        // Newest first: the admin kill, then the second switch (its kill of the first sandbox runs beside the
        // restore, so those two come in either order, both after the create), then the first switch.
        List<Map<String, Object>> events = admin().queryParam("userId", alice.userId).get("/api/admin/events").then()
                .statusCode(200).extract().path("$");
        List<String> kinds = events.stream().map(e -> e.get("type") + (e.get("reason") == null ? "" : ":" + e.get("reason"))
                + "@" + e.get("sandboxId")).toList();
        assertEquals("killed:admin@" + second, kinds.get(0));
        assertEquals(java.util.Set.of("killed:switch@" + first, "restored@" + second), java.util.Set.copyOf(kinds.subList(1, 3)));
        assertEquals("created@" + second, kinds.get(3));
        assertEquals(List.of("restored@" + first, "created@" + first), kinds.subList(4, 6));
        assertEquals(6, kinds.size());

        // Paging: two at a time, following the last id.
        Number lastId = admin().queryParam("userId", alice.userId).queryParam("limit", 2).get("/api/admin/events").then()
                .body("size()", equalTo(2)).extract().path("[1].id");
        admin().queryParam("userId", alice.userId).queryParam("limit", 2).queryParam("before", lastId)
                .get("/api/admin/events").then().body("size()", equalTo(2))
                .body("type", equalTo(events.subList(2, 4).stream().map(e -> e.get("type")).toList()))
                .body("id", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.lessThan(lastId.intValue())));
        admin().queryParam("limit", 0).get("/api/admin/events").then().statusCode(400);
    }

    @Test
    void killAllKillsEveryonesSandboxes() {
        Api a = Api.newUser("all-a");
        Api b = Api.newUser("all-b");
        String sa = a.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        String sb = b.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        List<String> killed = admin().delete("/api/admin/sandboxes").then().statusCode(200)
                .body("success", equalTo(true)).extract().path("results.killedSandboxes");
        assertTrue(killed.containsAll(List.of(sa, sb)), killed.toString());
        a.req().get("/api/sandbox/init").then().body("sandbox.status", equalTo("stopped")).body("sandbox.sandboxId", equalTo(sa));
        b.req().get("/api/cleanup-sandboxes").then().body("activeSandboxes", equalTo(0));
    }
}
