package dev.switchboard.provider;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.Metrics;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Counts every provider call by operation and outcome ({@code switchboard_provider_calls_total}), for any provider. */
final class MeteredSandboxProvider implements SandboxProvider {

    private final SandboxProvider delegate;

    MeteredSandboxProvider(SandboxProvider delegate) {
        this.delegate = delegate;
    }

    private <T> Uni<T> metered(String operation, Uni<T> call) {
        return call.onItemOrFailure().invoke((item, e) -> Metrics.counter("switchboard.provider.calls",
                "provider", delegate.name(), "operation", operation,
                "outcome", e == null ? "ok" : e instanceof ProviderException p ? p.kind().name().toLowerCase() : "failed")
                .increment());
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Uni<SandboxHandle> create(SandboxSpec spec) {
        return metered("create", delegate.create(spec));
    }

    @Override
    public Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files) {
        return metered("write-files", delegate.writeFiles(sandbox, files));
    }

    @Override
    public Uni<FileListing> listFiles(String sandboxId, ScanSpec scan) {
        return metered("list-files", delegate.listFiles(sandboxId, scan));
    }

    @Override
    public Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        return metered("read-files", delegate.readFiles(sandboxId, paths, maxFileBytes, maxTotalBytes));
    }

    @Override
    public Uni<Boolean> kill(String sandboxId) {
        return metered("kill", delegate.kill(sandboxId));
    }

    @Override
    public Uni<Optional<SandboxInfo>> get(String sandboxId) {
        return metered("get", delegate.get(sandboxId));
    }

    @Override
    public Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter) {
        return metered("list", delegate.list(metadataFilter));
    }

    @Override
    public Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout) {
        return metered("extend", delegate.extendTimeout(sandboxId, timeout));
    }

    @Override
    public Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes) {
        return metered("exec", delegate.exec(sandboxId, command, timeout, maxOutputBytes));
    }

    @Override
    public Uni<Boolean> pause(String sandboxId, Duration keep) {
        return metered("pause", delegate.pause(sandboxId, keep));
    }

    @Override
    public Uni<Optional<SandboxInfo>> resume(String sandboxId, Duration timeout) {
        return metered("resume", delegate.resume(sandboxId, timeout));
    }

    @Override
    public Uni<List<DirEntry>> listDirectory(String sandboxId, String dir, int maxEntries) {
        return metered("list-directory", delegate.listDirectory(sandboxId, dir, maxEntries));
    }

    @Override
    public Uni<byte[]> readFile(String sandboxId, String path, long maxBytes) {
        return metered("read-file", delegate.readFile(sandboxId, path, maxBytes));
    }

    @Override
    public Uni<Void> writeFile(String sandboxId, String path, byte[] content) {
        return metered("write-file", delegate.writeFile(sandboxId, path, content));
    }

    @Override
    public Uni<Boolean> deleteFile(String sandboxId, String path) {
        return metered("delete-file", delegate.deleteFile(sandboxId, path));
    }

    @Override
    public Multi<ExecEvent> exec(String sandboxId, ExecRequest request) {
        return delegate.exec(sandboxId, request).onTermination().invoke((e, cancelled) -> Metrics.counter(
                "switchboard.provider.calls", "provider", delegate.name(), "operation", "exec-stream",
                "outcome", cancelled ? "cancelled" : e == null ? "ok"
                        : e instanceof ProviderException p ? p.kind().name().toLowerCase() : "failed").increment());
    }

    @Override
    public Uni<String> portUrl(String sandboxId, int port) {
        return metered("port-url", delegate.portUrl(sandboxId, port));
    }
}
