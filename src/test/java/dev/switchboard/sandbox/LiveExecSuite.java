package dev.switchboard.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.common.http.TestHTTPResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Commands, ports and save of the caller's live sandbox over REST (JSON and event stream), the same on every provider
 * that runs commands (each provider's subclass gives its backdoor and port URL form).
 */
public abstract class LiveExecSuite {

    @Inject
    Pool db;

    @TestHTTPResource("/api/sandbox/exec")
    URI execUri;

    private final List<Api> users = new ArrayList<>();

    protected abstract SandboxBackdoor backdoor();

    /** The URL the provider gives a port of the sandbox at {@code sandboxUrl}. */
    protected abstract String portUrl(String sandboxId, String sandboxUrl, int port);

    @AfterEach
    void cleanUp() {
        users.forEach(u -> u.req().post("/api/cleanup-sandboxes"));
    }

    private String init(Api user) {
        return initSandbox(user).getString("sandboxId");
    }

    /** The user's new live sandbox: {sandboxId, sandboxUrl, ...}. */
    private io.restassured.path.json.JsonPath initSandbox(Api user) {
        users.add(user);
        return user.req().post("/api/sandbox/init").then().statusCode(200).extract().jsonPath().setRootPath("sandbox");
    }

    @Test
    void aCommandAnswersItsExitCodeOutputAndDuration() {
        Api user = Api.newUser("exec-json");
        init(user);
        user.req().body(Map.of("command", "echo hi; echo err >&2; exit 3")).post("/api/sandbox/exec").then().statusCode(200)
                .body("exitCode", equalTo(3)).body("stdout", equalTo("hi\n")).body("stderr", equalTo("err\n"))
                .body("truncated", equalTo(false)).body("timedOut", equalTo(false))
                .body("durationMs", greaterThanOrEqualTo(0));
        given().header("Authorization", "Bearer " + user.token()).body("x")
                .put("/api/sandbox/files/sub dir/keep").then().statusCode(204);
        user.req().body(Map.of("command", "printf %s \"$FOO\" > f.txt; basename \"$PWD\"", "cwd", "sub dir",
                "env", Map.of("FOO", "bär"))).post("/api/sandbox/exec").then().statusCode(200)
                .body("exitCode", equalTo(0)).body("stdout", equalTo("sub dir\n"));
        given().header("Authorization", "Bearer " + user.token()).get("/api/sandbox/files/sub dir/f.txt").then()
                .statusCode(200).body(equalTo("bär"));
    }

    @Test
    void aCommandChangesAFileWrittenThroughTheApi() {
        Api user = Api.newUser("exec-owns");
        init(user);
        // A first command, so the sandbox has taken over everything written before it.
        user.req().body(Map.of("command", "mkdir -p notes")).post("/api/sandbox/exec").then().statusCode(200)
                .body("exitCode", equalTo(0));
        user.req().contentType("application/octet-stream").body("one\n".getBytes(StandardCharsets.UTF_8))
                .put("/api/sandbox/files/notes/a.txt").then().statusCode(204);
        user.req().body(Map.of("command", "echo two >> notes/a.txt && mkdir notes/sub && cat notes/a.txt"))
                .post("/api/sandbox/exec").then().statusCode(200)
                .body("stdout", equalTo("one\ntwo\n")).body("exitCode", equalTo(0));
    }

    @Test
    void aTimeoutAnswers200WithTimedOutAndNoExitCode() {
        Api user = Api.newUser("exec-timeout");
        init(user);
        user.req().body(Map.of("command", "sleep 30", "timeoutSeconds", 1)).post("/api/sandbox/exec").then().statusCode(200)
                .body("timedOut", equalTo(true)).body("exitCode", nullValue()).body("durationMs", lessThan(10_000));
    }

    @Test
    void outputPastTheDefaultCapOf1MiBPerStreamIsCutOff() {
        Api user = Api.newUser("exec-cap");
        init(user);
        String stdout = user.req().body(Map.of("command", "head -c 1500000 /dev/zero | tr '\\0' a; echo done >&2"))
                .post("/api/sandbox/exec").then().statusCode(200).body("truncated", equalTo(true))
                .body("exitCode", equalTo(0)).body("stderr", equalTo("done\n")).extract().path("stdout");
        assertEquals(1024 * 1024, stdout.length());
    }

    @Test
    void badCommandsAre400() {
        Api user = Api.newUser("exec-bad");
        init(user);
        List<Map<String, Object>> bad = List.of(Map.of("command", " "), Map.of("cwd", "x"),
                Map.of("command", "true", "timeoutSeconds", 0), Map.of("command", "true", "timeoutSeconds", 601),
                Map.of("command", "true", "cwd", "../x"), Map.of("command", "true", "cwd", "/tmp"),
                Map.of("command", "true", "env", Map.of("A=B", "x")), Map.of("command", "true", "env", Map.of("A", "x\u0000")));
        for (Map<String, Object> body : bad) {
            user.req().body(body).post("/api/sandbox/exec").then().statusCode(400).contentType("application/problem+json");
            user.req().accept("text/event-stream").body(body).post("/api/sandbox/exec").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        user.req().body("{\"command\": 5, ").post("/api/sandbox/exec").then().statusCode(400);
    }

    @Test
    void portsAnswerALoopbackUrlAndOutOfRangeIs400() {
        Api user = Api.newUser("ports");
        io.restassured.path.json.JsonPath sandbox = initSandbox(user);
        user.req().get("/api/sandbox/ports/3000").then().statusCode(200)
                .body("url", equalTo(portUrl(sandbox.getString("sandboxId"), sandbox.getString("sandboxUrl"), 3000)));
        user.req().get("/api/sandbox/ports/65535").then().statusCode(200);
        for (String port : List.of("0", "65536", "-1", "abc", "99999999999")) {
            user.req().get("/api/sandbox/ports/" + port).then().statusCode(400).contentType("application/problem+json");
        }
    }

    @Test
    void noSandboxIs404ASwitchInFlight409AndNoToken401() {
        Api user = Api.newUser("exec-none");
        user.req().body(Map.of("command", "true")).post("/api/sandbox/exec").then().statusCode(404)
                .body("detail", containsString("no live sandbox"));
        user.req().accept("text/event-stream").body(Map.of("command", "true")).post("/api/sandbox/exec").then()
                .statusCode(404).contentType("application/problem+json");
        user.req().get("/api/sandbox/ports/3000").then().statusCode(404);
        user.req().post("/api/sandbox/save").then().statusCode(404);

        init(user);
        db.preparedQuery("UPDATE users SET switch_id = gen_random_uuid(), switch_started_at = now() WHERE id = $1")
                .execute(Tuple.of(user.userId)).await().indefinitely();
        user.req().body(Map.of("command", "touch x")).post("/api/sandbox/exec").then().statusCode(409);
        user.req().accept("text/event-stream").body(Map.of("command", "touch x")).post("/api/sandbox/exec").then().statusCode(409);
        user.req().get("/api/sandbox/ports/3000").then().statusCode(409);

        given().contentType("application/json").body(Map.of("command", "true")).post("/api/sandbox/exec").then().statusCode(401);
        given().get("/api/sandbox/ports/3000").then().statusCode(401);
    }

    @Test
    void execAndPortsCountAsUse() {
        Api user = Api.newUser("exec-use");
        init(user);
        for (Runnable call : List.<Runnable>of(
                () -> user.req().body(Map.of("command", "true")).post("/api/sandbox/exec").then().statusCode(200),
                () -> user.req().get("/api/sandbox/ports/3000").then().statusCode(200))) {
            Instant past = Instant.now().minusSeconds(3600);
            db.preparedQuery("UPDATE users SET sandbox_last_used_at = $2 WHERE id = $1")
                    .execute(Tuple.of(user.userId, past.atOffset(java.time.ZoneOffset.UTC))).await().indefinitely();
            call.run();
            Instant used = db.preparedQuery("SELECT sandbox_last_used_at FROM users WHERE id = $1").execute(Tuple.of(user.userId))
                    .await().indefinitely().iterator().next().getOffsetDateTime(0).toInstant();
            assertTrue(used.isAfter(past.plusSeconds(3000)));
        }
    }

    @Test
    void saveAnswersTheSaveBackSummary() {
        Api user = Api.newUser("save");
        String project = user.createProject("app");
        users.add(user);
        user.switchTo(project).statusCode(200);
        user.req().post("/api/sandbox/save").then().statusCode(200).body("fragmentId", nullValue())
                .body("savedFiles", equalTo(0)).body("skippedCount", equalTo(0)).body("skippedFiles.size()", equalTo(0));
        given().header("Authorization", "Bearer " + user.token()).body("x").put("/api/sandbox/files/a.txt").then().statusCode(204);
        String fragment = user.req().post("/api/sandbox/save").then().statusCode(200).body("savedFiles", equalTo(1))
                .extract().path("fragmentId");
        user.req().get("/api/projects/" + project + "/fragments/" + fragment).then().statusCode(200)
                .body("files.'a.txt'", equalTo("x"));
    }

    @Test
    void theEventStreamDeliversOutputWhileTheCommandRuns() throws Exception {
        Api user = Api.newUser("exec-sse");
        String sandbox = init(user);
        String body = "{\"command\": \"echo first; echo oops >&2; while [ ! -f go ]; do sleep 0.05; done; echo second\"}";
        HttpRequest request = HttpRequest.newBuilder(execUri).header("Authorization", "Bearer " + user.token())
                .header("Accept", "text/event-stream").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            List<String[]> seen = new ArrayList<>();
            seen.add(next(events));
            seen.add(next(events));
            // The command is still waiting for "go", written only now: these came while it ran.
            assertTrue(seen.stream().anyMatch(e -> e[0].equals("stdout") && e[1].equals("{\"data\":\"first\\n\"}")), list(seen));
            assertTrue(seen.stream().anyMatch(e -> e[0].equals("stderr") && e[1].equals("{\"data\":\"oops\\n\"}")), list(seen));
            backdoor().write(sandbox, "go", "");
            assertEquals("stdout", next(events)[0]);
            String[] exit = next(events);
            assertEquals("exit", exit[0]);
            assertTrue(exit[1].matches("\\{\"exitCode\":0,\"durationMs\":\\d+,\"timedOut\":false,\"truncated\":false}"), exit[1]);
            assertEquals(null, next(events));
        }
    }

    @Test
    void aClientThatGoesAwayKillsTheCommand() throws Exception {
        Api user = Api.newUser("exec-gone");
        io.restassured.path.json.JsonPath sandbox = initSandbox(user);
        Supplier<String> tick = () -> backdoor().read(sandbox.getString("sandboxId"), sandbox.getString("sandboxUrl"), "tick")
                .orElse(null);
        String body = "{\"command\": \"echo started; while true; do date +%s%N > tick; sleep 0.05; done\"}";
        try (Socket s = new Socket(execUri.getHost(), execUri.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            byte[] json = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /api/sandbox/exec HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + user.token()
                    + "\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[4096];
            InputStream in = s.getInputStream();
            while (seen.indexOf("started") < 0) {
                int n = in.read(buf);
                assertTrue(n > 0, seen.toString());
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertTrue(seen.toString().startsWith("HTTP/1.1 200"), seen.toString());
        }
        // Gone within the 3 s the contract allows: the tick file stops changing.
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        String last = null;
        boolean stopped = false;
        while (System.nanoTime() < deadline && !stopped) {
            Thread.sleep(300);
            String now = tick.get();
            stopped = now != null && now.equals(last);
            last = now;
        }
        assertTrue(stopped, "the command kept running after its client went away");
        Thread.sleep(500);
        assertEquals(last, tick.get());
    }

    /** The next event as {name, data}, or null at the end of the stream. */
    private static String[] next(BufferedReader events) throws Exception {
        String name = null;
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = events.readLine()) != null) {
            if (line.isEmpty()) {
                if (name != null || data.length() > 0) {
                    return new String[] { name, data.toString() };
                }
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            }
        }
        return name == null ? null : new String[] { name, data.toString() };
    }

    private static String list(List<String[]> events) {
        return events.stream().map(e -> e[0] + "=" + e[1]).toList().toString();
    }
}
