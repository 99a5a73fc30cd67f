package dev.switchboard.provider.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.switchboard.support.HostProcesses;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.ScanSpec;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;

/** Runs real sandbox server processes and talks to them over real HTTP. */
class LocalSandboxProviderTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx32m", "-Xss512k", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    private static Vertx vertx;
    private static HttpClient http;

    @TempDir
    Path dataRoot;

    private LocalSandboxProvider provider;
    private final List<String> created = new ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopVertx() {
        vertx.closeAndAwait();
    }

    @BeforeEach
    void createProvider() {
        provider = newProvider();
    }

    @AfterEach
    void killEverything() {
        for (String id : created) {
            provider.kill(id).await().atMost(AWAIT);
        }
        for (SandboxInfo leftover : provider.list(Map.of()).await().atMost(AWAIT)) {
            provider.kill(leftover.id()).await().atMost(AWAIT);
            fail("sandbox " + leftover.id() + " was not tracked by the test");
        }
    }

    private LocalSandboxProvider newProvider() {
        return new LocalSandboxProvider(dataRoot, Duration.ofSeconds(15), JVM_OPTIONS, vertx);
    }

    private SandboxHandle create(String owner, Duration timeout) {
        SandboxSpec spec = new SandboxSpec(null, timeout,
                Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.OWNER, owner), Map.of());
        SandboxHandle handle = provider.create(spec).await().atMost(AWAIT);
        created.add(handle.id());
        return handle;
    }

    private SandboxHandle create(String owner) {
        return create(owner, Duration.ofMinutes(10));
    }

    private Path sandboxDir(String id) throws IOException {
        return dataRoot.toRealPath().resolve("sandboxes").resolve(id);
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a request line verbatim, so no client-side normalization can hide a traversal. */
    private static String rawGet(String url, String rawPath) throws IOException {
        URI uri = URI.create(url);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            return response.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static void awaitCondition(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static long serverPid(Path dir) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(SandboxServer.PID_FILE)).trim());
    }

    @Test
    void servesWrittenFilesOverHttp() throws Exception {
        long started = System.nanoTime();
        SandboxHandle sandbox = create("alice");
        long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println("local sandbox create -> ready: " + readyMillis + " ms");

        assertTrue(LocalState.isValidId(sandbox.id()), sandbox.id());
        assertTrue(sandbox.url().startsWith("http://127.0.0.1:"), sandbox.url());
        assertTrue(sandbox.expiresAt().isAfter(sandbox.createdAt().plus(Duration.ofMinutes(9))));

        String html = "<!doctype html><h1>héllo</h1><script src=\"assets/app.js\"></script>";
        write(sandbox, Map.of("index.html", html, "assets/app.js", "console.log('hi');"));

        HttpResponse<String> page = get(sandbox.url() + "/index.html");
        assertEquals(200, page.statusCode());
        assertEquals(html, page.body());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElseThrow());

        HttpResponse<String> root = get(sandbox.url() + "/");
        assertEquals(200, root.statusCode());
        assertEquals(html, root.body());
        assertEquals("text/html; charset=utf-8", root.headers().firstValue("Content-Type").orElseThrow());

        HttpResponse<String> script = get(sandbox.url() + "/assets/app.js");
        assertEquals(200, script.statusCode());
        assertEquals("console.log('hi');", script.body());
        assertEquals("text/javascript; charset=utf-8", script.headers().firstValue("Content-Type").orElseThrow());

        assertEquals(404, get(sandbox.url() + "/missing.html").statusCode());
        assertEquals(404, get(sandbox.url() + "/assets/").statusCode(), "directory without index.html");
        HttpResponse<String> redirect = get(sandbox.url() + "/assets");
        assertEquals(301, redirect.statusCode());
        assertEquals("/assets/", redirect.headers().firstValue("Location").orElseThrow());

        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(sandbox.url() + "/index.html"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(Integer.toString(html.getBytes(StandardCharsets.UTF_8).length),
                head.headers().firstValue("Content-Length").orElseThrow());

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(sandbox.url() + "/index.html"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void neverServesAnythingOutsideTheProjectRoot() throws Exception {
        SandboxHandle sandbox = create("alice");
        write(sandbox, Map.of("index.html", "ok", "sub/page.html", "sub"));
        Path dir = sandboxDir(sandbox.id());
        assertTrue(Files.readString(dir.resolve(LocalState.DESCRIPTOR_FILE)).contains(sandbox.id()));
        Path files = dir.resolve(SandboxServer.FILES_DIR);
        Files.createSymbolicLink(files.resolve("link.json"), Path.of("../sandbox.json"));
        Files.createSymbolicLink(files.resolve("up"), Path.of(".."));

        for (String path : List.of("/../sandbox.json", "/%2e%2e/sandbox.json", "/%2E%2E%2Fsandbox.json",
                "/sub/../../sandbox.json", "/sub/%2e%2e/%2e%2e/sandbox.json", "/..%5Csandbox.json",
                "/%5C..%5Csandbox.json", "/index.html%00.txt", "/link.json", "/up/sandbox.json", "/up/")) {
            String response = rawGet(sandbox.url(), path);
            assertTrue(response.startsWith("HTTP/1.1 404"), path + " answered " + response);
            assertFalse(response.contains(sandbox.id()), path + " leaked sandbox.json");
        }
        // The same files remain reachable by their legitimate names.
        assertTrue(rawGet(sandbox.url(), "/sub/page.html").startsWith("HTTP/1.1 200"));
        assertTrue(rawGet(sandbox.url(), "/sub/../index.html").startsWith("HTTP/1.1 404"),
                "'..' is refused even when it would stay inside the root");
    }

    @Test
    void killStopsTheServerAndRemovesTheDirectory() throws Exception {
        SandboxHandle sandbox = create("alice");
        Path dir = sandboxDir(sandbox.id());
        long pid = serverPid(dir);

        assertTrue(provider.kill(sandbox.id()).await().atMost(AWAIT));

        assertFalse(Files.exists(dir));
        assertTrue(HostProcesses.gone(pid));
        assertThrows(ConnectException.class, () -> get(sandbox.url() + "/"));
        assertEquals(Optional.empty(), provider.get(sandbox.id()).await().atMost(AWAIT));
        assertFalse(provider.kill(sandbox.id()).await().atMost(AWAIT));
    }

    @Test
    void concurrentKillsOfOneSandboxDoNotFail() throws Exception {
        SandboxHandle sandbox = create("alice");
        List<Boolean> results = Uni.join().all(provider.kill(sandbox.id()), provider.kill(sandbox.id()),
                newProvider().kill(sandbox.id())).andFailFast().await().atMost(AWAIT);
        assertTrue(results.contains(true), results.toString());
        assertFalse(Files.exists(sandboxDir(sandbox.id())));
    }

    @Test
    void listFiltersByMetadata() {
        SandboxHandle alice = create("alice");
        SandboxHandle bob = create("bob");

        List<SandboxInfo> alices = provider.list(Map.of(SandboxMetadata.OWNER, "alice")).await().atMost(AWAIT);
        assertEquals(List.of(alice.id()), alices.stream().map(SandboxInfo::id).collect(Collectors.toList()));
        SandboxInfo info = alices.get(0);
        assertEquals(alice.url(), info.url());
        assertEquals(SandboxInfo.State.RUNNING, info.state());
        assertEquals(alice.createdAt(), info.createdAt());
        assertEquals(alice.expiresAt(), info.expiresAt());
        assertEquals(Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.OWNER, "alice"), info.metadata());

        List<String> all = provider.list(Map.of(SandboxMetadata.MANAGED, "true")).await().atMost(AWAIT).stream()
                .map(SandboxInfo::id).collect(Collectors.toList());
        assertEquals(2, all.size());
        assertTrue(all.containsAll(List.of(alice.id(), bob.id())));
        assertEquals(2, provider.list(Map.of()).await().atMost(AWAIT).size());
        assertEquals(List.of(), provider.list(Map.of(SandboxMetadata.OWNER, "carol")).await().atMost(AWAIT));
    }

    @Test
    void anotherProviderOnTheSameRootSeesAndKillsSandboxes() throws Exception {
        SandboxHandle sandbox = create("alice");
        write(sandbox, Map.of("index.html", "survives restarts"));

        // A restarted service (or another replica on this host) knows nothing but the data root.
        LocalSandboxProvider other = newProvider();
        SandboxInfo info = other.get(sandbox.id()).await().atMost(AWAIT).orElseThrow();
        assertEquals(sandbox.url(), info.url());
        assertEquals("alice", info.metadata().get(SandboxMetadata.OWNER));
        assertEquals(List.of(sandbox.id()), other.list(Map.of(SandboxMetadata.OWNER, "alice")).await().atMost(AWAIT)
                .stream().map(SandboxInfo::id).collect(Collectors.toList()));
        assertEquals("survives restarts", get(sandbox.url() + "/").body());

        assertTrue(other.kill(sandbox.id()).await().atMost(AWAIT));
        assertEquals(Optional.empty(), provider.get(sandbox.id()).await().atMost(AWAIT));
        assertThrows(ConnectException.class, () -> get(sandbox.url() + "/"));
    }

    @Test
    void aServerThatDiedBehindTheProvidersBackIsGoneAndCleanedUp() throws Exception {
        SandboxHandle sandbox = create("alice");
        Path dir = sandboxDir(sandbox.id());
        ProcessHandle process = ProcessHandle.of(serverPid(dir)).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);

        assertEquals(Optional.empty(), provider.get(sandbox.id()).await().atMost(AWAIT));
        assertFalse(Files.exists(dir));
        assertFalse(provider.kill(sandbox.id()).await().atMost(AWAIT));
    }

    @Test
    void aReusedPidIsNeverTakenForTheSandboxNorSignalled() throws Exception {
        SandboxHandle sandbox = create("alice");
        Path dir = sandboxDir(sandbox.id());
        ProcessHandle process = ProcessHandle.of(serverPid(dir)).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);
        // After a reboot the recorded pid may belong to anything: here, to this very test JVM.
        Files.writeString(dir.resolve(SandboxServer.PID_FILE), Long.toString(ProcessHandle.current().pid()));

        assertEquals(List.of(), provider.list(Map.of()).await().atMost(AWAIT));
        assertTrue(ProcessHandle.current().isAlive());
        assertFalse(Files.exists(dir), "list removes the leftover directory");
    }

    @Test
    void theServerRemovesItsSandboxOnceTheTimeoutPasses() throws Exception {
        SandboxHandle sandbox = create("alice", Duration.ofSeconds(1));
        Path dir = sandboxDir(sandbox.id());
        ProcessHandle process = ProcessHandle.of(serverPid(dir)).orElseThrow();

        process.onExit().get(5, TimeUnit.SECONDS);
        awaitCondition("expired sandbox directory removed", Duration.ofSeconds(2), () -> !Files.exists(dir));
        assertEquals(Optional.empty(), provider.get(sandbox.id()).await().atMost(AWAIT));
        assertThrows(ConnectException.class, () -> get(sandbox.url() + "/"));
    }

    @Test
    void extendTimeoutKeepsTheSandboxAlivePastItsOriginalExpiry() throws Exception {
        SandboxHandle sandbox = create("alice", Duration.ofSeconds(2));
        write(sandbox, Map.of("index.html", "still here"));

        SandboxInfo extended = provider.extendTimeout(sandbox.id(), Duration.ofMinutes(5)).await().atMost(AWAIT)
                .orElseThrow();
        assertTrue(extended.expiresAt().isAfter(Instant.now().plus(Duration.ofMinutes(4))), extended.toString());

        // Two expiry checks past the original deadline, observing the sandbox throughout.
        Instant past = sandbox.expiresAt().plusSeconds(2);
        while (Instant.now().isBefore(past)) {
            assertTrue(provider.get(sandbox.id()).await().atMost(AWAIT).isPresent());
            Thread.sleep(200);
        }
        assertEquals("still here", get(sandbox.url() + "/").body());
        assertEquals(extended.expiresAt(),
                provider.get(sandbox.id()).await().atMost(AWAIT).orElseThrow().expiresAt());
    }

    @Test
    void writeFilesSkipsPathsThatLeaveTheRootAndWritesTheOthers() throws Exception {
        SandboxHandle sandbox = create("alice");
        Path files = sandboxDir(sandbox.id()).resolve(SandboxServer.FILES_DIR);

        for (String bad : List.of("../evil", "/etc/evil", "a/../../evil", "./evil", "a//b", "a\\..\\evil", "",
                "evil\0.txt", "dir/")) {
            List<SkippedFile> skipped = write(sandbox, Map.of("ok.html", "fine", bad, "x"));
            assertEquals(List.of(bad), skipped.stream().map(SkippedFile::path).toList(), bad);
        }
        try (Stream<Path> written = Files.list(files)) {
            assertEquals(List.of(files.resolve("ok.html")), written.collect(Collectors.toList()), "only the valid file");
        }
        assertFalse(Files.exists(sandboxDir(sandbox.id()).resolve("evil")));
        assertFalse(Files.exists(dataRoot.resolve("sandboxes").resolve("evil")));

        // A symlinked directory inside the root must not carry a write outside it either.
        Path outside = Files.createDirectory(dataRoot.resolve("outside"));
        Files.createSymbolicLink(files.resolve("link"), outside);
        assertEquals(1, write(sandbox, Map.of("link/evil.txt", "x")).size());
        try (Stream<Path> written = Files.list(outside)) {
            assertEquals(0, written.count());
        }
    }

    @Test
    void readFilesReturnsRegularFilesWithinTheCapsAsBytes() throws Exception {
        SandboxHandle sandbox = create("alice");
        write(sandbox, Map.of("index.html", "<p>ünïcode</p>", "assets/app.js", "let a = 1;", "big.txt", "x".repeat(2048)));
        Path files = sandboxDir(sandbox.id()).resolve(SandboxServer.FILES_DIR);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', (byte) 0xff};
        Files.write(files.resolve("assets").resolve("logo.png"), png);
        Files.createSymbolicLink(files.resolve("link.json"), Path.of("../sandbox.json"));

        Map<String, FileData> read = provider.readFiles(sandbox.id(),
                List.of("assets/app.js", "assets/logo.png", "big.txt", "index.html", "link.json"), 1024, 1_000_000)
                .await().atMost(AWAIT);
        assertEquals(List.of("assets/app.js", "assets/logo.png", "index.html"), new ArrayList<>(read.keySet()),
                "in the order asked, without the large file and the link");
        assertArrayEquals(png, read.get("assets/logo.png").content());
        assertEquals("<p>ünïcode</p>", new String(read.get("index.html").content(), StandardCharsets.UTF_8));
    }

    @Test
    void malformedAndUnknownIdsAreGoneWithoutTouchingTheFileSystem() throws Exception {
        SandboxHandle sandbox = create("alice");
        for (String id : List.of("../../etc", "local-../../../../etc", "local-AAAAAAAAAAAAAAAAAAAA",
                "local-" + "a".repeat(21), "local-aaaaaaaaaaaaaaaaaaaa")) {
            assertEquals(Optional.empty(), provider.get(id).await().atMost(AWAIT), id);
            assertFalse(provider.kill(id).await().atMost(AWAIT), id);
            assertEquals(Optional.empty(), provider.extendTimeout(id, Duration.ofMinutes(1)).await().atMost(AWAIT));
            ProviderException read = assertThrows(ProviderException.class,
                    () -> provider.readFiles(id, List.of("a"), 10, 1024).await().atMost(AWAIT), id);
            assertEquals(ProviderException.Kind.GONE, read.kind(), id);
            SandboxHandle fake = new SandboxHandle(id, sandbox.url(), null, sandbox.createdAt(), sandbox.expiresAt(),
                    null);
            ProviderException write = assertThrows(ProviderException.class,
                    () -> provider.writeFiles(fake, List.of(new FileData("index.html", new byte[1], false))).await().atMost(AWAIT), id);
            assertEquals(ProviderException.Kind.GONE, write.kind(), id);
        }
        assertTrue(Files.exists(Path.of("/etc/passwd")));
        assertTrue(provider.get(sandbox.id()).await().atMost(AWAIT).isPresent(), "the real sandbox is untouched");
    }

    @Test
    void concurrentCreatesShareOneServerRuntime() throws Exception {
        List<SandboxHandle> handles = Uni.join().all(
                provider.create(spec("alice")), provider.create(spec("bob")), newProvider().create(spec("carol")))
                .andFailFast().await().atMost(AWAIT);
        handles.forEach(handle -> created.add(handle.id()));

        assertEquals(3, handles.stream().map(SandboxHandle::id).distinct().count());
        assertEquals(3, handles.stream().map(SandboxHandle::url).distinct().count());
        try (Stream<Path> runtimes = Files.list(dataRoot.resolve(LocalState.RUNTIME_DIR))) {
            List<Path> dirs = runtimes.collect(Collectors.toList());
            assertEquals(1, dirs.size(), dirs.toString());
            assertTrue(dirs.get(0).getFileName().toString().matches("[0-9a-f]{16}"));
            assertTrue(Files.isRegularFile(
                    dirs.get(0).resolve(SandboxServer.class.getName().replace('.', '/') + ".class")));
        }
        for (SandboxHandle handle : handles) {
            assertEquals(404, get(handle.url() + "/").statusCode());
        }
    }

    @Test
    void resultsArriveOnTheCallersVertxContext() throws Exception {
        SandboxHandle sandbox = create("alice");
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Boolean> sameContext = new CompletableFuture<>();
        context.runOnContext(() -> provider.get(sandbox.id()).subscribe().with(
                info -> sameContext.complete(info.isPresent() && Vertx.currentContext() != null
                        && Vertx.currentContext().getDelegate() == context.getDelegate()),
                sameContext::completeExceptionally));
        assertTrue(sameContext.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aServerThatCannotStartFailsCreateAndLeavesNothingBehind() throws Exception {
        LocalSandboxProvider broken = new LocalSandboxProvider(dataRoot, Duration.ofSeconds(15),
                List.of("-XX:+ThisOptionDoesNotExist"), vertx);
        ProviderException e = assertThrows(ProviderException.class,
                () -> broken.create(spec("alice")).await().atMost(AWAIT));
        assertEquals(ProviderException.Kind.FAILED, e.kind());
        assertTrue(e.getMessage().contains("ThisOptionDoesNotExist"), "quotes server.log: " + e.getMessage());
        try (Stream<Path> sandboxes = Files.list(dataRoot.resolve("sandboxes"))) {
            assertEquals(0, sandboxes.count());
        }
    }

    @Test
    void serverHelpers() {
        assertEquals("text/css; charset=utf-8", SandboxServer.contentType("a.CSS"));
        assertEquals("application/wasm", SandboxServer.contentType("m.wasm"));
        assertEquals("application/octet-stream", SandboxServer.contentType("Makefile"));
        assertEquals("/a b/ü+", SandboxServer.decodePath("/a%20b/%C3%BC+"));
        assertEquals("/../x", SandboxServer.decodePath("/%2e%2e%2Fx"), "decoded, then refused by segment");
        assertNull(SandboxServer.decodePath("/%C3"), "truncated UTF-8");
        assertNull(SandboxServer.decodePath("/%zz"));
        assertNull(SandboxServer.decodePath("/%2"));
    }

    private static SandboxSpec spec(String owner) {
        return new SandboxSpec("static", Duration.ofMinutes(10), Map.of(SandboxMetadata.OWNER, owner), Map.of());
    }

    @Test
    void execRunsInTheProjectRootWithTimeoutAndOutputCap() {
        SandboxHandle sandbox = create("exec-owner");
        write(sandbox, Map.of("hello.txt", "hi there"));

        var ok = provider.exec(sandbox.id(), "cat hello.txt; echo oops >&2; exit 3", Duration.ofSeconds(10), 1024)
                .await().atMost(AWAIT);
        assertEquals(3, ok.exitCode());
        assertEquals("hi there", ok.stdout());
        assertEquals("oops\n", ok.stderr());
        assertFalse(ok.truncated());
        assertFalse(ok.timedOut());

        // A file the command writes lands in the project root, where save-back finds it.
        provider.exec(sandbox.id(), "echo made > made.txt", Duration.ofSeconds(10), 1024).await().atMost(AWAIT);
        assertEquals("made\n", new String(provider.readFiles(sandbox.id(), List.of("made.txt"), 1024, 1024).await().atMost(AWAIT)
                .get("made.txt").content(), StandardCharsets.UTF_8));

        var chatty = provider.exec(sandbox.id(), "head -c 5000 /dev/zero | tr '\\0' x", Duration.ofSeconds(10), 100)
                .await().atMost(AWAIT);
        assertEquals(100, chatty.stdout().length());
        assertTrue(chatty.truncated());

        long start = System.nanoTime();
        var slow = provider.exec(sandbox.id(), "sleep 30", Duration.ofMillis(500), 100).await().atMost(AWAIT);
        assertTrue(slow.timedOut());
        assertEquals(-1, slow.exitCode());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "the timeout stopped the command");
    }

    @Test
    void pauseStopsEveryProcessOfTheSandboxAndResumeContinuesThem() throws Exception {
        SandboxHandle sandbox = create("alice");
        write(sandbox, Map.of("index.html", "kept while paused"));
        long server = serverPid(sandboxDir(sandbox.id()));
        long background = HostProcesses.startBackgroundSleep(provider, sandbox.id(), AWAIT);
        assertTrue(HostProcesses.state(background) != 'T', "running before the pause");

        assertTrue(provider.pause(sandbox.id(), Duration.ofHours(1)).await().atMost(AWAIT));
        assertEquals('T', HostProcesses.state(background), "a command left in the background is stopped");
        assertEquals('T', HostProcesses.state(server), "the server is stopped");
        assertEquals(SandboxInfo.State.PAUSED, provider.get(sandbox.id()).await().atMost(AWAIT).orElseThrow().state());
        assertEquals(List.of(SandboxInfo.State.PAUSED), provider.list(Map.of(SandboxMetadata.OWNER, "alice"))
                .await().atMost(AWAIT).stream().map(SandboxInfo::state).toList());
        assertTrue(provider.pause(sandbox.id(), Duration.ofHours(1)).await().atMost(AWAIT), "pausing again is no error");

        // Like a paused cloud sandbox, a paused local one cannot be reached: a clear failure, not GONE.
        List<Supplier<Uni<?>>> dataPlane = List.of(
                () -> provider.exec(sandbox.id(), "true", Duration.ofSeconds(5), 100),
                () -> provider.readFiles(sandbox.id(), List.of("index.html"), 1024, 1024),
                () -> provider.listFiles(sandbox.id(), new ScanSpec(List.of(), List.of(), 100, 1024)),
                () -> provider.writeFiles(sandbox, List.of(new FileData("x.txt", new byte[1], false))));
        for (Supplier<Uni<?>> call : dataPlane) {
            ProviderException e = assertThrows(ProviderException.class, () -> call.get().await().atMost(AWAIT));
            assertEquals(ProviderException.Kind.CONFLICT, e.kind(), e.getMessage());
        }

        Instant beforeResume = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        SandboxInfo resumed = provider.resume(sandbox.id(), Duration.ofMinutes(5)).await().atMost(AWAIT).orElseThrow();
        assertEquals(SandboxInfo.State.RUNNING, resumed.state());
        assertEquals(sandbox.url(), resumed.url());
        assertFalse(resumed.expiresAt().isBefore(beforeResume.plus(Duration.ofMinutes(5))), resumed.toString());
        assertTrue(HostProcesses.state(background) != 'T' && HostProcesses.state(background) != 0, "the same process runs again");
        assertTrue(HostProcesses.state(server) != 'T', "the server runs again");
        assertEquals(SandboxInfo.State.RUNNING, provider.get(sandbox.id()).await().atMost(AWAIT).orElseThrow().state());
        assertEquals("kept while paused", get(sandbox.url() + "/").body());
        assertEquals("kept while paused", new String(provider.readFiles(sandbox.id(), List.of("index.html"), 1024, 1024)
                .await().atMost(AWAIT).get("index.html").content(), StandardCharsets.UTF_8));
        assertFalse(Files.exists(sandboxDir(sandbox.id()).resolve(LocalState.PAUSED_FILE)));

        SandboxInfo extended = provider.resume(sandbox.id(), Duration.ofMinutes(20)).await().atMost(AWAIT).orElseThrow();
        assertEquals(SandboxInfo.State.RUNNING, extended.state(), "resuming a running sandbox only extends it");
        assertTrue(extended.expiresAt().isAfter(resumed.expiresAt().plus(Duration.ofMinutes(10))), extended.toString());

        assertTrue(provider.kill(sandbox.id()).await().atMost(AWAIT));
        assertTrue(HostProcesses.gone(background), "kill ends what the sandbox's commands left running");
        assertTrue(HostProcesses.gone(server));
    }

    @Test
    void killEndsAPausedSandboxWithItsBackgroundProcesses() throws Exception {
        SandboxHandle sandbox = create("alice");
        long server = serverPid(sandboxDir(sandbox.id()));
        long background = HostProcesses.startBackgroundSleep(provider, sandbox.id(), AWAIT);
        assertTrue(provider.pause(sandbox.id(), Duration.ofHours(1)).await().atMost(AWAIT));

        long started = System.nanoTime();
        assertTrue(provider.kill(sandbox.id()).await().atMost(AWAIT));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 2500, "no SIGTERM grace for a stopped server");
        assertTrue(HostProcesses.gone(background));
        assertTrue(HostProcesses.gone(server));
        assertFalse(Files.exists(sandboxDir(sandbox.id())));
        assertFalse(provider.pause(sandbox.id(), Duration.ofHours(1)).await().atMost(AWAIT));
        assertEquals(Optional.empty(), provider.resume(sandbox.id(), Duration.ofMinutes(5)).await().atMost(AWAIT));
    }

    @Test
    void theServerKillsTheSandboxsProcessesWhenItExpires() throws Exception {
        SandboxHandle sandbox = create("alice", Duration.ofSeconds(4));
        long background = HostProcesses.startBackgroundSleep(provider, sandbox.id(), AWAIT);
        ProcessHandle server = ProcessHandle.of(serverPid(sandboxDir(sandbox.id()))).orElseThrow();

        server.onExit().get(10, TimeUnit.SECONDS);
        awaitCondition("background process killed at expiry", Duration.ofSeconds(5), () -> HostProcesses.gone(background));
    }

    @Test
    void pauseAndResumeOfAnUnknownSandboxAreFalseAndEmpty() {
        for (String id : List.of("local-aaaaaaaaaaaaaaaaaaaa", "../../etc", "local-AAAAAAAAAAAAAAAAAAAA")) {
            assertFalse(provider.pause(id, Duration.ofHours(1)).await().atMost(AWAIT), id);
            assertEquals(Optional.empty(), provider.resume(id, Duration.ofMinutes(5)).await().atMost(AWAIT), id);
        }
    }

    /** Writes text files the way a restore does; answers what was skipped. */
    private List<SkippedFile> write(SandboxHandle sandbox, Map<String, String> files) {
        List<FileData> data = new ArrayList<>();
        files.forEach((path, text) -> data.add(new FileData(path, text.getBytes(StandardCharsets.UTF_8), false)));
        return provider.writeFiles(sandbox, data).await().atMost(AWAIT);
    }
}
