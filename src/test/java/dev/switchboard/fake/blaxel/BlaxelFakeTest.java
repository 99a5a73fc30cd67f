package dev.switchboard.fake.blaxel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The fake itself behaves like Blaxel where the provider tests rely on it (no Quarkus; raw HTTP). */
class BlaxelFakeTest {

    private static final String KEY = "bl_fake_test";
    private static BlaxelFake fake;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fake = new BlaxelFake(KEY, "ws").start();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    private HttpResponse<String> call(String method, String url, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> authed(String method, String url, String body) throws Exception {
        return call(method, url, body, "Authorization", "Bearer " + KEY, "X-Blaxel-Workspace", "ws", "Blaxel-Version",
                BlaxelFake.API_VERSION);
    }

    private static String sandbox(String name, String policies) {
        return new JsonObject().put("metadata", new JsonObject().put("name", name).put("labels", new JsonObject().put("a", "b")))
                .put("spec", new JsonObject().put("runtime", new JsonObject().put("image", "blaxel/base-image:latest"))
                        .put("lifecycle", new JsonObject().put("expirationPolicies", new JsonArray(policies))))
                .encode();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private void touch(String name) {
        try {
            authed("GET", fake.sandboxUrl(name) + "/filesystem/%2F", null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String status(String name) {
        return fake.sandbox(name).map(BlaxelFake.SandboxView::status).orElse("ABSENT");
    }

    @Test
    void authIsEnforcedOnBothPlanes() throws Exception {
        HttpResponse<String> r = call("GET", fake.apiUrl() + "/sandboxes", null);
        assertEquals(401, r.statusCode());
        assertEquals(new JsonObject().put("code", 401).put("error", "Unauthorized"), new JsonObject(r.body()));
        assertEquals(401, call("GET", fake.apiUrl() + "/sandboxes", null, "Authorization", "Bearer nope").statusCode());
        assertEquals(200, call("GET", fake.apiUrl() + "/sandboxes", null, "X-Blaxel-Authorization", "Bearer " + KEY).statusCode());
        assertEquals(403, call("GET", fake.apiUrl() + "/sandboxes", null, "Authorization", "Bearer " + KEY,
                "X-Blaxel-Workspace", "other").statusCode());
        assertEquals(200, authed("POST", fake.apiUrl() + "/sandboxes", sandbox("s1", "[]")).statusCode());
        assertEquals(401, call("GET", fake.sandboxUrl("s1") + "/filesystem/%2F", null).statusCode());
    }

    @Test
    void createValidatesNamesLabelsImagesAndPolicies() throws Exception {
        HttpResponse<String> r = authed("POST", fake.apiUrl() + "/sandboxes", sandbox("Bad_Name", "[]"));
        assertEquals(400, r.statusCode());
        assertEquals("INVALID_NAME", new JsonObject(r.body()).getString("code"));
        assertEquals(400, authed("POST", fake.apiUrl() + "/sandboxes", sandbox("x".repeat(50), "[]")).statusCode());
        assertEquals(200, authed("POST", fake.apiUrl() + "/sandboxes", sandbox("x".repeat(49), "[]")).statusCode());
        String badLabel = new JsonObject().put("metadata", new JsonObject().put("name", "l1")
                .put("labels", new JsonObject().put("owner", "auth0|1"))).encode();
        assertEquals("INVALID_LABELS", new JsonObject(authed("POST", fake.apiUrl() + "/sandboxes", badLabel).body()).getString("code"));
        String badImage = new JsonObject().put("metadata", new JsonObject().put("name", "i1"))
                .put("spec", new JsonObject().put("runtime", new JsonObject().put("image", "Not An Image"))).encode();
        assertEquals("INVALID_IMAGE", new JsonObject(authed("POST", fake.apiUrl() + "/sandboxes", badImage).body()).getString("code"));
        assertEquals(400, authed("POST", fake.apiUrl() + "/sandboxes",
                sandbox("p1", "[{\"type\":\"ttl-idle\",\"value\":\"soon\",\"action\":\"delete\"}]")).statusCode());
    }

    @Test
    void aDeletedNameIsATombstoneUntilItsRetentionEnds() throws Exception {
        fake.terminatedRetention(Duration.ofMillis(500));
        JsonObject created = new JsonObject(authed("POST", fake.apiUrl() + "/sandboxes", sandbox("tomb", "[]")).body());
        assertEquals("DEPLOYING", created.getString("status"));
        assertEquals(fake.sandboxUrl("tomb"), created.getJsonObject("metadata").getString("url"));
        await("deployed", () -> status("tomb").equals("DEPLOYED"));
        JsonObject deleting = new JsonObject(authed("DELETE", fake.apiUrl() + "/sandboxes/tomb", null).body());
        assertEquals("DELETING", deleting.getString("status"));
        await("terminated", () -> status("tomb").equals("TERMINATED"));
        HttpResponse<String> again = authed("POST", fake.apiUrl() + "/sandboxes", sandbox("tomb", "[]"));
        assertEquals(409, again.statusCode());
        assertEquals("SANDBOX_ALREADY_EXISTS", new JsonObject(again.body()).getString("code"));
        assertEquals(502, authed("GET", fake.sandboxUrl("tomb") + "/filesystem/%2F", null).statusCode(),
                "the data plane of a tombstone is unavailable");
        await("the name to be free", () -> status("tomb").equals("ABSENT"));
        assertEquals(404, authed("GET", fake.apiUrl() + "/sandboxes/tomb", null).statusCode());
        assertEquals(404, authed("DELETE", fake.apiUrl() + "/sandboxes/tomb", null).statusCode());
        assertEquals(200, authed("POST", fake.apiUrl() + "/sandboxes", sandbox("tomb", "[]")).statusCode());
    }

    @Test
    void anUpdateOfTheLifecycleAppliesToTheLiveSandboxAndAChangedRuntimeRebootsIt() throws Exception {
        long created = System.nanoTime();
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("upd", "[{\"type\":\"ttl-idle\",\"value\":\"3s\",\"action\":\"delete\"}]"));
        await("deployed", () -> status("upd").equals("DEPLOYED"));
        fake.putFile("upd", "/app/kept.txt", "kept");
        JsonObject current = new JsonObject(authed("GET", fake.apiUrl() + "/sandboxes/upd", null).body());
        current.getJsonObject("spec").getJsonObject("lifecycle").put("expirationPolicies", new JsonArray(
                "[{\"type\":\"ttl-idle\",\"value\":\"1h\",\"action\":\"delete\"}]"));
        HttpResponse<String> updated = authed("PUT", fake.apiUrl() + "/sandboxes/upd", current.encode());
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals("1h", new JsonObject(updated.body()).getJsonObject("spec").getJsonObject("lifecycle")
                .getJsonArray("expirationPolicies").getJsonObject(0).getString("value"));
        Thread.sleep(Math.max(0, 3500 - (System.nanoTime() - created) / 1_000_000));
        assertEquals("DEPLOYED", status("upd"), "the new idle policy replaced the 3 s one");
        assertEquals(Optional.of("kept"), fake.file("upd", "/app/kept.txt"), "files stay");

        current.getJsonObject("spec").getJsonObject("runtime").put("envs", new JsonArray("[{\"name\":\"A\",\"value\":\"1\"}]"));
        assertEquals(200, authed("PUT", fake.apiUrl() + "/sandboxes/upd", current.encode()).statusCode());
        await("rebooted", () -> status("upd").equals("DEPLOYED"));
        assertEquals(Optional.empty(), fake.file("upd", "/app/kept.txt"), "a new runtime reboots: files are lost");

        current.getJsonObject("metadata").put("name", "nobody");
        assertEquals(400, authed("PUT", fake.apiUrl() + "/sandboxes/upd", current.encode()).statusCode(), "a name is immutable");
        assertEquals(404, authed("PUT", fake.apiUrl() + "/sandboxes/nobody", current.encode()).statusCode());
    }

    @Test
    void expirationPoliciesAndStandbyFollowUse() throws Exception {
        fake.standbyAfter(Duration.ofMillis(200));
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("aged", "[{\"type\":\"ttl-max-age\",\"value\":\"1s\",\"action\":\"delete\"}]"));
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("idle", "[{\"type\":\"ttl-idle\",\"value\":\"1s\",\"action\":\"delete\"}]"));
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("used", "[{\"type\":\"ttl-idle\",\"value\":\"1s\",\"action\":\"delete\"}]"));
        await("standby", () -> "STANDBY".equals(fake.sandbox("used").orElseThrow().state()));
        assertEquals(404, authed("GET", fake.sandboxUrl("used") + "/filesystem/%2Fnothing", null).statusCode());
        assertEquals("RUNNING", fake.sandbox("used").orElseThrow().state(), "a data-plane request wakes it");
        // Polling uses "used" and "aged": use keeps ttl-idle from firing, and does not stop ttl-max-age.
        await("both policies to fire", () -> {
            touch("used");
            touch("aged");
            return !status("aged").equals("DEPLOYED") && !status("idle").equals("DEPLOYED");
        });
        assertEquals("DEPLOYED", status("used"));
        assertFalse(status("aged").equals("DEPLOYED"), "ttl-max-age counts from creation: " + status("aged"));
        assertFalse(status("idle").equals("DEPLOYED"), "ttl-idle counts from the last use: " + status("idle"));
    }

    @Test
    void pathsFollowTheEncodingRule() throws Exception {
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("paths", "[]"));
        await("deployed", () -> status("paths").equals("DEPLOYED"));
        String tree = "{\"files\":{\"a.txt\":\"A\",\"d/b.txt\":\"B\"}}";
        assertEquals(200, authed("PUT", fake.sandboxUrl("paths") + "/filesystem/tree/%2Fblaxel%2Fapp", tree).statusCode());
        assertEquals(200, authed("PUT", fake.sandboxUrl("paths") + "/filesystem/tree/blaxel/app", tree).statusCode());
        assertEquals(Optional.of("B"), fake.file("paths", "/blaxel/app/d/b.txt"), "encoded: absolute");
        assertEquals(Optional.of("B"), fake.file("paths", BlaxelFake.WORKDIR + "/blaxel/app/d/b.txt"),
                "unencoded: relative to the working directory");
        JsonObject dir = new JsonObject(authed("GET", fake.sandboxUrl("paths") + "/filesystem/%2Fblaxel%2Fapp", null).body());
        assertEquals("/blaxel/app", dir.getString("path"));
        assertEquals("a.txt", dir.getJsonArray("files").getJsonObject(0).getString("name"));
        assertEquals("d", dir.getJsonArray("subdirectories").getJsonObject(0).getString("name"));
        HttpResponse<String> raw = call("GET", fake.sandboxUrl("paths") + "/filesystem/%2Fblaxel%2Fapp%2Fa.txt", null,
                "Authorization", "Bearer " + KEY, "Accept", "application/octet-stream");
        assertEquals("A", raw.body());
        assertEquals("A", new JsonObject(authed("GET", fake.sandboxUrl("paths") + "/filesystem/%2Fblaxel%2Fapp%2Fa.txt", null)
                .body()).getString("content"));
        assertEquals(404, authed("GET", fake.sandboxUrl("paths") + "/filesystem/%2Fnope", null).statusCode());
        assertEquals(404, authed("GET", fake.sandboxUrl("nobody") + "/filesystem/%2F", null).statusCode());
    }

    @Test
    void processesRunForRealAndChangeTheFiles() throws Exception {
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("proc", "[]"));
        await("deployed", () -> status("proc").equals("DEPLOYED"));
        String missingDir = "{\"command\":\"true\",\"workingDir\":\"/nope\",\"waitForCompletion\":true}";
        assertEquals(422, authed("POST", fake.sandboxUrl("proc") + "/process", missingDir).statusCode());
        fake.putFile("proc", "/blaxel/app/in.txt", "input");
        JsonObject r = new JsonObject(authed("POST", fake.sandboxUrl("proc") + "/process",
                "{\"command\":\"cat in.txt; echo out > out.txt; rm in.txt; exit 2\",\"workingDir\":\"/blaxel/app\","
                        + "\"waitForCompletion\":true,\"timeout\":5}").body());
        assertEquals("failed", r.getString("status"));
        assertEquals(2, r.getInteger("exitCode"));
        assertEquals("input", r.getString("stdout"));
        assertEquals(Optional.of("out\n"), fake.file("proc", "/blaxel/app/out.txt"));
        assertEquals(Optional.empty(), fake.file("proc", "/blaxel/app/in.txt"));
        JsonObject killed = new JsonObject(authed("POST", fake.sandboxUrl("proc") + "/process",
                "{\"command\":\"sleep 10\",\"workingDir\":\"/blaxel/app\",\"waitForCompletion\":true,\"timeout\":1}").body());
        assertEquals("killed", killed.getString("status"));
    }

    @Test
    void filesLiveInARealDirectoryThatDiesWithTheSandbox() throws Exception {
        authed("POST", fake.apiUrl() + "/sandboxes", sandbox("disk", "[]"));
        await("deployed", () -> status("disk").equals("DEPLOYED"));
        String boundary = "b0undary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"permissions\"\r\n\r\n0755\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\nContent-Type: application/octet-stream"
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] content = { (byte) 0xff, 0, '\r', '\n', '-', '-' };
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(head);
        body.write(content);
        body.write(tail);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(fake.sandboxUrl("disk") + "/filesystem/%2Fapp%2Fbin%2Ftool"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        java.nio.file.Path dir = fake.directory("disk");
        assertTrue(java.util.Arrays.equals(content, java.nio.file.Files.readAllBytes(dir.resolve("app/bin/tool"))));
        assertTrue(java.nio.file.Files.isExecutable(dir.resolve("app/bin/tool")));
        JsonObject made = new JsonObject(authed("POST", fake.sandboxUrl("disk") + "/process",
                "{\"command\":\"ls bin; printf tmp > /tmp/.switchboard-fake-test-disk\",\"workingDir\":\"/app\",\"waitForCompletion\":true}")
                .body());
        assertEquals("completed", made.getString("status"));
        assertEquals("tool\n", made.getString("stdout"));
        HttpResponse<String> raw = authed("GET", fake.sandboxUrl("disk") + "/filesystem/%2Ftmp%2F.switchboard-fake-test-disk?download=true",
                null);
        assertEquals("tmp", raw.body(), "/tmp is the host's, where the command wrote");
        assertEquals(200, authed("DELETE", fake.sandboxUrl("disk") + "/filesystem/%2Ftmp%2F.switchboard-fake-test-disk", null)
                .statusCode());
        assertEquals(200, authed("DELETE", fake.apiUrl() + "/sandboxes/disk", null).statusCode());
        await("terminated", () -> status("disk").equals("TERMINATED"));
        assertFalse(java.nio.file.Files.exists(dir), "a deleted sandbox's directory is gone");
    }

    @Test
    void listPagesFromTheCurrentVersionAndIsABareArrayBeforeIt() throws Exception {
        for (String n : new String[] { "l1", "l2", "l3" }) {
            authed("POST", fake.apiUrl() + "/sandboxes", sandbox(n, "[]"));
        }
        JsonObject page = new JsonObject(authed("GET", fake.apiUrl() + "/sandboxes?limit=2", null).body());
        assertEquals(2, page.getJsonArray("data").size());
        assertTrue(page.getJsonObject("meta").getBoolean("hasMore"));
        String cursor = page.getJsonObject("meta").getString("nextCursor");
        JsonObject last = new JsonObject(authed("GET", fake.apiUrl() + "/sandboxes?limit=2&cursor=" + cursor, null).body());
        assertEquals(1, last.getJsonArray("data").size());
        assertFalse(last.getJsonObject("meta").getBoolean("hasMore"));
        HttpResponse<String> old = call("GET", fake.apiUrl() + "/sandboxes", null, "Authorization", "Bearer " + KEY);
        assertEquals(3, new JsonArray(old.body()).size(), "no Blaxel-Version: the old bare array");
    }

    @Test
    void faultsAnswerBlaxelsShapes() throws Exception {
        fake.deployDelay(Duration.ofMinutes(1));
        fake.failNext(BlaxelFake.CREATE, 1, 504, null);
        HttpResponse<String> r = authed("POST", fake.apiUrl() + "/sandboxes", sandbox("edge", "[]"));
        assertEquals(504, r.statusCode());
        assertTrue(r.body().contains("CloudFront"));
        assertEquals("DEPLOYING", status("edge"), "the sandbox is created behind the edge's 504");
        fake.failNext(BlaxelFake.GET, 1, 429, 3);
        HttpResponse<String> limited = authed("GET", fake.apiUrl() + "/sandboxes/edge", null);
        assertEquals(429, limited.statusCode());
        assertEquals("3", limited.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(429, new JsonObject(limited.body()).getInteger("code"));
        fake.quotaExceededNext(1);
        assertEquals("QUOTA_EXCEEDED", new JsonObject(authed("POST", fake.apiUrl() + "/sandboxes", sandbox("q", "[]")).body())
                .getString("code"));
        fake.dropNext(BlaxelFake.LIST, 1);
        try {
            authed("GET", fake.apiUrl() + "/sandboxes", null);
            throw new AssertionError("the connection should have been cut");
        } catch (IOException expected) {
            // The dropped request never gets an answer.
        }
        assertEquals(2, fake.requests(BlaxelFake.CREATE));
        assertEquals(1, fake.requests(BlaxelFake.GET));
        assertEquals(1, fake.requests(BlaxelFake.LIST), "a dropped request is still counted");
        assertEquals(503, authed("GET", fake.sandboxUrl("edge") + "/mcp", null).statusCode(), "still deploying");
        fake.setStatus("edge", "DEPLOYED", "RUNNING");
        assertEquals(405, authed("GET", fake.sandboxUrl("edge") + "/mcp", null).statusCode());
        assertEquals(Optional.of("edge"), fake.sandboxes().stream().map(BlaxelFake.SandboxView::name).findFirst());
    }
}
