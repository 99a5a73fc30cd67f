package dev.switchboard.provider.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import io.quarkus.runtime.ImageMode;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Sandboxes as directories under a data root, each served by its own {@link SandboxServer} process. All state
 * lives on disk, so any process on the host (a restarted service, another replica, a reconciler) can list and kill them.
 */
@ApplicationScoped
@Identifier("local")
public class LocalSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(LocalSandboxProvider.class);

    static final String NAME = "local";
    static final Pattern ID_PATTERN = Pattern.compile("^local-[a-z0-9]{20}$");
    private static final String ID_PREFIX = "local-";
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int ID_RANDOM_CHARS = 20;

    static final String SANDBOXES_DIR = "sandboxes";
    static final String RUNTIME_DIR = ".runtime";
    static final String DESCRIPTOR_FILE = "sandbox.json";

    private static final Duration TERM_GRACE = Duration.ofSeconds(3);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final long START_POLL_MILLIS = 10;
    private static final int LOG_TAIL_BYTES = 4096;
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    /** Locale variables matter: without them the JVM decodes non-ASCII file names as garbage. */
    private static final Set<String> INHERITED_ENV = Set.of("PATH", "HOME", "USER", "TMPDIR", "TZ", "LANG", "LC_ALL",
            "LC_CTYPE");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path configuredRoot;
    private final Duration startTimeout;
    private final List<String> jvmOptions;
    private final Vertx vertx;
    private final SecureRandom random = new SecureRandom();

    /** Real path of the data root; resolved lazily because resolving it touches the file system. */
    private volatile Path root;
    private volatile ServerClasses serverClasses;

    @Inject
    public LocalSandboxProvider(SwitchboardConfig config, Vertx vertx) {
        this(config.local().dataDir()
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "switchboard-sandboxes")),
                config.local().startTimeout(), config.local().jvmOptions(), vertx);
    }

    LocalSandboxProvider(Path dataRoot, Duration startTimeout, List<String> jvmOptions, Vertx vertx) {
        this.configuredRoot = dataRoot.toAbsolutePath().normalize();
        this.startTimeout = startTimeout;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.vertx = vertx;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<SandboxHandle> create(SandboxSpec spec) {
        ProviderException invalid = ProviderException.ifNotPositive(spec.timeout(), "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        return blocking(() -> createBlocking(spec));
    }

    @Override
    public Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files) {
        return blocking(() -> LocalFiles.write(liveFilesDir(sandbox.id()), files));
    }

    @Override
    public Uni<FileListing> listFiles(String sandboxId, ScanSpec scan) {
        return blocking(() -> LocalFiles.list(liveFilesDir(sandboxId), scan));
    }

    @Override
    public Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        return blocking(() -> LocalFiles.read(liveFilesDir(sandboxId), paths, maxFileBytes, maxTotalBytes));
    }

    @Override
    public Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes) {
        if (!isValidId(sandboxId)) {
            return Uni.createFrom().failure(gone(String.valueOf(sandboxId)));
        }
        return blocking(() -> execBlocking(sandboxId, command, timeout, maxOutputBytes));
    }

    @Override
    public Uni<Boolean> kill(String sandboxId) {
        if (!isValidId(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return blocking(() -> killBlocking(sandboxId));
    }

    @Override
    public Uni<Optional<SandboxInfo>> get(String sandboxId) {
        if (!isValidId(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return blocking(() -> inspect(sandboxDir(sandboxId)));
    }

    @Override
    public Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter) {
        Map<String, String> filter = metadataFilter == null ? Map.of() : Map.copyOf(metadataFilter);
        return blocking(() -> listBlocking(filter));
    }

    @Override
    public Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!isValidId(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return blocking(() -> extendBlocking(sandboxId, timeout));
    }

    // ---- blocking work, always on a worker thread ----

    /**
     * Runs file-system and process work on a worker thread; the result is delivered back on the caller's Vert.x
     * context, which Hibernate Reactive callers rely on. I/O failures become {@link ProviderException}s.
     */
    private <T> Uni<T> blocking(BlockingTask<T> task) {
        Supplier<T> supplier = () -> {
            try {
                return task.run();
            } catch (IOException e) {
                throw new ProviderException(Kind.FAILED, "local sandbox I/O failed: " + e, null, e);
            }
        };
        return vertx.executeBlocking(Uni.createFrom().item(supplier), false);
    }

    @FunctionalInterface
    private interface BlockingTask<T> {
        T run() throws IOException;
    }

    private SandboxHandle createBlocking(SandboxSpec spec) throws IOException {
        Path sandboxes = root().resolve(SANDBOXES_DIR);
        Files.createDirectories(sandboxes);
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // A new session keeps the sandbox out of the terminal's process group: Ctrl-C on a dev-mode service
            // must not take the sandboxes down with it.
            command.add(SETSID.toString());
        }
        command.addAll(serverCommand());

        String id = newId();
        Path dir = sandboxes.resolve(id);
        Files.createDirectory(dir);
        Instant createdAt = Instant.ofEpochMilli(System.currentTimeMillis());
        Instant expiresAt = createdAt.plusMillis(spec.timeout().toMillis());
        Process process = null;
        try {
            writeDescriptor(dir, id, createdAt, spec);
            SandboxServer.writeAtomically(dir, SandboxServer.EXPIRES_AT_FILE, Long.toString(expiresAt.toEpochMilli()));
            Files.createDirectory(dir.resolve(SandboxServer.FILES_DIR));

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
            env.putAll(spec.env());
            long started = System.nanoTime();
            process = builder.start();
            int port = awaitPort(dir, process);
            LOG.debugf("Local sandbox %s ready on port %d after %d ms", id, port,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return new SandboxHandle(id, url(port), null, createdAt, expiresAt, null);
        } catch (IOException | RuntimeException e) {
            String log = logTail(dir);
            abortStart(dir, process);
            if (e instanceof ProviderException p) {
                throw new ProviderException(p.kind(), p.getMessage() + logSuffix(log), null, e);
            }
            throw new ProviderException(Kind.FAILED, "local sandbox " + id + " failed to start: " + e + logSuffix(log),
                    null, e);
        }
    }

    private List<String> serverCommand() throws IOException {
        if (ImageMode.current() == ImageMode.NATIVE_RUN) {
            // A native binary has no JVM to launch the class with, so it re-executes itself (see SwitchboardMain).
            String self = ProcessHandle.current().info().command()
                    .orElseThrow(() -> new ProviderException(Kind.FAILED, "cannot determine the service's executable"));
            return new ArrayList<>(List.of(self, SandboxServer.COMMAND));
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(serverClassPath().toString());
        command.add(SandboxServer.class.getName());
        return command;
    }

    /** Waits for the server to publish its port; fails when the process dies or the start timeout passes. */
    private int awaitPort(Path dir, Process process) throws IOException {
        Path portFile = dir.resolve(SandboxServer.PORT_FILE);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (true) {
            if (Files.exists(portFile)) {
                return readPort(dir).orElseThrow(() -> new ProviderException(Kind.FAILED, "unreadable " + portFile));
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
    private void abortStart(Path dir, Process process) {
        try {
            verifiedProcess(dir).ifPresent(this::terminate);
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

    private boolean killBlocking(String id) throws IOException {
        Path dir = sandboxDir(id);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        // Without a verified process (none started yet, died, or pid reused) there is nothing to signal; a server
        // still starting exits by itself once its directory is gone.
        verifiedProcess(dir).ifPresent(this::terminate);
        SandboxServer.deleteRecursively(dir);
        return true;
    }

    private void terminate(ProcessHandle process) {
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

    private List<SandboxInfo> listBlocking(Map<String, String> filter) throws IOException {
        Path sandboxes = root().resolve(SANDBOXES_DIR);
        if (!Files.isDirectory(sandboxes)) {
            return List.of();
        }
        List<Path> dirs = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(sandboxes, entry -> isValidId(entry.getFileName().toString()))) {
            stream.forEach(dirs::add);
        }
        List<SandboxInfo> result = new ArrayList<>();
        for (Path dir : dirs) {
            Optional<SandboxInfo> info;
            try {
                info = inspect(dir);
            } catch (ProviderException e) {
                // One unreadable sandbox must not hide all the others from a reconciler; get() still reports it.
                LOG.warnf(e, "Skipping unreadable local sandbox %s", dir.getFileName());
                continue;
            }
            info.filter(i -> i.metadata().entrySet().containsAll(filter.entrySet())).ifPresent(result::add);
        }
        result.sort(Comparator.comparing(SandboxInfo::createdAt).thenComparing(SandboxInfo::id));
        return result;
    }

    private Optional<SandboxInfo> extendBlocking(String id, Duration timeout) throws IOException {
        Path dir = sandboxDir(id);
        if (inspect(dir).isEmpty()) {
            return Optional.empty();
        }
        long expiresAt = System.currentTimeMillis() + timeout.toMillis();
        try {
            SandboxServer.writeAtomically(dir, SandboxServer.EXPIRES_AT_FILE, Long.toString(expiresAt));
        } catch (NoSuchFileException e) {
            // Expired or killed between the check and the write.
            return Optional.empty();
        }
        return inspect(dir);
    }

    /** The files directory of a live sandbox, else GONE. */
    private Path liveFilesDir(String id) throws IOException {
        if (!isValidId(id)) {
            throw gone(String.valueOf(id));
        }
        Path dir = sandboxDir(id);
        if (inspect(dir).isEmpty()) {
            throw gone(id);
        }
        return dir.resolve(SandboxServer.FILES_DIR);
    }

    // ---- commands ----

    /** Runs {@code bash -c command} in the sandbox's files directory, as the sandbox's own code would run. */
    private ExecResult execBlocking(String id, String command, Duration timeout, int maxOutputBytes) throws IOException {
        Path dir = sandboxDir(id);
        if (inspect(dir).isEmpty()) {
            throw gone(id);
        }
        // Output goes to files outside files/, so a chatty command can neither block on a pipe nor be saved back.
        Path out = Files.createTempFile(dir, "exec-", ".out");
        Path err = Files.createTempFile(dir, "exec-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("/bin/bash", "-c", command)
                    .directory(dir.resolve(SandboxServer.FILES_DIR).toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().keySet().retainAll(INHERITED_ENV);
            Process process = builder.start();
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finished = false;
            }
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            Capped stdout = capped(out, maxOutputBytes);
            Capped stderr = capped(err, maxOutputBytes);
            return new ExecResult(finished ? process.exitValue() : -1, stdout.text(), stderr.text(),
                    stdout.truncated() || stderr.truncated(), !finished);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private record Capped(String text, boolean truncated) {
    }

    private static Capped capped(Path file, int max) throws IOException {
        long size = Files.size(file);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(size, Math.max(0, max)));
        }
        return new Capped(new String(bytes, StandardCharsets.UTF_8), size > max);
    }

    // ---- on-disk state ----

    /**
     * The sandbox if its server is alive; a directory whose server is known dead is removed. A directory still
     * being created (no pid yet, younger than the start timeout) is reported as absent but left alone.
     */
    private Optional<SandboxInfo> inspect(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            Optional<Integer> port = readPort(dir);
            Optional<ProcessHandle> process = verifiedProcess(dir);
            if (port.isPresent() && process.isPresent()) {
                JsonNode descriptor = readDescriptor(dir);
                Instant expiresAt = Instant.ofEpochMilli(
                        Long.parseLong(readSmallFile(dir.resolve(SandboxServer.EXPIRES_AT_FILE))));
                Map<String, String> metadata = new LinkedHashMap<>();
                descriptor.path("metadata").fields()
                        .forEachRemaining(field -> metadata.put(field.getKey(), field.getValue().asText()));
                return Optional.of(new SandboxInfo(descriptor.path("id").asText(), url(port.get()), null,
                        SandboxInfo.State.RUNNING, Instant.parse(descriptor.path("createdAt").asText()),
                        expiresAt, metadata));
            }
            if (isLeftover(dir)) {
                LOG.infof("Removing local sandbox %s: its server is no longer running", dir.getFileName());
                SandboxServer.deleteRecursively(dir);
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            // Removed while being read: expired, or killed by someone else.
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new ProviderException(Kind.FAILED, "corrupt local sandbox " + dir + ": " + e, null, e);
        }
    }

    /** A dead sandbox: its server wrote a pid and is gone, or it never got that far within the start timeout. */
    private boolean isLeftover(Path dir) throws IOException {
        if (Files.exists(dir.resolve(SandboxServer.PID_FILE))) {
            return verifiedProcess(dir).isEmpty();
        }
        Instant modified = Files.getLastModifiedTime(dir).toInstant();
        // Twice the start timeout leaves a creator in another process room to finish or clean up itself.
        return modified.plus(startTimeout.multipliedBy(2)).isBefore(Instant.now());
    }

    /**
     * The sandbox's server process, only if it is alive and its command line names this directory: a pid alone
     * could have been reused by an unrelated process since a reboot or crash, and that one must never be signalled.
     */
    private Optional<ProcessHandle> verifiedProcess(Path dir) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(readSmallFile(dir.resolve(SandboxServer.PID_FILE)));
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

    private static Optional<Integer> readPort(Path dir) throws IOException {
        try {
            int port = Integer.parseInt(readSmallFile(dir.resolve(SandboxServer.PORT_FILE)));
            return port > 0 && port < 65536 ? Optional.of(port) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warnf("Ignoring malformed %s in %s", SandboxServer.PORT_FILE, dir);
            return Optional.empty();
        }
    }

    private static String readSmallFile(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }

    private static void writeDescriptor(Path dir, String id, Instant createdAt, SandboxSpec spec) throws IOException {
        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("id", id);
        descriptor.put("createdAt", createdAt.toString());
        descriptor.put("template", spec.template());
        ObjectNode metadata = descriptor.putObject("metadata");
        new TreeMap<>(spec.metadata()).forEach(metadata::put);
        SandboxServer.writeAtomically(dir, DESCRIPTOR_FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(descriptor));
    }

    private static JsonNode readDescriptor(Path dir) throws IOException {
        return JSON.readTree(Files.readAllBytes(dir.resolve(DESCRIPTOR_FILE)));
    }

    /**
     * The class path directory holding {@link SandboxServer} and its nested classes, keyed by a hash of their bytes
     * so a new service version never runs old server code and concurrent creators share one copy.
     */
    private Path serverClassPath() throws IOException {
        ServerClasses server = serverClasses;
        if (server == null) {
            server = loadServerClasses();
            serverClasses = server;
        }
        Map<String, byte[]> classes = server.bytes();
        Path runtime = root().resolve(RUNTIME_DIR);
        Path target = runtime.resolve(server.hash());
        if (isComplete(target, classes)) {
            return target;
        }
        Files.createDirectories(runtime);
        // Built in a private directory and renamed into place in one step, so no creator sees a half-written copy.
        Path staging = Files.createTempDirectory(runtime, "." + server.hash() + ".");
        try {
            for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
                Path file = staging.resolve(entry.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, entry.getValue());
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                LOG.debugf("Another process installed %s first", target);
            } catch (FileSystemException e) {
                // rename(2) onto a non-empty directory is reported as a plain FileSystemException (ENOTEMPTY).
                if (!isComplete(target, classes)) {
                    throw e;
                }
            }
        } finally {
            SandboxServer.deleteRecursively(staging);
        }
        if (!isComplete(target, classes)) {
            throw new ProviderException(Kind.FAILED, "incomplete sandbox server runtime in " + target);
        }
        return target;
    }

    /** The class files of the server's whole nest (nested and anonymous classes); lambdas need no class files. */
    private static ServerClasses loadServerClasses() throws IOException {
        Map<String, byte[]> classes = new TreeMap<>();
        for (Class<?> member : SandboxServer.class.getNestMembers()) {
            String resource = member.getName().replace('.', '/') + ".class";
            try (InputStream in = SandboxServer.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new ProviderException(Kind.FAILED, "class file not found: " + resource);
                }
                classes.put(resource, in.readAllBytes());
            }
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        classes.forEach((name, bytes) -> {
            digest.update(name.getBytes(StandardCharsets.UTF_8));
            digest.update(bytes);
        });
        return new ServerClasses(HexFormat.of().formatHex(digest.digest()).substring(0, 16), classes);
    }

    private record ServerClasses(String hash, Map<String, byte[]> bytes) {
    }

    private static boolean isComplete(Path dir, Map<String, byte[]> classes) {
        return classes.keySet().stream().allMatch(resource -> Files.isRegularFile(dir.resolve(resource)));
    }

    private static String logTail(Path dir) {
        Path log = dir.resolve(SandboxServer.LOG_FILE);
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

    private static String logSuffix(String log) {
        return log.isEmpty() ? "" : "; server.log:\n" + log;
    }

    // ---- ids and paths ----

    static boolean isValidId(String id) {
        return id != null && ID_PATTERN.matcher(id).matches();
    }

    private String newId() {
        char[] chars = new char[ID_RANDOM_CHARS];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        return ID_PREFIX + new String(chars);
    }

    /** Only called with validated ids, so the result is always a direct child of the sandboxes directory. */
    private Path sandboxDir(String id) throws IOException {
        return root().resolve(SANDBOXES_DIR).resolve(id);
    }

    /**
     * The data root as a real path, created private to this user when missing. The real path is what goes on every
     * server's command line, so all processes must spell it the same way for the pid check to match.
     */
    private Path root() throws IOException {
        Path resolved = root;
        if (resolved == null) {
            if (!Files.isDirectory(configuredRoot)) {
                try {
                    Files.createDirectories(configuredRoot,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (UnsupportedOperationException e) {
                    Files.createDirectories(configuredRoot);
                }
            }
            resolved = configuredRoot.toRealPath();
            root = resolved;
        }
        return resolved;
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    private static ProviderException gone(String id) {
        return new ProviderException(Kind.GONE, "local sandbox " + id + " is gone");
    }
}
