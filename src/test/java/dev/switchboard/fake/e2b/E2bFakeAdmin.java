package dev.switchboard.fake.e2b;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The control endpoint of the standalone E2B fake ({@link E2bFakeMain}), on its own loopback port, for a driver in
 * another process (the chaos command):
 * <ul>
 * <li>{@code GET /counts}: requests per operation; {@code GET /faults}: faults answered per operation</li>
 * <li>{@code POST /faults} {@code {"operations":["create","kill"],"fraction":0.2,"seconds":10,"statuses":[503,500],"seed":1}}:
 * that fraction of those requests fail for that long, with E2B's error bodies ({@link E2bFake#failRandomly});
 * {@code DELETE /faults} ends every fault</li>
 * <li>{@code GET /sandboxes}: every live sandbox with its state and metadata</li>
 * <li>{@code GET /files?sandbox=ID&path=/abs/path}: a file's bytes (404 no such file, 410 no such sandbox);
 * {@code PUT} the same writes it, as a process in the sandbox would</li>
 * </ul>
 */
public final class E2bFakeAdmin implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final E2bFake fake;
    private final HttpServer server;

    private E2bFakeAdmin(E2bFake fake, HttpServer server) {
        this.fake = fake;
        this.server = server;
    }

    /** Serves the admin API of {@code fake} on {@code port} (0: a free one) of 127.0.0.1. */
    public static E2bFakeAdmin start(E2bFake fake, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        E2bFakeAdmin admin = new E2bFakeAdmin(fake, server);
        server.createContext("/counts", ex -> admin.answer(ex, () -> json(ex, 200, JSON.valueToTree(fake.requestCounts()))));
        server.createContext("/faults", ex -> admin.answer(ex, () -> admin.faults(ex)));
        server.createContext("/sandboxes", ex -> admin.answer(ex, () -> admin.sandboxes(ex)));
        server.createContext("/files", ex -> admin.answer(ex, () -> admin.files(ex)));
        // Many driver threads at once: the default executor would serve them one by one.
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "e2b-fake-admin");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return admin;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private interface Handler {
        void handle() throws IOException;
    }

    private void answer(HttpExchange ex, Handler handler) throws IOException {
        try {
            handler.handle();
        } catch (IllegalArgumentException | IOException e) {
            json(ex, 400, JSON.createObjectNode().put("message", String.valueOf(e.getMessage())));
        } finally {
            ex.close();
        }
    }

    private void faults(HttpExchange ex) throws IOException {
        switch (ex.getRequestMethod()) {
            case "GET" -> json(ex, 200, JSON.valueToTree(fake.injectedFaults()));
            case "DELETE" -> {
                fake.clearFaults();
                ex.sendResponseHeaders(204, -1);
            }
            case "POST" -> {
                JsonNode body = JSON.readTree(readAll(ex.getRequestBody()));
                Set<String> operations = new LinkedHashSet<>();
                body.path("operations").forEach(o -> operations.add(o.asText()));
                List<Integer> statuses = new ArrayList<>();
                body.path("statuses").forEach(s -> statuses.add(s.asInt()));
                if (operations.isEmpty() || !body.path("fraction").isNumber() || !body.path("seconds").isNumber()) {
                    throw new IllegalArgumentException("operations, fraction and seconds are required");
                }
                fake.failRandomly(operations, body.get("fraction").asDouble(), statuses.isEmpty() ? List.of(503) : statuses,
                        Duration.ofMillis(Math.round(body.get("seconds").asDouble() * 1000)), body.path("seed").asLong(1));
                ex.sendResponseHeaders(204, -1);
            }
            default -> ex.sendResponseHeaders(405, -1);
        }
    }

    private void sandboxes(HttpExchange ex) throws IOException {
        ArrayNode list = JSON.createArrayNode();
        fake.sandboxes().values().forEach(s -> {
            ObjectNode n = list.addObject();
            n.put("id", s.id());
            n.put("state", s.state());
            n.put("templateID", s.templateID());
            n.put("startedAt", s.startedAt().toString());
            n.put("endAt", s.endAt().toString());
            n.set("metadata", JSON.valueToTree(s.metadata()));
        });
        json(ex, 200, list);
    }

    private void files(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String sandbox = q.get("sandbox");
        String path = q.get("path");
        if (sandbox == null || path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("sandbox and an absolute path are required");
        }
        if (fake.sandbox(sandbox).isEmpty()) {
            json(ex, 410, JSON.createObjectNode().put("message", "no live sandbox " + sandbox));
            return;
        }
        try {
            switch (ex.getRequestMethod()) {
                case "GET" -> {
                    Optional<byte[]> content = fake.file(sandbox, path);
                    if (content.isEmpty()) {
                        ex.sendResponseHeaders(404, -1);
                        return;
                    }
                    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    ex.sendResponseHeaders(200, content.get().length == 0 ? -1 : content.get().length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(content.get());
                    }
                }
                case "PUT" -> {
                    fake.putFile(sandbox, path, readAll(ex.getRequestBody()));
                    ex.sendResponseHeaders(204, -1);
                }
                default -> ex.sendResponseHeaders(405, -1);
            }
        } catch (IllegalStateException e) {
            // It ended between the check and the access.
            json(ex, 410, JSON.createObjectNode().put("message", e.getMessage()));
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
