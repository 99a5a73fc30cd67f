package dev.switchboard.provider.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.quarkus.runtime.LaunchMode;

/**
 * Isolation of local sandbox commands with util-linux only ({@code unshare}, {@code nsenter}, {@code setpriv},
 * {@code prlimit}): each sandbox gets one long-lived namespace holder (see {@link HolderScript}), started at its first
 * command, and every command enters its namespaces with {@code nsenter}, capped by {@code prlimit}, with every
 * capability dropped. Whether the host allows this is tried once; without it commands are refused unless unisolated
 * commands are allowed. Blocking; callers run it on worker threads.
 */
final class LocalIsolation {

    private static final Logger LOG = Logger.getLogger(LocalIsolation.class);

    static final String HOLDER_PID_FILE = "holder.pid";
    static final String HOLDER_LOG_FILE = "holder.log";
    static final String ROOT_DIR = "ns-root";
    /** Present when the service wrote project files the sandbox's uid does not own yet. */
    static final String ADOPT_FILE = "adopt";
    private static final Duration TRIAL_TIMEOUT = Duration.ofSeconds(10);

    /**
     * What the isolation needs to know. {@code uid} is used when the service runs as root; {@code allowUnisolated}
     * lets commands run unisolated where isolation is unavailable.
     */
    record Settings(LocalConfig.Network network, int processes, long cpuSeconds, long memoryBytes, long tmpBytes,
            long uid, boolean allowUnisolated) {

        static Settings defaults() {
            return new Settings(LocalConfig.Network.NONE, 256, 600, 8L << 30, 256L << 20, 2_000_000_000L, false);
        }
    }

    /** The settings from the configuration; dev mode allows unisolated commands and defaults to the host network. */
    static Settings settings(LocalConfig config) {
        LocalConfig.Limits limits = config.limits();
        return new Settings(config.network(), limits.processes(), limits.cpuSeconds(), limits.memory().asLongValue(),
                limits.tmp().asLongValue(), config.sandboxUid(),
                config.allowUnisolatedExec() || LaunchMode.current() == LaunchMode.DEVELOPMENT);
    }

    private final Settings settings;
    private final Duration startTimeout;
    private final boolean root = effectiveUid() == 0;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final AtomicBoolean warned = new AtomicBoolean();
    private volatile Boolean available;

    LocalIsolation(Settings settings, Duration startTimeout) {
        this.settings = settings;
        this.startTimeout = startTimeout;
    }

    Settings settings() {
        return settings;
    }

    /**
     * How a command enters the live sandbox in {@code dir}: its namespaces, started when missing. Unisolated when
     * isolation is unavailable and allowed; refused ({@code UNSUPPORTED}) when it is unavailable and not allowed.
     */
    IsolatedCommand enter(Path dir, Path runtimeDir) throws IOException {
        if (!available(runtimeDir)) {
            if (!settings.allowUnisolated()) {
                throw new ProviderException(Kind.UNSUPPORTED, "commands in local sandboxes cannot be isolated on this "
                        + "host (no user, mount and pid namespaces), so they are refused; set "
                        + "switchboard.local.allow-unisolated-exec=true only for a trusted single-user setup");
            }
            if (warned.compareAndSet(false, true)) {
                LOG.warn("Local sandbox commands run UNISOLATED, as the service's own user: isolation is unavailable "
                        + "here and unisolated commands are allowed (dev mode or switchboard.local.allow-unisolated-exec)");
            }
            return IsolatedCommand.NONE;
        }
        long holder = holder(dir);
        if (root && Files.deleteIfExists(dir.resolve(ADOPT_FILE))) {
            adopt(holder);
        }
        List<String> prefix = List.of("nsenter", "--target", Long.toString(holder), "--user", "--mount", "--pid",
                "--net", "--root", "--wd", "--",
                "prlimit", "--nproc=" + settings.processes(), "--cpu=" + settings.cpuSeconds(),
                "--as=" + settings.memoryBytes(), "--",
                "setpriv", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--");
        return new IsolatedCommand(prefix, Map.of("HOME", "/tmp", "TMPDIR", "/tmp", "USER", "root",
                "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    }

    /** Notes that the service wrote project files, which the sandbox's uid must own before its next command. */
    void filesWritten(Path dir) throws IOException {
        if (root && Boolean.TRUE.equals(available)) {
            try {
                SandboxServer.writeAtomically(dir, ADOPT_FILE, "");
            } catch (NoSuchFileException e) {
                // The sandbox is gone; the caller reports that.
            }
        }
    }

    /** Behaves as on a host without the namespaces isolation needs. */
    void unavailable() {
        available = false;
    }

    /** Whether this host can isolate commands, tried once by building a sandbox's namespaces for nothing. */
    boolean available(Path runtimeDir) throws IOException {
        Boolean known = available;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (available == null) {
                available = trial(runtimeDir);
            }
            return available;
        }
    }

    private boolean trial(Path runtimeDir) throws IOException {
        Files.createDirectories(runtimeDir);
        Path dir = Files.createTempDirectory(runtimeDir, "isolation-trial-");
        try {
            Files.createDirectory(dir.resolve(SandboxServer.FILES_DIR));
            Process process = launch(dir, "trial");
            boolean ready = "ready".equals(firstLine(process));
            boolean exited = process.waitFor(TRIAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (ready && exited && process.exitValue() == 0) {
                LOG.infof("Local sandbox commands run isolated (namespaces, network=%s, %d processes, %d CPU s, %d MiB)",
                        settings.network().name().toLowerCase(), settings.processes(), settings.cpuSeconds(),
                        settings.memoryBytes() >> 20);
                return true;
            }
            process.destroyForcibly();
            LOG.warnf("Local sandbox commands cannot be isolated here: %s", LocalProcesses.logTail(dir, HOLDER_LOG_FILE));
            return false;
        } catch (IOException e) {
            LOG.warnf("Local sandbox commands cannot be isolated here: %s", e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(Kind.FAILED, "interrupted while trying isolation", null, e);
        } finally {
            SandboxServer.deleteRecursively(dir);
        }
    }

    /** The pid of the sandbox's namespace holder, started when it is not running. */
    private long holder(Path dir) throws IOException {
        String id = dir.getFileName().toString();
        Object lock = locks.computeIfAbsent(id, k -> new Object());
        synchronized (lock) {
            try {
                Optional<Long> running = runningHolder(dir);
                if (running.isPresent()) {
                    return running.get();
                }
                return startHolder(dir);
            } finally {
                locks.remove(id, lock);
            }
        }
    }

    private Optional<Long> runningHolder(Path dir) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(LocalState.readSmallFile(dir.resolve(HOLDER_PID_FILE)));
        } catch (NoSuchFileException | NumberFormatException e) {
            return Optional.empty();
        }
        // The pid must still be this sandbox's holder (tagged, in namespaces of its own), not a reused pid.
        boolean holds = SandboxProcesses.alive(pid) && SandboxProcesses.carriesTag(pid, SandboxServer.SANDBOX_VARIABLE,
                dir.getFileName().toString()) && !sameNamespace(pid, "mnt");
        return holds ? Optional.of(pid) : Optional.empty();
    }

    private long startHolder(Path dir) throws IOException {
        Process process = launch(dir, "hold");
        String line = firstLine(process);
        Optional<ProcessHandle> init = process.children().findFirst();
        if (!"ready".equals(line) || init.isEmpty()) {
            process.destroyForcibly();
            throw new ProviderException(Kind.FAILED, "the namespaces of local sandbox " + dir.getFileName()
                    + " could not be built: " + LocalProcesses.logTail(dir, HOLDER_LOG_FILE));
        }
        long pid = init.get().pid();
        SandboxServer.writeAtomically(dir, HOLDER_PID_FILE, Long.toString(pid));
        if (root) {
            // Everything written before the holder existed, restored files included, becomes the sandbox's own.
            Files.deleteIfExists(dir.resolve(ADOPT_FILE));
            adopt(pid);
        }
        LOG.debugf("Local sandbox %s: namespace holder %d", dir.getFileName(), pid);
        return pid;
    }

    /** Starts {@link HolderScript} for the sandbox in {@code dir}; its first line of output is {@code ready}. */
    private Process launch(Path dir, String mode) throws IOException {
        Path newRoot = Files.createDirectories(dir.resolve(ROOT_DIR));
        List<String> command = new ArrayList<>(List.of("setsid", "unshare"));
        if (!root) {
            command.add("--map-root-user");
        }
        command.addAll(List.of("--mount", "--pid", "--fork", "--propagation", "private"));
        if (settings.network() == LocalConfig.Network.NONE) {
            command.add("--net");
        }
        command.addAll(List.of("--", "/bin/sh", "-c", HolderScript.SCRIPT, "switchboard-holder", newRoot.toString(),
                dir.resolve(SandboxServer.FILES_DIR).toString(), root ? Long.toString(settings.uid()) : "",
                settings.network().name().toLowerCase(), Long.toString(settings.tmpBytes()), mode));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve(HOLDER_LOG_FILE).toFile());
        Map<String, String> env = builder.environment();
        env.keySet().retainAll(LocalProcesses.INHERITED_ENV);
        LocalProcesses.tag(env, dir);
        return builder.start();
    }

    /**
     * Makes the project files owned by the sandbox's uid, so its commands can change what the service wrote. Run by
     * {@code find} and {@code chown} inside the sandbox's mount namespace, as root: a symbolic link the sandbox planted
     * can only lead into its own view, where everything but its own files is read-only.
     */
    private void adopt(long holder) throws IOException {
        String owner = settings.uid() + ":" + settings.uid();
        ProcessBuilder builder = new ProcessBuilder("nsenter", "--target", Long.toString(holder), "--mount", "--root",
                "--wd", "--", "find", HolderScript.PROJECT, "-xdev", "(", "!", "-uid", Long.toString(settings.uid()),
                "-o", "!", "-gid", Long.toString(settings.uid()), ")", "-exec", "chown", "-h", owner, "{}", "+")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        try {
            Process process = builder.start();
            if (!process.waitFor(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                LOG.warnf("Handing project files to the sandbox's uid did not finish within %s", startTimeout);
            } else if (process.exitValue() != 0) {
                LOG.debugf("Handing project files to the sandbox's uid exited with %d", process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(Kind.FAILED, "interrupted while preparing a local sandbox's files", null, e);
        }
    }

    private String firstLine(Process process) throws IOException {
        // The script either prints its line or exits (closing the pipe) within moments.
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line = reader.readLine();
            return line == null ? "" : line.strip();
        }
    }

    private static long effectiveUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean sameNamespace(long pid, String kind) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", kind))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns", kind)));
        } catch (IOException e) {
            return true;
        }
    }
}
