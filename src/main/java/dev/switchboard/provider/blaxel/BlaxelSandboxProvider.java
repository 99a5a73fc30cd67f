package dev.switchboard.provider.blaxel;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.provider.blaxel.BlaxelModel.Sandbox;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Sandboxes on Blaxel (https://blaxel.ai): named sandboxes on the control plane, files and commands through each
 * sandbox's own sandbox-api. Built only when {@code switchboard.provider=blaxel}.
 */
@Singleton
@Identifier("blaxel")
public class BlaxelSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(BlaxelSandboxProvider.class);

    static final String NAME = "blaxel";

    private final SwitchboardConfig config;
    private final BlaxelConfig blaxel;
    private final Vertx vertx;
    private final BlaxelClient client;
    private final BlaxelDataClient data;
    private final BlaxelFiles files;
    private final BlaxelParking parking;
    private final BlaxelCreates creates;
    private final BlaxelLiveFiles liveFiles;
    private final BlaxelExecStream execStream;
    private final BlaxelPreviews previews;
    private final WebClient web;
    private final HttpClient http;
    private final String root;

    @Inject
    public BlaxelSandboxProvider(SwitchboardConfig config, BlaxelConfig blaxel, Vertx vertx,
            io.vertx.mutiny.core.Vertx mutinyVertx, ObjectMapper json) {
        this.config = config;
        this.blaxel = blaxel;
        this.vertx = vertx;
        // Fails fast, before any client is built, when the key is missing.
        BlaxelClient.headers(blaxel);
        this.client = new BlaxelClient(config, blaxel, vertx, json);
        Duration callTimeout = config.providerCalls().callTimeout();
        this.web = WebClient.create(mutinyVertx, new WebClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis()))
                .setFollowRedirects(false)
                .setUserAgent("switchboard"));
        this.data = new BlaxelDataClient(web, client.calls(), client.headers(), client::fetch, json, callTimeout);
        // Downloads stream into a file, which the web client's buffered bodies cannot do.
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis())));
        this.files = new BlaxelFiles(data, client.calls(), client.headers(), vertx, http);
        this.root = BlaxelMapping.normalizeRoot(blaxel.projectRoot());
        this.parking = new BlaxelParking(client, data, json, this::url, root,
                new BlaxelParking.Expiry(config.sandbox().expiryMargin(), safetyNetIdle(), safetyNetMaxAge()));
        this.creates = new BlaxelCreates(config, blaxel, client, vertx, safetyNetIdle(), safetyNetMaxAge());
        this.liveFiles = new BlaxelLiveFiles(data, client.calls(), client.headers(), http, json, callTimeout);
        this.execStream = new BlaxelExecStream(data, client.calls(), client.headers(), http, json, vertx, callTimeout);
        this.previews = new BlaxelPreviews(web, client.calls(), client.headers(), blaxel.apiUrl(), json, callTimeout);
        LOG.infof("Blaxel provider: %s, workspace %s", blaxel.apiUrl(), blaxel.workspace().orElse("(key default)"));
    }

    @PreDestroy
    void close() {
        client.close();
        web.close();
        http.close();
    }

    /** The guard of every call to Blaxel (tests look at its breakers). */
    ProviderCalls calls() {
        return client.calls();
    }

    @Override
    public String name() {
        return NAME;
    }

    // ---- create ----

    @Override
    public Uni<SandboxHandle> create(SandboxSpec spec) {
        return onCallerContext(Uni.createFrom().deferred(() -> creates.create(spec)).map(this::handle));
    }

    private SandboxHandle handle(Sandbox sandbox) {
        SandboxInfo info = info(sandbox, SandboxInfo.State.RUNNING);
        return new SandboxHandle(info.id(), info.url(), info.mcpServerUrl(), info.createdAt(), info.expiresAt(), null);
    }

    private Optional<SandboxInfo> liveInfo(Sandbox sandbox) {
        return BlaxelMapping.liveState(sandbox.status(), sandbox.state()).map(state -> info(sandbox, state));
    }

    private SandboxInfo info(Sandbox sandbox, SandboxInfo.State state) {
        BlaxelModel.Metadata m = sandbox.metadata();
        String name = m.name();
        String url = url(sandbox);
        Instant createdAt = Optional.ofNullable(BlaxelMapping.parseInstant(m.createdAt())).orElseGet(Instant::now);
        return new SandboxInfo(name, url, url + "/mcp", state, createdAt, createdAt.plus(config.sandbox().maxAge()),
                BlaxelMapping.decodeLabels(m.labels()));
    }

    /** {@code metadata.url}, or the SDK's fallback form when Blaxel left it out. */
    private String url(Sandbox sandbox) {
        BlaxelModel.Metadata m = sandbox.metadata();
        if (m.url() != null && !m.url().isBlank()) {
            return m.url().endsWith("/") ? m.url().substring(0, m.url().length() - 1) : m.url();
        }
        String workspace = m.workspace() != null ? m.workspace() : blaxel.workspace().orElse("");
        return "https://run.blaxel.ai/" + workspace + "/sandboxes/" + m.name();
    }

    // ---- data plane ----

    @Override
    public Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files) {
        if (files.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Uni<String> url = sandbox.url() != null ? Uni.createFrom().item(sandbox.url()) : liveUrl(sandbox.id());
        return onCallerContext(url.chain(u -> this.files.write(sandbox.id(), u, root, files,
                blaxel.treeWriteBytes().asLongValue())));
    }

    @Override
    public Uni<FileListing> listFiles(String sandboxId, ScanSpec scan) {
        return onCallerContext(liveUrl(sandboxId).chain(url -> files.list(sandboxId, url, root, scan)));
    }

    @Override
    public Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        if (paths.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return onCallerContext(liveUrl(sandboxId).chain(url -> files.read(sandboxId, url, root, paths, maxFileBytes,
                maxTotalBytes)));
    }

    @Override
    public Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "command timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        return onCallerContext(liveUrl(sandboxId).chain(url -> data.exec(sandboxId, url, root, command, timeout, maxOutputBytes)));
    }

    // ---- the live sandbox's files and commands ----

    @Override
    public Uni<List<DirEntry>> listDirectory(String sandboxId, String dir, int maxEntries) {
        return onCallerContext(liveUrl(sandboxId).chain(url -> liveFiles.list(sandboxId, url, root, dir == null ? "" : dir,
                maxEntries)));
    }

    @Override
    public Uni<byte[]> readFile(String sandboxId, String path, long maxBytes) {
        return onCallerContext(liveUrl(sandboxId).chain(url -> liveFiles.read(sandboxId, url, root, path, maxBytes)));
    }

    @Override
    public Uni<Void> writeFile(String sandboxId, String path, byte[] content) {
        return onCallerContext(liveUrl(sandboxId).chain(url -> liveFiles.write(sandboxId, url, root, path, content)));
    }

    @Override
    public Uni<Boolean> deleteFile(String sandboxId, String path) {
        return onCallerContext(liveUrl(sandboxId).chain(url -> liveFiles.delete(sandboxId, url, root, path)));
    }

    @Override
    public Multi<ExecEvent> exec(String sandboxId, ExecRequest request) {
        ProviderException invalid = ProviderException.ifNotPositive(request.timeout(), "command timeout");
        if (invalid != null) {
            return Multi.createFrom().failure(invalid);
        }
        // Blaxel sandboxes start without the project root; a command in it must not fail for that (E2B makes it at create).
        return liveUrl(sandboxId).call(url -> request.cwd().isEmpty() ? data.makeDirectory(sandboxId, url, root)
                : Uni.createFrom().voidItem())
                .onItem().transformToMulti(url -> execStream.exec(sandboxId, url, root, request));
    }

    /** A public preview of the port, made on first use and reused after (see {@link BlaxelPreviews}). */
    @Override
    public Uni<String> portUrl(String sandboxId, int port) {
        return onCallerContext(liveUrl(sandboxId).chain(url -> previews.url(sandboxId, port)));
    }

    /** The data-plane URL of a live sandbox, else GONE. */
    private Uni<String> liveUrl(String sandboxId) {
        if (!BlaxelMapping.validName(sandboxId)) {
            return Uni.createFrom().failure(new ProviderException(Kind.GONE, "not a blaxel sandbox: " + sandboxId));
        }
        return client.get(sandboxId).map(found -> found.filter(s -> !BlaxelMapping.gone(s.status())).map(this::url)
                .orElseThrow(() -> new ProviderException(Kind.GONE, "blaxel sandbox " + sandboxId + " is gone")));
    }

    // ---- control plane ----

    @Override
    public Uni<Boolean> kill(String sandboxId) {
        if (!BlaxelMapping.validName(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return client.delete(sandboxId).invoke(() -> client.calls().forget(sandboxId));
    }

    @Override
    public Uni<Optional<SandboxInfo>> get(String sandboxId) {
        if (!BlaxelMapping.validName(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return client.get(sandboxId).map(found -> found.flatMap(this::liveInfo));
    }

    /** Blaxel has no filter by label, so the workspace is listed and filtered here, on the decoded labels. */
    @Override
    public Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter) {
        Map<String, String> filter = metadataFilter == null ? Map.of() : Map.copyOf(metadataFilter);
        return client.list().map(all -> all.stream()
                .filter(s -> s.metadata() != null && s.metadata().name() != null)
                .map(this::liveInfo)
                .flatMap(Optional::stream)
                .filter(i -> "true".equals(i.metadata().get(SandboxMetadata.MANAGED))
                        && i.metadata().entrySet().containsAll(filter.entrySet()))
                .sorted(Comparator.comparing(SandboxInfo::createdAt).thenComparing(SandboxInfo::id))
                .toList());
    }

    /** Twice Switchboard's idle timeout, and at least five minutes more. */
    Duration safetyNetIdle() {
        Duration idle = config.sandbox().idleTimeout();
        Duration doubled = idle.multipliedBy(2);
        Duration plusFive = idle.plusMinutes(5);
        return doubled.compareTo(plusFive) > 0 ? doubled : plusFive;
    }

    /** Switchboard's max age plus ten minutes (two TTL sweeps' worth of slack and more), or the expiry margin if longer. */
    Duration safetyNetMaxAge() {
        Duration margin = config.sandbox().expiryMargin();
        return config.sandbox().maxAge().plus(margin.compareTo(Duration.ofMinutes(10)) > 0 ? margin : Duration.ofMinutes(10));
    }

    /**
     * Blaxel has no timeout call: its ttl-idle policy restarts with every data-plane request and ttl-max-age is fixed
     * at create. So extending means one cheap data-plane request, which restarts the idle clock, then reporting the
     * sandbox as it is (empty when gone).
     */
    @Override
    public Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        return onCallerContext(liveUrl(sandboxId).chain(url -> data.touch(sandboxId, url, root)))
                .onFailure(e -> e instanceof ProviderException p && p.kind() == Kind.GONE).recoverWithNull()
                .chain(() -> get(sandboxId));
    }

    /**
     * Blaxel has no pause call: an idle sandbox goes to standby by itself. Parking it means keeping it that long (see
     * {@link BlaxelParking}); false when it is gone.
     */
    @Override
    public Uni<Boolean> pause(String sandboxId, Duration keep) {
        ProviderException invalid = ProviderException.ifNotPositive(keep, "parking time");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!BlaxelMapping.validName(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return onCallerContext(parking.pause(sandboxId, keep));
    }

    /** Sets the sandbox's expiry back to a running one's and wakes it (see {@link BlaxelParking}); empty when gone. */
    @Override
    public Uni<Optional<SandboxInfo>> resume(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!BlaxelMapping.validName(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return onCallerContext(parking.resume(sandboxId, timeout)
                .map(woken -> woken.map(sandbox -> info(sandbox, SandboxInfo.State.RUNNING))));
    }

    // ---- Vert.x plumbing ----

    /**
     * Delivers the outcome of a multi-step call on the caller's Vert.x context (Hibernate Reactive callers need it),
     * whatever thread the last step (a timer, a merge of parallel requests) completed on.
     */
    private static <T> Uni<T> onCallerContext(Uni<T> uni) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            return context == null ? uni : uni.emitOn(r -> context.runOnContext(v -> r.run()));
        });
    }
}
