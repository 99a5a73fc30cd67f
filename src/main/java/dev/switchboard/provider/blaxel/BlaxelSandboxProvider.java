package dev.switchboard.provider.blaxel;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

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
import dev.switchboard.provider.blaxel.BlaxelClient.CreateResult;
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
    /** Fresh names tried when the chosen one is taken (a tombstone, or a collision of random suffixes). */
    static final int MAX_NAME_ATTEMPTS = 5;
    /**
     * After an unconfirmed create, how long a 404 still means "not registered yet" rather than "never created": the
     * edge may answer 504 before Blaxel has stored the sandbox.
     */
    static final Duration NOT_FOUND_GRACE = Duration.ofSeconds(30);
    /** The port name of the sandbox URL's HTTP port in {@code spec.runtime.ports}. */
    static final String PORT_NAME = "http";

    private final SwitchboardConfig config;
    private final BlaxelConfig blaxel;
    private final Vertx vertx;
    private final BlaxelClient client;
    private final BlaxelDataClient data;
    private final BlaxelFiles files;
    private final BlaxelParking parking;
    private final BlaxelLiveFiles liveFiles;
    private final BlaxelExecStream execStream;
    private final BlaxelPreviews previews;
    private final WebClient web;
    private final HttpClient http;
    private final String root;
    private final SecureRandom random = new SecureRandom();

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
        return onCallerContext(Uni.createFrom().deferred(() -> createNamed(spec, 1)).map(this::handle));
    }

    private Uni<Sandbox> createNamed(SandboxSpec spec, int attempt) {
        if (attempt > MAX_NAME_ATTEMPTS) {
            return Uni.createFrom().failure(new ProviderException(Kind.CONFLICT,
                    "blaxel create: no free sandbox name after " + MAX_NAME_ATTEMPTS + " attempts"));
        }
        String name = BlaxelMapping.sandboxName(spec.metadata().get(SandboxMetadata.OWNER), BlaxelMapping.randomSuffix(random));
        Sandbox request;
        try {
            request = request(name, spec);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new ProviderException(Kind.BAD_REQUEST, e.getMessage(), null, e));
        }
        long started = System.nanoTime();
        long deadline = started + blaxel.createPollTimeout().toNanos();
        return client.create(request)
                .onFailure(BlaxelSandboxProvider::ambiguous).recoverWithUni(e -> recoverAmbiguous(request, spec, e, 1, started))
                .chain(result -> switch (result.status()) {
                    case CREATED -> awaitDeployed(name, spec, result.sandbox(), deadline, System.nanoTime());
                    case UNCONFIRMED -> {
                        LOG.infof("blaxel create of %s unconfirmed (edge timeout): waiting for it by name", name);
                        yield awaitDeployed(name, spec, null, deadline, System.nanoTime() + NOT_FOUND_GRACE.toNanos());
                    }
                    case NAME_TAKEN -> resolveTakenName(spec, name, attempt, deadline);
                });
    }

    /**
     * A timeout, a broken connection or a 502 on create: Blaxel may have acted. One look by name decides: ours means
     * it is kept; not there means the create is sent again under the same name, which cannot make a second sandbox
     * (Blaxel answers 409 for a taken name, and {@link #resolveTakenName} keeps it when it is ours). When the look
     * fails too, or the attempts or the create timeout are used up, the original failure is reported (a sandbox that lands later carries
     * our labels for the reconciler, and its ttl-idle policy deletes it anyway).
     */
    private Uni<CreateResult> recoverAmbiguous(Sandbox request, SandboxSpec spec, Throwable e, int tries, long started) {
        String name = request.metadata().name();
        return client.get(name)
                .onFailure().transform(lookupFailure -> e)
                .chain(found -> {
                    if (found.isPresent() && ours(found.get(), spec)) {
                        LOG.infof("blaxel create of %s failed (%s) but the sandbox exists: kept", name, e.getMessage());
                        return Uni.createFrom().item(new CreateResult(BlaxelClient.CreateStatus.CREATED, found.get()));
                    }
                    if (found.isPresent() || tries >= config.providerCalls().maxAttempts()
                            || System.nanoTime() - started >= config.providerCalls().createTimeout().toNanos()) {
                        return Uni.createFrom().failure(e);
                    }
                    LOG.infof("blaxel create of %s failed (%s) and made no sandbox: sent again", name, e.getMessage());
                    return client.create(request).onFailure(BlaxelSandboxProvider::ambiguous)
                            .recoverWithUni(again -> recoverAmbiguous(request, spec, again, tries + 1, started));
                });
    }

    /** A failure after which the create may or may not have happened: not a plain answer from Blaxel. */
    private static boolean ambiguous(Throwable e) {
        return e instanceof ProviderException p && p.ambiguous();
    }

    /**
     * 409 on the name. A tombstone (TERMINATED, FAILED) or a sandbox being deleted keeps the name for minutes, so a
     * new name is tried; while one is being deleted we first wait a poll interval, because its deletion frees quota
     * the new one may need. A sandbox carrying this very spec's labels is ours, from an attempt whose answer was lost.
     */
    private Uni<Sandbox> resolveTakenName(SandboxSpec spec, String name, int attempt, long deadline) {
        return client.get(name).chain(found -> {
            if (found.isEmpty()) {
                LOG.debugf("blaxel name %s was taken and is free again: trying a new name", name);
                return createNamed(spec, attempt + 1);
            }
            Sandbox existing = found.get();
            String status = existing.status() == null ? "" : existing.status();
            if (ours(existing, spec) && !BlaxelMapping.gone(status)) {
                LOG.infof("blaxel sandbox %s already exists and is ours: kept", name);
                return awaitDeployed(name, spec, existing, deadline, System.nanoTime());
            }
            LOG.infof("blaxel name %s is taken (status %s): trying a new name", name, status);
            if (status.equals("DELETING") || status.equals("TERMINATING")) {
                return delay(blaxel.createPollInterval()).chain(() -> createNamed(spec, attempt + 1));
            }
            return createNamed(spec, attempt + 1);
        });
    }

    private static boolean ours(Sandbox sandbox, SandboxSpec spec) {
        Map<String, String> metadata = BlaxelMapping.decodeLabels(sandbox.metadata() == null ? null : sandbox.metadata().labels());
        return !spec.metadata().isEmpty() && metadata.entrySet().containsAll(spec.metadata().entrySet());
    }

    /**
     * Polls {@code GET /sandboxes/{name}} every create-poll-interval until DEPLOYED, for at most create-poll-timeout.
     * A sandbox of ours that FAILED, never deploys or cannot be watched is deleted, so a failed create leaves nothing
     * billing; one that turns out not to be ours is never touched. Until {@code notFoundUntil} (a System.nanoTime()
     * value) a 404 means "not registered yet".
     */
    private Uni<Sandbox> awaitDeployed(String name, SandboxSpec spec, Sandbox last, long deadline, long notFoundUntil) {
        if (last != null) {
            if (!ours(last, spec)) {
                return Uni.createFrom().failure(new ProviderException(Kind.CONFLICT,
                        "blaxel sandbox " + name + " exists but was not created by this switch"));
            }
            String status = last.status() == null ? "" : last.status();
            if (status.equals("DEPLOYED")) {
                return Uni.createFrom().item(last);
            }
            if (status.equals("FAILED")) {
                return discard(name).chain(() -> Uni.createFrom().failure(new ProviderException(Kind.FAILED,
                        "blaxel sandbox " + name + " failed to deploy")));
            }
            if (BlaxelMapping.gone(status)) {
                return Uni.createFrom().failure(new ProviderException(Kind.GONE,
                        "blaxel sandbox " + name + " went " + status + " while deploying"));
            }
        }
        if (System.nanoTime() - deadline > 0) {
            return discard(name).chain(() -> Uni.createFrom().failure(new ProviderException(Kind.TRANSIENT,
                    "blaxel sandbox " + name + " did not deploy within " + blaxel.createPollTimeout().toSeconds() + " s")));
        }
        return delay(blaxel.createPollInterval())
                .chain(() -> client.get(name).onFailure().call(e -> discard(name)))
                .chain(found -> afterPoll(name, spec, found, deadline, notFoundUntil));
    }

    private Uni<Sandbox> afterPoll(String name, SandboxSpec spec, Optional<Sandbox> found, long deadline, long notFoundUntil) {
        if (found.isPresent()) {
            return awaitDeployed(name, spec, found.get(), deadline, notFoundUntil);
        }
        if (System.nanoTime() - notFoundUntil < 0) {
            return awaitDeployed(name, spec, null, deadline, notFoundUntil);
        }
        return Uni.createFrom().failure(new ProviderException(Kind.GONE, "blaxel sandbox " + name + " does not exist"));
    }

    /** Best-effort delete of a sandbox that will not be used; a failure is logged, the reconciler catches the rest. */
    private Uni<Void> discard(String name) {
        return client.delete(name).replaceWithVoid().onFailure().recoverWithUni(e -> {
            LOG.warnf("could not delete the unusable blaxel sandbox %s: %s", name, e.getMessage());
            return Uni.createFrom().voidItem();
        });
    }

    private Sandbox request(String name, SandboxSpec spec) {
        List<BlaxelModel.Env> envs = new TreeMap<>(spec.env()).entrySet().stream()
                .map(e -> new BlaxelModel.Env(e.getKey(), e.getValue())).toList();
        BlaxelModel.Runtime runtime = new BlaxelModel.Runtime(spec.imageOr(blaxel.image()),
                spec.runtime() != null && spec.runtime().memoryMb() != null ? spec.runtime().memoryMb() : blaxel.memory(),
                BlaxelMapping.ports(PORT_NAME, blaxel.port(), spec.runtime() == null ? List.of() : spec.runtime().ports()), envs);
        // Blaxel's own expiry is a safety net for when Switchboard is down, so it gets a margin past Switchboard's
        // limits: Switchboard's idle and TTL jobs must act first, because they save changed files before killing.
        BlaxelModel.Lifecycle lifecycle = new BlaxelModel.Lifecycle(List.of(
                new BlaxelModel.ExpirationPolicy("ttl-idle", BlaxelMapping.duration(safetyNetIdle()), "delete"),
                new BlaxelModel.ExpirationPolicy("ttl-max-age", BlaxelMapping.duration(safetyNetMaxAge()), "delete")));
        BlaxelModel.Metadata metadata = new BlaxelModel.Metadata(name, null, BlaxelMapping.encodeLabels(spec.metadata()),
                null, null, null);
        return new Sandbox(metadata, new BlaxelModel.Spec(blaxel.region().filter(r -> !r.isBlank()).orElse(null), runtime,
                lifecycle), null, null, null);
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

    private Uni<Void> delay(Duration d) {
        return Uni.createFrom().emitter(em -> vertx.setTimer(Math.max(1, d.toMillis()), id -> em.complete(null)));
    }

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
