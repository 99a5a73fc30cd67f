package dev.switchboard.chaos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.bench.ServiceProcess;
import io.smallrye.jwt.build.Jwt;

/**
 * One user of the chaos run: a few projects of known files, and request loops ("tabs") that switch, init, heartbeat,
 * clean up, read the status and edit files in the sandbox at random, each request to a random replica. Some users
 * doze off now and then, long enough for the idle job to take their sandbox.
 */
final class ChaosUser {

    static final String AUDIENCE = "switchboard-chaos";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    final String id;
    private final String token;
    private final Replicas replicas;
    private final FakeProcess fake;
    private final ChaosStats stats;
    private final boolean sleepy;
    private final Duration doze;
    final List<String> projects = new ArrayList<>();
    /** Each project's files (path relative to the project root to bytes), as uploaded; never changed afterwards. */
    final List<Map<String, byte[]>> files = new ArrayList<>();
    /** The sandbox the last successful switch or init answered: where edits go. */
    private volatile String lastSandbox;
    private volatile long dozingUntil;

    ChaosUser(int index, PrivateKey key, Replicas replicas, FakeProcess fake, ChaosStats stats, Duration doze) {
        this.id = String.format("chaos-user-%02d", index);
        this.replicas = replicas;
        this.fake = fake;
        this.stats = stats;
        this.sleepy = index % 4 == 3;
        this.doze = doze;
        // aud is set (and the replicas require it), so tokens stay valid where production enforces the audience.
        this.token = Jwt.issuer(ServiceProcess.ISSUER).audience(AUDIENCE).subject(id).claim("name", id)
                .groups(Set.of("user")).expiresIn(6 * 3600).sign(key);
    }

    /** Creates the projects, each with one fragment of known files (text, binary, a name with a space and an umlaut). */
    void setUp(int projectCount, int fileCount, Random random) throws IOException, InterruptedException {
        for (int p = 0; p < projectCount; p++) {
            JsonNode project = setupCall("/api/projects", "{\"name\":\"" + id + "-p" + p + "\"}");
            projects.add(project.get("id").asText());
            Map<String, byte[]> content = new LinkedHashMap<>();
            ObjectNode body = JSON.createObjectNode();
            body.put("title", "chaos");
            ObjectNode out = body.putObject("files");
            for (int f = 0; f < fileCount; f++) {
                String path = switch (f) {
                    case 0 -> "README.md";
                    case 1 -> "docs/notes ü.md";
                    case 2 -> "assets/blob.bin";
                    default -> "src/m" + (f % 3) + "/file-" + f + ".txt";
                };
                byte[] bytes = new byte[200 + random.nextInt(1800)];
                if (f == 2) {
                    random.nextBytes(bytes);
                    out.putObject(path).put("encoding", "base64").put("content", Base64.getEncoder().encodeToString(bytes));
                } else {
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = (byte) (i % 64 == 63 ? '\n' : 'a' + random.nextInt(26));
                    }
                    out.put(path, new String(bytes, StandardCharsets.UTF_8));
                }
                content.put(path, bytes);
            }
            setupCall("/api/projects/" + projects.get(p) + "/fragments", JSON.writeValueAsString(body));
            files.add(content);
        }
    }

    /** One tab: acts at random until {@code deadlineNanos}. */
    void run(long deadlineNanos, Random random, int tab) throws InterruptedException {
        int edits = 0;
        while (System.nanoTime() < deadlineNanos) {
            long dozing = dozingUntil - System.nanoTime();
            if (dozing > 0) {
                Thread.sleep(Math.min(dozing, deadlineNanos - System.nanoTime()) / 1_000_000 + 1);
                continue;
            }
            int roll = random.nextInt(100);
            if (roll < 35) {
                String project = projects.get(random.nextInt(projects.size()));
                remember(call("switch", "POST", "/api/switch-project", "{\"projectId\":\"" + project + "\"}", random), "/result/sandboxId");
            } else if (roll < 50) {
                remember(call("init", "POST", "/api/sandbox/init", "", random), "/sandbox/sandboxId");
            } else if (roll < 70) {
                call("heartbeat", "POST", "/api/sandbox/heartbeat", "", random);
            } else if (roll < 77) {
                if (call("cleanup", "POST", "/api/cleanup-sandboxes", "", random) != null) {
                    lastSandbox = null;
                }
            } else if (roll < 85) {
                call("status", "GET", "/api/sandbox/init", null, random);
            } else if (roll < 97 || !sleepy) {
                edit(tab, edits++);
            } else {
                // Doze off: every tab of this user pauses, long enough for the idle job to take the sandbox.
                dozingUntil = System.nanoTime() + doze.toNanos() + random.nextInt(5000) * 1_000_000L;
                stats.sleeps.incrementAndGet();
            }
            Thread.sleep(50 + random.nextInt(350));
        }
    }

    /** Writes a new file into the sandbox, as the user's editor or agent would, so that save-backs have work. */
    private void edit(int tab, int n) {
        String sandbox = lastSandbox;
        if (sandbox == null) {
            return;
        }
        try {
            boolean written = fake.putFile(sandbox, "notes/tab" + tab + "-" + n + ".txt",
                    ("edit " + n + " of " + id + "\n").getBytes(StandardCharsets.UTF_8));
            (written ? stats.edits : stats.editsOnGoneSandbox).incrementAndGet();
        } catch (IOException e) {
            stats.editsOnGoneSandbox.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void remember(HttpResponse<String> r, String pointer) {
        if (r == null || r.statusCode() != 200) {
            return;
        }
        try {
            String sandbox = JSON.readTree(r.body()).at(pointer).asText(null);
            if (sandbox != null) {
                lastSandbox = sandbox;
            }
        } catch (IOException e) {
            // The status was recorded; an unreadable body only means no edit target.
        }
    }

    /**
     * One request to a random replica that is up, recorded in the stats. A refused connection (the replica just went
     * down) goes to another replica, as a load balancer would send it; an answer is returned, null when there was none.
     */
    private HttpResponse<String> call(String kind, String method, String path, String body, Random random)
            throws InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            Replicas.Target t = replicas.pick(random::nextInt);
            if (t == null) {
                Thread.sleep(200);
                continue;
            }
            long started = System.nanoTime();
            try {
                HttpResponse<String> r = t.http().send(request(t.base() + path, method, body), HttpResponse.BodyHandlers.ofString());
                stats.record(kind, r.statusCode(), started, r.statusCode() == 200 || r.statusCode() == 204 ? null
                        : "replica " + (t.index() + 1) + ": " + abbreviate(r.body()));
                return r;
            } catch (ConnectException e) {
                stats.rerouted.incrementAndGet();
                if (!replicas.endedSince(t)) {
                    stats.record(kind, ChaosStats.IO_ERROR, started, "replica " + (t.index() + 1) + " refused a connection while up: " + e);
                    return null;
                }
            } catch (HttpTimeoutException e) {
                stats.record(kind, ChaosStats.TIMEOUT, started, "replica " + (t.index() + 1) + ": no answer in " + REQUEST_TIMEOUT);
                return null;
            } catch (IOException e) {
                boolean cut = replicas.endedSince(t);
                stats.record(kind, cut ? ChaosStats.CUT_BY_KILL : ChaosStats.IO_ERROR, started, "replica " + (t.index() + 1) + ": " + e);
                return null;
            }
        }
        return null;
    }

    private HttpRequest request(String uri, String method, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token);
        if (body == null) {
            return b.GET().build();
        }
        return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** A set-up request: to a random replica, and it must succeed (no faults or kills yet). */
    private JsonNode setupCall(String path, String body) throws IOException, InterruptedException {
        Replicas.Target t = replicas.pick(n -> Math.floorMod(id.hashCode() + projects.size(), n));
        HttpResponse<String> r = t.http().send(request(t.base() + path, "POST", body), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException(id + ": " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
