package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxSpec;

/**
 * The on-disk side of local sandboxes: ids, the data root, each sandbox's descriptor and state files, and what they
 * say about a sandbox (alive, its URL and expiry). Blocking; callers run it on worker threads.
 */
final class LocalState {

    private static final Logger LOG = Logger.getLogger(LocalState.class);

    static final Pattern ID_PATTERN = Pattern.compile("^local-[a-z0-9]{20}$");
    private static final String ID_PREFIX = "local-";
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int ID_RANDOM_CHARS = 20;

    static final String SANDBOXES_DIR = "sandboxes";
    static final String RUNTIME_DIR = ".runtime";
    static final String DESCRIPTOR_FILE = "sandbox.json";
    /** Present while the sandbox is paused (its processes stopped); holds the time it was paused. */
    static final String PAUSED_FILE = "paused";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LEFTOVER_KILL = Duration.ofSeconds(5);

    private final Path configuredRoot;
    private final Duration startTimeout;
    private final SecureRandom random = new SecureRandom();

    /** Real path of the data root; resolved lazily because resolving it touches the file system. */
    private volatile Path root;

    LocalState(Path dataRoot, Duration startTimeout) {
        this.configuredRoot = dataRoot.toAbsolutePath().normalize();
        this.startTimeout = startTimeout;
    }

    // ---- ids and paths ----

    static boolean isValidId(String id) {
        return id != null && ID_PATTERN.matcher(id).matches();
    }

    String newId() {
        char[] chars = new char[ID_RANDOM_CHARS];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        return ID_PREFIX + new String(chars);
    }

    /** Only called with validated ids, so the result is always a direct child of the sandboxes directory. */
    Path sandboxDir(String id) throws IOException {
        return sandboxesDir().resolve(id);
    }

    Path sandboxesDir() throws IOException {
        return root().resolve(SANDBOXES_DIR);
    }

    Path runtimeDir() throws IOException {
        return root().resolve(RUNTIME_DIR);
    }

    /**
     * The data root as a real path, created private to this user when missing and refused when others control it
     * (see {@link DataRoot}). The real path is what goes on every
     * server's command line, so all processes must spell it the same way for the pid check to match.
     */
    Path root() throws IOException {
        Path resolved = root;
        if (resolved == null) {
            resolved = DataRoot.secure(configuredRoot);
            root = resolved;
        }
        return resolved;
    }

    static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    static ProviderException gone(String id) {
        return new ProviderException(Kind.GONE, "local sandbox " + id + " is gone");
    }

    // ---- a new sandbox's files ----

    /** Writes a new sandbox's descriptor, expiry and empty files directory into its (just created) directory. */
    static void prepare(Path dir, String id, Instant createdAt, Instant expiresAt, SandboxSpec spec) throws IOException {
        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("id", id);
        descriptor.put("createdAt", createdAt.toString());
        descriptor.put("template", spec.template());
        // One kind of sandbox here: the template's image is recorded, not run.
        descriptor.put("image", spec.imageOr(null));
        ObjectNode metadata = descriptor.putObject("metadata");
        new TreeMap<>(spec.metadata()).forEach(metadata::put);
        SandboxServer.writeAtomically(dir, DESCRIPTOR_FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(descriptor));
        SandboxServer.writeAtomically(dir, SandboxServer.EXPIRES_AT_FILE, Long.toString(expiresAt.toEpochMilli()));
        Files.createDirectory(dir.resolve(SandboxServer.FILES_DIR));
    }

    // ---- what the files say ----

    /**
     * The sandbox if its server is alive; a directory whose server is known dead is removed. A directory still
     * being created (no pid yet, younger than the start timeout) is reported as absent but left alone.
     */
    Optional<SandboxInfo> inspect(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            Optional<Integer> port = readPort(dir);
            Optional<ProcessHandle> process = LocalProcesses.verifiedServer(dir);
            if (port.isPresent() && process.isPresent()) {
                JsonNode descriptor = JSON.readTree(Files.readAllBytes(dir.resolve(DESCRIPTOR_FILE)));
                Instant expiresAt = Instant.ofEpochMilli(
                        Long.parseLong(readSmallFile(dir.resolve(SandboxServer.EXPIRES_AT_FILE))));
                Map<String, String> metadata = new LinkedHashMap<>();
                descriptor.path("metadata").fields()
                        .forEachRemaining(field -> metadata.put(field.getKey(), field.getValue().asText()));
                SandboxInfo.State state = isPaused(dir) ? SandboxInfo.State.PAUSED : SandboxInfo.State.RUNNING;
                return Optional.of(new SandboxInfo(descriptor.path("id").asText(), url(port.get()), null, state,
                        Instant.parse(descriptor.path("createdAt").asText()), expiresAt, metadata));
            }
            if (isLeftover(dir)) {
                LOG.infof("Removing local sandbox %s: its server is no longer running", dir.getFileName());
                // What its commands left (its namespace holder, background processes) goes with it.
                new SandboxProcesses(SandboxServer.SANDBOX_VARIABLE, dir.getFileName().toString()).kill(LEFTOVER_KILL);
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
            return LocalProcesses.verifiedServer(dir).isEmpty();
        }
        Instant modified = Files.getLastModifiedTime(dir).toInstant();
        // Twice the start timeout leaves a creator in another process room to finish or clean up itself.
        return modified.plus(startTimeout.multipliedBy(2)).isBefore(Instant.now());
    }

    /** Every live sandbox whose metadata holds all of {@code filter}, oldest first. */
    List<SandboxInfo> list(Map<String, String> filter) throws IOException {
        Path sandboxes = sandboxesDir();
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

    /** Moves the expiry of a live sandbox to now + {@code timeout}; empty when it is gone. */
    Optional<SandboxInfo> extend(String id, Duration timeout) throws IOException {
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
    Path liveFilesDir(String id) throws IOException {
        return liveDir(id).resolve(SandboxServer.FILES_DIR);
    }

    /**
     * The directory of a running sandbox, else GONE, or CONFLICT when it is paused: like a paused cloud sandbox, a
     * paused local one cannot be reached until it is resumed (its server and commands are stopped).
     */
    Path liveDir(String id) throws IOException {
        if (!isValidId(id)) {
            throw gone(String.valueOf(id));
        }
        Path dir = sandboxDir(id);
        Optional<SandboxInfo> info = inspect(dir);
        if (info.isEmpty()) {
            throw gone(id);
        }
        if (info.get().state() == SandboxInfo.State.PAUSED) {
            throw new ProviderException(Kind.CONFLICT, "local sandbox " + id + " is paused: resume it first");
        }
        return dir;
    }

    static boolean isPaused(Path dir) {
        return Files.exists(dir.resolve(PAUSED_FILE), LinkOption.NOFOLLOW_LINKS);
    }

    /** Sets or clears the paused marker; fails with NoSuchFileException when the sandbox directory is gone. */
    static void markPaused(Path dir, boolean paused) throws IOException {
        if (paused) {
            SandboxServer.writeAtomically(dir, PAUSED_FILE, Instant.now().toString());
        } else {
            Files.deleteIfExists(dir.resolve(PAUSED_FILE));
        }
    }

    static Optional<Integer> readPort(Path dir) throws IOException {
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

    static String readSmallFile(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
}
