package dev.switchboard.lifecycle;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Contexts;
import dev.switchboard.common.DatabaseOutage;
import dev.switchboard.common.JobGate;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.lifecycle.LifecycleRepository.Sweep;
import dev.switchboard.pool.Parking;
import dev.switchboard.pool.WarmPool;
import dev.switchboard.sandbox.SandboxKiller;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The scheduled lifecycle jobs. Each returns {@code Uni<Void>}, never overlaps itself on one replica, and is safe
 * beside the same job on other replicas (row claims with SKIP LOCKED, or the reconciler's advisory lock).
 */
@ApplicationScoped
@Startup // registers the live-sandbox gauge before the first scrape
public class LifecycleJobs {

    private static final Logger LOG = Logger.getLogger(LifecycleJobs.class);

    private final SandboxSweeper sweeper;
    private final KeepAliveJob keepAlive;
    private final ReconcileJob reconcile;
    private final WarmPool pool;
    private final Parking parking;
    private final SandboxKiller killer;
    private final SwitchboardConfig config;
    private final Vertx vertx;
    private final Pool db;
    private final JobGate gate;
    private final AtomicLong live = new AtomicLong();

    public LifecycleJobs(SandboxSweeper sweeper, KeepAliveJob keepAlive, ReconcileJob reconcile, WarmPool pool,
            Parking parking, SandboxKiller killer, SwitchboardConfig config, Vertx vertx, Pool db, JobGate gate) {
        this.gate = gate;
        this.pool = pool;
        this.parking = parking;
        this.killer = killer;
        this.sweeper = sweeper;
        this.keepAlive = keepAlive;
        this.reconcile = reconcile;
        this.config = config;
        this.vertx = vertx;
        this.db = db;
        Gauge.builder("switchboard.sandboxes.live", live, AtomicLong::get)
                .description("Users with a live sandbox, as of the last TTL sweep").register(Metrics.globalRegistry);
    }

    @Scheduled(identity = "ttl-expiry", every = "${switchboard.jobs.expiry-every:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> expiry() {
        return timed("ttl-expiry", () -> expireNow().chain(this::expireParkedNow).chain(this::countLive));
    }

    @Scheduled(identity = "warm-pool", every = "${switchboard.pool.refill-every:15s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> warmPool() {
        return timed("warm-pool", this::refillPoolNow);
    }

    /** Warm pool: recycles old pool sandboxes and creates what each template's pool lacks. */
    public Uni<Void> refillPoolNow() {
        return pool.sizes().isEmpty() ? Uni.createFrom().voidItem() : Contexts.onDuplicatedContext(vertx, pool::refill);
    }

    /**
     * Parked sandboxes past {@code switchboard.switch.parked-ttl} are killed; their files were saved when they were
     * parked. Each is taken out of the table by one statement, so one replica kills it.
     */
    public Uni<Void> expireParkedNow() {
        return Contexts.onDuplicatedContext(vertx, () -> parking.takeExpired(config.jobs().batchSize())
                .chain(expired -> Multi.createFrom().iterable(expired)
                        .onItem().transformToUniAndMerge(p -> killer.killUnreferenced(p.sandboxId(), p.userId(), "parked-ttl"))
                        .collect().asList().replaceWithVoid()));
    }

    /** Refreshes the live-sandbox gauge; every replica does it, so each one's scrape is current. */
    Uni<Void> countLive() {
        return db.query("SELECT count(*) FROM users WHERE active_sandbox_id IS NOT NULL").execute()
                .invoke(rows -> live.set(rows.iterator().next().getLong(0))).replaceWithVoid();
    }

    @Scheduled(identity = "idle-cleanup", every = "${switchboard.jobs.idle-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> idle() {
        return timed("idle-cleanup", this::cleanIdleNow);
    }

    @Scheduled(identity = "keep-alive", every = "${switchboard.jobs.keepalive-every:60s}", delayed = "15s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> keepAlive() {
        return timed("keep-alive", keepAlive::run);
    }

    @Scheduled(identity = "reconcile", every = "${switchboard.jobs.reconcile-every:60s}", delayed = "${switchboard.jobs.reconcile-every:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reconcile() {
        return timed("reconcile", reconcile::run);
    }

    /** TTL: kills sandboxes past {@code switchboard.sandbox.max-age}. */
    public Uni<Void> expireNow() {
        return Contexts.onDuplicatedContext(vertx, () -> sweeper.sweep(Sweep.TTL, Instant.now()).replaceWithVoid());
    }

    /** Idle: kills sandboxes unused for {@code switchboard.sandbox.idle-timeout}. */
    public Uni<Void> cleanIdleNow() {
        return Contexts.onDuplicatedContext(vertx,
                () -> sweeper.sweep(Sweep.IDLE, Instant.now().minus(config.sandbox().idleTimeout())).replaceWithVoid());
    }

    private Uni<Void> timed(String job, Supplier<Uni<Void>> run) {
        if (!config.jobs().enabled()) {
            return Uni.createFrom().voidItem();
        }
        Timer.Sample sample = Timer.start(Metrics.globalRegistry);
        return gate.guard(run, null)
                .onFailure().recoverWithUni(e -> {
                    if (gate.stopping()) {
                        // Abandoned at shutdown (the pool closed under it): the next replica's run picks it up.
                        LOG.debugf("job %s abandoned at shutdown: %s", job, e.getMessage());
                    } else if (DatabaseOutage.is(e)) {
                        DatabaseOutage.warn("job " + job, e);
                    } else {
                        LOG.errorf("job %s failed: %s", job, e.getMessage());
                    }
                    return Uni.createFrom().voidItem();
                })
                .onTermination().invoke(() -> sample.stop(Timer.builder("switchboard.job").tag("job", job)
                        .description("Duration of lifecycle job runs").register(Metrics.globalRegistry)));
    }
}
