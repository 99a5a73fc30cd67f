package dev.switchboard.provider.local;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.quarkus.runtime.ImageMode;

/**
 * The OS processes of local sandboxes: starting a sandbox's {@link SandboxServer}, telling its live server from a
 * reused pid, and stopping it. Blocking; callers run it on worker threads.
 */
final class LocalProcesses {

    private static final Logger LOG = Logger.getLogger(LocalProcesses.class);

    private static final Duration TERM_GRACE = Duration.ofSeconds(3);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /** How long a pause may take to stop every process; one in uninterruptible sleep (disk, NFS) stops once it wakes. */
    private static final Duration STOP_WITHIN = Duration.ofSeconds(5);
    private static final long START_POLL_MILLIS = 10;
    private static final int LOG_TAIL_BYTES = 4096;
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    /** Locale variables matter: without them the JVM decodes non-ASCII file names as garbage. */
    static final Set<String> INHERITED_ENV = Set.of("PATH", "HOME", "USER", "TMPDIR", "TZ", "LANG", "LC_ALL",
            "LC_CTYPE");

    private final Duration startTimeout;
    private final List<String> jvmOptions;
    private final ServerRuntime runtime = new ServerRuntime();

    LocalProcesses(Duration startTimeout, List<String> jvmOptions) {
        this.startTimeout = startTimeout;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    // ---- start ----

    /** The command line that starts a server, without the sandbox directory (its last argument). */
    List<String> serverCommand(Path runtimeDir) throws IOException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // A new session keeps the sandbox out of the terminal's process group: Ctrl-C on a dev-mode service
            // must not take the sandboxes down with it.
            command.add(SETSID.toString());
        }
        if (ImageMode.current() == ImageMode.NATIVE_RUN) {
            // A native binary has no JVM to launch the class with, so it re-executes itself (see SwitchboardMain).
            String self = ProcessHandle.current().info().command()
                    .orElseThrow(() -> new ProviderException(Kind.FAILED, "cannot determine the service's executable"));
            command.addAll(List.of(self, SandboxServer.COMMAND));
            return command;
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(runtime.classPath(runtimeDir).toString());
        command.add(SandboxServer.class.getName());
        return command;
    }

    /** Launches the server of a prepared sandbox directory, its output going to the server log. */
    Process launch(List<String> serverCommand, Path dir, Map<String, String> specEnv) throws IOException {
        List<String> command = new ArrayList<>(serverCommand);
        command.add(dir.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve(SandboxServer.LOG_FILE).toFile())
                .redirectErrorStream(true);
        // The sandbox is not the service: it must not inherit the service's secrets (database password,
        // signing keys), only what a process needs to run plus the spec's own variables.
        Map<String, String> env = builder.environment();
        env.keySet().retainAll(INHERITED_ENV);
        env.putAll(specEnv);
        tag(env, dir);
        return builder.start();
    }

    /** Waits for the server to publish its port; fails when the process dies or the start timeout passes. */
    int awaitPort(Path dir, Process process) throws IOException {
        Path portFile = dir.resolve(SandboxServer.PORT_FILE);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (true) {
            if (Files.exists(portFile)) {
                return LocalState.readPort(dir).orElseThrow(() -> new ProviderException(Kind.FAILED, "unreadable " + portFile));
            }
            if (!process.isAlive()) {
                throw new ProviderException(Kind.FAILED,
                        "local sandbox server exited with status " + process.exitValue() + " before listening");
            }
            if (!Files.isDirectory(dir)) {
                throw new ProviderException(Kind.FAILED, "local sandbox directory was removed while starting");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ProviderException(Kind.FAILED,
                        "local sandbox server did not listen within " + startTimeout.toMillis() + " ms");
            }
            try {
                Thread.sleep(START_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(Kind.FAILED, "interrupted while starting a local sandbox", null, e);
            }
        }
    }

    /** Undoes a failed start: the launched process and whatever it may have started, then the directory. */
    void abortStart(Path dir, Process process) {
        try {
            verifiedServer(dir).ifPresent(LocalProcesses::terminate);
            if (process != null) {
                process.destroyForcibly();
                process.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
            LOG.warnf(e, "Could not stop the server of failed local sandbox %s", dir.getFileName());
        } catch (InterruptedException e) {
            // Keep the flag for the caller, but still remove the directory: the start failure is reported anyway.
            Thread.currentThread().interrupt();
        }
        try {
            SandboxServer.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warnf(e, "Could not remove the directory of failed local sandbox %s", dir);
        }
    }

    /** Names the sandbox in a process's environment, after everything else so no spec variable can replace it. */
    static void tag(Map<String, String> env, Path dir) {
        env.put(SandboxServer.SANDBOX_VARIABLE, dir.getFileName().toString());
    }

    // ---- all processes of a sandbox ----

    /** Stops every process of the sandbox (see {@link SandboxProcesses#stop}); false when some kept running. */
    boolean stopAll(String id) {
        return withProcesses(id, processes -> processes.stop(STOP_WITHIN));
    }

    /** Continues every stopped process of the sandbox. */
    void continueAll(String id) {
        withProcesses(id, processes -> {
            processes.resume();
            return true;
        });
    }

    /** Kills every process of the sandbox, the server and commands left in the background included. */
    boolean killAll(String id) {
        return withProcesses(id, processes -> processes.kill(KILL_WAIT));
    }

    private static boolean withProcesses(String id, Predicate<SandboxProcesses> action) {
        try {
            return action.test(new SandboxProcesses(SandboxServer.SANDBOX_VARIABLE, id));
        } catch (IllegalStateException e) {
            throw new ProviderException(Kind.FAILED, "cannot signal the processes of local sandbox " + id + ": "
                    + e.getMessage(), null, e);
        }
    }

    // ---- verify and stop ----

    /**
     * The sandbox's server process, only if it is alive and its command line names this directory: a pid alone
     * could have been reused by an unrelated process since a reboot or crash, and that one must never be signalled.
     */
    static Optional<ProcessHandle> verifiedServer(Path dir) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(LocalState.readSmallFile(dir.resolve(SandboxServer.PID_FILE)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warnf("Ignoring malformed %s in %s", SandboxServer.PID_FILE, dir);
            return Optional.empty();
        }
        String dirArg = dir.toString();
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(process -> {
            ProcessHandle.Info info = process.info();
            Optional<String[]> arguments = info.arguments();
            if (arguments.isPresent()) {
                return Arrays.asList(arguments.get()).contains(dirArg);
            }
            return info.commandLine().map(line -> line.contains(dirArg)).orElse(false);
        });
    }

    /** Kills a sandbox's server (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
    static void terminate(ProcessHandle process) {
        process.destroy();
        try {
            try {
                process.onExit().get(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                LOG.warnf("Local sandbox server %d ignored SIGTERM for %s, killing it", process.pid(), TERM_GRACE);
            }
            process.destroyForcibly();
            process.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ProviderException(Kind.FAILED, "local sandbox server " + process.pid() + " did not exit", null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(Kind.FAILED, "interrupted while killing a local sandbox", null, e);
        }
    }

    // ---- the server log ----

    static String logTail(Path dir) {
        return logTail(dir, SandboxServer.LOG_FILE);
    }

    /** The end of a log file in the sandbox directory, or "" when there is none. */
    static String logTail(Path dir, String name) {
        Path log = dir.resolve(name);
        try (SeekableByteChannel channel = Files.newByteChannel(log, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size, LOG_TAIL_BYTES));
            channel.position(size - buffer.capacity());
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // read until the buffer is full or the file ends
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    static String logSuffix(String log) {
        return log.isEmpty() ? "" : "; server.log:\n" + log;
    }
}
