package dev.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.HostProcesses;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;

/**
 * The SPI's live-sandbox methods (files, streamed commands, port URLs) as every cloud provider must honour them,
 * against its fake. Implemented by each provider's test class, which supplies a fresh sandbox and the fake's controls.
 */
public interface LiveSandboxContract {

    Duration LIVE_WAIT = Duration.ofSeconds(20);

    SandboxProvider live();

    /** A fresh running sandbox with an empty project root. */
    String newSandbox();

    /** The fake forgets the sandbox, as the provider does when one expires. */
    void vanishSandbox(String id);

    /** Asserts that {@code url} is the public URL of that port of the sandbox. */
    void checkPortUrl(String id, int port, String url);

    private static ProviderException.Kind kindOf(Runnable call) {
        ProviderException e = assertThrows(ProviderException.class, call::run);
        return e.kind();
    }

    private void write(String id, String path, String text) {
        live().writeFile(id, path, text.getBytes(StandardCharsets.UTF_8)).await().atMost(LIVE_WAIT);
    }

    private ExecEvent.Exit run(String id, String command) {
        List<ExecEvent> events = events(id, new ExecRequest(command, "", Map.of(), Duration.ofSeconds(10), 1 << 20));
        return (ExecEvent.Exit) events.get(events.size() - 1);
    }

    private List<ExecEvent> events(String id, ExecRequest request) {
        AssertSubscriber<ExecEvent> s = live().exec(id, request).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        s.awaitCompletion(LIVE_WAIT);
        List<ExecEvent> items = s.getItems();
        assertInstanceOf(ExecEvent.Exit.class, items.get(items.size() - 1), "the last event is the exit");
        return items;
    }

    private static String text(List<ExecEvent> events, ExecEvent.Stream stream) {
        return events.stream().filter(e -> e instanceof ExecEvent.Output o && o.stream() == stream)
                .map(e -> ((ExecEvent.Output) e).data()).collect(Collectors.joining());
    }

    private static void await(String what, Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Gone, or a zombie that an init which does not reap keeps listed. */
    private static boolean processGone(long pid) {
        return HostProcesses.gone(pid);
    }

    @Test
    default void listDirectoryIsOneLevelSortedWithLinksAsFilesAndTypedErrors() {
        String id = newSandbox();
        write(id, "src/app.js", "console.log(1)");
        write(id, "b c é.txt", "12345");
        write(id, "a/deep/x.txt", "x");
        assertEquals(0, run(id, "ln -s src link").exitCode());

        List<DirEntry> root = live().listDirectory(id, "", 100).await().atMost(LIVE_WAIT);
        assertEquals(List.of("a", "b c é.txt", "link", "src"), root.stream().map(DirEntry::path).toList());
        DirEntry file = root.get(1);
        assertFalse(file.directory());
        assertEquals(5L, file.size());
        assertTrue(file.modifiedAt() != null, "files carry their modification time");
        assertTrue(root.get(0).directory());
        assertNull(root.get(0).size(), "a directory has no size");
        assertFalse(root.get(2).directory(), "a link to a directory is listed as a file, not followed");

        List<DirEntry> src = live().listDirectory(id, "src", 10).await().atMost(LIVE_WAIT);
        assertEquals(1, src.size());
        assertEquals("src/app.js", src.get(0).path(), "paths are relative to the project root");
        assertEquals(14L, src.get(0).size());
        assertEquals(ProviderException.Kind.NOT_FOUND, kindOf(() -> live().listDirectory(id, "nope", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.NOT_FOUND,
                kindOf(() -> live().listDirectory(id, "src/app.js", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.TOO_LARGE, kindOf(() -> live().listDirectory(id, "", 3).await().atMost(LIVE_WAIT)));
    }

    @Test
    default void filesRoundTripAnyBytesAndNamesAndWritesMakeParents() {
        String id = newSandbox();
        byte[] binary = new byte[70_000];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 31 + 7);
        }
        binary[0] = 0;
        String path = "deep/dir with space/[id] (group) @scope/ünï 😀.bin";
        live().writeFile(id, path, binary).await().atMost(LIVE_WAIT);
        assertArrayEquals(binary, live().readFile(id, path, binary.length).await().atMost(LIVE_WAIT));

        live().writeFile(id, path, "replaced".getBytes(StandardCharsets.UTF_8)).await().atMost(LIVE_WAIT);
        assertEquals("replaced", new String(live().readFile(id, path, 100).await().atMost(LIVE_WAIT), StandardCharsets.UTF_8));
        live().writeFile(id, "empty", new byte[0]).await().atMost(LIVE_WAIT);
        assertEquals(0, live().readFile(id, "empty", 10).await().atMost(LIVE_WAIT).length);
    }

    @Test
    default void readFileRefusesMissingDirectoriesLinksAndLargeFiles() {
        String id = newSandbox();
        write(id, "dir/f.txt", "0123456789");
        assertEquals(0, run(id, "ln -s dir/f.txt link.txt").exitCode());

        assertEquals(ProviderException.Kind.NOT_FOUND, kindOf(() -> live().readFile(id, "missing", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.NOT_FOUND, kindOf(() -> live().readFile(id, "dir", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.NOT_FOUND, kindOf(() -> live().readFile(id, "link.txt", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.TOO_LARGE, kindOf(() -> live().readFile(id, "dir/f.txt", 9).await().atMost(LIVE_WAIT)));
        assertEquals("0123456789", new String(live().readFile(id, "dir/f.txt", 10).await().atMost(LIVE_WAIT), StandardCharsets.UTF_8));
    }

    @Test
    default void writeFileConflictsWithDirectoriesInTheWay() {
        String id = newSandbox();
        write(id, "dir/f.txt", "x");
        assertEquals(ProviderException.Kind.CONFLICT, kindOf(() -> write(id, "dir", "over a directory")));
        assertEquals(ProviderException.Kind.CONFLICT, kindOf(() -> write(id, "dir/f.txt/below", "under a file")));
        assertEquals("x", new String(live().readFile(id, "dir/f.txt", 10).await().atMost(LIVE_WAIT), StandardCharsets.UTF_8));
    }

    @Test
    default void deleteFileRemovesFilesTreesAndLinksAndSaysWhenNothingWasThere() {
        String id = newSandbox();
        write(id, "keep/target.txt", "kept");
        write(id, "tree/a/b.txt", "b");
        write(id, "one file.txt", "1");
        assertEquals(0, run(id, "ln -s keep link").exitCode());

        assertTrue(live().deleteFile(id, "one file.txt").await().atMost(LIVE_WAIT));
        assertTrue(live().deleteFile(id, "tree").await().atMost(LIVE_WAIT));
        assertTrue(live().deleteFile(id, "link").await().atMost(LIVE_WAIT));
        assertFalse(live().deleteFile(id, "tree").await().atMost(LIVE_WAIT));
        assertFalse(live().deleteFile(id, "never/was").await().atMost(LIVE_WAIT));
        assertEquals(List.of("keep"), live().listDirectory(id, "", 10).await().atMost(LIVE_WAIT).stream().map(DirEntry::path).toList());
        assertEquals("kept", new String(live().readFile(id, "keep/target.txt", 10).await().atMost(LIVE_WAIT), StandardCharsets.UTF_8));
    }

    @Test
    default void execStreamsOutputWhileTheCommandRuns() {
        String id = newSandbox();
        AssertSubscriber<ExecEvent> s = live().exec(id, new ExecRequest("echo first; echo oops >&2; sleep 30; echo never",
                "", Map.of(), Duration.ofSeconds(60), 1 << 20)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        await("both streams' first chunks while the command sleeps", LIVE_WAIT, () -> text(s.getItems(), ExecEvent.Stream.STDOUT)
                .contains("first") && text(s.getItems(), ExecEvent.Stream.STDERR).contains("oops"));
        assertFalse(s.getItems().stream().anyMatch(e -> e instanceof ExecEvent.Exit), "the command is still running");
        s.cancel();
    }

    @Test
    default void execRunsInTheProjectRootOrCwdWithEnvAndReportsTheExitCode() {
        String id = newSandbox();
        write(id, "sub dir/marker", "m");
        List<ExecEvent> events = events(id, new ExecRequest("ls; echo \"$GREETING\"; exit 3", "sub dir",
                Map.of("GREETING", "hé there"), Duration.ofSeconds(10), 1 << 20));
        assertEquals("marker\nhé there\n", text(events, ExecEvent.Stream.STDOUT));
        assertEquals(new ExecEvent.Exit(3, false, false), events.get(events.size() - 1));

        List<ExecEvent> inRoot = events(id, new ExecRequest("ls", "", Map.of(), Duration.ofSeconds(10), 1 << 20));
        assertEquals("sub dir\n", text(inRoot, ExecEvent.Stream.STDOUT));
    }

    @Test
    default void execCapsEachStreamAndSaysSo() {
        String id = newSandbox();
        List<ExecEvent> events = events(id, new ExecRequest("head -c 300000 /dev/zero | tr '\\0' a; echo small >&2", "",
                Map.of(), Duration.ofSeconds(10), 1000));
        assertEquals("a".repeat(1000), text(events, ExecEvent.Stream.STDOUT));
        assertEquals("small\n", text(events, ExecEvent.Stream.STDERR));
        assertEquals(new ExecEvent.Exit(0, false, true), events.get(events.size() - 1));
    }

    @Test
    default void execTimeoutKillsTheWholeProcessTree() {
        String id = newSandbox();
        AssertSubscriber<ExecEvent> s = live().exec(id, new ExecRequest("sleep 300 & echo $!; sleep 301", "", Map.of(),
                Duration.ofSeconds(2), 1 << 20)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        s.awaitCompletion(LIVE_WAIT);
        List<ExecEvent> events = s.getItems();
        assertEquals(new ExecEvent.Exit(null, true, false), events.get(events.size() - 1));
        long child = Long.parseLong(text(events, ExecEvent.Stream.STDOUT).strip());
        await("the background child of a timed-out command to be killed", Duration.ofSeconds(3), () -> processGone(child));
    }

    @Test
    default void aSilentCommandEndsAtItsTimeout() {
        String id = newSandbox();
        long started = System.nanoTime();
        List<ExecEvent> events = live().exec(id, new ExecRequest("sleep 30", "", Map.of(), Duration.ofSeconds(1), 100))
                .collect().asList().await().atMost(LIVE_WAIT);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(List.of(new ExecEvent.Exit(null, true, false)), events);
        assertTrue(millis < 3000, "the timeout counts from the start, output or not: " + millis + " ms");
    }

    @Test
    default void cancellingTheStreamKillsTheCommand() {
        String id = newSandbox();
        AssertSubscriber<ExecEvent> s = live().exec(id, new ExecRequest("sleep 300 & echo $!; sleep 302", "", Map.of(),
                Duration.ofSeconds(60), 1 << 20)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        await("the child's pid", LIVE_WAIT, () -> text(s.getItems(), ExecEvent.Stream.STDOUT).endsWith("\n"));
        long child = Long.parseLong(text(s.getItems(), ExecEvent.Stream.STDOUT).strip());
        assertFalse(processGone(child));
        s.cancel();
        await("the command's processes to be killed after the client went away", Duration.ofSeconds(3),
                () -> processGone(child) && ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine()
                        .map(c -> c.contains("sleep 302")).orElse(false)));
    }

    @Test
    default void portUrlNamesThePortAndEverythingIsGoneWithTheSandbox() {
        String id = newSandbox();
        checkPortUrl(id, 8080, live().portUrl(id, 8080).await().atMost(LIVE_WAIT));
        vanishSandbox(id);
        assertEquals(ProviderException.Kind.GONE, kindOf(() -> live().portUrl(id, 8080).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.GONE, kindOf(() -> live().listDirectory(id, "", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.GONE, kindOf(() -> live().readFile(id, "x", 10).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.GONE, kindOf(() -> live().writeFile(id, "x", new byte[1]).await().atMost(LIVE_WAIT)));
        assertEquals(ProviderException.Kind.GONE, kindOf(() -> live().deleteFile(id, "x").await().atMost(LIVE_WAIT)));
        AssertSubscriber<ExecEvent> s = live().exec(id, new ExecRequest("true", "", Map.of(), Duration.ofSeconds(5), 100))
                .subscribe().withSubscriber(AssertSubscriber.create(10));
        s.awaitFailure(LIVE_WAIT);
        assertEquals(ProviderException.Kind.GONE, ((ProviderException) s.getFailure()).kind());
    }
}
