package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
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

    private final LocalState state;
    private final LocalProcesses processes;
    private final LocalIsolation isolation;
    private final Vertx vertx;

    @Inject
    public LocalSandboxProvider(LocalConfig config, Vertx vertx) {
        this(config.dataDir()
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "switchboard-sandboxes")),
                config.startTimeout(), config.jvmOptions(), LocalIsolation.settings(config), vertx);
    }

    /** Isolated commands with the default settings (network none), as outside dev mode. */
    LocalSandboxProvider(Path dataRoot, Duration startTimeout, List<String> jvmOptions, Vertx vertx) {
        this(dataRoot, startTimeout, jvmOptions, LocalIsolation.Settings.defaults(), vertx);
    }

    LocalSandboxProvider(Path dataRoot, Duration startTimeout, List<String> jvmOptions,
            LocalIsolation.Settings isolation, Vertx vertx) {
        this.state = new LocalState(dataRoot, startTimeout);
        this.processes = new LocalProcesses(startTimeout, jvmOptions);
        this.isolation = new LocalIsolation(isolation, startTimeout);
        this.vertx = vertx;
    }

    /** The data root is checked at start, so an untrusted one stops the service before any sandbox uses it. */
    void checkDataRoot(@Observes StartupEvent event, SwitchboardConfig config) throws IOException {
        if (NAME.equals(config.provider().strip().toLowerCase())) {
            state.root();
        }
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
        return blocking(() -> LocalLifecycle.create(state, processes, spec));
    }

    @Override
    public Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files) {
        return blocking(() -> {
            Path dir = state.liveDir(sandbox.id());
            List<SkippedFile> skipped = LocalFiles.write(dir.resolve(SandboxServer.FILES_DIR), files);
            isolation.filesWritten(dir);
            return skipped;
        });
    }

    @Override
    public Uni<FileListing> listFiles(String sandboxId, ScanSpec scan) {
        return blocking(() -> LocalFiles.list(state.liveFilesDir(sandboxId), scan));
    }

    @Override
    public Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        return blocking(() -> LocalFiles.read(state.liveFilesDir(sandboxId), paths, maxFileBytes, maxTotalBytes));
    }

    @Override
    public Uni<List<DirEntry>> listDirectory(String sandboxId, String dir, int maxEntries) {
        return blocking(() -> LocalLiveFiles.list(state.liveFilesDir(sandboxId), dir, maxEntries));
    }

    @Override
    public Uni<byte[]> readFile(String sandboxId, String path, long maxBytes) {
        return blocking(() -> LocalLiveFiles.read(state.liveFilesDir(sandboxId), path, maxBytes));
    }

    @Override
    public Uni<Void> writeFile(String sandboxId, String path, byte[] content) {
        return blocking(() -> {
            Path dir = state.liveDir(sandboxId);
            LocalLiveFiles.write(dir.resolve(SandboxServer.FILES_DIR), path, content);
            // Owned by the service until handed to the sandbox's uid, which its commands need to change it.
            isolation.filesWritten(dir);
            return null;
        });
    }

    @Override
    public Uni<Boolean> deleteFile(String sandboxId, String path) {
        return blocking(() -> LocalLiveFiles.delete(state.liveFilesDir(sandboxId), path));
    }

    /** Runs {@code bash -c command} in the sandbox's project root: the streamed {@link #exec(String, ExecRequest)}, collected. */
    @Override
    public Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes) {
        return exec(sandboxId, new ExecRequest(command, "", Map.of(), timeout, maxOutputBytes)).collect().asList()
                .map(LocalExec::result);
    }

    /**
     * Runs {@code bash -c} in the sandbox's project root (or {@code cwd} below it), streaming its output. Fails with
     * GONE when the sandbox is gone, CONFLICT while it is paused.
     */
    @Override
    public Multi<ExecEvent> exec(String sandboxId, ExecRequest request) {
        ProviderException invalid = ProviderException.ifNotPositive(request.timeout(), "command timeout");
        if (invalid != null) {
            return Multi.createFrom().failure(invalid);
        }
        return LocalExecStream.stream(() -> {
            Path dir = state.liveDir(sandboxId);
            return LocalExec.start(dir, isolation.enter(dir, state.runtimeDir()), request);
        }, request.timeout(), request.maxOutputBytes());
    }

    /** A loopback URL: the sandbox's processes listen on the service's host. */
    @Override
    public Uni<String> portUrl(String sandboxId, int port) {
        if (port < 1 || port > 65535) {
            return Uni.createFrom().failure(new ProviderException(Kind.BAD_REQUEST, "port must be 1-65535"));
        }
        return blocking(() -> {
            state.liveDir(sandboxId);
            return LocalState.url(port);
        });
    }

    @Override
    public Uni<Boolean> kill(String sandboxId) {
        if (!LocalState.isValidId(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return blocking(() -> LocalLifecycle.kill(state, processes, sandboxId));
    }

    @Override
    public Uni<Optional<SandboxInfo>> get(String sandboxId) {
        if (!LocalState.isValidId(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return blocking(() -> state.inspect(state.sandboxDir(sandboxId)));
    }

    @Override
    public Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter) {
        Map<String, String> filter = metadataFilter == null ? Map.of() : Map.copyOf(metadataFilter);
        return blocking(() -> state.list(filter));
    }

    @Override
    public Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!LocalState.isValidId(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return blocking(() -> state.extend(sandboxId, timeout));
    }

    /**
     * Stops (SIGSTOP) every process of the sandbox, its server and whatever its commands left running, and keeps its
     * directory. A paused local sandbox does not expire, so {@code keep} is not needed. While paused, file and exec
     * calls fail with CONFLICT.
     */
    @Override
    public Uni<Boolean> pause(String sandboxId, Duration keep) {
        if (!LocalState.isValidId(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return blocking(() -> LocalPause.pause(state, processes, sandboxId));
    }

    /** Continues (SIGCONT) every process of a paused sandbox with a new expiry; a running one is only extended. */
    @Override
    public Uni<Optional<SandboxInfo>> resume(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!LocalState.isValidId(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return blocking(() -> LocalPause.resume(state, processes, sandboxId, timeout));
    }

    /** As on a host without namespaces: for tests of the refusal and of unisolated commands. */
    void isolationUnavailable() {
        isolation.unavailable();
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
}
