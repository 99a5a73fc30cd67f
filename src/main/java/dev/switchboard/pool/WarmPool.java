package dev.switchboard.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Contexts;
import dev.switchboard.common.Deployment;
import dev.switchboard.common.Instance;
import dev.switchboard.common.JobLock;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.pool.PoolRepository.PoolSandbox;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.Templates;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The warm pool: sandboxes created ahead per template with {@code pool} metadata and no owner, each recorded in
 * {@code pool_sandboxes}. A switch claims one atomically instead of creating; a claim triggers a refill. Unclaimed
 * ones are recycled before their provider timeout. Refills run on one replica at a time (advisory lock).
 */
@ApplicationScoped
public class WarmPool {

    private static final Logger LOG = Logger.getLogger(WarmPool.class);
    /** Claim attempts when the claimed sandbox turns out gone. */
    private static final int CLAIM_ATTEMPTS = 3;

    private final PoolRepository repo;
    private final SandboxProvider provider;
    private final SwitchboardConfig config;
    private final Instance instance;
    private final Deployment deployment;
    private final JobLock lock;
    private final Vertx vertx;
    private final Templates templates;
    private final AtomicLong ready = new AtomicLong();
    private final AtomicLong claimed = new AtomicLong();
    private final Counter hits;
    private final Counter misses;

    public WarmPool(PoolRepository repo, SandboxProvider provider, SwitchboardConfig config, Instance instance, Deployment deployment,
            JobLock lock, Vertx vertx, Templates templates) {
        this.templates = templates;
        this.deployment = deployment;
        this.repo = repo;
        this.provider = provider;
        this.config = config;
        this.instance = instance;
        this.lock = lock;
        this.vertx = vertx;
        Gauge.builder("switchboard.pool.sandboxes", ready, AtomicLong::get).tag("state", "ready")
                .description("Warm-pool sandboxes, as of the last refill").register(Metrics.globalRegistry);
        Gauge.builder("switchboard.pool.sandboxes", claimed, AtomicLong::get).tag("state", "claimed")
                .description("Warm-pool sandboxes, as of the last refill").register(Metrics.globalRegistry);
        hits = Counter.builder("switchboard.pool.claims").tag("result", "hit")
                .description("Switches that asked the warm pool for a sandbox").register(Metrics.globalRegistry);
        misses = Counter.builder("switchboard.pool.claims").tag("result", "miss")
                .description("Switches that asked the warm pool for a sandbox").register(Metrics.globalRegistry);
    }

    /** The pool key of a template name: the name, or "" for the provider's default. */
    public static String key(String template) {
        return template == null ? "" : template;
    }

    /** Target size of the template's pool; 0 when it has none. */
    public int size(String template) {
        String key = key(template);
        var perTemplate = config.pool().templates().get(key);
        if (perTemplate != null) {
            return perTemplate.size();
        }
        return key.equals(key(config.sandbox().template().orElse(null))) ? config.pool().size() : 0;
    }

    /** Every template with a pool, and its size. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new TreeMap<>();
        String def = key(config.sandbox().template().orElse(null));
        if (config.pool().size() > 0) {
            sizes.put(def, config.pool().size());
        }
        config.pool().templates().forEach((name, t) -> sizes.put(name, t.size()));
        sizes.values().removeIf(n -> n <= 0);
        return sizes;
    }

    /**
     * Claims a ready sandbox of the template for a switch and moves its provider timeout to {@code timeout}; empty on
     * a miss (no pool for the template, or none ready). The claimed row stays, protecting the sandbox from the
     * reconciler, until the switch calls {@link #done}. Never fails: any trouble is a miss.
     */
    public Uni<Optional<SandboxHandle>> claim(String template, UUID switchId, Duration timeout) {
        if (size(template) <= 0) {
            return Uni.createFrom().item(Optional.empty());
        }
        return claim(key(template), switchId, timeout, CLAIM_ATTEMPTS).invoke(h -> {
            (h.isPresent() ? hits : misses).increment();
            refillSoon();
        }).onFailure().recoverWithItem(e -> {
            LOG.warnf("warm-pool claim failed, creating instead: %s", e.getMessage());
            misses.increment();
            return Optional.empty();
        });
    }

    private Uni<Optional<SandboxHandle>> claim(String key, UUID switchId, Duration timeout, int attempts) {
        // A sandbox that expires at the provider within the margin is left to the recycler.
        Instant usableUntil = Instant.now().plus(config.sandbox().expiryMargin());
        return repo.claim(provider.name(), key, switchId, usableUntil).chain(row -> {
            if (row.isEmpty()) {
                LOG.debugf("warm-pool miss for switch %s: no ready sandbox of template '%s'", switchId, key);
                return Uni.createFrom().item(Optional.<SandboxHandle> empty());
            }
            PoolSandbox p = row.get();
            // A failed call (timeout, provider trouble) says nothing about the sandbox: it goes back to the pool and
            // the switch creates instead. Only a sandbox the provider reports gone is dropped.
            return provider.extendTimeout(p.sandboxId(), timeout)
                    .onFailure().call(e -> {
                        LOG.warnf("could not extend warm-pool sandbox %s, leaving it in the pool: %s", p.sandboxId(),
                                e.getMessage());
                        return repo.release(p.sandboxId(), switchId);
                    })
                    .chain(info -> {
                        if (info.isPresent()) {
                            // The TTL counts from the claim: the user gets a whole sandbox lifetime.
                            return Uni.createFrom().item(Optional.of(new SandboxHandle(p.sandboxId(),
                                    info.get().url() != null ? info.get().url() : p.url(),
                                    info.get().mcpServerUrl() != null ? info.get().mcpServerUrl() : p.mcpUrl(),
                                    Instant.now(), info.get().expiresAt(), null)));
                        }
                        LOG.infof("warm-pool sandbox %s is gone or unusable; dropping it", p.sandboxId());
                        Uni<Void> drop = provider.kill(p.sandboxId()).replaceWithVoid().onFailure().recoverWithNull()
                                .chain(() -> repo.remove(p.sandboxId()));
                        return attempts > 1 ? drop.chain(() -> claim(key, switchId, timeout, attempts - 1))
                                : drop.replaceWith(Optional.<SandboxHandle> empty());
                    });
        });
    }

    /** The switch that claimed the sandbox is done with it (the user's record names it now, or it was killed). */
    public Uni<Void> done(String sandboxId) {
        return repo.remove(sandboxId);
    }

    /** Starts a refill in the background; skipped if one is running on any replica. */
    public void refillSoon() {
        if (!config.jobs().enabled() || sizes().isEmpty()) {
            return;
        }
        Contexts.onDuplicatedContext(vertx, this::refill).subscribe().with(v -> {
        }, e -> LOG.warnf("warm-pool refill failed: %s", e.getMessage()));
    }

    /**
     * One pool run, on one replica at a time: recycles sandboxes past {@code switchboard.pool.max-age} or close to
     * their provider timeout, drops claims whose switch died, and creates what each template lacks.
     */
    public Uni<Void> refill() {
        return lock.run("warm-pool", () -> {
            Instant now = Instant.now();
            Duration stale = config.jobs().staleSwitch();
            return repo.dropStaleClaims(now.minus(stale))
                    .chain(() -> recycle(now))
                    .chain(() -> repo.counts(provider.name()))
                    .chain(counts -> Multi.createFrom().iterable(deficits(counts).entrySet())
                            .onItem().transformToUni(e -> createFor(e.getKey(), e.getValue()))
                            .merge(1).collect().asList())
                    .chain(() -> repo.counts(provider.name()))
                    .invoke(counts -> {
                        ready.set(counts.ready().values().stream().mapToInt(Integer::intValue).sum());
                        claimed.set(counts.claimed().values().stream().mapToInt(Integer::intValue).sum());
                    })
                    .replaceWithVoid();
        }).replaceWithVoid();
    }

    private Map<String, Integer> deficits(PoolRepository.Counts counts) {
        Map<String, Integer> deficits = new HashMap<>();
        sizes().forEach((template, size) -> {
            int missing = size - counts.ready(template);
            if (missing > 0) {
                deficits.put(template, missing);
            }
        });
        return deficits;
    }

    /** Kills and forgets ready sandboxes that are too old or about to expire at the provider. */
    private Uni<Void> recycle(Instant now) {
        Instant createdBefore = now.minus(config.pool().maxAge());
        Instant expiringBefore = now.plus(config.sandbox().expiryMargin());
        return repo.takeRecyclable(provider.name(), createdBefore, expiringBefore, config.jobs().batchSize()).chain(rows -> {
            if (rows.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            LOG.infof("recycling %d warm-pool sandboxes", rows.size());
            // A kill that fails leaves an unreferenced sandbox with pool metadata: the reconciler kills it later.
            return Multi.createFrom().iterable(rows)
                    .onItem().transformToUniAndMerge(p -> provider.kill(p.sandboxId())
                            .onFailure().recoverWithItem(e -> {
                                LOG.warnf("could not kill recycled warm-pool sandbox %s: %s", p.sandboxId(), e.getMessage());
                                return false;
                            }))
                    .collect().asList().replaceWithVoid();
        });
    }

    private Uni<List<Boolean>> createFor(String template, int count) {
        return Multi.createFrom().range(0, count)
                .onItem().transformToUni(i -> createOne(template))
                .merge(Math.max(1, config.pool().createConcurrency()))
                .collect().asList();
    }

    private Uni<Boolean> createOne(String template) {
        Map<String, String> metadata = new HashMap<>();
        metadata.put(SandboxMetadata.MANAGED, "true");
        // Some providers refuse empty metadata values; the provider's default template is "default" there.
        metadata.put(SandboxMetadata.POOL, template.isEmpty() ? "default" : template);
        metadata.put(SandboxMetadata.INSTANCE, instance.id());
        // The create's own key: after an ambiguous failure the provider looks the sandbox up by it (never two).
        metadata.put(SandboxMetadata.SWITCH, "pool-" + UUID.randomUUID());
        // A pool left behind (crash, scale-down) expires by itself; the recycler replaces sandboxes before that.
        Duration timeout = config.pool().maxAge().plus(config.sandbox().expiryMargin());
        SandboxSpec spec = templates.apply(new SandboxSpec(template.isEmpty() ? null : template, timeout, metadata, Map.of()));
        return deployment.id().chain(d -> provider.create(spec.withMetadata(SandboxMetadata.DEPLOYMENT, d)))
                .chain(h -> repo.insert(new PoolSandbox(h.id(), provider.name(), template, h.url(), h.mcpServerUrl(),
                        h.createdAt() != null ? h.createdAt() : Instant.now(),
                        h.expiresAt() != null ? h.expiresAt() : Instant.now().plus(timeout), null))
                        .onFailure().call(e -> provider.kill(h.id()).onFailure().recoverWithNull()))
                .replaceWith(true)
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("could not create a warm-pool sandbox for template '%s': %s", template, e.getMessage());
                    return false;
                });
    }

    /** Every pool sandbox (admin view). */
    public Uni<List<PoolSandbox>> list() {
        return repo.all();
    }

    /** Forgets ready pool rows whose sandbox the provider no longer lists (reconciler). */
    public Uni<List<String>> forgetMissing(List<String> listed, Instant createdBefore) {
        return repo.forgetMissing(provider.name(), listed, createdBefore);
    }
}
