package dev.switchboard.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.fake.e2b.E2bFake;
import io.smallrye.jwt.build.Jwt;

/**
 * One benchmark user with two projects: switches between them, edits files in the sandbox as a user would, and checks
 * after each switch that the sandbox holds exactly what the project should hold, edits included.
 */
final class BenchUser {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one switch did: its latency, and whether the answer and the files were right. */
    record Outcome(long nanos, boolean ok, int verified, int mismatched, boolean oldSandboxAlive, String error, String launch) {
    }

    private final String id;
    private final String token;
    private final HttpClient http;
    private final String base;
    private final E2bFake fake;
    private final BenchOptions options;
    private final Random random;
    private final String[] projects = new String[2];
    /** What each project should hold: its fragment plus every edit made in its sandboxes. */
    private final List<Map<String, String>> expected = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
    private String sandboxId;
    private int current = -1;
    private int edits;

    BenchUser(int index, HttpClient http, String base, E2bFake fake, BenchOptions options, PrivateKey key) {
        this.id = String.format("bench-user-%03d", index);
        this.http = http;
        this.base = base;
        this.fake = fake;
        this.options = options;
        this.random = new Random(index);
        this.token = Jwt.issuer(SwitchBench.ISSUER).audience(SwitchBench.AUDIENCE).subject(id).claim("name", id).groups(Set.of("user"))
                .expiresIn(6 * 3600).sign(key);
    }

    /** Two projects, each with one fragment of F files of B bytes. */
    void setUp() throws IOException, InterruptedException {
        for (int p = 0; p < 2; p++) {
            projects[p] = post("/api/projects", "{\"name\":\"" + id + "-p" + p + "\"}", 201).get("id").asText();
            ObjectNode body = JSON.createObjectNode();
            body.put("title", "bench");
            ObjectNode files = body.putObject("files");
            for (int i = 0; i < options.files; i++) {
                String path = "src/m" + (i % 10) + "/file-" + i + ".txt";
                String content = text(options.bytes);
                files.put(path, content);
                expected.get(p).put(path, content);
            }
            post("/api/projects/" + projects[p] + "/fragments", JSON.writeValueAsString(body), 201);
        }
    }

    /** Switches to the other project (the first project on the first call) and verifies the new sandbox. */
    Outcome switchOver() throws InterruptedException {
        int target = current == -1 ? 0 : 1 - current;
        String old = sandboxId;
        long started = System.nanoTime();
        HttpResponse<String> r;
        try {
            r = send("/api/switch-project", "{\"projectId\":\"" + projects[target] + "\"}");
        } catch (IOException e) {
            return new Outcome(System.nanoTime() - started, false, 0, 0, false, "switch: " + e, null);
        }
        long nanos = System.nanoTime() - started;
        if (r.statusCode() != 200) {
            return new Outcome(nanos, false, 0, 0, false, "switch answered " + r.statusCode() + ": " + r.body(), null);
        }
        String newId;
        String launch;
        try {
            JsonNode result = JSON.readTree(r.body()).path("result");
            newId = result.path("sandboxId").asText();
            launch = result.path("launch").asText("cold");
        } catch (IOException e) {
            return new Outcome(nanos, false, 0, 0, false, "switch answer is not JSON: " + r.body(), null);
        }
        current = target;
        sandboxId = newId;
        int verified = 0;
        int mismatched = 0;
        for (Map.Entry<String, String> f : expected.get(target).entrySet()) {
            Optional<byte[]> got = fake.file(newId, fake.projectRoot() + "/" + f.getKey());
            if (got.isPresent() && Arrays.equals(got.get(), f.getValue().getBytes(StandardCharsets.UTF_8))) {
                verified++;
            } else {
                mismatched++;
            }
        }
        // With parking the old sandbox stays, paused; otherwise it must be gone.
        boolean oldAlive = old != null && !old.equals(newId) && fake.sandbox(old)
                .filter(s -> !(options.park && "paused".equals(s.state()))).isPresent();
        String error = mismatched > 0 ? mismatched + " files of project " + target + " differ in " + newId
                : oldAlive ? "the old sandbox " + old + " is still alive" + (options.park ? " and running" : "") : null;
        return new Outcome(nanos, error == null, verified, mismatched, oldAlive, error, launch);
    }

    /** Changes some files in the live sandbox, as the user's editor or agent would, so the next switch saves them. */
    void edit() {
        List<String> paths = List.copyOf(expected.get(current).keySet());
        for (int i = 0; i < Math.min(options.changed, paths.size()); i++) {
            String path = paths.get(edits++ % paths.size());
            String content = text(options.bytes);
            fake.putFile(sandboxId, fake.projectRoot() + "/" + path, content.getBytes(StandardCharsets.UTF_8));
            expected.get(current).put(path, content);
        }
    }

    private String text(int bytes) {
        char[] c = new char[bytes];
        for (int i = 0; i < bytes; i++) {
            c[i] = (i % 64 == 63) ? '\n' : (char) ('a' + random.nextInt(26));
        }
        return new String(c);
    }

    private JsonNode post(String path, String body, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> r = send(path, body);
        if (r.statusCode() != expectedStatus) {
            throw new IllegalStateException(id + ": " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> send(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
