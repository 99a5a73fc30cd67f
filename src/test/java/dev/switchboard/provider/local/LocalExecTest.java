package dev.switchboard.provider.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxSpec;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;

/** The local provider's streamed exec: chunks as they come, caps, cwd and env, timeout and cancel kill the tree. */
class LocalExecTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    private static Vertx vertx;

    @TempDir
    Path dataRoot;

    private LocalSandboxProvider provider;
    private SandboxHandle sandbox;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.closeAndAwait();
    }

    private void create() {
        provider = LocalTestSandboxes.provider(dataRoot, vertx);
        sandbox = provider.create(new SandboxSpec(null, Duration.ofMinutes(5), Map.of(), Map.of())).await().atMost(AWAIT);
    }

    @AfterEach
    void kill() {
        if (sandbox != null) {
            provider.kill(sandbox.id()).await().atMost(AWAIT);
        }
    }

    private ExecRequest request(String command, Duration timeout) {
        return new ExecRequest(command, "", Map.of(), timeout, 1024);
    }

    @Test
    void chunksArriveWhileTheCommandRuns() throws Exception {
        create();
        List<ExecEvent> events = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        Cancellable subscription = provider.exec(sandbox.id(), request("echo first; sleep 20; echo second", Duration.ofSeconds(30)))
                .subscribe().with(events::add, e -> fail(e));
        await("the first chunk", Duration.ofSeconds(10), () -> !events.isEmpty());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10);
        assertEquals(List.of(new ExecEvent.Output(ExecEvent.Stream.STDOUT, "first\n")), List.copyOf(events),
                "streamed before the command ends");
        subscription.cancel();
    }

    @Test
    void runsInCwdWithEnvAndCapsEachStream() throws Exception {
        create();
        Files.createDirectories(filesDir().resolve("sub/dir"));
        List<ExecEvent> events = provider.exec(sandbox.id(), new ExecRequest(
                "pwd | sed 's#.*/##'; echo \"$GREETING\"; printf 'é%.0s' $(seq 1 40) >&2; exit 7", "sub/dir",
                Map.of("GREETING", "héllo wörld"), Duration.ofSeconds(10), 51)).collect().asList().await().atMost(AWAIT);
        assertEquals("dir\nhéllo wörld\n", text(events, ExecEvent.Stream.STDOUT));
        // 51 bytes of two-byte characters: 25 whole ones, the half character is dropped rather than garbled.
        assertEquals("é".repeat(25), text(events, ExecEvent.Stream.STDERR));
        assertEquals(new ExecEvent.Exit(7, false, true), events.get(events.size() - 1));

        List<ExecEvent> missing = provider.exec(sandbox.id(), new ExecRequest("true", "no/such", Map.of(),
                Duration.ofSeconds(10), 1024)).collect().asList().await().atMost(AWAIT);
        assertEquals(new ExecEvent.Exit(1, false, false), missing.get(missing.size() - 1));
    }

    @Test
    void theTimeoutKillsTheWholeTreeWithin3Seconds() throws Exception {
        create();
        long start = System.nanoTime();
        List<ExecEvent> events = provider.exec(sandbox.id(), request("sleep 301 & sleep 302; echo never", Duration.ofSeconds(1)))
                .collect().asList().await().atMost(AWAIT);
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals(List.of(new ExecEvent.Exit(null, true, false)), events);
        assertTrue(millis < 4000, "timeout 1 s + kill within 3 s, took " + millis + " ms");
        assertEquals(Set.of(), commandPids("sleep 30"), "the command and its background child are gone");
    }

    @Test
    void cancellingTheSubscriptionKillsTheTree() throws Exception {
        create();
        Cancellable subscription = provider.exec(sandbox.id(), request("sleep 303 & sleep 304", Duration.ofSeconds(60)))
                .subscribe().with(e -> {
                }, e -> {
                });
        await("both sleeps running", Duration.ofSeconds(10), () -> commandPids("sleep 30").size() == 2);
        subscription.cancel();
        await("the tree killed", Duration.ofSeconds(3), () -> commandPids("sleep 30").isEmpty());
    }

    @Test
    void aBackgroundProcessOutlivesItsCommand() throws Exception {
        create();
        long start = System.nanoTime();
        List<ExecEvent> events = provider.exec(sandbox.id(), request("sleep 305 & echo started", Duration.ofSeconds(20)))
                .collect().asList().await().atMost(AWAIT);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5, "the pipe it holds does not keep the command");
        assertEquals("started\n", text(events, ExecEvent.Stream.STDOUT));
        assertEquals(new ExecEvent.Exit(0, false, false), events.get(events.size() - 1));
        assertEquals(1, commandPids("sleep 305").size(), "still running after its command ended");
    }

    @Test
    void portUrlIsLoopbackAndGoneWithoutTheSandbox() {
        create();
        assertEquals("http://127.0.0.1:3000", provider.portUrl(sandbox.id(), 3000).await().atMost(AWAIT));
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.portUrl("local-aaaaaaaaaaaaaaaaaaaa", 3000).await().atMost(AWAIT));
        assertEquals(ProviderException.Kind.GONE, e.kind());
        ProviderException exec = assertThrows(ProviderException.class, () -> provider.exec("local-aaaaaaaaaaaaaaaaaaaa",
                request("true", Duration.ofSeconds(5))).collect().asList().await().atMost(AWAIT));
        assertEquals(ProviderException.Kind.GONE, exec.kind());
    }

    @Test
    void utf8IsNeverSplitBetweenChunks() {
        LocalExecStream.Utf8Chunks chunks = new LocalExecStream.Utf8Chunks();
        byte[] bytes = "aé€😀".getBytes(StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder();
        List<String> parts = new ArrayList<>();
        for (byte b : bytes) {
            String part = chunks.decode(new byte[] {b}, 1, false);
            parts.add(part);
            text.append(part);
        }
        text.append(chunks.decode(new byte[0], 0, true));
        assertEquals("aé€😀", text.toString());
        assertFalse(parts.stream().anyMatch(p -> p.contains("\uFFFD")), parts.toString());
        assertEquals("\uFFFD", new LocalExecStream.Utf8Chunks().decode(new byte[] {(byte) 0xE2, (byte) 0x82}, 2, true));
    }

    // ---- helpers ----

    private Path filesDir() throws IOException {
        return dataRoot.toRealPath().resolve("sandboxes").resolve(sandbox.id()).resolve(SandboxServer.FILES_DIR);
    }

    private static String text(List<ExecEvent> events, ExecEvent.Stream stream) {
        return events.stream().filter(e -> e instanceof ExecEvent.Output o && o.stream() == stream)
                .map(e -> ((ExecEvent.Output) e).data()).collect(Collectors.joining());
    }

    /** Host pids of the sandbox's processes whose command line starts with {@code prefix}. */
    private Set<Long> commandPids(String prefix) {
        return LocalTestSandboxes.commandPids(sandbox.id(), prefix);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }
}
