package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.Http;
import dev.switchboard.support.LocalSandboxes;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The seed's switch, status, init and cleanup endpoints against real local sandboxes. */
@QuarkusTest
class SwitchApiTest {

    @Inject
    SandboxProvider provider;

    private List<SandboxInfo> liveSandboxesOf(String userId) {
        return provider.list(Map.of(SandboxMetadata.OWNER, userId)).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void switchBetweenTwoProjectsServesEachProjectsFiles() {
        Api alice = Api.newUser("alice");
        String shop = alice.createProject("shop");
        String blog = alice.createProject("blog");
        String shopFragment = alice.addFragment(shop, Map.of("index.html", "<h1>shop</h1>", "assets/app.js", "let a=1"));
        String blogFragment = alice.addFragment(blog, Map.of("index.html", "<h1>blog</h1>"));

        JsonPath first = alice.switchTo(shop).statusCode(200)
                .body("success", equalTo(true))
                .body("message", equalTo("Successfully switched to fragment " + shopFragment))
                .body("result.restoredFiles", equalTo(2))
                .body("result.hasRestoredFiles", equalTo(true))
                .body("result.fragmentId", equalTo(shopFragment))
                .body("result.activeProjectId", equalTo(shop))
                .body("result.activeFragmentId", equalTo(shopFragment))
                .body("result.sandboxUrl", startsWith("http://127.0.0.1:"))
                .extract().jsonPath();
        String shopUrl = first.getString("result.sandboxUrl");
        assertEquals("<h1>shop</h1>", Http.get(shopUrl + "/index.html").body());
        assertEquals("let a=1", Http.get(shopUrl + "/assets/app.js").body());

        JsonPath second = alice.switchTo(blog, blogFragment).statusCode(200).extract().jsonPath();
        String blogUrl = second.getString("result.sandboxUrl");
        assertEquals("<h1>blog</h1>", Http.get(blogUrl + "/index.html").body());
        // The old sandbox is gone: its URL no longer answers at all.
        assertNull(Http.get(shopUrl + "/index.html"), "the killed sandbox still answers");
        List<SandboxInfo> live = liveSandboxesOf(alice.userId);
        assertEquals(1, live.size());
        assertEquals(second.getString("result.sandboxId"), live.get(0).id());

        alice.req().get("/api/active-fragment").then().statusCode(200)
                .body("projectId", equalTo(blog))
                .body("fragmentId", equalTo(blogFragment))
                .body("fragment.files.'index.html'", equalTo("<h1>blog</h1>"));
        alice.req().get("/api/cleanup-sandboxes").then().statusCode(200)
                .body("userId", equalTo(alice.userId))
                .body("activeSandboxes", equalTo(1))
                .body("currentSandbox.sandboxId", equalTo(second.getString("result.sandboxId")))
                .body("currentSandbox.projectId", equalTo(blog))
                .body("currentSandbox.projectName", equalTo("blog"))
                .body("currentSandbox.createdAt", notNullValue())
                .body("currentSandbox.lastUsedAt", notNullValue());
    }

    @Test
    void specificOlderFragmentIsRestored() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        String v1 = alice.addFragment(p, Map.of("index.html", "v1"));
        alice.addFragment(p, Map.of("index.html", "v2"));
        String url = alice.switchTo(p, v1).statusCode(200).body("result.fragmentId", equalTo(v1))
                .extract().path("result.sandboxUrl");
        assertEquals("v1", Http.get(url + "/index.html").body());
        url = alice.switchTo(p).statusCode(200).extract().path("result.sandboxUrl");
        assertEquals("v2", Http.get(url + "/index.html").body(), "without fragmentId the latest is restored");
    }

    @Test
    void projectWithoutFragmentsSwitchesToAnEmptySandbox() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("empty");
        String url = alice.switchTo(p).statusCode(200)
                .body("success", equalTo(true))
                .body("result.restoredFiles", equalTo(0))
                .body("result.hasRestoredFiles", equalTo(false))
                .body("result.fragmentId", nullValue())
                .body("result.activeProjectId", equalTo(p))
                .extract().path("result.sandboxUrl");
        HttpResponse<String> r = Http.get(url + "/index.html");
        assertEquals(404, r.statusCode(), "an empty sandbox serves, but has no files");
        alice.req().get("/api/active-fragment").then().statusCode(200)
                .body("projectId", equalTo(p)).body("fragmentId", nullValue()).body("fragment", nullValue());
    }

    @Test
    void cleanupKillsTheSandboxAndReportsIt() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "x"));
        JsonPath sw = alice.switchTo(p).statusCode(200).extract().jsonPath();
        String sandboxId = sw.getString("result.sandboxId");

        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200)
                .body("success", equalTo(true))
                .body("message", equalTo("Sandbox cleanup completed for user " + alice.userId))
                .body("results.totalProjects", equalTo(1))
                .body("results.killed", equalTo(1))
                .body("results.failed", equalTo(0))
                .body("results.killedSandboxes", equalTo(List.of(sandboxId)))
                .body("results.failedSandboxes", equalTo(List.of()));
        assertNull(Http.get(sw.getString("result.sandboxUrl")));
        assertTrue(liveSandboxesOf(alice.userId).isEmpty());
        alice.req().get("/api/cleanup-sandboxes").then().statusCode(200)
                .body("activeSandboxes", equalTo(0)).body("currentSandbox", nullValue());
        alice.req().get("/api/active-fragment").then().statusCode(204);
        alice.req().post("/api/sandbox/heartbeat").then().statusCode(404).contentType("application/problem+json");
        // A second cleanup has nothing to do.
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200).body("results.killed", equalTo(0));
    }

    @Test
    void initIsIdempotentAndRestoresTheLastProject() throws Exception {
        Api alice = Api.newUser("alice");
        alice.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox", nullValue());
        JsonPath created = alice.req().post("/api/sandbox/init").then().statusCode(200)
                .body("success", equalTo(true))
                .body("sandbox.status", equalTo("active"))
                .body("sandbox.sandboxUrl", startsWith("http://127.0.0.1:"))
                .body("sandbox.createdAt", notNullValue())
                .extract().jsonPath();
        String id = created.getString("sandbox.sandboxId");
        alice.req().post("/api/sandbox/init").then().statusCode(200).body("sandbox.sandboxId", equalTo(id));
        alice.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox.sandboxId", equalTo(id))
                .body("sandbox.status", equalTo("active"));
        assertEquals(1, liveSandboxesOf(alice.userId).size());

        // After a switch the sandbox dies behind our back; init brings the project back.
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "restored"));
        String switched = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        LocalSandboxes.killProcess(switched);
        String url = alice.req().post("/api/sandbox/init").then().statusCode(200)
                .body("sandbox.sandboxId", org.hamcrest.Matchers.not(equalTo(switched)))
                .extract().path("sandbox.sandboxUrl");
        assertEquals("restored", Http.get(url + "/index.html").body());
        assertEquals(1, liveSandboxesOf(alice.userId).size());
    }

    @Test
    void heartbeatMarksUseAndExtendsTheProviderTimeout() {
        Api alice = Api.newUser("alice");
        String id = alice.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        SandboxInfo before = provider.get(id).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        alice.req().post("/api/sandbox/heartbeat").then().statusCode(204);
        SandboxInfo after = provider.get(id).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        assertFalse(after.expiresAt().isBefore(before.expiresAt()));
    }

    @Test
    void deadSandboxIsReportedStoppedClearedAndTheNextSwitchWorks() throws Exception {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "hello"));
        String dead = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        LocalSandboxes.killProcess(dead);

        // Status calls report nothing live and clear the record.
        alice.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox", nullValue());
        alice.req().get("/api/cleanup-sandboxes").then().statusCode(200).body("activeSandboxes", equalTo(0));
        alice.req().get("/api/active-fragment").then().statusCode(204);
        alice.req().post("/api/sandbox/heartbeat").then().statusCode(404);

        String next = alice.switchTo(p).statusCode(200).extract().path("result.sandboxUrl");
        assertEquals("hello", Http.get(next + "/index.html").body());
        assertNotEquals(dead, alice.req().get("/api/sandbox/init").then().extract().path("sandbox.sandboxId"));
    }

    @Test
    void switchOfAViewerWorksButSavesNothing() {
        Api owner = Api.newUser("owner");
        Api viewer = Api.newUser("viewer");
        String p = owner.createProject("shared");
        owner.addFragment(p, Map.of("index.html", "shared"));
        owner.req().body(Map.of("userId", viewer.userId, "role", "viewer")).post("/api/projects/" + p + "/members")
                .then().statusCode(204);
        String url = viewer.switchTo(p).statusCode(200).extract().path("result.sandboxUrl");
        assertEquals("shared", Http.get(url + "/index.html").body());
        viewer.req().get("/api/cleanup-sandboxes").then().body("currentSandbox.projectName", containsString("shared"));
    }
}
