package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.mutiny.sqlclient.Row;
import io.restassured.response.Response;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The switch suite: the seed's switch, status, init and cleanup endpoints, the concurrency and save-back
 * invariants. Each provider runs it whole (local on real processes, E2B and Blaxel on their fakes) through a
 * {@link SandboxBackdoor} that reads, changes and kills sandboxes from outside the service.
 */
public abstract class SwitchSuite {

    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;
    @Inject
    dev.switchboard.common.Deployment deployment;

    /** How the tests reach this provider's sandboxes from outside. */
    protected abstract SandboxBackdoor backdoor();

    /** How this provider's sandbox URLs begin: a loopback port for local, {@code https://<port>-<id>.<domain>} for E2B. */
    protected String sandboxUrlPrefix() {
        return "http://127.0.0.1:";
    }

    private String read(String sandboxId, String url, String path) {
        return backdoor().read(sandboxId, url, path).orElse(null);
    }

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
                .body("result.sandboxUrl", startsWith(sandboxUrlPrefix()))
                .extract().jsonPath();
        String shopUrl = first.getString("result.sandboxUrl");
        assertEquals("<h1>shop</h1>", read(first.getString("result.sandboxId"), shopUrl, "index.html"));
        assertEquals("let a=1", read(first.getString("result.sandboxId"), shopUrl, "assets/app.js"));

        JsonPath second = alice.switchTo(blog, blogFragment).statusCode(200).extract().jsonPath();
        String blogUrl = second.getString("result.sandboxUrl");
        assertEquals("<h1>blog</h1>", read(second.getString("result.sandboxId"), blogUrl, "index.html"));
        // The old sandbox is gone: its URL no longer answers at all.
        assertFalse(backdoor().reachable(first.getString("result.sandboxId"), shopUrl), "the killed sandbox still answers");
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
        JsonPath r = alice.switchTo(p, v1).statusCode(200).body("result.fragmentId", equalTo(v1)).extract().jsonPath();
        assertEquals("v1", read(r.getString("result.sandboxId"), r.getString("result.sandboxUrl"), "index.html"));
        r = alice.switchTo(p).statusCode(200).extract().jsonPath();
        assertEquals("v2", read(r.getString("result.sandboxId"), r.getString("result.sandboxUrl"), "index.html"),
                "without fragmentId the latest is restored");
    }

    @Test
    void projectWithoutFragmentsSwitchesToAnEmptySandbox() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("empty");
        JsonPath r = alice.switchTo(p).statusCode(200)
                .body("success", equalTo(true))
                .body("result.restoredFiles", equalTo(0))
                .body("result.hasRestoredFiles", equalTo(false))
                .body("result.fragmentId", nullValue())
                .body("result.activeProjectId", equalTo(p))
                .extract().jsonPath();
        assertTrue(backdoor().reachable(r.getString("result.sandboxId"), r.getString("result.sandboxUrl")));
        assertNull(read(r.getString("result.sandboxId"), r.getString("result.sandboxUrl"), "index.html"),
                "an empty sandbox holds no files");
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
        assertFalse(backdoor().reachable(sandboxId, sw.getString("result.sandboxUrl")));
        assertTrue(liveSandboxesOf(alice.userId).isEmpty());
        alice.req().get("/api/cleanup-sandboxes").then().statusCode(200)
                .body("activeSandboxes", equalTo(0)).body("currentSandbox", nullValue());
        alice.req().get("/api/active-fragment").then().statusCode(204);
        alice.req().post("/api/sandbox/heartbeat").then().statusCode(404).contentType("application/problem+json");
        // The panel still shows what the user had: stopped, with its id and times.
        alice.req().get("/api/sandbox/init").then().statusCode(200)
                .body("sandbox.status", equalTo("stopped")).body("sandbox.sandboxId", equalTo(sandboxId))
                .body("sandbox.createdAt", notNullValue()).body("sandbox.stoppedAt", notNullValue())
                .body("sandbox.sandboxUrl", nullValue());
        // A second cleanup has nothing to do.
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200).body("results.killed", equalTo(0));
    }

    @Test
    void initIsIdempotentAndRestoresTheLastProject() {
        Api alice = Api.newUser("alice");
        alice.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox", nullValue());
        JsonPath created = alice.req().post("/api/sandbox/init").then().statusCode(200)
                .body("success", equalTo(true))
                .body("sandbox.status", equalTo("active"))
                .body("sandbox.sandboxUrl", startsWith(sandboxUrlPrefix()))
                .body("sandbox.createdAt", notNullValue())
                .extract().jsonPath();
        String id = created.getString("sandbox.sandboxId");
        alice.req().post("/api/sandbox/init").then().statusCode(200).body("sandbox.sandboxId", equalTo(id));
        alice.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox.sandboxId", equalTo(id))
                .body("sandbox.status", equalTo("active"))
                .body("sandbox.lastUsedAt", notNullValue())
                .body("sandbox.stoppedAt", nullValue())
                .body("sandbox.mcpServerUrl", org.hamcrest.Matchers.endsWith("/mcp"));
        assertEquals(1, liveSandboxesOf(alice.userId).size());

        // After a switch the sandbox dies behind our back; init brings the project back.
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "restored"));
        String switched = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        backdoor().killBehindBack(switched);
        JsonPath again = alice.req().post("/api/sandbox/init").then().statusCode(200)
                .body("sandbox.sandboxId", org.hamcrest.Matchers.not(equalTo(switched)))
                .extract().jsonPath();
        assertEquals("restored", read(again.getString("sandbox.sandboxId"), again.getString("sandbox.sandboxUrl"), "index.html"));
        assertEquals("active", again.getString("sandbox.status"));
        assertEquals(1, liveSandboxesOf(alice.userId).size());
    }

    @Test
    void anIdleSandboxIsStandbyUntilUsedAgain() {
        Api alice = Api.newUser("alice");
        String id = alice.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
        db.preparedQuery("UPDATE users SET sandbox_last_used_at = now() - interval '1 day' WHERE id = $1")
                .execute(Tuple.of(alice.userId)).await().atMost(Duration.ofSeconds(5));
        alice.req().get("/api/sandbox/init").then().statusCode(200)
                .body("sandbox.sandboxId", equalTo(id)).body("sandbox.status", equalTo("standby"));
        // A status read is no use; init is.
        alice.req().get("/api/sandbox/init").then().body("sandbox.status", equalTo("standby"));
        alice.req().post("/api/sandbox/init").then().statusCode(200)
                .body("sandbox.sandboxId", equalTo(id)).body("sandbox.status", equalTo("active"));
        alice.req().get("/api/sandbox/init").then().body("sandbox.status", equalTo("active"));
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
    void deadSandboxIsReportedStoppedClearedAndTheNextSwitchWorks() {
        Api alice = Api.newUser("alice");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "hello"));
        String dead = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        backdoor().killBehindBack(dead);

        // Status calls report nothing live and clear the record, which keeps the last sandbox's id and times.
        for (int i = 0; i < 2; i++) {
            alice.req().get("/api/sandbox/init").then().statusCode(200)
                    .body("sandbox.status", equalTo("stopped"))
                    .body("sandbox.sandboxId", equalTo(dead))
                    .body("sandbox.createdAt", notNullValue())
                    .body("sandbox.lastUsedAt", notNullValue())
                    .body("sandbox.stoppedAt", notNullValue())
                    .body("sandbox.sandboxUrl", nullValue())
                    .body("sandbox.mcpServerUrl", nullValue());
        }
        assertNull(db.preparedQuery("SELECT active_sandbox_id FROM users WHERE id = $1").execute(Tuple.of(alice.userId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString(0), "no dead pointer");
        alice.req().get("/api/cleanup-sandboxes").then().statusCode(200).body("activeSandboxes", equalTo(0));
        alice.req().get("/api/active-fragment").then().statusCode(204);
        alice.req().post("/api/sandbox/heartbeat").then().statusCode(404);

        JsonPath next = alice.switchTo(p).statusCode(200).extract().jsonPath();
        assertEquals("hello", read(next.getString("result.sandboxId"), next.getString("result.sandboxUrl"), "index.html"));
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
        JsonPath r = viewer.switchTo(p).statusCode(200).extract().jsonPath();
        assertEquals("shared", read(r.getString("result.sandboxId"), r.getString("result.sandboxUrl"), "index.html"));
        viewer.req().get("/api/cleanup-sandboxes").then().body("currentSandbox.projectName", containsString("shared"));
    }

    // ---- invariants 1 and 4: of concurrent switches the newest wins, losers answer 409, nothing leaks ----

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
        for (Response r : responses) {
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(409, r.statusCode(), "every loser answers 409: " + r.asString());
                assertEquals("application/problem+json", r.contentType());
            }
        }
        assertTrue(ok >= 1, "at least one switch wins");
        System.out.printf("%s: %d concurrent switches, %d answered 200, %d answered 409%n", provider.name(), n, ok, n - ok);

        Row row = db.preparedQuery("SELECT active_sandbox_id, active_project_id::text, switch_id FROM users WHERE id = $1")
                .execute(Tuple.of(alice.userId)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        String recorded = row.getString("active_sandbox_id");
        String winnerProject = row.getString("active_project_id");
        assertNotNull(recorded);
        assertNull(row.getValue("switch_id"), "no switch is left in flight");

        List<SandboxInfo> live = liveSandboxesOf(alice.userId);
        assertEquals(1, live.size(), "exactly one sandbox is alive: " + live);
        SandboxInfo winner = live.get(0);
        assertEquals(recorded, winner.id(), "the live sandbox is the one the database records");
        assertEquals(contentByProject.get(winnerProject), read(winner.id(), winner.url(), "index.html"));
        assertTrue(responses.stream().anyMatch(r -> r.statusCode() == 200 && recorded.equals(r.path("result.sandboxId"))),
                "the recorded sandbox came from a 200 answer");
        for (Response r : responses) {
            if (r.statusCode() == 200 && !recorded.equals(r.path("result.sandboxId"))) {
                assertFalse(backdoor().reachable(r.path("result.sandboxId"), r.path("result.sandboxUrl")),
                        "a sandbox answered with 200 and then replaced is gone");
            }
        }
    }

    // ---- invariant 3: files changed in a sandbox are saved before it is killed ----

    @Test
    void changedFilesAreSavedAsANewFragmentBeforeTheSwitchKillsTheSandbox() {
        Api alice = Api.newUser("saver");
        String app = alice.createProject("app");
        String other = alice.createProject("other");
        String original = alice.addFragment(app, Map.of("index.html", "original", "keep.txt", "same"));
        alice.addFragment(other, Map.of("index.html", "other"));

        String sandbox = alice.switchTo(app).statusCode(200).extract().path("result.sandboxId");
        backdoor().write(sandbox, "index.html", "edited in the sandbox");
        backdoor().write(sandbox, "src/new.js", "export const x = 1;");

        alice.switchTo(other).statusCode(200);

        List<String> ids = alice.req().get("/api/projects/" + app + "/fragments").then().statusCode(200).extract().path("id");
        assertEquals(2, ids.size(), "one fragment was saved back");
        String saved = ids.get(0);
        alice.req().get("/api/projects/" + app + "/fragments/" + saved).then().statusCode(200)
                .body("files.'index.html'", equalTo("edited in the sandbox"))
                .body("files.'src/new.js'", equalTo("export const x = 1;"))
                .body("files.'keep.txt'", equalTo("same"));
        alice.req().get("/api/projects/" + app + "/fragments/" + original).then()
                .body("files.'index.html'", equalTo("original"));

        // Switching back without a fragment id restores the saved work.
        JsonPath back = alice.switchTo(app).statusCode(200).body("result.fragmentId", equalTo(saved)).extract().jsonPath();
        assertEquals("edited in the sandbox", read(back.getString("result.sandboxId"), back.getString("result.sandboxUrl"), "index.html"));
    }

    @Test
    void unchangedSandboxSavesNothingAndCleanupSavesToo() {
        Api alice = Api.newUser("saver");
        String app = alice.createProject("app");
        alice.addFragment(app, Map.of("index.html", "v1"));
        alice.switchTo(app).statusCode(200);
        String sandbox = alice.switchTo(app).statusCode(200).extract().path("result.sandboxId");
        alice.req().get("/api/projects/" + app + "/fragments").then().body("size()", equalTo(1));

        backdoor().write(sandbox, "notes.md", "unsaved work");
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200).body("results.killed", equalTo(1));
        alice.req().get("/api/projects/" + app + "/fragments").then().body("size()", equalTo(2)).body("[0].fileCount", equalTo(2));
    }

    @Test
    void everySandboxCarriesItsOwnerSwitchInstanceAndDeployment() {
        Api alice = Api.newUser("meta");
        String p = alice.createProject("p");
        String f = alice.addFragment(p, Map.of("index.html", "x"));
        String id = alice.switchTo(p).statusCode(200).extract().path("result.sandboxId");
        SandboxInfo info = provider.get(id).await().atMost(Duration.ofSeconds(10)).orElseThrow();
        assertEquals(alice.userId, info.metadata().get(SandboxMetadata.OWNER));
        assertEquals(p, info.metadata().get(SandboxMetadata.PROJECT));
        assertEquals(f, info.metadata().get(SandboxMetadata.FRAGMENT));
        assertEquals("true", info.metadata().get(SandboxMetadata.MANAGED));
        assertNotNull(info.metadata().get(SandboxMetadata.SWITCH));
        assertNotNull(info.metadata().get(SandboxMetadata.INSTANCE));
        assertEquals(deployment.id().await().atMost(Duration.ofSeconds(10)), info.metadata().get(SandboxMetadata.DEPLOYMENT));
    }
}
