package dev.switchboard.fake.e2b;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.local.SandboxProcesses;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * A stateful E2B on one loopback port (control plane, envd, sandbox ports) that answers as providers.md describes,
 * runs commands for real, records every request and injects faults on demand.
 */
public final class E2bFake implements AutoCloseable {

    public static final String API_KEY = "e2b_test_key";
    public static final String CLIENT_ID = "6532622b";
    public static final String ENVD_VERSION = "0.2.4";
    public static final int ENVD_PORT = 49983;
    public static final Duration DEFAULT_PLAN_MAX = Duration.ofHours(1);
    /** E2B's v1 default when a create names no timeout. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 15;
    /** The operation name that matches every operation in {@link #failNext} and {@link #dropNext}. */
    public static final String ANY = "*";

    private static final String UNAUTHORIZED_ENVD =
            "unauthorized access, please provide a valid access token or method signing if supported";
    private static final Pattern SANDBOX_HOST = Pattern.compile("^(\\d+)-([a-z0-9]+(?:-[a-z0-9]+)?)\\.(.+)$");
    private static final Pattern SANDBOX_PATH = Pattern.compile("^/sandboxes/([^/]+)(/[a-z]+)?$");
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final Set<String> USERS = Set.of("user", "root");
    private static final int RECORD_LIMIT = 20_000;
    private static final int OUTPUT_CHUNK = 32 * 1024;
    /** How long a pause may take to stop, and a kill to end, a sandbox's processes. */
    private static final Duration SIGNAL_WITHIN = Duration.ofSeconds(5);
    private static final long EXPIRY_SWEEP_MILLIS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the fake received it. Header names are case-insensitive. */
    public record Recorded(String operation, String sandboxId, String method, String path, String query,
            Map<String, String> headers, String body, List<Upload> uploads) {

        public String header(String name) {
            return headers.get(name);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    /** One multipart part of a {@code POST /files}. */
    public record Upload(String name, String filename, String contentType, int size) {
    }

    /** A sandbox as the fake holds it, frozen at the time of the call. */
    public record SandboxView(String id, String templateID, String state, Instant startedAt, Instant endAt,
            Map<String, String> metadata, Map<String, String> envVars, boolean secure, String accessToken,
            Map<String, byte[]> files, Set<String> dirs) {
    }

    /**
     * {@code afterProcessing}: the request is carried out first, then its answer is replaced (create only);
     * {@code late}: a dropped create whose sandbox appears only once the next list has been answered.
     */
    private record Fault(int status, Integer retryAfterSeconds, boolean drop, boolean afterProcessing, boolean late) {
    }

    /**
     * A probabilistic fault: until {@code until}, each request of one of {@code operations} fails with the given
     * probability, answering one of {@code statuses} (picked at random) with E2B's body for it.
     */
    private record RandomFaults(Set<String> operations, double fraction, List<Integer> statuses, Instant until,
            Random random) {
    }

    /** An envd-style error answered before a handler runs. */
    private static final class Answer extends RuntimeException {
        final int status;
        final Object body;

        Answer(int status, Object body) {
            super(null, null, false, false);
            this.status = status;
            this.body = body;
        }
    }

    private static final class Sandbox {
        final String id;
        final String templateID;
        final boolean secure;
        final String token;
        final Map<String, String> metadata;
        final Map<String, String> envVars;
        Instant startedAt;
        Instant endAt;
        String state = "running";
        /** The sandbox's "/" on disk: {@code home/user} and {@code tmp} exist from the start, as on E2B. */
        final Path dir;
        /** Set before its first command starts; until then it has no processes to look for. */
        volatile boolean ranCommands;
        /** Its running commands by pid, as envd keeps them for {@code SendSignal}. */
        final Map<Long, Process> running = new ConcurrentHashMap<>();

        Sandbox(String id, String templateID, boolean secure, String token, Map<String, String> metadata,
                Map<String, String> envVars, Instant startedAt, Instant endAt) {
            this.id = id;
            this.templateID = templateID;
            this.secure = secure;
            this.token = token;
            this.metadata = metadata;
            this.envVars = envVars;
            this.startedAt = startedAt;
            this.endAt = endAt;
            try {
                this.dir = Files.createTempDirectory("e2b-fake-" + id + "-");
                Files.createDirectories(dir.resolve("home/user"));
                Files.createDirectories(dir.resolve("tmp"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Every process its commands started, background ones included: they carry {@code E2B_SANDBOX_ID}, as the
         * processes of a real E2B sandbox do.
         */
        SandboxProcesses processes() {
            return new SandboxProcesses("E2B_SANDBOX_ID", id);
        }

        /** Where a normalized absolute sandbox path lives on disk. */
        Path host(String path) {
            Path p = dir.resolve(path.substring(1)).normalize();
            if (!p.startsWith(dir)) {
                throw new Answer(400, error(400, "path '" + path + "' leaves the sandbox"));
            }
            return p;
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final String projectRoot;
    private final int userPort;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService processes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "e2b-fake-process");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
    private final Map<String, Deque<Fault>> faults = new HashMap<>();
    /** Guarded by {@code faults}. */
    private final Map<String, AtomicInteger> vanishAfter = new HashMap<>();
    /** Guarded by {@code faults}. */
    private RandomFaults randomFaults;
    /** Faults answered (queued and random ones), by operation. */
    private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    /** envd requests (files, commands, directories, health) per sandbox id. */
    private final Map<String, AtomicInteger> dataPlane = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Recorded> recorded = new ConcurrentLinkedDeque<>();
    private volatile Duration latency = Duration.ZERO;
    /** The sandbox of a create dropped by {@link #dropNextCreateAndLandItLate}, put in place after the next list. */
    private volatile Runnable landsLate;
    /** Added to {@link #latency} for one operation: a provider whose create is slower than its reads. */
    private final Map<String, Duration> operationLatency = new ConcurrentHashMap<>();
    private volatile Duration planMax = DEFAULT_PLAN_MAX;
    private volatile int maxConcurrent = Integer.MAX_VALUE;
    private volatile int maxPageSize = 100;
    private volatile String domain;
    private long expirySweep = -1;

    private E2bFake(String projectRoot, int userPort) {
        this.projectRoot = projectRoot;
        this.userPort = userPort;
        this.vertx = Vertx.vertx();
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
        server.requestHandler(this::onRequest);
    }

    /** Starts a fake whose sandboxes serve {@code projectRoot} on {@code userPort} (the provider's defaults). */
    public static E2bFake start(String projectRoot, int userPort) {
        E2bFake fake = new E2bFake(projectRoot, userPort);
        try {
            fake.server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            // Sandboxes end at their timeout, processes and all, whether or not a request comes to notice it.
            fake.expirySweep = fake.vertx.setPeriodic(EXPIRY_SWEEP_MILLIS, id -> fake.sweep());
        } catch (Exception e) {
            fake.close();
            throw new IllegalStateException("the E2B fake did not start", e);
        }
        return fake;
    }

    public static E2bFake start() {
        return start("/home/user/project", 3000);
    }

    public int port() {
        return server.actualPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public String projectRoot() {
        return projectRoot;
    }

    public int userPort() {
        return userPort;
    }

    @Override
    public void close() {
        vertx.cancelTimer(expirySweep);
        processes.shutdownNow();
        sandboxes.values().forEach(E2bFake::end);
        sandboxes.clear();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the E2B fake did not stop", e);
        }
    }

    // ---- test controls ----

    /** The next {@code times} requests of {@code operation} ({@link #ANY} for all) answer {@code status} with E2B's body for it. */
    public void failNext(String operation, int times, int status, Integer retryAfterSeconds) {
        addFaults(operation, times, new Fault(status, retryAfterSeconds, false, false, false));
    }

    /** The next {@code times} requests of {@code operation} get their connection closed without an answer. */
    public void dropNext(String operation, int times) {
        addFaults(operation, times, new Fault(0, null, true, false, false));
    }

    /**
     * The next {@code times} creates make their sandbox, then answer {@code status} instead (a gateway's 502 or 504
     * after E2B acted): the caller cannot tell whether the sandbox exists.
     */
    public void failNextAfterCreating(int times, int status) {
        addFaults("create", times, new Fault(status, null, false, true, false));
    }

    /** The next {@code times} creates make their sandbox, then get their connection closed without an answer. */
    public void dropNextAfterCreating(int times) {
        addFaults("create", times, new Fault(0, null, true, true, false));
    }

    /**
     * The next create gets its connection closed, and its sandbox appears only right after the next list was
     * answered: a create that lands after the caller looked for it.
     */
    public void dropNextCreateAndLandItLate() {
        addFaults("create", 1, new Fault(0, null, true, true, true));
    }

    private void addFaults(String operation, int times, Fault fault) {
        synchronized (faults) {
            Deque<Fault> queue = faults.computeIfAbsent(operation, k -> new ArrayDeque<>());
            for (int i = 0; i < times; i++) {
                queue.add(fault);
            }
        }
    }

    /**
     * For {@code duration} from now, each request of one of {@code operations} fails with probability
     * {@code fraction}, answering one of {@code statuses} (picked at random, seeded) with E2B's error body for it: a
     * provider having a bad spell. Replaces an earlier random fault; queued faults ({@link #failNext}) go first.
     */
    public void failRandomly(Set<String> operations, double fraction, List<Integer> statuses, Duration duration, long seed) {
        if (fraction < 0 || fraction > 1 || statuses.isEmpty() || duration.isNegative()) {
            throw new IllegalArgumentException("fraction in [0, 1], at least one status and a duration >= 0 are needed");
        }
        synchronized (faults) {
            randomFaults = new RandomFaults(Set.copyOf(operations), fraction, List.copyOf(statuses),
                    Instant.now().plus(duration), new Random(seed));
        }
    }

    /** Faults answered so far (queued, dropped and random ones), by operation. */
    public Map<String, Integer> injectedFaults() {
        Map<String, Integer> all = new TreeMap<>();
        injected.forEach((k, v) -> all.put(k, v.get()));
        return all;
    }

    /** Drops all pending faults, random ones included (the sandboxes stay). */
    public void clearFaults() {
        synchronized (faults) {
            faults.clear();
            vanishAfter.clear();
            randomFaults = null;
        }
        landsLate = null;
    }

    /**
     * The sandbox addressed by the request of {@code operation} that follows the next {@code answered} ones
     * vanishes just before that request is handled: a sandbox lost half way through a series of calls.
     */
    public void vanishAfter(String operation, int answered) {
        synchronized (faults) {
            vanishAfter.put(operation, new AtomicInteger(answered));
        }
    }

    /** Every answer is delayed by this much. */
    public void latency(Duration delay) {
        this.latency = delay == null ? Duration.ZERO : delay;
    }

    /** Every answer to {@code operation} ("create", "kill", "files.write", ...) is delayed by this much more. */
    public void latency(String operation, Duration delay) {
        if (delay == null || delay.isZero()) {
            operationLatency.remove(operation);
        } else {
            operationLatency.put(operation, delay);
        }
    }

    /** The sandbox disappears as if its timeout had passed: the API answers 404, envd and its ports 502. */
    public void vanish(String sandboxId) {
        remove(sandboxId);
    }

    /** Moves a live sandbox's start time back, as if it had been created {@code by} earlier (its end stays). */
    public void backdate(String sandboxId, Duration by) {
        Sandbox s = live(sandboxId);
        synchronized (s) {
            s.startedAt = s.startedAt.minus(by);
        }
    }

    /** A sandbox ends: its file system goes with it. */
    private Sandbox remove(String sandboxId) {
        Sandbox s = sandboxId == null ? null : sandboxes.remove(sandboxId);
        if (s != null) {
            end(s);
        }
        return s;
    }

    /** What ending a sandbox does on E2B: its processes are killed (paused ones too) and its file system deleted. */
    private static void end(Sandbox s) {
        if (s.ranCommands) {
            s.processes().kill(SIGNAL_WITHIN);
        }
        deleteTree(s.dir);
    }

    /** The periodic expiry, off the event loop (ending a sandbox signals processes and deletes files). */
    private void sweep() {
        try {
            processes.execute(this::expire);
        } catch (RejectedExecutionException e) {
            // Closing.
        }
    }

    /** The plan's maximum sandbox lifetime (Hobby 1 h, Pro 24 h). */
    public void setPlanMaxLifetime(Duration max) {
        this.planMax = max;
    }

    /** Creates beyond this many running sandboxes answer the concurrency-cap 429. */
    public void setMaxConcurrent(int max) {
        this.maxConcurrent = max;
    }

    /** Test knob: pages of the list hold at most this many items even when the client asks for more. */
    public void setMaxPageSize(int size) {
        this.maxPageSize = Math.max(1, size);
    }

    /** The {@code domain} answered on create, get and connect; null (the default) stands for E2B's own domain. */
    public void setDomain(String domain) {
        this.domain = domain;
    }

    /** How many requests of this operation arrived, faulted ones included. */
    public int requests(String operation) {
        AtomicInteger n = counts.get(operation);
        return n == null ? 0 : n.get();
    }

    /** Requests per operation so far, faulted ones included, by operation name. */
    public Map<String, Integer> requestCounts() {
        Map<String, Integer> all = new TreeMap<>();
        counts.forEach((k, v) -> {
            if (k.indexOf('|') < 0) {
                all.put(k, v.get());
            }
        });
        return all;
    }

    /** How many requests of this operation arrived for one sandbox. */
    public int requests(String operation, String sandboxId) {
        AtomicInteger n = counts.get(operation + "|" + sandboxId);
        return n == null ? 0 : n.get();
    }

    /** How many envd requests (files, commands, directories, health) arrived for one sandbox, faulted ones included. */
    public int dataPlaneRequests(String sandboxId) {
        AtomicInteger n = dataPlane.get(sandboxId);
        return n == null ? 0 : n.get();
    }

    /** The requests of this operation, oldest first. */
    public List<Recorded> recorded(String operation) {
        return recorded.stream().filter(r -> r.operation().equals(operation)).toList();
    }

    /** The live sandboxes (expired ones are removed first). */
    public Map<String, SandboxView> sandboxes() {
        expire();
        Map<String, SandboxView> views = new TreeMap<>();
        for (Sandbox s : sandboxes.values()) {
            views.put(s.id, view(s));
        }
        return views;
    }

    public Optional<SandboxView> sandbox(String id) {
        expire();
        Sandbox s = sandboxes.get(id);
        return s == null ? Optional.empty() : Optional.of(view(s));
    }

    /** A file of a live sandbox by absolute path; empty when absent. Fails when the sandbox is gone. */
    public Optional<byte[]> file(String sandboxId, String absolutePath) {
        Sandbox s = live(sandboxId);
        synchronized (s) {
            Path p = s.host(resolve(absolutePath));
            try {
                return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Deletes a file of a live sandbox, as a process inside it would. */
    public void deleteFile(String sandboxId, String absolutePath) {
        Sandbox s = live(sandboxId);
        synchronized (s) {
            try {
                Files.delete(s.host(resolve(absolutePath)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Writes a file into a live sandbox, as a process inside it would. */
    public void putFile(String sandboxId, String absolutePath, byte[] content) {
        Sandbox s = live(sandboxId);
        synchronized (s) {
            writeFile(s, resolve(absolutePath), content);
        }
    }

    private Sandbox live(String sandboxId) {
        expire();
        Sandbox s = sandboxes.get(sandboxId);
        if (s == null) {
            throw new IllegalStateException("no live sandbox " + sandboxId);
        }
        return s;
    }

    /** Forgets all sandboxes, faults, counters and settings. */
    public void reset() {
        List.copyOf(sandboxes.keySet()).forEach(this::remove);
        clearFaults();
        injected.clear();
        counts.clear();
        dataPlane.clear();
        recorded.clear();
        latency = Duration.ZERO;
        operationLatency.clear();
        planMax = DEFAULT_PLAN_MAX;
        maxConcurrent = Integer.MAX_VALUE;
        maxPageSize = 100;
        domain = null;
    }

    // ---- routing ----

    /** Where a request goes: the control plane, or one sandbox's port. */
    private record Route(String operation, String sandboxId, int port) {
    }

    private void onRequest(HttpServerRequest req) {
        Route route = route(req);
        counts.computeIfAbsent(route.operation(), k -> new AtomicInteger()).incrementAndGet();
        if (route.sandboxId() != null) {
            counts.computeIfAbsent(route.operation() + "|" + route.sandboxId(), k -> new AtomicInteger()).incrementAndGet();
            if (route.port() == ENVD_PORT) {
                dataPlane.computeIfAbsent(route.sandboxId(), k -> new AtomicInteger()).incrementAndGet();
            }
        }
        Fault fault = takeFault(route.operation());
        if (route.sandboxId() != null && vanishesNow(route.operation())) {
            remove(route.sandboxId());
        }
        if (fault != null && fault.drop() && !fault.afterProcessing()) {
            req.connection().close();
            return;
        }
        req.body().onSuccess(body -> {
            record(req, route, body);
            Runnable handle = () -> handle(req, route, body, fault);
            long delay = latency.plus(operationLatency.getOrDefault(route.operation(), Duration.ZERO)).toMillis();
            if (delay > 0) {
                vertx.setTimer(delay, id -> handle.run());
            } else {
                handle.run();
            }
        }).onFailure(e -> req.response().setStatusCode(400).end());
    }

    private boolean vanishesNow(String operation) {
        synchronized (faults) {
            AtomicInteger left = vanishAfter.get(operation);
            if (left == null) {
                return false;
            }
            if (left.getAndDecrement() > 0) {
                return false;
            }
            vanishAfter.remove(operation);
            return true;
        }
    }

    private Fault takeFault(String operation) {
        Fault fault = nextFault(operation);
        if (fault != null) {
            injected.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
        }
        return fault;
    }

    private Fault nextFault(String operation) {
        synchronized (faults) {
            for (String key : List.of(operation, ANY)) {
                Deque<Fault> queue = faults.get(key);
                if (queue != null && !queue.isEmpty()) {
                    return queue.poll();
                }
            }
            RandomFaults r = randomFaults;
            if (r == null || !r.operations().contains(operation)) {
                return null;
            }
            if (!Instant.now().isBefore(r.until())) {
                randomFaults = null;
                return null;
            }
            if (r.random().nextDouble() >= r.fraction()) {
                return null;
            }
            return new Fault(r.statuses().get(r.random().nextInt(r.statuses().size())), null, false, false, false);
        }
    }

    private Route route(HttpServerRequest req) {
        String headerId = req.getHeader("E2b-Sandbox-Id");
        if (headerId != null) {
            int port = parsePort(req.getHeader("E2b-Sandbox-Port"));
            return new Route(sandboxOperation(req, port), headerId, port);
        }
        String host = req.getHeader("Host") == null ? "" : req.getHeader("Host").replaceFirst(":\\d+$", "");
        Matcher m = SANDBOX_HOST.matcher(host);
        if (m.matches()) {
            int port = parsePort(m.group(1));
            return new Route(sandboxOperation(req, port), m.group(2), port);
        }
        return new Route(controlOperation(req), sandboxIdOf(req.path()), 0);
    }

    private static int parsePort(String text) {
        try {
            return text == null ? ENVD_PORT : Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String sandboxOperation(HttpServerRequest req, int port) {
        if (port != ENVD_PORT) {
            return "port";
        }
        String path = req.path();
        HttpMethod m = req.method();
        if (path.equals("/health")) {
            return "health";
        }
        if (path.equals("/files")) {
            return m == HttpMethod.POST ? "files.write" : "files.read";
        }
        return switch (path) {
            case "/filesystem.Filesystem/ListDir" -> "listdir";
            case "/filesystem.Filesystem/MakeDir" -> "makedir";
            case "/filesystem.Filesystem/Stat" -> "stat";
            case "/filesystem.Filesystem/Remove" -> "remove";
            case "/process.Process/Start" -> "process.start";
            case "/process.Process/SendSignal" -> "process.signal";
            default -> "envd.other";
        };
    }

    private static String controlOperation(HttpServerRequest req) {
        String path = req.path();
        HttpMethod m = req.method();
        if (path.equals("/sandboxes")) {
            return m == HttpMethod.POST ? "create" : "list.v1";
        }
        if (path.equals("/v2/sandboxes")) {
            return "list";
        }
        Matcher s = SANDBOX_PATH.matcher(path);
        if (s.matches()) {
            String action = s.group(2);
            if (action == null) {
                return m == HttpMethod.DELETE ? "kill" : "get";
            }
            return switch (action) {
                case "/timeout" -> "timeout";
                case "/pause" -> "pause";
                case "/connect" -> "connect";
                case "/resume" -> "resume";
                case "/refreshes" -> "refreshes";
                default -> "unknown";
            };
        }
        return "unknown";
    }

    private static String sandboxIdOf(String path) {
        Matcher s = SANDBOX_PATH.matcher(path);
        return s.matches() ? s.group(1) : null;
    }

    private void record(HttpServerRequest req, Route route, Buffer body) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        req.headers().forEach(h -> headers.putIfAbsent(h.getKey(), h.getValue()));
        List<Upload> uploads = List.of();
        String text = null;
        if (route.operation().equals("files.write")) {
            uploads = uploadsOf(req.getHeader("Content-Type"), body);
        } else if (route.operation().equals("process.start") && body.length() > 5) {
            text = body.getString(5, body.length(), "UTF-8");
        } else if (body.length() > 0) {
            text = body.toString(StandardCharsets.UTF_8);
        }
        recorded.add(new Recorded(route.operation(), route.sandboxId(), req.method().name(), req.path(), req.query(),
                headers, text, uploads));
        while (recorded.size() > RECORD_LIMIT) {
            recorded.pollFirst();
        }
    }

    private static List<Upload> uploadsOf(String contentType, Buffer body) {
        String boundary = Multipart.boundary(contentType);
        if (boundary == null) {
            return List.of();
        }
        try {
            return Multipart.parse(body.getBytes(), boundary).stream()
                    .map(p -> new Upload(p.name(), p.filename(), p.contentType(), p.content().length)).toList();
        } catch (Multipart.MalformedException e) {
            return List.of();
        }
    }

    private void handle(HttpServerRequest req, Route route, Buffer body, Fault fault) {
        try {
            expire();
            if (route.port() != 0) {
                handleSandbox(req, route, body, fault);
            } else {
                handleControl(req, route, body, fault);
            }
        } catch (Answer a) {
            json(req.response(), a.status, a.body);
        } catch (RuntimeException e) {
            json(req.response(), 500, error(500, "internal error of the fake: " + e));
        }
    }

    // ---- control plane ----

    private void handleControl(HttpServerRequest req, Route route, Buffer body, Fault fault) {
        if (!API_KEY.equals(req.getHeader("X-API-Key"))) {
            throw new Answer(401, error(401, "Invalid API key"));
        }
        if (fault != null && !fault.afterProcessing()) {
            answerFault(req.response(), fault, route, false);
            return;
        }
        String id = route.sandboxId() == null ? null : canonicalId(route.sandboxId());
        switch (route.operation()) {
            case "create" -> create(req, route, body, fault);
            case "get" -> get(req, id);
            case "kill" -> kill(req, id);
            case "list" -> {
                list(req, false);
                Runnable late = landsLate;
                landsLate = null;
                if (late != null) {
                    late.run();
                }
            }
            case "list.v1" -> list(req, true);
            case "timeout" -> setTimeout(req, id, body);
            case "pause" -> pause(req, id);
            case "connect" -> connect(req, id, body, false);
            case "resume" -> connect(req, id, body, true);
            case "refreshes" -> refresh(req, id, body);
            default -> throw new Answer(404, error(404, "Not found"));
        }
    }

    /** Strips a legacy {@code -<clientID>} suffix; more than one {@code -} is refused (shared/pkg/id/id.go). */
    private static String canonicalId(String id) {
        int dashes = id.length() - id.replace("-", "").length();
        if (dashes > 1) {
            throw new Answer(400, error(400, "Invalid sandbox ID"));
        }
        return dashes == 1 ? id.substring(0, id.indexOf('-')) : id;
    }

    private void create(HttpServerRequest req, Route route, Buffer body, Fault fault) {
        JsonNode json = parse(body);
        String template = json.path("templateID").asText("");
        if (template.isBlank()) {
            throw new Answer(400, error(400, "request body has an error: doesn't match schema: property \"templateID\" is missing"));
        }
        long timeout = DEFAULT_TIMEOUT_SECONDS;
        if (json.has("timeout")) {
            if (!json.get("timeout").canConvertToLong()) {
                throw new Answer(400, error(400, "request body has an error: timeout must be an integer"));
            }
            timeout = json.get("timeout").asLong();
        }
        if (timeout <= 0) {
            throw new Answer(400, error(400, "Timeout must be greater than 0"));
        }
        if (timeout > planMax.toSeconds()) {
            throw new Answer(400, error(400, "Timeout cannot be greater than " + planMax.toHours() + " hours"));
        }
        Map<String, String> metadata = stringMap(json.get("metadata"), "metadata");
        Map<String, String> envVars = stringMap(json.get("envVars"), "envVars");
        boolean secure = json.path("secure").asBoolean(false);
        synchronized (sandboxes) {
            long running = sandboxes.values().stream().filter(s -> s.state.equals("running")).count();
            if (running >= maxConcurrent) {
                throw new Answer(429, error(429, "you have reached the maximum number of concurrent E2B sandboxes ("
                        + maxConcurrent + "). If you need more, please contact us at 'https://e2b.dev/docs/getting-help'"));
            }
            Instant now = Instant.now();
            String id = newId();
            String token = secure ? HexFormat.of().formatHex(randomBytes(16)) : null;
            Sandbox s = new Sandbox(id, template, secure, token, metadata, envVars, now, now.plusSeconds(timeout));
            if (fault != null && fault.late()) {
                landsLate = () -> sandboxes.put(id, s);
                req.connection().close();
                return;
            }
            sandboxes.put(id, s);
            if (fault == null) {
                json(req.response(), 201, sandboxJson(s));
            } else if (fault.drop()) {
                req.connection().close();
            } else {
                answerFault(req.response(), fault, route, false);
            }
        }
    }

    private void get(HttpServerRequest req, String id) {
        Sandbox s = found(id);
        ObjectNode detail = listedJson(s);
        detail.put("envdAccessToken", s.token);
        detail.put("domain", domain);
        json(req.response(), 200, detail);
    }

    private void kill(HttpServerRequest req, String id) {
        if (remove(id) == null) {
            throw notFound(id);
        }
        req.response().setStatusCode(204).end();
    }

    private void list(HttpServerRequest req, boolean runningOnly) {
        Map<String, String> filter = new HashMap<>();
        String metadata = req.getParam("metadata");
        if (metadata != null && !metadata.isEmpty()) {
            QueryStringDecoder inner = new QueryStringDecoder(metadata, StandardCharsets.UTF_8, false);
            inner.parameters().forEach((k, v) -> filter.put(k, v.get(0)));
            if (filter.isEmpty()) {
                throw new Answer(400, error(400, "Error parsing metadata: " + metadata));
            }
        }
        Set<String> states = new HashSet<>(List.of("running", "paused"));
        if (runningOnly) {
            states = Set.of("running");
        } else if (req.getParam("state") != null) {
            states = new HashSet<>(List.of(req.getParam("state").split(",")));
            if (!Set.of("running", "paused").containsAll(states)) {
                throw new Answer(400, error(400, "Invalid state: " + req.getParam("state")));
            }
        }
        int limit = 100;
        if (req.getParam("limit") != null) {
            try {
                limit = Integer.parseInt(req.getParam("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) {
                throw new Answer(400, error(400, "limit must be between 1 and 100"));
            }
        }
        Set<String> wanted = states;
        List<Sandbox> matching = sandboxes.values().stream()
                .filter(s -> wanted.contains(s.state))
                .filter(s -> s.metadata.entrySet().containsAll(filter.entrySet()))
                .sorted(Comparator.comparing((Sandbox s) -> s.startedAt).reversed().thenComparing(s -> s.id))
                .toList();
        int from = 0;
        String token = req.getParam("nextToken");
        if (token != null && !runningOnly) {
            String after;
            try {
                after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Answer(400, error(400, "Invalid next token"));
            }
            String[] parts = after.split("\\|", 2);
            if (parts.length != 2) {
                throw new Answer(400, error(400, "Invalid next token"));
            }
            Instant afterStarted = Instant.parse(parts[0]);
            String afterId = parts[1];
            from = matching.size();
            for (int i = 0; i < matching.size(); i++) {
                Sandbox s = matching.get(i);
                int cmp = afterStarted.compareTo(s.startedAt);
                if (cmp > 0 || cmp == 0 && s.id.compareTo(afterId) > 0) {
                    from = i;
                    break;
                }
            }
        }
        int size = runningOnly ? matching.size() : Math.min(limit, maxPageSize);
        List<Sandbox> page = matching.subList(from, Math.min(matching.size(), from + size));
        ArrayNode items = JSON.createArrayNode();
        page.forEach(s -> items.add(listedJson(s)));
        HttpServerResponse response = req.response();
        response.putHeader("X-Total-Running",
                Long.toString(sandboxes.values().stream().filter(s -> s.state.equals("running")).count()));
        if (!runningOnly && from + page.size() < matching.size()) {
            Sandbox last = page.get(page.size() - 1);
            response.putHeader("X-Next-Token", Base64.getUrlEncoder()
                    .encodeToString((last.startedAt + "|" + last.id).getBytes(StandardCharsets.UTF_8)));
        }
        json(response, 200, items);
    }

    private void setTimeout(HttpServerRequest req, String id, Buffer body) {
        JsonNode json = parse(body);
        if (!json.path("timeout").canConvertToLong() || json.get("timeout").asLong() < 0) {
            throw new Answer(400, error(400, "request body has an error: timeout must be a non-negative integer"));
        }
        Sandbox s = found(id);
        synchronized (s) {
            if (s.state.equals("paused")) {
                throw notFound(id);
            }
            Instant now = Instant.now();
            Instant maxEnd = s.startedAt.plus(planMax);
            if (!now.isBefore(maxEnd)) {
                throw new Answer(400, error(400, "Max instance length exceeded"));
            }
            Instant wanted = now.plusSeconds(json.get("timeout").asLong());
            s.endAt = wanted.isAfter(maxEnd) ? maxEnd : wanted;
        }
        req.response().setStatusCode(204).end();
    }

    /** A paused sandbox keeps its processes, stopped (E2B snapshots its memory): they go on after a resume. */
    private void pause(HttpServerRequest req, String id) {
        Sandbox s = found(id);
        synchronized (s) {
            if (s.state.equals("paused")) {
                throw new Answer(409, error(409, "Error pausing sandbox - sandbox '" + id + "' is already paused"));
            }
            s.state = "paused";
        }
        if (s.ranCommands && !s.processes().stop(SIGNAL_WITHIN)) {
            throw new Answer(500, error(500, "the fake could not stop every process of sandbox " + id));
        }
        req.response().setStatusCode(204).end();
    }

    private void connect(HttpServerRequest req, String id, Buffer body, boolean legacyResume) {
        JsonNode json = parse(body);
        if (!json.path("timeout").canConvertToLong() || json.get("timeout").asLong() <= 0) {
            throw new Answer(400, error(400, "request body has an error: doesn't match schema: property \"timeout\" is missing"));
        }
        long timeout = json.get("timeout").asLong();
        if (timeout > planMax.toSeconds()) {
            throw new Answer(400, error(400, "Timeout cannot be greater than " + planMax.toHours() + " hours"));
        }
        Sandbox s = found(id);
        int status;
        synchronized (s) {
            Instant now = Instant.now();
            if (s.state.equals("paused")) {
                if (s.ranCommands) {
                    s.processes().resume();
                }
                // A resume starts a new run: the lifetime counts from now.
                s.state = "running";
                s.startedAt = now;
                s.endAt = now.plusSeconds(timeout);
                status = 201;
            } else {
                if (legacyResume) {
                    throw new Answer(409, error(409, "Sandbox " + id + " is already running"));
                }
                Instant maxEnd = s.startedAt.plus(planMax);
                Instant wanted = now.plusSeconds(timeout);
                Instant capped = wanted.isAfter(maxEnd) ? maxEnd : wanted;
                if (capped.isAfter(s.endAt)) {
                    s.endAt = capped;
                }
                status = 200;
            }
        }
        json(req.response(), status, sandboxJson(s));
    }

    private void refresh(HttpServerRequest req, String id, Buffer body) {
        JsonNode json = parse(body);
        long duration = Math.max(15, Math.min(3600, json.path("duration").asLong(0)));
        Sandbox s = found(id);
        synchronized (s) {
            Instant maxEnd = s.startedAt.plus(planMax);
            Instant wanted = Instant.now().plusSeconds(duration);
            Instant capped = wanted.isAfter(maxEnd) ? maxEnd : wanted;
            if (capped.isAfter(s.endAt)) {
                s.endAt = capped;
            }
        }
        req.response().setStatusCode(204).end();
    }

    private Sandbox found(String id) {
        Sandbox s = id == null ? null : sandboxes.get(id);
        if (s == null) {
            throw notFound(id);
        }
        return s;
    }

    private static Answer notFound(String id) {
        return new Answer(404, error(404, "Sandbox \"" + id + "\" doesn't exist or you don't have access to it"));
    }

    private ObjectNode sandboxJson(Sandbox s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("templateID", s.templateID);
        n.put("sandboxID", s.id);
        n.put("alias", s.templateID);
        n.put("clientID", CLIENT_ID);
        n.put("envdVersion", ENVD_VERSION);
        if (s.token != null) {
            n.put("envdAccessToken", s.token);
        }
        n.putNull("trafficAccessToken");
        n.put("domain", domain);
        return n;
    }

    private static ObjectNode listedJson(Sandbox s) {
        ObjectNode n = JSON.createObjectNode();
        synchronized (s) {
            n.put("templateID", s.templateID);
            n.put("alias", s.templateID);
            n.put("sandboxID", s.id);
            n.put("clientID", CLIENT_ID);
            n.put("startedAt", DateTimeFormatter.ISO_INSTANT.format(s.startedAt));
            n.put("endAt", DateTimeFormatter.ISO_INSTANT.format(s.endAt));
            n.put("cpuCount", 2);
            n.put("memoryMB", 512);
            n.put("diskSizeMB", 1024);
            ObjectNode metadata = n.putObject("metadata");
            s.metadata.forEach(metadata::put);
            n.put("state", s.state);
            n.put("envdVersion", ENVD_VERSION);
        }
        return n;
    }

    /** Running sandboxes past their end are gone, as E2B removes them at their timeout; paused ones do not expire. */
    private void expire() {
        Instant now = Instant.now();
        for (Sandbox s : List.copyOf(sandboxes.values())) {
            boolean over;
            synchronized (s) {
                over = s.state.equals("running") && !now.isBefore(s.endAt);
            }
            if (over && sandboxes.remove(s.id, s)) {
                end(s);
            }
        }
    }

    private String newId() {
        char[] chars = new char[20];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return "i" + new String(chars);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    // ---- sandbox side: envd and user ports ----

    private void handleSandbox(HttpServerRequest req, Route route, Buffer body, Fault fault) {
        Sandbox s = sandboxes.get(route.sandboxId());
        if (s == null || !s.state.equals("running")) {
            throw new Answer(502, sandboxNotFound(route.sandboxId()));
        }
        if (route.operation().equals("port")) {
            if (fault != null) {
                answerFault(req.response(), fault, route, true);
                return;
            }
            servePort(req, route, s);
            return;
        }
        if (!route.operation().equals("health") && s.secure && !s.token.equals(req.getHeader("X-Access-Token"))) {
            throw new Answer(401, error(401, UNAUTHORIZED_ENVD));
        }
        if (fault != null) {
            answerFault(req.response(), fault, route, true);
            return;
        }
        switch (route.operation()) {
            case "health" -> req.response().setStatusCode(204).end();
            case "files.read" -> readFile(req, s);
            case "files.write" -> writeFiles(req, s, body);
            case "listdir" -> listDir(req, s, body);
            case "makedir" -> makeDir(req, s, body);
            case "stat" -> stat(req, s, body);
            case "remove" -> removePath(req, s, body);
            case "process.start" -> startProcess(req, s, body);
            case "process.signal" -> signal(req, s, body);
            default -> throw new Answer(404, connectError("unimplemented", "procedure " + req.path() + " is not implemented"));
        }
    }

    private static ObjectNode sandboxNotFound(String id) {
        ObjectNode n = JSON.createObjectNode();
        n.put("sandboxId", id);
        n.put("message", "The sandbox was not found");
        n.put("code", 502);
        return n;
    }

    private void servePort(HttpServerRequest req, Route route, Sandbox s) {
        if (route.port() != userPort) {
            ObjectNode n = JSON.createObjectNode();
            n.put("sandboxId", s.id);
            n.put("message", "The sandbox is running but port is not open");
            n.put("port", route.port());
            n.put("code", 502);
            throw new Answer(502, n);
        }
        String path = decodePath(req.path());
        String file = projectRoot + (path.equals("/") ? "/index.html" : path);
        byte[] content = readIfFile(s, resolve(file));
        if (content == null) {
            req.response().setStatusCode(404).putHeader("Content-Type", "text/plain").end("Not Found");
        } else {
            req.response().setStatusCode(200).putHeader("Content-Type", "text/plain; charset=utf-8").end(Buffer.buffer(content));
        }
    }

    private static String decodePath(String raw) {
        try {
            return new URI("http://h" + raw).getPath();
        } catch (URISyntaxException e) {
            throw new Answer(400, error(400, "bad path"));
        }
    }

    private static void checkUser(String username) {
        if (username != null && !USERS.contains(username)) {
            throw new Answer(401, error(401, "error looking up user '" + username + "': user: unknown user " + username));
        }
    }

    /** envd resolves a relative path against the user's home directory. */
    private static String resolve(String path) {
        String absolute = path.startsWith("/") ? path : "/home/user/" + path;
        return Path.of(absolute).normalize().toString();
    }

    private void readFile(HttpServerRequest req, Sandbox s) {
        checkUser(req.getParam("username"));
        String raw = req.getParam("path");
        if (raw == null || raw.isEmpty()) {
            throw new Answer(400, error(400, "path is required"));
        }
        String path = resolve(raw);
        if (isDir(s, path)) {
            throw new Answer(400, error(400, "path '" + path + "' is a directory"));
        }
        byte[] content = readIfFile(s, path);
        if (content == null) {
            ObjectNode n = JSON.createObjectNode();
            n.put("message", "path '" + path + "' does not exist");
            n.put("code", 404);
            throw new Answer(404, n);
        }
        req.response().setStatusCode(200).putHeader("Content-Type", "application/octet-stream").end(Buffer.buffer(content));
    }

    private void writeFiles(HttpServerRequest req, Sandbox s, Buffer body) {
        checkUser(req.getParam("username"));
        String pathParam = req.getParam("path");
        String contentType = req.getHeader("Content-Type");
        Map<String, byte[]> writes = new LinkedHashMap<>();
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/octet-stream")) {
            if (pathParam == null) {
                throw new Answer(400, error(400, "path is required for an octet-stream upload"));
            }
            writes.put(resolve(pathParam), body.getBytes());
        } else {
            String boundary = Multipart.boundary(contentType);
            if (boundary == null) {
                throw new Answer(400, error(400, "unsupported content type: " + contentType));
            }
            List<Multipart.Part> parts;
            try {
                parts = Multipart.parse(body.getBytes(), boundary);
            } catch (Multipart.MalformedException e) {
                throw new Answer(400, error(400, "error parsing multipart form: " + e.getMessage()));
            }
            for (Multipart.Part part : parts) {
                if (!"file".equals(part.name())) {
                    continue;
                }
                String destination = pathParam != null ? pathParam : part.filename();
                if (destination == null || destination.isEmpty()) {
                    throw new Answer(400, error(400, "no destination: the part has no filename and no path was given"));
                }
                String resolved = resolve(destination);
                if (writes.containsKey(resolved)) {
                    throw new Answer(400, error(400, "cannot upload multiple files to same path '" + resolved + "'"));
                }
                writes.put(resolved, part.content());
            }
        }
        ArrayNode answer = JSON.createArrayNode();
        synchronized (s) {
            for (String path : writes.keySet()) {
                if (isDir(s, path)) {
                    throw new Answer(400, error(400, "path '" + path + "' is a directory"));
                }
                for (String parent = parent(path); parent != null; parent = parent(parent)) {
                    if (isFile(s, parent)) {
                        throw new Answer(400, error(400, "path '" + parent + "' is a file, not a directory"));
                    }
                }
            }
            writes.forEach((path, content) -> {
                writeFile(s, path, content);
                ObjectNode entry = answer.addObject();
                entry.put("path", path);
                entry.put("name", path.substring(path.lastIndexOf('/') + 1));
                entry.put("type", "file");
            });
        }
        json(req.response(), 200, answer);
    }

    private static void writeFile(Sandbox s, String path, byte[] content) {
        Path target = s.host(path);
        try {
            Files.createDirectories(target.getParent());
            Files.write(target, content);
        } catch (IOException e) {
            throw new Answer(400, error(400, "cannot write '" + path + "': " + e.getMessage()));
        }
    }

    /** A regular file's bytes, or null when the path is not one. */
    private static byte[] readIfFile(Sandbox s, String path) {
        Path p = s.host(path);
        try {
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String parent(String path) {
        if (path.equals("/")) {
            return null;
        }
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static boolean isDir(Sandbox s, String path) {
        return Files.isDirectory(s.host(path), LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean isFile(Sandbox s, String path) {
        Path p = s.host(path);
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }

    private void checkRpc(HttpServerRequest req) {
        String auth = req.getHeader("Authorization");
        if (auth == null || !auth.startsWith("Basic ")) {
            throw new Answer(401, connectError("unauthenticated", "no user specified"));
        }
        String user;
        try {
            user = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Answer(401, connectError("unauthenticated", "malformed basic authorization"));
        }
        String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        if (!USERS.contains(name)) {
            throw new Answer(401, connectError("unauthenticated", "invalid username: '" + name + "'"));
        }
    }

    private void listDir(HttpServerRequest req, Sandbox s, Buffer body) {
        checkRpc(req);
        JsonNode json = parse(body);
        String path = resolve(json.path("path").asText(""));
        int depth = Math.max(1, json.path("depth").asInt(1));
        ArrayNode entries = JSON.createArrayNode();
        synchronized (s) {
            if (isFile(s, path)) {
                throw new Answer(400, connectError("invalid_argument", "path is not a directory: " + path));
            }
            if (!isDir(s, path)) {
                throw new Answer(404, connectError("not_found", "path not found: " + path));
            }
            Path base = s.host(path);
            String prefix = path.equals("/") ? "/" : path + "/";
            try (Stream<Path> walk = Files.walk(base, depth)) {
                for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                    if (p.equals(base)) {
                        continue;
                    }
                    entries.add(entryOf(prefix + base.relativize(p).toString(), p));
                }
            } catch (IOException e) {
                throw new Answer(500, connectError("internal", "cannot list " + path + ": " + e.getMessage()));
            }
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("entries", entries);
        json(req.response(), 200, answer);
    }

    /**
     * The {@code EntryInfo} of a path as current envd reports it (shared/pkg/filesystem GetEntryInfo): from lstat, a
     * link with its target's type (unspecified when dangling), the link's own size and a {@code symlinkTarget}.
     */
    private static ObjectNode entryOf(String path, Path p) throws IOException {
        var attributes = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
            String type = Files.isDirectory(p) ? "FILE_TYPE_DIRECTORY" : Files.isRegularFile(p) ? "FILE_TYPE_FILE"
                    : "FILE_TYPE_UNSPECIFIED";
            ObjectNode e = entry(path, type, attributes.size());
            e.put("symlinkTarget", Files.readSymbolicLink(p).toString());
            return e;
        }
        return entry(path, attributes.isDirectory() ? "FILE_TYPE_DIRECTORY" : attributes.isRegularFile() ? "FILE_TYPE_FILE"
                : "FILE_TYPE_UNSPECIFIED", attributes.isDirectory() ? 0 : attributes.size());
    }

    private void stat(HttpServerRequest req, Sandbox s, Buffer body) {
        checkRpc(req);
        String path = resolve(parse(body).path("path").asText(""));
        ObjectNode answer = JSON.createObjectNode();
        synchronized (s) {
            Path p = s.host(path);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new Answer(404, connectError("not_found", "file not found: lstat " + path + ": no such file or directory"));
            }
            try {
                answer.set("entry", entryOf(path, p));
            } catch (IOException e) {
                throw new Answer(500, connectError("internal", "error getting file info: " + e.getMessage()));
            }
        }
        json(req.response(), 200, answer);
    }

    /** envd's {@code os.RemoveAll}: trees and links (not their targets) alike, and a missing path is no error. */
    private void removePath(HttpServerRequest req, Sandbox s, Buffer body) {
        checkRpc(req);
        String path = resolve(parse(body).path("path").asText(""));
        synchronized (s) {
            Path p = s.host(path);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(p);
            } else {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new Answer(500, connectError("internal", "error removing file or directory: " + e.getMessage()));
                }
            }
        }
        json(req.response(), 200, JSON.createObjectNode());
    }

    /** envd's {@code SendSignal}: SIGKILL or SIGTERM to the one process, as {@code cmd.Process.Signal} does, not its children. */
    private void signal(HttpServerRequest req, Sandbox s, Buffer body) {
        checkRpc(req);
        JsonNode json = parse(body);
        long pid = json.path("process").path("pid").asLong(0);
        Process p = s.running.get(pid);
        if (p == null) {
            throw new Answer(404, connectError("not_found", "process with pid " + pid + " not found"));
        }
        switch (json.path("signal").asText("")) {
            case "SIGNAL_SIGKILL" -> p.destroyForcibly();
            case "SIGNAL_SIGTERM" -> p.destroy();
            default -> throw new Answer(501, connectError("unimplemented", "invalid signal: " + json.path("signal").asText("")));
        }
        json(req.response(), 200, JSON.createObjectNode());
    }

    /** An {@code EntryInfo} in protobuf JSON: int64 as a string, zero values left out. */
    private static ObjectNode entry(String path, String type, long size) {
        ObjectNode e = JSON.createObjectNode();
        e.put("name", path.substring(path.lastIndexOf('/') + 1));
        e.put("type", type);
        e.put("path", path);
        if (size != 0) {
            e.put("size", Long.toString(size));
        }
        e.put("mode", type.equals("FILE_TYPE_DIRECTORY") ? 2147484141L : 420);
        e.put("permissions", type.equals("FILE_TYPE_DIRECTORY") ? "drwxr-xr-x" : "-rw-r--r--");
        e.put("owner", "user");
        e.put("group", "user");
        e.put("modifiedTime", DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
        return e;
    }

    private void makeDir(HttpServerRequest req, Sandbox s, Buffer body) {
        checkRpc(req);
        String path = resolve(parse(body).path("path").asText(""));
        synchronized (s) {
            if (isFile(s, path)) {
                throw new Answer(400, connectError("invalid_argument", "path is a file: " + path));
            }
            if (isDir(s, path)) {
                throw new Answer(409, connectError("already_exists", "directory already exists: " + path));
            }
            for (String dir = path; dir != null; dir = parent(dir)) {
                if (isFile(s, dir)) {
                    throw new Answer(400, connectError("invalid_argument", "path is a file: " + dir));
                }
            }
            try {
                Files.createDirectories(s.host(path));
            } catch (IOException e) {
                throw new Answer(500, connectError("internal", "cannot create " + path + ": " + e.getMessage()));
            }
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("entry", entry(path, "FILE_TYPE_DIRECTORY", 0));
        json(req.response(), 200, answer);
    }

    // ---- process.Process/Start: runs the command for real in a copy of the sandbox's files ----

    private void startProcess(HttpServerRequest req, Sandbox s, Buffer body) {
        checkRpc(req);
        String contentType = req.getHeader("Content-Type");
        if (contentType == null || !contentType.startsWith("application/connect+json")) {
            throw new Answer(415, error(415, "unsupported content type " + contentType));
        }
        if (body.length() < 5 || body.getByte(0) != 0 || body.getInt(1) != body.length() - 5) {
            throw new Answer(400, connectError("invalid_argument", "malformed Connect envelope"));
        }
        JsonNode request = parse(body.getBuffer(5, body.length()));
        JsonNode process = request.path("process");
        List<String> command = new ArrayList<>();
        command.add(process.path("cmd").asText());
        process.path("args").forEach(a -> command.add(a.asText()));
        String cwd = resolve(process.path("cwd").asText("/home/user"));
        Map<String, String> envs = new TreeMap<>(s.envVars);
        process.path("envs").fields().forEachRemaining(e -> envs.put(e.getKey(), e.getValue().asText()));
        long timeoutMillis = 0;
        if (req.getHeader("Connect-Timeout-Ms") != null) {
            timeoutMillis = Long.parseLong(req.getHeader("Connect-Timeout-Ms").strip());
        }

        HttpServerResponse response = req.response();
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/connect+json");
        Context context = vertx.getOrCreateContext();
        Consumer<byte[]> send = frame -> context.runOnContext(v -> {
            if (!response.ended() && !response.closed()) {
                response.write(Buffer.buffer(frame));
            }
        });
        Runnable finish = () -> context.runOnContext(v -> {
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        });
        if (!isDir(s, cwd)) {
            send.accept(endStream(connectError("invalid_argument", "cwd '" + cwd + "' does not exist")));
            finish.run();
            return;
        }
        long deadline = timeoutMillis;
        AtomicReference<Process> running = new AtomicReference<>();
        // As envd: a client that goes away does not end the command ("we do not want the command to be killed if the
        // request context is cancelled", envd's start.go); only its timeout, SendSignal or the sandbox's end do.
        processes.execute(() -> runProcess(s, command, cwd, envs, deadline, send, finish, running));
    }

    private void runProcess(Sandbox s, List<String> command, String cwd, Map<String, String> envs, long timeoutMillis,
            Consumer<byte[]> send, Runnable finish, AtomicReference<Process> running) {
        try {
            ProcessBuilder builder = processBuilder(s, command, cwd);
            Map<String, String> env = builder.environment();
            String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
            env.clear();
            env.put("PATH", path);
            env.put("USER", "user");
            env.put("LANG", "C.UTF-8");
            if (NAMESPACES) {
                env.put("HOME", "/home/user");
            } else {
                env.put("HOME", s.dir.resolve("home/user").toString());
                env.put("TMPDIR", s.dir.resolve("tmp").toString());
            }
            env.putAll(envs);
            // As in a real E2B sandbox; the id also tags every process the command starts (see Sandbox.processes).
            env.put("E2B_SANDBOX", "true");
            env.put("E2B_SANDBOX_ID", s.id);
            s.ranCommands = true;
            Process p = builder.start();
            running.set(p);
            s.running.put(p.pid(), p);
            p.onExit().thenRun(() -> s.running.remove(p.pid()));
            p.getOutputStream().close();
            send.accept(event("start", JSON.createObjectNode().put("pid", p.pid())));
            Thread out = pump(p.getInputStream(), "stdout", send);
            Thread err = pump(p.getErrorStream(), "stderr", send);
            boolean finished = timeoutMillis > 0 ? p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS) : waitForever(p);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            out.join(5000);
            err.join(5000);
            if (finished) {
                int code = p.exitValue();
                ObjectNode end = JSON.createObjectNode();
                if (code != 0) {
                    end.put("exitCode", code);
                }
                end.put("exited", true);
                end.put("status", "exit status " + code);
                send.accept(event("end", end));
                send.accept(endStream(JSON.createObjectNode()));
            } else {
                send.accept(endStream(connectError("deadline_exceeded", "context deadline exceeded")));
            }
        } catch (IOException | RuntimeException e) {
            send.accept(endStream(connectError("internal", "error starting process: " + e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send.accept(endStream(connectError("canceled", "the fake is shutting down")));
        } finally {
            finish.run();
        }
    }

    private static boolean waitForever(Process p) throws InterruptedException {
        p.waitFor();
        return true;
    }

    private Thread pump(InputStream in, String stream, Consumer<byte[]> send) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[OUTPUT_CHUNK];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    ObjectNode data = JSON.createObjectNode();
                    data.put(stream, Base64.getEncoder().encodeToString(Arrays.copyOf(buffer, n)));
                    send.accept(event("data", data));
                }
            } catch (IOException e) {
                // The process was killed and its pipe closed: the output so far has been sent.
            }
        }, "e2b-fake-" + stream);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Whether commands can run in a private mount namespace, where the sandbox's {@code /home} and {@code /tmp} are
     * bound over the host's: then every absolute path a command uses means what it means on E2B.
     */
    private static final boolean NAMESPACES = probeNamespaces();

    private static boolean probeNamespaces() {
        try {
            Process p = new ProcessBuilder("unshare", "-r", "-m", "--", "/bin/true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether commands see the sandbox's own {@code /home} and {@code /tmp} (else only relative paths and $HOME work). */
    public static boolean commandsSeeSandboxPaths() {
        return NAMESPACES;
    }

    /**
     * The command, run where it would run on E2B: in a mount namespace that shows the sandbox's directories at their
     * sandbox paths, or, without namespaces, in the mapped working directory only.
     */
    private static ProcessBuilder processBuilder(Sandbox s, List<String> command, String cwd) {
        if (!NAMESPACES) {
            return new ProcessBuilder(command).directory(s.host(cwd).toFile());
        }
        List<String> wrapped = new ArrayList<>(List.of("unshare", "-r", "-m", "--", "/bin/bash", "-c",
                // /home first: the sandbox's directory may itself live under the host's /tmp.
                "mount --bind \"$0/home\" /home && mount --bind \"$0/tmp\" /tmp && cd -- \"$1\" && shift && exec \"$@\"",
                s.dir.toString(), cwd));
        wrapped.addAll(command);
        return new ProcessBuilder(wrapped).directory(s.dir.toFile());
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // A file the command left read-only or busy: the temp directory is removed at JVM exit anyway.
                }
            });
        } catch (IOException e) {
            // Nothing to clean up when the walk itself fails.
        }
    }

    private static byte[] event(String type, ObjectNode payload) {
        ObjectNode message = JSON.createObjectNode();
        message.putObject("event").set(type, payload);
        return envelope(0, message);
    }

    private static byte[] endStream(ObjectNode payload) {
        if (payload.has("code")) {
            ObjectNode wrapped = JSON.createObjectNode();
            wrapped.set("error", payload);
            return envelope(2, wrapped);
        }
        return envelope(2, payload);
    }

    /** A Connect envelope: flag byte, 4-byte big-endian length, JSON. */
    public static byte[] envelope(int flags, JsonNode message) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Buffer b = Buffer.buffer().appendByte((byte) flags).appendInt(json.length).appendBytes(json);
        return b.getBytes();
    }

    // ---- answers ----

    private void answerFault(HttpServerResponse response, Fault fault, Route route, boolean envd) {
        if (fault.retryAfterSeconds() != null) {
            response.putHeader("Retry-After", Integer.toString(fault.retryAfterSeconds()));
        }
        int status = fault.status();
        if (status == 429 && !envd) {
            response.putHeader("RateLimit-Limit", "20000").putHeader("RateLimit-Remaining", "0")
                    .putHeader("RateLimit-Reset", Integer.toString(fault.retryAfterSeconds() == null ? 30 : fault.retryAfterSeconds()));
        }
        if (envd && status == 502) {
            json(response, 502, sandboxNotFound(route.sandboxId()));
            return;
        }
        if (status == 404 && !envd && route.sandboxId() != null) {
            json(response, 404, notFound(route.sandboxId()).body);
            return;
        }
        String message = !envd && status == 500 && route.operation().equals("kill") ? "Error killing sandbox"
                : faultMessage(status, envd);
        json(response, status, envd ? error(status, message) : apiError(status, message));
    }

    private static String faultMessage(int status, boolean envd) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> envd ? UNAUTHORIZED_ENVD : "Invalid API key";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 409 -> "Conflict";
            case 429 -> envd ? "too many concurrent connections to the sandbox" : "Rate limit exceeded";
            case 500 -> envd ? "internal error" : "Failed to place sandbox";
            case 502 -> "Bad gateway";
            case 503 -> envd ? "service unavailable" : "Failed to place sandbox: placement timed out";
            case 504 -> "upstream request timeout";
            case 507 -> "not enough disk space available";
            default -> "Error " + status;
        };
    }

    /** E2B's error body, {@code {"code","message"}}, also envd's. */
    private static ObjectNode error(int code, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("code", code);
        n.put("message", message);
        return n;
    }

    /** The control plane's error body, which adds an {@code error_code} to server-side failures. */
    private static ObjectNode apiError(int code, String message) {
        ObjectNode n = error(code, message);
        if (code == 500) {
            n.put("error_code", "internal_server_error");
        } else if (code == 503) {
            n.put("error_code", "sandbox_placement_timeout");
        }
        return n;
    }

    /** A Connect unary error body: {@code code} is the code's name. */
    private static ObjectNode connectError(String code, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("code", code);
        n.put("message", message);
        return n;
    }

    private static void json(HttpServerResponse response, int status, Object body) {
        if (response.ended() || response.closed()) {
            return;
        }
        try {
            response.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
            response.setStatusCode(500).end();
        }
    }

    private static JsonNode parse(Buffer body) {
        if (body == null || body.length() == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body.getBytes());
            if (node == null || !node.isObject()) {
                throw new Answer(400, error(400, "request body has an error: value must be an object"));
            }
            return node;
        } catch (IOException e) {
            throw new Answer(400, error(400, "request body has an error: " + e.getMessage()));
        }
    }

    private static Map<String, String> stringMap(JsonNode node, String field) {
        Map<String, String> map = new TreeMap<>();
        if (node == null || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw new Answer(400, error(400, "request body has an error: " + field + " must be an object"));
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new Answer(400, error(400, "request body has an error: " + field + "." + e.getKey() + " must be a string"));
            }
            map.put(e.getKey(), e.getValue().asText());
        });
        return map;
    }

    private static SandboxView view(Sandbox s) {
        synchronized (s) {
            Map<String, byte[]> files = new TreeMap<>();
            Set<String> dirs = new TreeSet<>();
            try (Stream<Path> walk = Files.walk(s.dir)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String path = "/" + s.dir.relativize(p);
                    if (p.equals(s.dir)) {
                        dirs.add("/");
                    } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        dirs.add(path);
                    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        files.put(path, Files.readAllBytes(p));
                    }
                }
            } catch (IOException e) {
                // Gone meanwhile (killed): what was walked so far.
            }
            return new SandboxView(s.id, s.templateID, s.state, s.startedAt, s.endAt, Map.copyOf(s.metadata),
                    Map.copyOf(s.envVars), s.secure, s.token, files, Set.copyOf(dirs));
        }
    }

}
