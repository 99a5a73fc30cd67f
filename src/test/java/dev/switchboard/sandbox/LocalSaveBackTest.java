package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.LocalSandboxes;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** The save-back suite on real local sandboxes, plus what only a real file system can hold: links, odd bytes in names. */
@QuarkusTest
class LocalSaveBackTest extends SaveBackSuite {

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @Inject
    Pool db;

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }

    private static Path files(String sandbox) {
        return LocalSandboxes.dir(sandbox).resolve("files");
    }

    @Test
    void whatIsNotSavedIsListedWithItsReasonInTheAnswerAndTheAuditTrail() throws Exception {
        Api user = Api.newUser("skips");
        String project = user.createProject("app");
        String other = user.createProject("other");
        addFragment(user, project, Map.of("src/a.js", "a"));
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        Path root = files(sandbox);
        Files.createSymbolicLink(root.resolve("link-to-passwd"), Path.of("/etc/passwd"));
        Files.writeString(root.resolve("back\\slash.txt"), "a name no provider can hold");
        try (RandomAccessFile big = new RandomAccessFile(root.resolve("huge.bin").toFile(), "rw")) {
            big.setLength(6L * 1024 * 1024);
        }
        Files.writeString(root.resolve("src/b.js"), "b");

        JsonPath r = user.switchTo(other).statusCode(200)
                .body("result.saveBack.savedFiles", equalTo(2))
                .body("result.saveBack.skippedCount", equalTo(3))
                .extract().jsonPath();
        Map<String, String> reasons = new java.util.HashMap<>();
        List<Map<String, String>> skipped = r.getList("result.saveBack.skippedFiles");
        skipped.forEach(s -> reasons.put(s.get("path"), s.get("reason")));
        assertTrue(reasons.get("link-to-passwd").startsWith("symlink"), reasons.toString());
        assertTrue(reasons.get("back\\slash.txt").startsWith("invalid-name"), reasons.toString());
        assertTrue(reasons.get("huge.bin").startsWith("too-large"), reasons.toString());
        String detail = db.preparedQuery("SELECT detail FROM sandbox_events WHERE user_id = $1 AND type = 'saved-back'")
                .execute(Tuple.of(user.userId)).await().indefinitely().iterator().next().getString(0);
        assertTrue(detail.contains("huge.bin") && detail.contains("too-large"), detail);
    }

    @Test
    void aSmallSourceFileIsNeverDroppedBecauseLargeFilesCameFirst() throws Exception {
        Api user = Api.newUser("budget");
        String project = user.createProject("app");
        String other = user.createProject("other");
        addFragment(user, project, Map.of("README.md", "r"));
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        Path root = files(sandbox);
        // Five files of 4.5 MiB sort before "z-small.js" and together exceed the 20 MiB fragment budget.
        for (int i = 0; i < 5; i++) {
            try (RandomAccessFile f = new RandomAccessFile(root.resolve("a-big-" + i + ".bin").toFile(), "rw")) {
                f.setLength(4608L * 1024);
            }
        }
        Files.writeString(root.resolve("z-small.js"), "the user's work");

        JsonPath r = user.switchTo(other).statusCode(200).extract().jsonPath();
        String saved = r.getString("result.saveBack.fragmentId");
        assertEquals(1, r.getInt("result.saveBack.skippedCount"));
        assertTrue(r.getString("result.saveBack.skippedFiles[0].reason").startsWith("over-fragment-limit"));
        Map<String, Object> stored = user.req().get("/api/projects/" + project + "/fragments/" + saved).then().statusCode(200)
                .extract().jsonPath().getMap("files");
        assertEquals("the user's work", stored.get("z-small.js"));
        assertEquals(6, stored.size(), "README, the small file and four of the five large ones");
    }

    @Test
    void aGitignoreAtTheProjectRootIsHonoured() throws Exception {
        Api user = Api.newUser("gitignore");
        String project = user.createProject("app");
        String other = user.createProject("other");
        addFragment(user, project, Map.of(".gitignore", "*.log\n/coverage/\n!keep.log\n"));
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        Path root = files(sandbox);
        Files.writeString(root.resolve("debug.log"), "noise");
        Files.writeString(root.resolve("keep.log"), "kept");
        Files.createDirectories(root.resolve("coverage"));
        Files.writeString(root.resolve("coverage/lcov.info"), "noise");
        Files.writeString(root.resolve("app.js"), "work");

        String saved = user.switchTo(other).statusCode(200).body("result.saveBack.skippedCount", equalTo(0))
                .extract().path("result.saveBack.fragmentId");
        Map<String, Object> stored = user.req().get("/api/projects/" + project + "/fragments/" + saved).then().statusCode(200)
                .extract().jsonPath().getMap("files");
        assertEquals(java.util.Set.of(".gitignore", "keep.log", "app.js"), stored.keySet());
        assertFalse(stored.containsKey("debug.log"));
        assertEquals("work", new String(((String) stored.get("app.js")).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }
}
