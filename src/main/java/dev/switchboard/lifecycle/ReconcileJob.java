package dev.switchboard.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.switchboard.common.Contexts;
import dev.switchboard.common.JobLock;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.lifecycle.LifecycleRepository.LiveSandbox;
import dev.switchboard.pool.Parking;
import dev.switchboard.pool.WarmPool;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.DeploymentScope;
import dev.switchboard.sandbox.SandboxKiller;
import dev.switchboard.sandbox.SandboxService;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Reconciliation (invariants 2 and 5), one replica at a time (advisory lock): kills provider sandboxes of this
 * deployment ({@link DeploymentScope}) that the database does not reference once older than the grace period, clears pointers
 * to sandboxes the provider no longer has, and retries failed kills. Also runs once at start-up.
 */
@ApplicationScoped
public class ReconcileJob {

    private static final Logger LOG = Logger.getLogger(ReconcileJob.class);

    /** What one run did. */
    public record Report(int orphansKilled, int pointersCleared, int pendingKillsDone) {
    }

    private final LifecycleRepository repo;
    private final SandboxProvider provider;
    private final SandboxKiller killer;
    private final SandboxService sandboxes;
    private final SwitchboardConfig config;
    private final Vertx vertx;
    private final JobLock jobLock;
    private final WarmPool pool;
    private final Parking parking;
    private final DeploymentScope scope;

    public ReconcileJob(LifecycleRepository repo, SandboxProvider provider, SandboxKiller killer, SandboxService sandboxes,
            SwitchboardConfig config, Vertx vertx, JobLock jobLock, WarmPool pool, Parking parking, DeploymentScope scope) {
        this.scope = scope;
        this.jobLock = jobLock;
        this.pool = pool;
        this.parking = parking;
        this.repo = repo;
        this.provider = provider;
        this.killer = killer;
        this.sandboxes = sandboxes;
        this.config = config;
        this.vertx = vertx;
    }

    void atStartup(@Observes StartupEvent event) {
        if (config.jobs().enabled() && config.reconcile().atStartup()) {
            // Not awaited: start-up must not wait on the provider.
            run().subscribe().with(v -> LOG.debug("start-up reconciliation done"),
                    e -> LOG.warnf("start-up reconciliation failed: %s", e.getMessage()));
        }
    }

    public Uni<Void> run() {
        return runReporting().replaceWithVoid();
    }

    /** One run; a null report means another replica was reconciling. */
    public Uni<Report> runReporting() {
        return Contexts.onDuplicatedContext(vertx, () -> {
            Report[] report = new Report[1];
            return jobLock.run("reconcile", () -> reconcile().invoke(r -> report[0] = r).replaceWithVoid())
                    .map(ran -> ran ? report[0] : null);
        });
    }

    private Uni<Report> reconcile() {
        Instant graceCutoff = Instant.now().minus(config.reconcile().grace());
        Instant stale = LifecycleRepository.ago(config.jobs().staleSwitch());
        return retryPendingKills().chain(done -> provider.list(Map.of(SandboxMetadata.MANAGED, "true")).chain(listed -> {
            Map<String, SandboxInfo> byId = new HashMap<>();
            listed.forEach(s -> byId.put(s.id(), s));
            List<String> ids = List.copyOf(byId.keySet());
            return killOrphans(listed, graceCutoff, stale)
                    .call(() -> pool.forgetMissing(ids, graceCutoff).invoke(gone -> logForgotten("warm-pool", gone)))
                    .call(() -> parking.tidy(ids, graceCutoff).invoke(gone -> logForgotten("parked", gone)))
                    .chain(orphans -> clearDeadPointers(byId.keySet(), graceCutoff)
                            .map(cleared -> new Report(orphans, cleared, done)));
        })).invoke(r -> {
            if (r.orphansKilled() + r.pointersCleared() + r.pendingKillsDone() > 0) {
                LOG.infof("reconciliation: %d orphans killed, %d dead pointers cleared, %d failed kills retried",
                        r.orphansKilled(), r.pointersCleared(), r.pendingKillsDone());
            }
        });
    }

    private static void logForgotten(String what, List<String> ids) {
        if (!ids.isEmpty()) {
            LOG.infof("reconciliation: %s sandboxes %s are gone at the provider; forgotten", what, ids);
        }
    }

    private Uni<Integer> killOrphans(List<SandboxInfo> listed, Instant graceCutoff, Instant stale) {
        List<String> ids = listed.stream().map(SandboxInfo::id).toList();
        return repo.referenced(ids).chain(referenced -> {
            Set<String> known = new HashSet<>(referenced);
            List<SandboxInfo> suspects = listed.stream()
                    .filter(s -> !known.contains(s.id()))
                    // Young sandboxes may belong to a switch that has not committed yet.
                    .filter(s -> s.createdAt() == null || s.createdAt().isBefore(graceCutoff))
                    .toList();
            // Another deployment's sandboxes (same provider account) are never orphans of this one.
            return scope.ours(suspects).chain(mine -> Multi.createFrom().iterable(mine)
                    .onItem().transformToUniAndConcatenate(s -> repo.switchInFlight(s.metadata().get(SandboxMetadata.SWITCH), stale)
                            .chain(inFlight -> inFlight ? Uni.createFrom().item(0)
                                    : killer.killUnreferenced(s.id(), s.metadata().get(SandboxMetadata.OWNER), "orphan")
                                            .map(o -> o.gone() ? 1 : 0)))
                    .collect().asList()
                    .map(r -> r.stream().mapToInt(Integer::intValue).sum()));
        });
    }

    /** Pointers to sandboxes the provider did not list, confirmed one by one with the provider before clearing. */
    private Uni<Integer> clearDeadPointers(Set<String> listed, Instant graceCutoff) {
        return clearDeadPointersFrom("", listed, graceCutoff);
    }

    private Uni<Integer> clearDeadPointersFrom(String after, Set<String> listed, Instant graceCutoff) {
        int page = 500;
        return repo.livePage(after, page).chain(rows -> {
            if (rows.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            List<LiveSandbox> suspects = new ArrayList<>();
            for (LiveSandbox s : rows) {
                if (!listed.contains(s.sandboxId()) && (s.createdAt() == null || s.createdAt().isBefore(graceCutoff))) {
                    suspects.add(s);
                }
            }
            Uni<Integer> cleared = Multi.createFrom().iterable(suspects)
                    .onItem().transformToUniAndConcatenate(s -> provider.get(s.sandboxId())
                            .chain(info -> info.isPresent() ? Uni.createFrom().item(0)
                                    : sandboxes.clearGone(s.userId(), s.sandboxId(), "reconciler").map(c -> c ? 1 : 0)))
                    .collect().asList().map(r -> r.stream().mapToInt(Integer::intValue).sum());
            String last = rows.get(rows.size() - 1).sandboxId();
            return cleared.chain(n -> rows.size() < page ? Uni.createFrom().item(n)
                    : clearDeadPointersFrom(last, listed, graceCutoff).map(more -> n + more));
        });
    }

    /** Retries kills that failed earlier, unless the sandbox is referenced again (then it is not ours to kill). */
    private Uni<Integer> retryPendingKills() {
        return repo.pendingKills(config.jobs().batchSize()).chain(pending -> {
            List<String> ids = pending.stream().map(LifecycleRepository.PendingKill::sandboxId).toList();
            return repo.referenced(ids).chain(referenced -> Multi.createFrom().iterable(pending)
                    .onItem().transformToUniAndConcatenate(p -> referenced.contains(p.sandboxId())
                            ? repo.pendingKillDone(p.sandboxId()).replaceWith(0)
                            : killer.killUnreferenced(p.sandboxId(), p.userId(), p.reason())
                                    .chain(o -> o.gone() ? repo.pendingKillDone(p.sandboxId()).replaceWith(1)
                                            : Uni.createFrom().item(0)))
                    .collect().asList()
                    .map(r -> r.stream().mapToInt(Integer::intValue).sum()));
        });
    }
}
