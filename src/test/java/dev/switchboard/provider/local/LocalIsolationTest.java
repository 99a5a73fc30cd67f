package dev.switchboard.provider.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.ProviderErrors;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.support.HostProcesses;
import io.vertx.mutiny.core.Vertx;

/** From inside a local sandbox, through the provider's exec: what its commands can see, write, reach and start. */
class LocalIsolationTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final long UID = 2_000_000_000L;
    /** The namespace holder's init and its idle sleep. */
    private static final int IDLE_PROCESSES = 2;

    private static Vertx vertx;

    @TempDir
    Path dataRoot;

    private final List<LocalSandboxProvider> providers = new ArrayList<>();
    private final List<SandboxHandle> sandboxes = new ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.closeAndAwait();
    }

    @AfterEach
    void killAll() {
        for (SandboxHandle sandbox : sandboxes) {
            providers.get(0).kill(sandbox.id()).await().atMost(AWAIT);
        }
    }

    private LocalSandboxProvider provider(LocalConfig.Network network, int processes) {
        LocalIsolation.Settings settings = new LocalIsolation.Settings(network, processes, 600, 8L << 30, 64L << 20, UID, false);
        LocalSandboxProvider provider = new LocalSandboxProvider(dataRoot, Duration.ofSeconds(15),
                LocalTestSandboxes.JVM_OPTIONS, settings, vertx);
        providers.add(provider);
        return provider;
    }

    private SandboxHandle create(LocalSandboxProvider provider) {
        SandboxHandle sandbox = provider.create(new SandboxSpec(null, Duration.ofMinutes(5), Map.of(), Map.of()))
                .await().atMost(AWAIT);
        sandboxes.add(sandbox);
        return sandbox;
    }

    private static ExecResult exec(LocalSandboxProvider provider, SandboxHandle sandbox, String command) {
        return provider.exec(sandbox.id(), command, Duration.ofSeconds(20), 64 * 1024).await().atMost(AWAIT);
    }

    private Path files(SandboxHandle sandbox) throws IOException {
        return dataRoot.toRealPath().resolve("sandboxes").resolve(sandbox.id()).resolve(SandboxServer.FILES_DIR);
    }

    @Test
    void aSandboxSeesOnlyItsOwnFilesAndTheHostsSystemReadOnly() throws Exception {
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, 256);
        SandboxHandle mine = create(provider);
        SandboxHandle other = create(provider);
        write(provider, mine, "hello.txt", "restored\n");
        write(provider, other, "secret.txt", "not yours\n");

        long first = System.nanoTime();
        exec(provider, mine, "true");
        long second = System.nanoTime();
        exec(provider, mine, "true");
        System.out.printf("isolated exec: first (builds the namespaces) %d ms, next %d ms%n",
                (second - first) / 1_000_000, (System.nanoTime() - second) / 1_000_000);
        ExecResult view = exec(provider, mine, "pwd; cat hello.txt; ls -A /; cat /proc/1/cmdline | tr '\\0' ' '; echo;"
                + " ls /proc | grep -c '^[0-9]'; id -u");
        assertEquals(0, view.exitCode(), view.stderr());
        List<String> lines = view.stdout().lines().toList();
        assertEquals("/project", lines.get(0), "the project root is the working directory");
        assertEquals("restored", lines.get(1));
        assertEquals(List.of("bin", "dev", "etc", "lib", "lib64", "proc", "project", "sbin", "tmp", "usr"),
                lines.subList(2, lines.size() - 3).stream().filter(l -> !l.startsWith("lib3") && !l.startsWith("libx")).toList());
        String hostInit = Files.readString(Path.of("/proc/1/cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
        assertNotEquals(hostInit, lines.get(lines.size() - 3), "its own pid 1, not the host's");
        assertTrue(Integer.parseInt(lines.get(lines.size() - 2)) < 10, "only its own processes: " + view.stdout());
        assertEquals("0", lines.get(lines.size() - 1), "root inside its user namespace only");

        for (String path : List.of(files(other).toString(), dataRoot.toRealPath().toString(),
                files(mine).toString(), "/work", "/root", "/proc/1/root/etc/shadow")) {
            ExecResult look = exec(provider, mine, "ls -d '" + path + "' || cat '" + path + "'");
            assertNotEquals(0, look.exitCode(), path + " is visible: " + look.stdout());
        }
        assertFalse(exec(provider, mine, "cat /etc/shadow").exitCode() == 0, "the host's secrets are not readable");
    }

    @Test
    void onlyTheProjectTreeAndTmpAreWritable() throws Exception {
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, 256);
        SandboxHandle sandbox = create(provider);
        write(provider, sandbox, "src/app.js", "let a = 1;\n");

        for (String target : List.of("/etc/evil", "/usr/evil", "/bin/evil", "/evil", "/dev/evil", "/proc/evil")) {
            ExecResult r = exec(provider, sandbox, "echo x > " + target);
            assertNotEquals(0, r.exitCode(), target + " was writable");
        }
        assertNotEquals(0, exec(provider, sandbox, "mount -t tmpfs x /project").exitCode(), "no mounts");
        ExecResult ok = exec(provider, sandbox, "echo more >> src/app.js && mkdir -p build && echo out > build/o.txt"
                + " && echo t > /tmp/t && cat /tmp/t");
        assertEquals(0, ok.exitCode(), "files the service wrote are the sandbox's to change: " + ok.stderr());
        assertEquals("let a = 1;\nmore\n", Files.readString(files(sandbox).resolve("src/app.js")));
        assertEquals("out\n", new String(provider.readFiles(sandbox.id(), List.of("build/o.txt"), 1024, 1024)
                .await().atMost(AWAIT).get("build/o.txt").content(), StandardCharsets.UTF_8), "save-back reads them");
        assertEquals(UID, ((Number) Files.getAttribute(files(sandbox).resolve("build/o.txt"), "unix:uid")).longValue(),
                "created by the unprivileged sandbox uid, not root");
    }

    @Test
    void withoutNetworkALoopbackListenerOfTheHostIsUnreachable() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            String connect = "exec 3<>/dev/tcp/127.0.0.1/" + listener.getLocalPort() + " && echo connected";
            LocalSandboxProvider none = provider(LocalConfig.Network.NONE, 256);
            ExecResult refused = exec(none, create(none), connect);
            assertNotEquals(0, refused.exitCode(), refused.stdout());

            LocalSandboxProvider host = provider(LocalConfig.Network.HOST, 256);
            ExecResult connected = exec(host, create(host), connect);
            assertEquals("connected\n", connected.stdout(), "network=host shares the host's loopback: " + connected.stderr());
        }
    }

    @Test
    void aForkBombIsContained() throws Exception {
        int cap = 48;
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, cap);
        SandboxHandle sandbox = create(provider);
        AtomicInteger most = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                most.accumulateAndGet(sandboxProcessCount(sandbox), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        long start = System.nanoTime();
        ExecResult bomb;
        try {
            bomb = provider.exec(sandbox.id(), "b() { b | b & }; b; sleep 3", Duration.ofSeconds(2), 1024)
                    .await().atMost(AWAIT);
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        System.out.println("fork bomb: exec ended after " + millis + " ms, at most " + most.get() + " processes (cap " + cap + ")");
        assertTrue(millis < 8000, "the exec finished, in " + millis + " ms");
        assertTrue(most.get() > cap / 2, "the bomb ran: " + most.get());
        assertTrue(most.get() <= cap, "at most " + cap + " processes at once, saw " + most.get());
        assertTrue(bomb.timedOut() || bomb.exitCode() != 0);
        LocalExecTest.await("the bomb killed", Duration.ofSeconds(5), () -> sandboxProcessCount(sandbox) == IDLE_PROCESSES);
        System.out.println("fork bomb: gone after " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        assertEquals("still fine\n", exec(provider, sandbox, "echo still fine").stdout(), "the sandbox works on");
    }

    @Test
    void pauseAndKillReachChildProcesses() throws Exception {
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, 256);
        SandboxHandle sandbox = create(provider);
        long child = HostProcesses.startBackgroundSleep(provider, sandbox.id(), AWAIT);
        assertEquals(UID, ((Number) Files.getAttribute(Path.of("/proc", Long.toString(child)), "unix:uid")).longValue());
        assertTrue(provider.pause(sandbox.id(), Duration.ofHours(1)).await().atMost(AWAIT));
        assertEquals('T', HostProcesses.state(child), "stopped with the sandbox");
        provider.resume(sandbox.id(), Duration.ofMinutes(5)).await().atMost(AWAIT).orElseThrow();
        assertNotEquals('T', HostProcesses.state(child));
        assertEquals("again\n", exec(provider, sandbox, "echo again").stdout(), "the namespaces survive a pause");
        assertTrue(provider.kill(sandbox.id()).await().atMost(AWAIT));
        assertTrue(HostProcesses.gone(child), "killed with the sandbox");
        assertEquals(0, sandboxProcessCount(sandbox), "nothing of the sandbox is left");
    }

    @Test
    void aSandboxWhoseServerDiedIsRemovedWithItsNamespaces() throws Exception {
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, 256);
        SandboxHandle sandbox = create(provider);
        long child = HostProcesses.startBackgroundSleep(provider, sandbox.id(), AWAIT);
        long server = Long.parseLong(Files.readString(files(sandbox).resolveSibling(SandboxServer.PID_FILE)).strip());
        ProcessHandle.of(server).orElseThrow().destroyForcibly();
        LocalExecTest.await("the server dead", Duration.ofSeconds(5), () -> HostProcesses.gone(server));
        assertTrue(provider.get(sandbox.id()).await().atMost(AWAIT).isEmpty());
        assertTrue(HostProcesses.gone(child), "its background process is killed with it");
        assertEquals(0, sandboxProcessCount(sandbox), "and its namespace holder");
    }

    @Test
    void orphansOfEndedCommandsAreReaped() throws Exception {
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, 256);
        SandboxHandle sandbox = create(provider);
        assertEquals(0, exec(provider, sandbox, "for i in 1 2 3 4 5; do sleep 1 >/dev/null 2>&1 & done").exitCode());
        assertTrue(zombies(sandbox) > 0 || sandboxProcessCount(sandbox) > IDLE_PROCESSES, "the orphans were there");
        LocalExecTest.await("the orphans reaped by the sandbox's init", Duration.ofSeconds(5), () -> {
            try {
                return zombies(sandbox) == 0 && sandboxProcessCount(sandbox) == IDLE_PROCESSES;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Zombies among the children of the sandbox's init (the namespace holder). */
    private long zombies(SandboxHandle sandbox) throws IOException {
        String init = Files.readString(files(sandbox).resolveSibling(LocalIsolation.HOLDER_PID_FILE)).strip();
        try (var entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> name.matches("[0-9]+")).filter(pid -> {
                try {
                    String stat = Files.readString(Path.of("/proc", pid, "stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return fields[0].equals("Z") && fields[1].equals(init);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void withoutIsolationExecIsRefusedUnlessAllowed() throws Exception {
        LocalSandboxProvider provider = provider(LocalConfig.Network.NONE, 256);
        SandboxHandle sandbox = create(provider);
        provider.isolationUnavailable();
        ProviderException e = assertThrows(ProviderException.class, () -> exec(provider, sandbox, "true"));
        assertEquals(ProviderException.Kind.UNSUPPORTED, e.kind());
        ProblemException problem = ProviderErrors.toProblem(e);
        assertEquals(503, problem.status());
        assertTrue(problem.getMessage().contains("allow-unisolated-exec"), problem.getMessage());

        LocalSandboxProvider allowed = new LocalSandboxProvider(dataRoot, Duration.ofSeconds(15), LocalTestSandboxes.JVM_OPTIONS,
                new LocalIsolation.Settings(LocalConfig.Network.NONE, 256, 600, 8L << 30, 64L << 20, UID, true), vertx);
        allowed.isolationUnavailable();
        assertEquals(files(sandbox) + "\n", exec(allowed, sandbox, "pwd").stdout(), "unisolated, in the files directory");
    }

    /** The sandbox's processes running as the sandbox uid: all but its server (and the holder's outer unshare). */
    private static int sandboxProcessCount(SandboxHandle sandbox) {
        return (int) new SandboxProcesses(SandboxServer.SANDBOX_VARIABLE, sandbox.id()).pids().stream()
                .filter(pid -> uid(pid) == UID).count();
    }

    private static long uid(long pid) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc", Long.toString(pid)), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void write(LocalSandboxProvider provider, SandboxHandle sandbox, String path, String text) {
        assertEquals(List.of(), provider.writeFiles(sandbox,
                List.of(new FileData(path, text.getBytes(StandardCharsets.UTF_8), false))).await().atMost(AWAIT));
    }
}
