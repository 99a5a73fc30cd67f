package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.Http;
import dev.switchboard.support.LocalSandboxes;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Invariant 3: fragments are immutable, and files changed in a sandbox are saved before it is killed. */
@QuarkusTest
class SaveBackTest {

    @Inject
    Pool db;

    @Test
    void changedFilesAreSavedAsANewFragmentBeforeTheSwitchKillsTheSandbox() throws Exception {
        Api alice = Api.newUser("saver");
        String app = alice.createProject("app");
        String other = alice.createProject("other");
        String original = alice.addFragment(app, Map.of("index.html", "original", "keep.txt", "same"));
        alice.addFragment(other, Map.of("index.html", "other"));

        String sandbox = alice.switchTo(app).statusCode(200).extract().path("result.sandboxId");
        LocalSandboxes.write(sandbox, "index.html", "edited in the sandbox");
        LocalSandboxes.write(sandbox, "src/new.js", "export const x = 1;");

        alice.switchTo(other).statusCode(200);

        List<String> ids = alice.req().get("/api/projects/" + app + "/fragments").then().statusCode(200)
                .extract().path("id");
        assertEquals(2, ids.size(), "one fragment was saved back");
        String saved = ids.get(0);
        alice.req().get("/api/projects/" + app + "/fragments/" + saved).then().statusCode(200)
                .body("files.'index.html'", equalTo("edited in the sandbox"))
                .body("files.'src/new.js'", equalTo("export const x = 1;"))
                .body("files.'keep.txt'", equalTo("same"));
        // The original fragment is untouched.
        alice.req().get("/api/projects/" + app + "/fragments/" + original).then()
                .body("files.'index.html'", equalTo("original"));

        // Switching back without a fragment id restores the saved work.
        String url = alice.switchTo(app).statusCode(200).body("result.fragmentId", equalTo(saved))
                .extract().path("result.sandboxUrl");
        assertEquals("edited in the sandbox", Http.get(url + "/index.html").body());
    }

    @Test
    void unchangedSandboxSavesNothingAndCleanupSavesToo() throws Exception {
        Api alice = Api.newUser("saver");
        String app = alice.createProject("app");
        alice.addFragment(app, Map.of("index.html", "v1"));
        alice.switchTo(app).statusCode(200);
        String sandbox = alice.switchTo(app).statusCode(200).extract().path("result.sandboxId");
        alice.req().get("/api/projects/" + app + "/fragments").then().body("size()", equalTo(1));

        LocalSandboxes.write(sandbox, "notes.md", "unsaved work");
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200).body("results.killed", equalTo(1));
        alice.req().get("/api/projects/" + app + "/fragments").then().body("size()", equalTo(2))
                .body("[0].fileCount", equalTo(2));
    }

    @Test
    void theDatabaseRefusesToChangeAStoredFragment() {
        Api alice = Api.newUser("immutable");
        String app = alice.createProject("app");
        String id = alice.addFragment(app, Map.of("index.html", "v1"));
        Throwable e = assertThrows(Throwable.class, () -> db.preparedQuery(
                "UPDATE fragments SET files = '{\"index.html\":\"tampered\"}'::jsonb WHERE id = $1::uuid")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("immutable"), e.getMessage());
        alice.req().get("/api/projects/" + app + "/fragments/" + id).then().body("files.'index.html'", equalTo("v1"));
    }
}
