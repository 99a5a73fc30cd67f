package dev.switchboard.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.local.LocalSandboxFixture;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Invariant 7 against a sandbox that tries to exhaust the service: the packaged jar, in a JVM capped at 256 MiB that
 * exits on an OutOfMemoryError, saves back a sandbox holding 60 files of 5 MiB. It stays up, the switch answers 200,
 * the user's small source file is saved and the large files that do not fit are listed as skipped.
 */
class SaveBackMemoryIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Path SANDBOXES = Path.of("target", "it-memory-sandboxes").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static EmbeddedPostgres pg;
    private static Process service;
    private static Path log;
    private static String base;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        log = Files.createTempFile("switchboard-memory-it", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-jar", JAR.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("DB_HOST", "localhost");
        env.put("DB_PORT", String.valueOf(pg.getPort()));
        env.put("DB_NAME", "postgres");
        env.put("DB_USER", "postgres");
        env.put("DB_PASSWORD", "postgres");
        env.put("PORT", String.valueOf(port));
        env.put("SWITCHBOARD_LOCAL_DATA_DIR", SANDBOXES.toString());
        env.put("SWITCHBOARD_JOBS_ENABLED", "false");
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", Path.of("src", "test", "resources", "test-jwt", "public.pem").toAbsolutePath().toString());
        env.put("MP_JWT_VERIFY_ISSUER", "switchboard-test");
        env.put("MP_JWT_VERIFY_AUDIENCES", "switchboard");
        service = pb.start();
        token = Jwt.issuer("switchboard-test").audience("switchboard").subject("memory-user").groups(Set.of("user")).expiresIn(3600)
                .sign(KeyUtils.readPrivateKey("test-jwt/private.pem"));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            assertTrue(service.isAlive(), () -> "the service exited at start: " + tail());
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue(System.nanoTime() < deadline, () -> "the service did not start: " + tail());
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.destroy();
            service.waitFor();
        }
        try (LocalSandboxFixture sandboxes = new LocalSandboxFixture(SANDBOXES)) {
            sandboxes.killAll();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aSandboxFullOfLargeFilesCannotExhaustTheService() throws Exception {
        String a = post("/api/projects", "{\"name\":\"big\"}", 201).get("id").asText();
        String b = post("/api/projects", "{\"name\":\"other\"}", 201).get("id").asText();
        post("/api/projects/" + a + "/fragments", "{\"files\":{\"src/app.js\":\"v1\"}}", 201);
        String sandbox = post("/api/switch-project", "{\"projectId\":\"" + a + "\"}", 200).at("/result/sandboxId").asText();

        Path files = SANDBOXES.resolve("sandboxes").resolve(sandbox).resolve("files");
        for (int i = 0; i < 60; i++) {
            Path f = files.resolve("data").resolve(String.format("blob-%02d.bin", i));
            Files.createDirectories(f.getParent());
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(5L * 1024 * 1024);
            }
        }
        Files.writeString(files.resolve("src").resolve("app.js"), "the user's work");

        long started = System.nanoTime();
        JsonNode away = post("/api/switch-project", "{\"projectId\":\"" + b + "\"}", 200);
        System.out.printf("switch away from a sandbox of 60 x 5 MiB files under -Xmx256m: %d ms%n",
                (System.nanoTime() - started) / 1_000_000);
        JsonNode saveBack = away.at("/result/saveBack");
        assertNotNull(saveBack.get("fragmentId").textValue(), saveBack.toString());
        assertTrue(saveBack.get("skippedCount").asInt() >= 56, saveBack.toString());
        List<String> reasons = new ArrayList<>();
        saveBack.get("skippedFiles").forEach(s -> reasons.add(s.get("reason").asText()));
        assertTrue(reasons.stream().allMatch(r -> r.startsWith("over-fragment-limit")), reasons.toString());

        JsonNode fragment = get("/api/projects/" + a + "/fragments/" + saveBack.get("fragmentId").asText());
        assertEquals("the user's work", fragment.at("/files/src~1app.js").asText());
        assertTrue(service.isAlive(), () -> "the service died: " + tail());
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/live")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    private static JsonNode post(String path, String body, int expected) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, r.statusCode(), () -> path + ": " + r.body() + "\n" + tail());
        return JSON.readTree(r.body());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
