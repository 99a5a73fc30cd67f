package dev.switchboard.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.LocalSandboxes;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The files of the caller's live sandbox over REST, on real local sandboxes. */
@QuarkusTest
class LiveFilesApiTest {

    @Inject
    Pool db;

    private final List<Api> users = new java.util.ArrayList<>();

    /** Kills the test's sandboxes, so a run does not keep their servers until its end. */
    @AfterEach
    void cleanUp() {
        users.forEach(u -> u.req().post("/api/cleanup-sandboxes"));
    }

    private String init(Api user) {
        users.add(user);
        return user.req().post("/api/sandbox/init").then().statusCode(200).extract().path("sandbox.sandboxId");
    }

    private static RequestSpecification raw(Api user) {
        return given().header("Authorization", "Bearer " + user.token());
    }

    @Test
    void writeListReadDeleteWithBinaryBytesAndOddNames() {
        Api user = Api.newUser("live-files");
        init(user);
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        raw(user).contentType(ContentType.BINARY).body(all).put("/api/sandbox/files/bin/all.bin").then().statusCode(204);
        raw(user).contentType("text/html").body("<h1>hi</h1>").put("/api/sandbox/files/index.html").then().statusCode(204);
        raw(user).contentType(ContentType.TEXT).body("q").put("/api/sandbox/files/src/[id] (x)/it's ü.txt").then().statusCode(204);
        raw(user).contentType(ContentType.JSON).body("{\"not\": parsed").put("/api/sandbox/files/package.json").then()
                .statusCode(204);
        raw(user).get("/api/sandbox/files/package.json").then().statusCode(200).contentType("application/json")
                .body(equalTo("{\"not\": parsed"));

        byte[] back = raw(user).get("/api/sandbox/files/bin/all.bin").then().statusCode(200)
                .contentType("application/octet-stream").extract().asByteArray();
        assertArrayEquals(all, back);
        raw(user).get("/api/sandbox/files/index.html").then().statusCode(200).contentType(containsString("text/html"))
                .header("X-Content-Type-Options", "nosniff").body(equalTo("<h1>hi</h1>"));
        raw(user).get("/api/sandbox/files/src/[id] (x)/it's ü.txt").then().statusCode(200).body(equalTo("q"));

        user.req().get("/api/sandbox/files").then().statusCode(200)
                .body("path", equalTo(List.of("bin", "index.html", "package.json", "src")))
                .body("type", equalTo(List.of("dir", "file", "file", "dir")))
                .body("[0].size", nullValue()).body("[1].size", equalTo(11));
        String modified = user.req().queryParam("path", "bin").get("/api/sandbox/files").then().statusCode(200)
                .body("", hasSize(1)).body("[0].path", equalTo("bin/all.bin")).body("[0].size", equalTo(256))
                .extract().path("[0].modifiedAt");
        OffsetDateTime.parse(modified);
        user.req().queryParam("path", "").get("/api/sandbox/files").then().statusCode(200).body("", hasSize(4));

        raw(user).delete("/api/sandbox/files/bin").then().statusCode(204);
        raw(user).delete("/api/sandbox/files/bin").then().statusCode(404).contentType("application/problem+json");
        raw(user).get("/api/sandbox/files/bin/all.bin").then().statusCode(404).contentType("application/problem+json");
        raw(user).contentType(ContentType.BINARY).body(new byte[0]).put("/api/sandbox/files/empty").then().statusCode(204);
        assertEquals(0, raw(user).get("/api/sandbox/files/empty").then().statusCode(200).extract().asByteArray().length);
    }

    @Test
    void badPathsAre400WhereverTheyAppearAndChangeNothing() throws Exception {
        Api user = Api.newUser("live-paths");
        String sandbox = init(user);
        for (String bad : List.of("/etc", "a/../..", "..", "a//b", "a\u0001b", "a\\b")) {
            user.req().queryParam("path", bad).get("/api/sandbox/files").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        for (String encoded : List.of("a%2F..%2F..%2Fetc", "..%2Fx", "%2Fetc%2Fpasswd", "a%00b", "a%0Ab", "%2E%2E%2Fx")) {
            raw(user).urlEncodingEnabled(false).get("/api/sandbox/files/" + encoded).then().statusCode(400)
                    .contentType("application/problem+json");
            raw(user).urlEncodingEnabled(false).contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/" + encoded)
                    .then().statusCode(400);
            raw(user).urlEncodingEnabled(false).delete("/api/sandbox/files/" + encoded).then().statusCode(400);
        }
        try (var left = Files.list(LocalSandboxes.dir(sandbox).resolve("files"))) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void limitsAndConflictsAreClearProblems() {
        Api user = Api.newUser("live-limits");
        init(user);
        byte[] big = new byte[5 * 1024 * 1024 + 1];
        raw(user).contentType(ContentType.BINARY).body(big).put("/api/sandbox/files/big.bin").then().statusCode(413)
                .contentType("application/problem+json");
        raw(user).get("/api/sandbox/files/big.bin").then().statusCode(404);
        raw(user).contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/d/f.txt").then().statusCode(204);
        raw(user).contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/d").then().statusCode(409)
                .contentType("application/problem+json");
        raw(user).get("/api/sandbox/files/d").then().statusCode(404);
        raw(user).get("/api/sandbox/files/nothing.txt").then().statusCode(404).body("detail", containsString("nothing.txt"));
        user.req().queryParam("path", "nothing").get("/api/sandbox/files").then().statusCode(404);
    }

    @Test
    void aFileOverTheLimitWrittenInsideTheSandboxIs413OnRead() throws Exception {
        Api user = Api.newUser("live-big");
        String sandbox = init(user);
        Files.write(LocalSandboxes.dir(sandbox).resolve("files/huge.bin"), new byte[5 * 1024 * 1024 + 1]);
        raw(user).get("/api/sandbox/files/huge.bin").then().statusCode(413).contentType("application/problem+json");
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

    @Test
    void noSandboxIs404AndNoTokenIs401() {
        Api user = Api.newUser("live-none");
        raw(user).get("/api/sandbox/files/a.txt").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("no live sandbox"));
        user.req().get("/api/sandbox/files").then().statusCode(404);
        raw(user).contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/a.txt").then().statusCode(404);
        raw(user).delete("/api/sandbox/files/a.txt").then().statusCode(404);
        given().get("/api/sandbox/files").then().statusCode(401).contentType("application/problem+json");
        given().get("/api/sandbox/files/a.txt").then().statusCode(401);
        given().contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/a.txt").then().statusCode(401);
        given().delete("/api/sandbox/files/a.txt").then().statusCode(401);
    }

    @Test
    void aSwitchInFlightIs409AndChangesNothing() {
        Api user = Api.newUser("live-inflight");
        init(user);
        db.preparedQuery("UPDATE users SET switch_id = gen_random_uuid(), switch_started_at = now() WHERE id = $1")
                .execute(Tuple.of(user.userId)).await().indefinitely();
        raw(user).contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/a.txt").then().statusCode(409)
                .contentType("application/problem+json");
        user.req().get("/api/sandbox/files").then().statusCode(409);
        // A switch older than switchboard.jobs.stale-switch crashed: it no longer blocks the sandbox.
        db.preparedQuery("UPDATE users SET switch_started_at = now() - interval '1 hour' WHERE id = $1")
                .execute(Tuple.of(user.userId)).await().indefinitely();
        user.req().get("/api/sandbox/files").then().statusCode(200).body("", hasSize(0));
    }

    @Test
    void eachCallCountsAsUse() {
        Api user = Api.newUser("live-use");
        init(user);
        for (Runnable call : List.<Runnable>of(
                () -> user.req().get("/api/sandbox/files").then().statusCode(200),
                () -> raw(user).contentType(ContentType.TEXT).body("x").put("/api/sandbox/files/a.txt").then().statusCode(204),
                () -> raw(user).get("/api/sandbox/files/a.txt").then().statusCode(200),
                () -> raw(user).delete("/api/sandbox/files/a.txt").then().statusCode(204))) {
            Instant before = backdateUse(user);
            call.run();
            assertTrue(lastUsed(user).isAfter(before.plusSeconds(3000)), "last use moved");
        }
    }

    @Test
    void aSandboxFoundDeadIsClearedAndAnswered404() throws Exception {
        Api user = Api.newUser("live-dead");
        String sandbox = init(user);
        LocalSandboxes.killProcess(sandbox);
        raw(user).get("/api/sandbox/files/a.txt").then().statusCode(404).contentType("application/problem+json");
        Row row = db.preparedQuery("SELECT active_sandbox_id FROM users WHERE id = $1").execute(Tuple.of(user.userId))
                .await().indefinitely().iterator().next();
        assertNull(row.getString(0));
        long cleared = db.preparedQuery("SELECT count(*) FROM sandbox_events WHERE user_id = $1 AND type = 'cleared'")
                .execute(Tuple.of(user.userId)).await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, cleared);
    }

    private Instant backdateUse(Api user) {
        Instant past = Instant.now().minusSeconds(3600);
        db.preparedQuery("UPDATE users SET sandbox_last_used_at = $2 WHERE id = $1")
                .execute(Tuple.of(user.userId, past.atOffset(java.time.ZoneOffset.UTC))).await().indefinitely();
        return past;
    }

    private Instant lastUsed(Api user) {
        return db.preparedQuery("SELECT sandbox_last_used_at FROM users WHERE id = $1").execute(Tuple.of(user.userId))
                .await().indefinitely().iterator().next().getOffsetDateTime(0).toInstant();
    }
}
