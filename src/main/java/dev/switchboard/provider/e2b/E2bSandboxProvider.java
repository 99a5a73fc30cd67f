package dev.switchboard.provider.e2b;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
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
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Sandboxes on E2B (https://e2b.dev): the control plane through {@link E2bClient}, files and commands through envd
 * ({@link E2bEnvdClient}). One {@link ProviderCalls} guards them: one breaker for the control plane, one per sandbox
 * for the data plane.
 */
@Singleton
@Identifier("e2b")
public class E2bSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(E2bSandboxProvider.class);

    static final String NAME = "e2b";
    private final E2bConfig config;
    private final ProviderCalls calls;
    private final E2bClient api;
    private final E2bCreates creates;
    private final E2bEnvdClient envd;
    private final E2bFiles files;
    private final E2bLiveFiles liveFiles;
    private final E2bExecStream execStream;
    private final E2bKnownSandboxes known;

    @Inject
    public E2bSandboxProvider(SwitchboardConfig config, E2bConfig e2b, Vertx vertx, ObjectMapper json) {
        this.config = e2b;
        String apiKey = apiKey(this.config);
        this.calls = new ProviderCalls(NAME, config.providerCalls());
        this.api = new E2bClient(this.config.apiUrl(), apiKey, calls, json, config.providerCalls().callTimeout(),
                config.providerCalls().createTimeout());
        this.creates = new E2bCreates(api, config.providerCalls().maxAttempts(), config.providerCalls().createTimeout());
        WebClientOptions options = new WebClientOptions()
                .setUserAgent("switchboard")
                .setDecompressionSupported(true)
                .setConnectTimeout(10_000)
                .setMaxPoolSize(32);
        // The core client carries the archive downloads, which are cut off at their cap mid-stream.
        HttpClientOptions downloads = new HttpClientOptions().setConnectTimeout(10_000).setMaxPoolSize(8);
        this.envd = new E2bEnvdClient(WebClient.create(io.vertx.mutiny.core.Vertx.newInstance(vertx), options),
                vertx.createHttpClient(downloads), calls, json, config.providerCalls().callTimeout(), this.config.envdUrl(),
                this.config.uploadBatchFiles(), this.config.uploadBatchBytes().asLongValue());
        this.files = new E2bFiles(envd, vertx, this.config.projectRoot(), this.config.uploadBatchFiles(),
                this.config.uploadBatchBytes().asLongValue());
        this.liveFiles = new E2bLiveFiles(envd, calls, json, this.config.projectRoot());
        this.execStream = new E2bExecStream(envd, calls, json, vertx, this.config.projectRoot());
        this.known = new E2bKnownSandboxes(api, calls, this.config.domain());
        LOG.infof("E2B provider: control plane %s, data plane %s", this.config.apiUrl(),
                this.config.envdUrl().orElse("https://49983-<sandbox>." + this.config.domain()));
    }

    /**
     * Refuses to start the service when E2B is the selected provider and has no key; a static observer, so it runs
     * without constructing the provider when another one is selected.
     */
    static void checkAtStartup(@Observes StartupEvent event, SwitchboardConfig config, E2bConfig e2b) {
        if (NAME.equals(config.provider().strip().toLowerCase(Locale.ROOT))) {
            apiKey(e2b);
            checkLifetime(config, e2b);
        }
    }

    /**
     * E2B ends a sandbox at the plan's lifetime whatever Switchboard asks; the TTL sweep must come first, with the
     * margin, or it finds the sandbox gone and its files unsaved (invariant 3).
     */
    static void checkLifetime(SwitchboardConfig config, E2bConfig e2b) {
        Duration needed = config.sandbox().maxAge().plus(config.sandbox().expiryMargin());
        // A warm-pool sandbox's TTL counts from its claim, but E2B counts its lifetime from its creation.
        boolean pool = config.pool().size() > 0 || config.pool().templates().values().stream().anyMatch(t -> t.size() > 0);
        Duration poolAge = pool ? config.pool().maxAge() : Duration.ZERO;
        if (e2b.maxLifetime().compareTo(needed.plus(poolAge)) < 0) {
            throw new IllegalStateException("switchboard.e2b.max-lifetime (" + e2b.maxLifetime()
                    + ", the E2B plan's sandbox lifetime) must be at least switchboard.sandbox.max-age ("
                    + config.sandbox().maxAge() + ") plus switchboard.sandbox.expiry-margin ("
                    + config.sandbox().expiryMargin() + ")" + (pool ? " plus switchboard.pool.max-age (" + poolAge + ")" : "")
                    + ": lower max-age (e.g. 55m on E2B Hobby) or raise max-lifetime to your plan's (24h on Pro)");
        }
    }

    private static String apiKey(E2bConfig config) {
        return config.apiKey().map(String::strip).filter(k -> !k.isEmpty())
                .orElseThrow(() -> new IllegalStateException(
                        "switchboard.provider is 'e2b' but switchboard.e2b.api-key (E2B_API_KEY) is not set"));
    }

    @PreDestroy
    void close() {
        try {
            api.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the E2B REST client: %s", e.getMessage());
        }
        envd.close();
    }

    /** The guard of all E2B calls (its breakers' states are what operators and tests look at). */
    ProviderCalls calls() {
        return calls;
    }

    @Override
    public String name() {
        return NAME;
    }

    // ---- control plane ----

    @Override
    public Uni<SandboxHandle> create(SandboxSpec spec) {
        ProviderException invalid = ProviderException.ifNotPositive(spec.timeout(), "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        long timeout = E2bMapping.createTimeoutSeconds(spec.timeout(), config.maxLifetime());
        String template = spec.imageOr(config.template());
        // Always an explicit timeout: without it E2B's v1 default of 15 s applies. secure=true makes the answer carry
        // the envd access token; autoPause=false because Switchboard itself decides when sandboxes end.
        E2bDtos.NewSandbox body = new E2bDtos.NewSandbox(template, timeout, false, true, spec.metadata(), spec.env());
        return creates.create(body).chain(created -> {
            Instant now = Instant.now();
            String id = created.sandboxID();
            if (!E2bMapping.isValidId(id)) {
                return Uni.createFrom().failure(new ProviderException(Kind.FAILED, "e2b create answered an invalid sandbox id"));
            }
            E2bKnownSandboxes.Known k = known.created(id, created.envdAccessToken(), created.domain(), now);
            SandboxHandle handle = new SandboxHandle(id, E2bMapping.sandboxUrl(config.port(), id, k.domain()), null, now,
                    now.plusSeconds(timeout), created.envdAccessToken());
            return ready(E2bKnownSandboxes.target(id, k)).replaceWith(handle);
        });
    }

    /**
     * Waits for envd to answer and creates the project root, so the first write does not race the boot and commands
     * of an empty project have a directory to run in. Best effort: the sandbox exists either way, and a failure here
     * shows up, typed, on the first real data-plane call, which the switch pipeline knows how to clean up after.
     */
    private Uni<Void> ready(E2bEnvdClient.Target target) {
        return envd.health(target)
                .chain(() -> envd.makeDir(target, config.projectRoot()))
                .onFailure().recoverWithUni(e -> {
                    LOG.debugf("e2b sandbox %s not confirmed ready: %s", target.sandboxId(), e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    @Override
    public Uni<Optional<SandboxInfo>> get(String sandboxId) {
        if (!E2bMapping.isPathSafe(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return api.get(sandboxId).map(detail -> {
            if (detail.isEmpty()) {
                known.forget(sandboxId);
            }
            return detail.map(known::remember).map(this::info);
        });
    }

    @Override
    public Uni<Boolean> kill(String sandboxId) {
        if (!E2bMapping.isPathSafe(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return api.kill(sandboxId).invoke(() -> known.forget(sandboxId));
    }

    @Override
    public Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter) {
        Map<String, String> filter = metadataFilter == null || metadataFilter.isEmpty()
                ? Map.of(SandboxMetadata.MANAGED, "true")
                : metadataFilter;
        return api.list(filter).map(items -> items.stream()
                .filter(s -> E2bMapping.isValidId(s.sandboxID()))
                // The server filters already; checking again keeps a lax or older API from leaking others' sandboxes.
                .filter(s -> s.metadata() != null && s.metadata().entrySet().containsAll(filter.entrySet()))
                .map(this::info)
                .toList());
    }

    @Override
    public Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!E2bMapping.isPathSafe(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return startedAt(sandboxId).chain(started -> {
            if (started.isEmpty()) {
                return Uni.createFrom().item(Optional.<SandboxInfo> empty());
            }
            long seconds = E2bMapping.extendSeconds(timeout, config.maxLifetime(), started.get(), Instant.now());
            if (seconds <= 0) {
                // The plan's lifetime is used up: E2B would answer 400, and the sandbox ends at its current expiry.
                return get(sandboxId);
            }
            // Whatever the answer, the sandbox's state comes from a GET: E2B may have clamped the timeout silently,
            // "max instance length exceeded" leaves the expiry as it was, and a 404 may be a paused sandbox, which
            // is alive and does not expire while paused.
            return api.setTimeout(sandboxId, seconds).chain(change -> get(sandboxId));
        });
    }

    /** When the sandbox started, which bounds its lifetime; empty when it is gone. */
    private Uni<Optional<Instant>> startedAt(String sandboxId) {
        E2bKnownSandboxes.Known k = known.get(sandboxId);
        if (k != null && k.startedAt() != null) {
            return Uni.createFrom().item(Optional.of(k.startedAt()));
        }
        return api.get(sandboxId).map(detail -> detail.map(known::remember).map(d -> {
            Instant started = E2bMapping.parseTime(d.startedAt());
            return started != null ? started : Instant.now();
        }));
    }

    @Override
    public Uni<Boolean> pause(String sandboxId, Duration keep) {
        if (!E2bMapping.isPathSafe(sandboxId)) {
            return Uni.createFrom().item(false);
        }
        return api.pause(sandboxId);
    }

    @Override
    public Uni<Optional<SandboxInfo>> resume(String sandboxId, Duration timeout) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "sandbox timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        if (!E2bMapping.isPathSafe(sandboxId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return api.connect(sandboxId, E2bMapping.createTimeoutSeconds(timeout, config.maxLifetime())).chain(connected -> {
            if (connected.isEmpty()) {
                known.forget(sandboxId);
                return Uni.createFrom().item(Optional.<SandboxInfo> empty());
            }
            // A resumed sandbox starts a new run; its start time (and lifetime) come from the next GET.
            known.drop(sandboxId);
            return get(sandboxId);
        });
    }

    // ---- data plane ----

    @Override
    public Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files) {
        if (files.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return known.target(sandbox).chain(t -> this.files.write(t, files));
    }

    @Override
    public Uni<FileListing> listFiles(String sandboxId, ScanSpec scan) {
        return known.target(sandboxId).chain(t -> files.list(t, scan));
    }

    @Override
    public Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        if (paths.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return known.target(sandboxId).chain(t -> files.read(t, paths, maxFileBytes, maxTotalBytes));
    }

    @Override
    public Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes) {
        ProviderException invalid = ProviderException.ifNotPositive(timeout, "command timeout");
        if (invalid != null) {
            return Uni.createFrom().failure(invalid);
        }
        return known.target(sandboxId).chain(t -> envd.exec(t, command, config.projectRoot(), timeout, maxOutputBytes));
    }

    // ---- the live sandbox's files and commands ----

    @Override
    public Uni<List<DirEntry>> listDirectory(String sandboxId, String dir, int maxEntries) {
        return known.target(sandboxId).chain(t -> liveFiles.list(t, dir == null ? "" : dir, maxEntries));
    }

    @Override
    public Uni<byte[]> readFile(String sandboxId, String path, long maxBytes) {
        return known.target(sandboxId).chain(t -> liveFiles.read(t, path, maxBytes));
    }

    @Override
    public Uni<Void> writeFile(String sandboxId, String path, byte[] content) {
        return known.target(sandboxId).chain(t -> liveFiles.write(t, path, content));
    }

    @Override
    public Uni<Boolean> deleteFile(String sandboxId, String path) {
        return known.target(sandboxId).chain(t -> liveFiles.delete(t, path));
    }

    @Override
    public Multi<ExecEvent> exec(String sandboxId, ExecRequest request) {
        ProviderException invalid = ProviderException.ifNotPositive(request.timeout(), "command timeout");
        if (invalid != null) {
            return Multi.createFrom().failure(invalid);
        }
        return known.target(sandboxId).onItem().transformToMulti(t -> execStream.exec(t, request));
    }

    /** {@code https://<port>-<id>.<domain>}, for a sandbox the control plane still has (running or paused). */
    @Override
    public Uni<String> portUrl(String sandboxId, int port) {
        if (!E2bMapping.isValidId(sandboxId)) {
            return Uni.createFrom().failure(E2bKnownSandboxes.gone(String.valueOf(sandboxId)));
        }
        return api.get(sandboxId).map(detail -> detail.map(known::remember)
                .map(d -> E2bMapping.sandboxUrl(port, sandboxId, known.domainOf(d.domain())))
                .orElseThrow(() -> {
                    known.forget(sandboxId);
                    return E2bKnownSandboxes.gone(sandboxId);
                }));
    }

    // ---- mapping ----

    private SandboxInfo info(E2bDtos.SandboxDetail d) {
        SandboxInfo.State state = "paused".equalsIgnoreCase(d.state()) ? SandboxInfo.State.PAUSED : SandboxInfo.State.RUNNING;
        return new SandboxInfo(d.sandboxID(), E2bMapping.sandboxUrl(config.port(), d.sandboxID(), known.domainOf(d.domain())), null, state,
                E2bMapping.parseTime(d.startedAt()), E2bMapping.parseTime(d.endAt()), d.metadata());
    }

}
