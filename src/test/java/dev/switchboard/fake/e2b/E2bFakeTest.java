package dev.switchboard.fake.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The fake itself speaks E2B as providers.md describes it, checked with a plain HTTP client (no Quarkus). */
class E2bFakeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static E2bFake fake;

    @BeforeAll
    static void start() {
        fake = E2bFake.start();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @AfterEach
    void reset() {
        fake.reset();
    }

    private record Answer(int status, JsonNode json, byte[] bytes, HttpResponse<byte[]> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private static Answer send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.url() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = null;
            if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
                json = JSON.readTree(r.body());
            }
            return new Answer(r.statusCode(), json, r.body(), r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Answer api(String method, String path, String body) {
        return send(method, path, body, "X-API-Key", E2bFake.API_KEY, "Content-Type", "application/json");
    }

    private static JsonNode create(String body) {
        Answer a = api("POST", "/sandboxes", body);
        assertEquals(201, a.status(), String.valueOf(a.json()));
        return a.json();
    }

    private static Answer envd(JsonNode sandbox, String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.url() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("E2b-Sandbox-Id", sandbox.get("sandboxID").asText())
                .header("E2b-Sandbox-Port", "49983")
                .header("X-Access-Token", sandbox.get("envdAccessToken").asText())
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("user:".getBytes(StandardCharsets.UTF_8)));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b.build());
    }

    @Test
    void controlPlaneNeedsTheApiKey() {
        Answer a = send("GET", "/v2/sandboxes", null);
        assertEquals(401, a.status());
        assertEquals("{\"code\":401,\"message\":\"Invalid API key\"}", new String(a.bytes(), StandardCharsets.UTF_8));
        assertEquals(401, send("GET", "/v2/sandboxes", null, "X-API-Key", "e2b_wrong").status());
    }

    @Test
    void createValidatesTheTimeoutAgainstThePlan() {
        assertEquals("Timeout must be greater than 0",
                api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":0}").json().get("message").asText());
        Answer tooLong = api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":3601}");
        assertEquals(400, tooLong.status());
        assertEquals("Timeout cannot be greater than 1 hours", tooLong.json().get("message").asText());
        fake.setPlanMaxLifetime(Duration.ofHours(24));
        assertEquals(201, api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":3601}").status());
        assertEquals(400, api("POST", "/sandboxes", "{\"timeout\":60}").status(), "templateID is required");

        JsonNode noTimeout = create("{\"templateID\":\"base\"}");
        E2bFake.SandboxView v = fake.sandbox(noTimeout.get("sandboxID").asText()).orElseThrow();
        assertEquals(Duration.ofSeconds(15), Duration.between(v.startedAt(), v.endAt()), "the v1 default of 15 s");
        assertFalse(noTimeout.has("envdAccessToken"), "only secure sandboxes get a token");
    }

    @Test
    void createAnswersTheSandboxShape() {
        JsonNode s = create("{\"templateID\":\"base\",\"timeout\":60,\"secure\":true,\"metadata\":{\"k\":\"v\"}}");
        assertTrue(s.get("sandboxID").asText().matches("i[a-z0-9]{20}"));
        assertEquals(E2bFake.CLIENT_ID, s.get("clientID").asText());
        assertNotNull(s.get("envdVersion"));
        assertTrue(s.get("domain").isNull());
        assertEquals(32, s.get("envdAccessToken").asText().length());
        assertEquals(400, api("POST", "/sandboxes", "{\"templateID\":\"base\",\"metadata\":{\"k\":1}}").status());
    }

    @Test
    void notFoundTextAndIdRules() {
        Answer a = api("GET", "/sandboxes/iabc", null);
        assertEquals(404, a.status());
        assertEquals("Sandbox \"iabc\" doesn't exist or you don't have access to it", a.json().get("message").asText());
        assertEquals(404, a.json().get("code").asInt());
        assertEquals("Invalid sandbox ID", api("GET", "/sandboxes/a-b-c", null).json().get("message").asText());
        JsonNode s = create("{\"templateID\":\"base\",\"timeout\":60}");
        String id = s.get("sandboxID").asText();
        assertEquals(200, api("GET", "/sandboxes/" + id + "-" + E2bFake.CLIENT_ID, null).status());
        assertEquals(204, api("DELETE", "/sandboxes/" + id, null).status());
        assertEquals(404, api("DELETE", "/sandboxes/" + id, null).status());
    }

    @Test
    void timeoutIsClampedToThePlanThenRefused() {
        String id = create("{\"templateID\":\"base\",\"timeout\":60}").get("sandboxID").asText();
        assertEquals(204, api("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":7200}").status());
        E2bFake.SandboxView v = fake.sandbox(id).orElseThrow();
        assertEquals(v.startedAt().plus(Duration.ofHours(1)), v.endAt(), "silently clamped");
        fake.setPlanMaxLifetime(Duration.ofMillis(1));
        Answer refused = api("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":60}");
        assertEquals(400, refused.status());
        assertEquals("Max instance length exceeded", refused.json().get("message").asText());
    }

    @Test
    void pauseConnectAndResumeFollowTheStateMachine() {
        String id = create("{\"templateID\":\"base\",\"timeout\":60}").get("sandboxID").asText();
        assertEquals(409, api("POST", "/sandboxes/" + id + "/resume", "{\"timeout\":60}").status(), "already running");
        assertEquals(200, api("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":60}").status());
        assertEquals(400, api("POST", "/sandboxes/" + id + "/connect", "{}").status(), "timeout is required");
        assertEquals(204, api("POST", "/sandboxes/" + id + "/pause", null).status());
        assertEquals(409, api("POST", "/sandboxes/" + id + "/pause", null).status());
        assertEquals("paused", api("GET", "/sandboxes/" + id, null).json().get("state").asText());
        assertEquals(404, api("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":60}").status(), "paused");
        assertEquals(201, api("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":60}").status());
        assertEquals("running", api("GET", "/sandboxes/" + id, null).json().get("state").asText());
    }

    @Test
    void listFiltersPagesAndCounts() {
        for (int i = 0; i < 5; i++) {
            create("{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"owner\":\"a b\"}}");
        }
        create("{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"owner\":\"other\"}}");
        Answer page = api("GET", "/v2/sandboxes?metadata=owner%3Da%2Bb&limit=2", null);
        assertEquals(200, page.status());
        assertEquals(2, page.json().size());
        assertEquals("6", page.header("X-Total-Running"));
        List<String> ids = new ArrayList<>();
        page.json().forEach(s -> ids.add(s.get("sandboxID").asText()));
        String token = page.header("X-Next-Token");
        while (token != null) {
            page = api("GET", "/v2/sandboxes?metadata=owner%3Da%2Bb&limit=2&nextToken=" + token, null);
            page.json().forEach(s -> ids.add(s.get("sandboxID").asText()));
            token = page.header("X-Next-Token");
        }
        assertEquals(5, ids.size());
        assertEquals(5, ids.stream().distinct().count());
        assertEquals(400, api("GET", "/v2/sandboxes?limit=101", null).status());
        assertEquals(400, api("GET", "/v2/sandboxes?state=dead", null).status());
    }

    @Test
    void sandboxesExpireByTheirTimeout() {
        JsonNode s = create("{\"templateID\":\"base\",\"timeout\":1,\"secure\":true}");
        String id = s.get("sandboxID").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (api("GET", "/sandboxes/" + id, null).status() == 200) {
            assertTrue(System.nanoTime() < deadline, "the sandbox outlived its timeout");
            pause(50);
        }
        Answer envd = envd(s, "GET", "/files?path=/x", null, null);
        assertEquals(502, envd.status());
        assertEquals(id, envd.json().get("sandboxId").asText());
        assertEquals("The sandbox was not found", envd.json().get("message").asText());
    }

    @Test
    void envdNeedsTheAccessTokenAndAnswersFilesAsSpecified() throws Exception {
        JsonNode s = create("{\"templateID\":\"base\",\"timeout\":60,\"secure\":true}");
        Answer noToken = send("GET", "/files?path=/home/user/a.txt", null, "E2b-Sandbox-Id", s.get("sandboxID").asText(),
                "E2b-Sandbox-Port", "49983");
        assertEquals(401, noToken.status());
        assertTrue(noToken.json().get("message").asText().startsWith("unauthorized access"));

        Answer missing = envd(s, "GET", "/files?path=/home/user/a.txt&username=user", null, null);
        assertEquals(404, missing.status());
        assertEquals("path '/home/user/a.txt' does not exist", missing.json().get("message").asText());

        String boundary = "XyZ";
        String multipart = part(boundary, "/home/user/p/a.txt", "A") + part(boundary, "/home/user/p/b.txt", "B") + "--" + boundary + "--\r\n";
        Answer written = envd(s, "POST", "/files?username=user", "multipart/form-data; boundary=" + boundary,
                multipart.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, written.status());
        assertEquals("/home/user/p/a.txt", written.json().get(0).get("path").asText());
        assertEquals("A", new String(envd(s, "GET", "/files?path=/home/user/p/a.txt", null, null).bytes(), StandardCharsets.UTF_8));
        assertEquals(400, envd(s, "GET", "/files?path=/home/user/p", null, null).status(), "a directory");

        String twice = part(boundary, "/home/user/p/c.txt", "1") + part(boundary, "/home/user/p/c.txt", "2") + "--" + boundary + "--\r\n";
        assertEquals(400, envd(s, "POST", "/files", "multipart/form-data; boundary=" + boundary,
                twice.getBytes(StandardCharsets.UTF_8)).status(), "two parts with the same destination");

        Answer list = envd(s, "POST", "/filesystem.Filesystem/ListDir", "application/json",
                "{\"path\":\"/home/user/p\",\"depth\":1}".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, list.status());
        assertEquals("1", list.json().at("/entries/0/size").asText());
        assertTrue(list.json().at("/entries/0/size").isTextual(), "int64 as a JSON string");
        Answer none = envd(s, "POST", "/filesystem.Filesystem/ListDir", "application/json",
                "{\"path\":\"/nope\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(404, none.status());
        assertEquals("not_found", none.json().get("code").asText());
    }

    @Test
    void processStartStreamsConnectEnvelopes() throws Exception {
        JsonNode s = create("{\"templateID\":\"base\",\"timeout\":60,\"secure\":true}");
        byte[] request = E2bFake.envelope(0, JSON.readTree(
                "{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"echo hi; exit 4\"],\"envs\":{},\"cwd\":\"/home/user\"},\"stdin\":false}"));
        Answer a = envd(s, "POST", "/process.Process/Start", "application/connect+json", request);
        assertEquals(200, a.status());
        List<JsonNode> frames = new ArrayList<>();
        List<Integer> flags = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(a.bytes());
        while (buf.remaining() >= 5) {
            flags.add((int) buf.get());
            byte[] message = new byte[buf.getInt()];
            buf.get(message);
            frames.add(JSON.readTree(message));
        }
        assertEquals(0, buf.remaining());
        assertTrue(frames.get(0).at("/event/start/pid").asLong() > 0);
        assertEquals("hi\n", new String(Base64.getDecoder().decode(frames.get(1).at("/event/data/stdout").asText()),
                StandardCharsets.UTF_8));
        assertEquals(4, frames.get(frames.size() - 2).at("/event/end/exitCode").asInt());
        assertEquals(2, flags.get(flags.size() - 1));
        assertEquals("{}", frames.get(frames.size() - 1).toString());
    }

    @Test
    void faultsAreCountedAndAnsweredWithTheRealBodies() {
        fake.failNext("list", 1, 429, 7);
        Answer limited = api("GET", "/v2/sandboxes", null);
        assertEquals(429, limited.status());
        assertEquals("7", limited.header("Retry-After"));
        assertEquals("Rate limit exceeded", limited.json().get("message").asText());
        assertEquals(200, api("GET", "/v2/sandboxes", null).status());
        assertEquals(2, fake.requests("list"));
        assertNull(limited.json().get("error_code"));
    }

    @Test
    void randomFaultsFailAFractionOfTheNamedOperationsWithE2bsBodiesForAWhile() {
        fake.failRandomly(java.util.Set.of("create", "kill"), 0.5, List.of(503, 500), Duration.ofMinutes(1), 7);
        int created = 0;
        int failed = 0;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Answer a = api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":60}");
            if (a.status() == 201) {
                created++;
                ids.add(a.json().get("sandboxID").asText());
                continue;
            }
            failed++;
            JsonNode body = a.json();
            if (a.status() == 503) {
                assertEquals("{\"code\":503,\"message\":\"Failed to place sandbox: placement timed out\",\"error_code\":\"sandbox_placement_timeout\"}",
                        body.toString());
            } else {
                assertEquals(500, a.status());
                assertEquals("{\"code\":500,\"message\":\"Failed to place sandbox\",\"error_code\":\"internal_server_error\"}",
                        body.toString());
            }
        }
        assertTrue(failed > 25 && created > 25, failed + " of 100 creates failed, about half should");
        assertEquals(created, fake.sandboxes().size(), "a failed create creates nothing");
        int killFailures = 0;
        for (String id : ids) {
            Answer k = api("DELETE", "/sandboxes/" + id, null);
            if (k.status() == 500) {
                killFailures++;
                assertEquals("Error killing sandbox", k.json().get("message").asText());
                assertEquals("internal_server_error", k.json().get("error_code").asText());
            }
        }
        assertTrue(killFailures > 0);
        for (int i = 0; i < 20; i++) {
            assertEquals(200, api("GET", "/v2/sandboxes", null).status(), "other operations are left alone");
        }
        assertEquals(java.util.Map.of("create", failed, "kill", fake.injectedFaults().get("kill")), fake.injectedFaults());

        // The spell ends by itself.
        fake.failRandomly(java.util.Set.of("create"), 1.0, List.of(503), Duration.ofMillis(300), 7);
        assertEquals(503, api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":60}").status());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status;
        do {
            pause(50);
            status = api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":60}").status();
        } while (status != 201 && System.nanoTime() < deadline);
        assertEquals(201, status);
        assertEquals(201, api("POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":60}").status());
    }

    @Test
    void latencyPerOperationAddsToTheGlobalOneAndCountsAreListed() {
        fake.latency("create", Duration.ofMillis(300));
        long started = System.nanoTime();
        JsonNode s = create("{\"templateID\":\"base\",\"timeout\":60}");
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(300).toNanos(), "create waits its own latency");
        assertEquals(200, api("GET", "/sandboxes/" + s.get("sandboxID").asText(), null).status());
        assertEquals(java.util.Map.of("create", 1, "get", 1), fake.requestCounts());
        fake.latency("create", Duration.ZERO);
        fake.reset();
        assertTrue(fake.requestCounts().isEmpty());
    }

    private static String part(String boundary, String filename, String content) {
        return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n";
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
