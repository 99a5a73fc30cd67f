package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.files.Hashes;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.restassured.path.json.JsonPath;

/**
 * Invariant 3 end to end, once per provider: files are bytes, odd names round-trip, save-back stores what changed
 * (and only that), ignores dependencies, follows deletions, and can run any number of times.
 */
public abstract class SaveBackSuite {

    /** Names that are valid and must round-trip on every provider. */
    static final List<String> ODD_NAMES = List.of("a\"b.txt", "[id].tsx", "x y.txt", "ünï.txt", "app/(group)/page.tsx",
            "@scope/pkg/index.js", "it's.txt");

    protected abstract SandboxBackdoor backdoor();

    static byte[] allBytes() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        return all;
    }

    static byte[] png() {
        return new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0,
                0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, (byte) 0xc4, (byte) 0x89 };
    }

    static Map<String, Object> base64(byte[] bytes) {
        return Map.of("encoding", "base64", "content", Base64.getEncoder().encodeToString(bytes));
    }

    protected static String addFragment(Api user, String project, Map<String, Object> files) {
        return user.req().body(Map.of("title", "t", "files", files)).post("/api/projects/" + project + "/fragments")
                .then().statusCode(201).extract().path("id");
    }

    private byte[] read(String sandboxId, String path) {
        return backdoor().readBytes(sandboxId, path).orElse(null);
    }

    @Test
    void binaryFilesAndOddNamesSurviveRestoreSaveBackAndTheApi() {
        Api user = Api.newUser("bytes");
        String project = user.createProject("bytes");
        String other = user.createProject("other");
        String text = "nul \u0000 inside, ünïcödé, 😀";
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("all.bin", base64(allBytes()));
        files.put("img/logo.png", base64(png()));
        files.put("nul.txt", text);
        ODD_NAMES.forEach(n -> files.put(n, "content of " + n));
        String v1 = addFragment(user, project, files);

        JsonPath first = user.switchTo(project).statusCode(200).body("result.restoredFiles", equalTo(files.size()))
                .body("result.restoreSkipped.size()", equalTo(0)).extract().jsonPath();
        String sandbox = first.getString("result.sandboxId");
        assertEquals(Hashes.sha256(allBytes()), Hashes.sha256(read(sandbox, "all.bin")));
        assertArrayEquals(png(), read(sandbox, "img/logo.png"));
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), read(sandbox, "nul.txt"));
        for (String n : ODD_NAMES) {
            assertEquals("content of " + n, new String(read(sandbox, n), StandardCharsets.UTF_8), n);
        }

        // The user's code changes a binary file and creates files with odd names.
        byte[] changed = allBytes();
        changed[0] = 42;
        backdoor().writeBytes(sandbox, "all.bin", changed);
        backdoor().writeBytes(sandbox, "new [x] \"q\" ü.bin", png());

        JsonPath away = user.switchTo(other).statusCode(200)
                .body("result.saveBack.fragmentId", notNullValue())
                .body("result.saveBack.changedFiles", equalTo(2))
                .body("result.saveBack.skippedCount", equalTo(0))
                .extract().jsonPath();
        String saved = away.getString("result.saveBack.fragmentId");
        assertNotEquals(v1, saved);
        JsonPath fragment = user.req().get("/api/projects/" + project + "/fragments/" + saved).then().statusCode(200)
                .body("files.'nul.txt'", equalTo(text))
                .body("files.'img/logo.png'.encoding", equalTo("base64"))
                .extract().jsonPath();
        assertArrayEquals(changed, Base64.getDecoder().decode(fragment.getString("files.'all.bin'.content")));
        assertEquals(files.size() + 1, fragment.getMap("files").size());

        JsonPath back = user.switchTo(project).statusCode(200).body("result.fragmentId", equalTo(saved)).extract().jsonPath();
        String again = back.getString("result.sandboxId");
        assertEquals(Hashes.sha256(changed), Hashes.sha256(read(again, "all.bin")));
        assertArrayEquals(png(), read(again, "new [x] \"q\" ü.bin"));
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), read(again, "nul.txt"));
        for (String n : ODD_NAMES) {
            assertEquals("content of " + n, new String(read(again, n), StandardCharsets.UTF_8), n);
        }
    }

    @Test
    void dependenciesAreIgnoredAndTheSourcesSaved() {
        Api user = Api.newUser("deps");
        String project = user.createProject("app");
        String other = user.createProject("other");
        addFragment(user, project, Map.of("package.json", "{}", "src/index.js", "v1"));
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        for (int i = 0; i < 3000; i++) {
            backdoor().writeBytes(sandbox, "node_modules/pkg" + (i % 50) + "/file" + i + ".js", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        backdoor().writeBytes(sandbox, "src/index.js", "v2".getBytes(StandardCharsets.UTF_8));
        backdoor().writeBytes(sandbox, "src/new.js", "new".getBytes(StandardCharsets.UTF_8));
        backdoor().writeBytes(sandbox, ".next/cache.bin", new byte[10]);

        String saved = user.switchTo(other).statusCode(200)
                .body("result.saveBack.savedFiles", equalTo(3))
                .body("result.saveBack.skippedCount", equalTo(0))
                .extract().path("result.saveBack.fragmentId");
        Map<String, Object> stored = user.req().get("/api/projects/" + project + "/fragments/" + saved).then().statusCode(200)
                .extract().jsonPath().getMap("files");
        assertEquals(Map.of("package.json", "{}", "src/index.js", "v2", "src/new.js", "new"), stored);
    }

    @Test
    void deletionsAreFollowedUnchangedFilesCarriedOverAndTheDiffSaysSo() {
        Api user = Api.newUser("delete");
        String project = user.createProject("app");
        Map<String, Object> files = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            files.put("src/f" + i + ".js", "file " + i);
        }
        String v1 = addFragment(user, project, files);
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        backdoor().delete(sandbox, "src/f0.js");
        backdoor().writeBytes(sandbox, "src/f1.js", "changed".getBytes(StandardCharsets.UTF_8));
        backdoor().writeBytes(sandbox, "src/added.js", "added".getBytes(StandardCharsets.UTF_8));

        JsonPath save = user.req().post("/api/sandbox/save").then().statusCode(200)
                .body("savedFiles", equalTo(50))
                .body("changedFiles", equalTo(2))
                .body("deletedFiles", equalTo(1))
                .extract().jsonPath();
        String v2 = save.getString("fragmentId");
        Map<String, Object> stored = user.req().get("/api/projects/" + project + "/fragments/" + v2).then().statusCode(200)
                .extract().jsonPath().getMap("files");
        assertFalse(stored.containsKey("src/f0.js"));
        assertEquals("changed", stored.get("src/f1.js"));
        assertEquals("file 49", stored.get("src/f49.js"));
        user.req().get("/api/projects/" + project + "/fragments/" + v2 + "/diff?from=" + v1).then().statusCode(200)
                .body("added", equalTo(List.of("src/added.js")))
                .body("changed", equalTo(List.of("src/f1.js")))
                .body("deleted", equalTo(List.of("src/f0.js")));
        // Nothing changed since: no new fragment.
        user.req().post("/api/sandbox/save").then().statusCode(200).body("fragmentId", nullValue());
    }

    @Test
    void aSandboxIsSavedAsOftenAsItChangesAndInitAfterCleanupRestoresTheLastSave() {
        Api user = Api.newUser("twice");
        String project = user.createProject("app");
        addFragment(user, project, Map.of("index.html", "v1"));
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");

        backdoor().writeBytes(sandbox, "index.html", "v2".getBytes(StandardCharsets.UTF_8));
        String first = user.req().post("/api/sandbox/save").then().statusCode(200).extract().path("fragmentId");
        backdoor().writeBytes(sandbox, "index.html", "v3".getBytes(StandardCharsets.UTF_8));
        String second = user.req().post("/api/sandbox/save").then().statusCode(200).extract().path("fragmentId");
        assertNotNull(first);
        assertNotNull(second);
        assertNotEquals(first, second);
        backdoor().writeBytes(sandbox, "index.html", "v4".getBytes(StandardCharsets.UTF_8));

        // Cleanup saves once more, then kills.
        user.req().post("/api/cleanup-sandboxes").then().statusCode(200).body("results.killed", equalTo(1))
                .body("results.saveBack.changedFiles", equalTo(1)).body("results.saveBack.fragmentId", notNullValue());
        List<String> fragments = user.req().get("/api/projects/" + project + "/fragments").then().statusCode(200)
                .extract().jsonPath().getList("id");
        assertEquals(4, fragments.size(), "v1 and three save-backs: " + fragments);
        assertTrue(fragments.containsAll(List.of(first, second)));

        JsonPath init = user.req().post("/api/sandbox/init").then().statusCode(200).extract().jsonPath();
        String restored = init.getString("sandbox.sandboxId");
        assertEquals("v4", new String(read(restored, "index.html"), StandardCharsets.UTF_8),
                "init after cleanup restores what the cleanup saved, not the fragment from before");
        user.req().get("/api/active-fragment").then().statusCode(200).body("fragmentId", equalTo(fragments.get(0)));
    }
}
