package dev.switchboard.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.bench.Commands;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bFakeAdmin;
import dev.switchboard.fake.e2b.E2bFakeMain;

/**
 * The E2B fake of the test tree in its own JVM ({@link E2bFakeMain}), driven over its admin port
 * ({@link E2bFakeAdmin}): faults, the sandboxes it holds, their files.
 */
final class FakeProcess implements AutoCloseable {

    /** A sandbox as the fake lists it. */
    record Listed(String id, String state, String templateID, Map<String, String> metadata) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern URL_LINE = Pattern.compile("^E2B fake: (http://\\S+) ");
    private static final Pattern ADMIN_LINE = Pattern.compile("^admin: (http://\\S+)/counts");

    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final String url;
    final String admin;
    final String projectRoot = "/home/user/project";
    final int userPort = 3000;

    private FakeProcess(Process process, Path log, String url, String admin) {
        this.process = process;
        this.log = log;
        this.url = url;
        this.admin = admin;
    }

    /** Starts the fake with the benchmark's provider latencies on this JVM's class path (the test class path). */
    static FakeProcess start() throws IOException, InterruptedException {
        Path log = Files.createTempFile("switchboard-chaos-e2b-fake", ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), E2bFakeMain.class.getName(),
                "--admin-port", "0");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String url = null;
            String admin = null;
            for (String line : Files.readAllLines(log)) {
                Matcher u = URL_LINE.matcher(line);
                Matcher a = ADMIN_LINE.matcher(line);
                if (u.find()) {
                    url = u.group(1);
                } else if (a.find()) {
                    admin = a.group(1);
                }
            }
            if (url != null && admin != null) {
                return new FakeProcess(p, log, url, admin);
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new IllegalStateException("the E2B fake did not start:\n" + Files.readString(log));
    }

    /** For {@code duration}, {@code fraction} of creates and kills answer 503 or 500 with E2B's bodies. */
    void failCreatesAndKills(double fraction, Duration duration, long seed) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("operations").add("create").add("kill");
        body.put("fraction", fraction);
        body.put("seconds", duration.toMillis() / 1000.0);
        body.putArray("statuses").add(503).add(500);
        body.put("seed", seed);
        expect(send("POST", admin + "/faults", HttpRequest.BodyPublishers.ofString(body.toString())), 204);
    }

    Map<String, Integer> injectedFaults() throws IOException, InterruptedException {
        return JSON.readValue(expect(send("GET", admin + "/faults", null), 200).body(), new TypeReference<TreeMap<String, Integer>>() {
        });
    }

    Map<String, Integer> requestCounts() throws IOException, InterruptedException {
        return JSON.readValue(expect(send("GET", admin + "/counts", null), 200).body(), new TypeReference<TreeMap<String, Integer>>() {
        });
    }

    List<Listed> sandboxes() throws IOException, InterruptedException {
        List<Listed> list = new ArrayList<>();
        for (JsonNode n : JSON.readTree(expect(send("GET", admin + "/sandboxes", null), 200).body())) {
            list.add(new Listed(n.get("id").asText(), n.get("state").asText(), n.get("templateID").asText(),
                    JSON.convertValue(n.get("metadata"), new TypeReference<Map<String, String>>() {
                    })));
        }
        return list;
    }

    /** A file of a live sandbox (path relative to the project root); null when the sandbox is gone. */
    Optional<byte[]> file(String sandboxId, String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send("GET", filesUrl(sandboxId, path), null);
        return switch (r.statusCode()) {
            case 200 -> Optional.of(r.body());
            case 404 -> Optional.empty();
            case 410 -> null;
            default -> throw new IOException("the fake's file API answered " + r.statusCode());
        };
    }

    /** Writes a file into a live sandbox as its processes would; false when the sandbox is gone. */
    boolean putFile(String sandboxId, String path, byte[] content) throws IOException, InterruptedException {
        int status = send("PUT", filesUrl(sandboxId, path), HttpRequest.BodyPublishers.ofByteArray(content)).statusCode();
        if (status != 204 && status != 410) {
            throw new IOException("the fake's file API answered " + status);
        }
        return status == 204;
    }

    /** Creates a sandbox through E2B's own API, as any client of the account could; answers its id or the failure. */
    HttpResponse<byte[]> create(String template, Map<String, String> metadata) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("templateID", template);
        body.put("timeout", 600);
        body.put("secure", true);
        body.set("metadata", JSON.valueToTree(metadata));
        return http.send(HttpRequest.newBuilder(URI.create(url + "/sandboxes")).timeout(Duration.ofSeconds(30))
                .header("X-API-Key", E2bFake.API_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String idOf(HttpResponse<byte[]> created) throws IOException {
        return JSON.readTree(created.body()).get("sandboxID").asText();
    }

    private String filesUrl(String sandboxId, String path) {
        return admin + "/files?sandbox=" + URLEncoder.encode(sandboxId, StandardCharsets.UTF_8) + "&path="
                + URLEncoder.encode(projectRoot + "/" + path, StandardCharsets.UTF_8);
    }

    private HttpResponse<byte[]> send(String method, String uri, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> expect(HttpResponse<byte[]> r, int status) throws IOException {
        if (r.statusCode() != status) {
            throw new IOException(r.uri() + " answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r;
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        Commands.stop(process);
    }
}
