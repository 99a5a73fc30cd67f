package dev.switchboard.project;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import dev.switchboard.files.FragmentArchive;
import dev.switchboard.files.FragmentArchive.ArchiveFile;
import dev.switchboard.support.Api;
import dev.switchboard.support.LocalSandboxes;
import io.quarkus.test.junit.QuarkusTest;

/** The file model over HTTP: the base64 form, .tar.gz in and out, diffs, and bad input that stores nothing. */
@QuarkusTest
class FragmentFilesApiTest {

    private static byte[] allBytes() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        return all;
    }

    private static int fragmentCount(Api user, String project) {
        return user.req().get("/api/projects/" + project + "/fragments").then().statusCode(200).extract().jsonPath().getList("id").size();
    }

    @Test
    void aTarGzUploadKeepsBytesNamesAndExecutableBitsAndComesBackAsAnArchive() throws Exception {
        Api user = Api.newUser("archive");
        String project = user.createProject("app");
        List<ArchiveFile> files = List.of(new ArchiveFile("bin/run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), true),
                new ArchiveFile("all.bin", allBytes(), false),
                new ArchiveFile("app/(group)/[id]/ünï \"page\".tsx", "export {}".getBytes(StandardCharsets.UTF_8), false));
        ByteArrayOutputStream upload = new ByteArrayOutputStream();
        FragmentArchive.write(files, Instant.now(), upload);

        String id = user.req().contentType("application/gzip").body(upload.toByteArray())
                .post("/api/projects/" + project + "/fragments?title=uploaded").then().statusCode(201)
                .body("fileCount", equalTo(3)).body("title", equalTo("uploaded")).extract().path("id");
        user.req().get("/api/projects/" + project + "/fragments/" + id).then().statusCode(200)
                .body("files.'all.bin'.encoding", equalTo("base64"))
                .body("files.'all.bin'.content", equalTo(Base64.getEncoder().encodeToString(allBytes())))
                .body("files.'bin/run.sh'", equalTo("#!/bin/sh\necho hi\n"));

        byte[] archive = user.req().get("/api/projects/" + project + "/fragments/" + id + "/archive").then().statusCode(200)
                .header("Content-Type", containsString("application/gzip")).extract().asByteArray();
        List<ArchiveFile> back = FragmentArchive.read(new ByteArrayInputStream(archive), new FragmentArchive.Limits(10, 1000, 10_000));
        assertEquals(3, back.size());
        for (ArchiveFile f : files) {
            ArchiveFile b = back.stream().filter(x -> x.path().equals(f.path())).findFirst().orElseThrow();
            assertArrayEquals(f.content(), b.content(), f.path());
            assertEquals(f.executable(), b.executable(), f.path());
        }

        // The executable bit reaches the sandbox.
        String sandbox = user.switchTo(project).statusCode(200).extract().path("result.sandboxId");
        Path run = LocalSandboxes.dir(sandbox).resolve("files").resolve("bin/run.sh");
        assertTrue(Files.getPosixFilePermissions(run).contains(PosixFilePermission.OWNER_EXECUTE));
    }

    @Test
    void archivesWithLinksOrGarbageAreRefusedAndStoreNothing() throws Exception {
        Api user = Api.newUser("bad-archive");
        String project = user.createProject("app");
        ByteArrayOutputStream withLink = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(withLink))) {
            TarArchiveEntry link = new TarArchiveEntry("evil", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/etc/passwd");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        }
        user.req().contentType("application/gzip").body(withLink.toByteArray()).post("/api/projects/" + project + "/fragments")
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("evil"));
        user.req().contentType("application/gzip").body("not gzip at all".getBytes(StandardCharsets.UTF_8))
                .post("/api/projects/" + project + "/fragments").then().statusCode(400).contentType("application/problem+json");
        assertEquals(0, fragmentCount(user, project));
    }

    @Test
    void badJsonFormsAreClear400sAndLimitsCountBytes() {
        Api user = Api.newUser("bad-json");
        String project = user.createProject("app");
        for (Object bad : List.of(Map.of("encoding", "base64", "content", "not base64!"), Map.of("encoding", "hex", "content", "00"),
                42, List.of("a"))) {
            user.req().body(Map.of("files", Map.of("a.bin", bad))).post("/api/projects/" + project + "/fragments").then()
                    .statusCode(400).contentType("application/problem+json").body("detail", containsString("a.bin"));
        }
        for (String path : List.of("../x", "a//b", "a\\b", "x".repeat(256) + "/y")) {
            user.req().body(Map.of("files", Map.of(path, "x"))).post("/api/projects/" + project + "/fragments").then()
                    .statusCode(400).contentType("application/problem+json");
        }
        byte[] tooBig = new byte[5 * 1024 * 1024 + 1];
        user.req().body(Map.of("files", Map.of("big.bin", Map.of("encoding", "base64", "content",
                Base64.getEncoder().encodeToString(tooBig))))).post("/api/projects/" + project + "/fragments").then()
                .statusCode(413).contentType("application/problem+json");
        assertEquals(0, fragmentCount(user, project));
    }

    @Test
    void diffNeedsAFragmentOfTheSameProject() {
        Api user = Api.newUser("diff");
        String project = user.createProject("app");
        String other = user.createProject("other");
        String v1 = user.addFragment(project, Map.of("a.txt", "1", "b.txt", "1"));
        String v2 = user.addFragment(project, Map.of("a.txt", "2", "c.txt", "1"));
        String elsewhere = user.addFragment(other, Map.of("a.txt", "1"));
        user.req().get("/api/projects/" + project + "/fragments/" + v2 + "/diff?from=" + v1).then().statusCode(200)
                .body("added", equalTo(List.of("c.txt"))).body("changed", equalTo(List.of("a.txt")))
                .body("deleted", equalTo(List.of("b.txt")));
        user.req().get("/api/projects/" + project + "/fragments/" + v2 + "/diff").then().statusCode(400);
        user.req().get("/api/projects/" + project + "/fragments/" + v2 + "/diff?from=" + elsewhere).then().statusCode(404);
    }

    /** More uploads at once than the database pool has connections: each holds at most one, so none waits forever. */
    @Test
    void manyConcurrentUploadsAllSucceed() throws Exception {
        Api user = Api.newUser("burst");
        String project = user.createProject("app");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(60);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int n = i;
                answers.add(pool.submit(() -> user.req().body(Map.of("files", Map.of("f" + n + ".txt", "content " + n)))
                        .post("/api/projects/" + project + "/fragments").then().extract().statusCode()));
            }
            for (java.util.concurrent.Future<Integer> a : answers) {
                assertEquals(201, a.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(60, fragmentCount(user, project));
    }
}
