package dev.switchboard.sandbox;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.LocalSandboxes;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The live-sandbox file suite on real local sandboxes, plus what only a real file system can plant: symlinks out. */
@QuarkusTest
class LiveFilesApiTest extends LiveFilesSuite {

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }

    @Test
    void symlinksPlantedInTheSandboxDoNotLeadOutOfIt() throws Exception {
        Api user = Api.newUser("live-links");
        Api other = Api.newUser("live-victim");
        String sandbox = init(user);
        String victim = init(other);
        Path victimFiles = LocalSandboxes.dir(victim).resolve("files");
        Files.writeString(victimFiles.resolve("secret.txt"), "secret");
        Path files = LocalSandboxes.dir(sandbox).resolve("files");
        Files.createSymbolicLink(files.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(files.resolve("victim"), victimFiles.toAbsolutePath());
        Files.createSymbolicLink(files.resolve("secret.txt"), victimFiles.resolve("secret.txt").toAbsolutePath());

        raw(user).get("/api/sandbox/files/etc/passwd").then().statusCode(404);
        user.req().queryParam("path", "etc").get("/api/sandbox/files").then().statusCode(404);
        user.req().queryParam("path", "victim").get("/api/sandbox/files").then().statusCode(404);
        raw(user).get("/api/sandbox/files/victim/secret.txt").then().statusCode(404);
        raw(user).get("/api/sandbox/files/secret.txt").then().statusCode(404);
        raw(user).contentType(ContentType.TEXT).body("pwned").put("/api/sandbox/files/victim/planted.txt").then().statusCode(409);
        raw(user).contentType(ContentType.TEXT).body("pwned").put("/api/sandbox/files/secret.txt").then().statusCode(409);
        raw(user).delete("/api/sandbox/files/victim/secret.txt").then().statusCode(404);
        raw(user).delete("/api/sandbox/files/victim").then().statusCode(204);

        assertEquals("secret", Files.readString(victimFiles.resolve("secret.txt")));
        assertFalse(Files.exists(victimFiles.resolve("planted.txt")));
        assertTrue(Files.exists(Path.of("/etc/passwd")));
        raw(other).get("/api/sandbox/files/secret.txt").then().statusCode(200).body(equalTo("secret"));
    }
}
