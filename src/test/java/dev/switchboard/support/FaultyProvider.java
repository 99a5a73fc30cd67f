package dev.switchboard.support;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Singleton;
import jakarta.inject.Inject;

import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.local.LocalSandboxProvider;
import io.quarkus.arc.Unremovable;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The real local provider with faults on demand (a singleton, not a client proxy, so tests set its fields directly) ({@code switchboard.provider=faulty}): each operation can be made
 * to fail with a given provider error, to test what the pipeline does when a provider fails half way.
 */
@Singleton
@Identifier("faulty")
@Unremovable
public class FaultyProvider implements SandboxProvider {

    public final AtomicReference<ProviderException> createFault = new AtomicReference<>();
    public final AtomicReference<ProviderException> writeFault = new AtomicReference<>();
    public final AtomicReference<ProviderException> readFault = new AtomicReference<>();
    public final AtomicReference<ProviderException> killFault = new AtomicReference<>();
    /** Sandboxes whose files cannot be scanned (a save-back of them fails as if the provider could not be reached). */
    public final java.util.Set<String> unreadable = ConcurrentHashMap.newKeySet();
    /** Sandboxes that die (a concurrent kill) just before their next timeout extension. */
    public final java.util.Set<String> vanishOnExtend = ConcurrentHashMap.newKeySet();
    /** Kill calls per sandbox id, counted whether or not they succeed. */
    public final Map<String, AtomicInteger> killCalls = new ConcurrentHashMap<>();

    /** Holds one call until the test opens it; {@code entered} counts down when the call arrives. */
    public static final class Gate {
        public final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        public final java.util.concurrent.CompletableFuture<Void> open = new java.util.concurrent.CompletableFuture<>();
        final String sandboxId;

        Gate(String sandboxId) {
            this.sandboxId = sandboxId;
        }

        /** The call goes on, on the Vert.x context it came from. */
        <T> Uni<T> hold(java.util.function.Supplier<Uni<T>> call) {
            entered.countDown();
            io.vertx.core.Context ctx = io.vertx.core.Vertx.currentContext();
            Uni<Void> opened = Uni.createFrom().completionStage(open);
            if (ctx != null) {
                opened = opened.emitOn(r -> ctx.runOnContext(v -> r.run()));
            }
            return opened.chain(() -> call.get());
        }
    }

    /** Holds the next {@code get} of a sandbox id. */
    public final AtomicReference<Gate> getGate = new AtomicReference<>();
    /** Holds the next {@code writeFiles} (restore) of any sandbox. */
    public final AtomicReference<Gate> writeGate = new AtomicReference<>();

    public Gate holdNextGet(String sandboxId) {
        Gate g = new Gate(sandboxId);
        getGate.set(g);
        return g;
    }

    public Gate holdNextWrite() {
        Gate g = new Gate(null);
        writeGate.set(g);
        return g;
    }

    @Inject
    @Identifier("local")
    LocalSandboxProvider local;

    public void reset() {
        createFault.set(null);
        writeFault.set(null);
        readFault.set(null);
        killFault.set(null);
        killCalls.clear();
        unreadable.clear();
        vanishOnExtend.clear();
        java.util.Optional.ofNullable(getGate.getAndSet(null)).ifPresent(g -> g.open.complete(null));
        java.util.Optional.ofNullable(writeGate.getAndSet(null)).ifPresent(g -> g.open.complete(null));
    }

    @Override
    public String name() {
        return "faulty";
    }

    @Override
    public Uni<SandboxHandle> create(SandboxSpec spec) {
        return fail(createFault).chain(() -> local.create(spec));
    }

    @Override
    public Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files) {
        Gate g = writeGate.getAndSet(null);
        if (g != null) {
            return g.hold(() -> fail(writeFault).chain(() -> local.writeFiles(sandbox, files)));
        }
        return fail(writeFault).chain(() -> local.writeFiles(sandbox, files));
    }

    @Override
    public Uni<FileListing> listFiles(String sandboxId, ScanSpec scan) {
        if (unreadable.contains(sandboxId)) {
            return Uni.createFrom().failure(new ProviderException(ProviderException.Kind.TRANSIENT, "cannot reach " + sandboxId));
        }
        return fail(readFault).chain(() -> local.listFiles(sandboxId, scan));
    }

    @Override
    public Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        return fail(readFault).chain(() -> local.readFiles(sandboxId, paths, maxFileBytes, maxTotalBytes));
    }

    @Override
    public Uni<Boolean> kill(String sandboxId) {
        killCalls.computeIfAbsent(sandboxId, id -> new AtomicInteger()).incrementAndGet();
        return fail(killFault).chain(() -> local.kill(sandboxId));
    }

    @Override
    public Uni<Optional<SandboxInfo>> get(String sandboxId) {
        Gate g = getGate.get();
        if (g != null && g.sandboxId.equals(sandboxId) && getGate.compareAndSet(g, null)) {
            return g.hold(() -> local.get(sandboxId));
        }
        return local.get(sandboxId);
    }

    @Override
    public Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter) {
        return local.list(metadataFilter);
    }

    @Override
    public Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout) {
        if (vanishOnExtend.remove(sandboxId)) {
            return local.kill(sandboxId).chain(() -> local.extendTimeout(sandboxId, timeout));
        }
        return local.extendTimeout(sandboxId, timeout);
    }

    @Override
    public Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes) {
        return local.exec(sandboxId, command, timeout, maxOutputBytes);
    }

    @Override
    public Uni<List<DirEntry>> listDirectory(String sandboxId, String dir, int maxEntries) {
        return local.listDirectory(sandboxId, dir, maxEntries);
    }

    @Override
    public Uni<byte[]> readFile(String sandboxId, String path, long maxBytes) {
        return local.readFile(sandboxId, path, maxBytes);
    }

    @Override
    public Uni<Void> writeFile(String sandboxId, String path, byte[] content) {
        return local.writeFile(sandboxId, path, content);
    }

    @Override
    public Uni<Boolean> deleteFile(String sandboxId, String path) {
        return local.deleteFile(sandboxId, path);
    }

    @Override
    public Multi<ExecEvent> exec(String sandboxId, ExecRequest request) {
        return local.exec(sandboxId, request);
    }

    @Override
    public Uni<String> portUrl(String sandboxId, int port) {
        return local.portUrl(sandboxId, port);
    }

    private static Uni<Void> fail(AtomicReference<ProviderException> fault) {
        ProviderException e = fault.get();
        return e == null ? Uni.createFrom().voidItem() : Uni.createFrom().failure(e);
    }
}
