package dev.switchboard.lifecycle;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Contexts;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.lifecycle.LifecycleRepository.LiveSandbox;
import dev.switchboard.sandbox.SandboxService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Keep-alive: a sandbox used within the idle window is extended at the provider before the provider's own timeout
 * would kill it, never past its TTL. A user who keeps working never loses the sandbox to the provider's clock.
 */
@ApplicationScoped
public class KeepAliveJob {

    private static final Logger LOG = Logger.getLogger(KeepAliveJob.class);

    private final LifecycleRepository repo;
    private final SandboxService sandboxes;
    private final SwitchboardConfig config;
    private final Vertx vertx;

    public KeepAliveJob(LifecycleRepository repo, SandboxService sandboxes, SwitchboardConfig config, Vertx vertx) {
        this.repo = repo;
        this.sandboxes = sandboxes;
        this.config = config;
        this.vertx = vertx;
    }

    /** One run: extends every due sandbox, in batches. Answers how many were extended. */
    public Uni<Void> run() {
        return runCounting().replaceWithVoid();
    }

    public Uni<Integer> runCounting() {
        return Contexts.onDuplicatedContext(vertx, this::runBatches);
    }

    private Uni<Integer> runBatches() {
        // Two intervals of headroom: a sandbox is extended at least one run before the provider would kill it.
        Instant leaseUntil = Instant.now().plus(config.jobs().keepaliveEvery().multipliedBy(2));
        Instant usedAfter = Instant.now().minus(config.sandbox().idleTimeout());
        int batch = config.jobs().batchSize();
        return repo.leaseForKeepAlive(usedAfter, leaseUntil, batch).chain(due -> extend(due)
                .chain(n -> due.size() < batch ? Uni.createFrom().item(n) : runBatches().map(more -> n + more)));
    }

    private Uni<Integer> extend(List<LiveSandbox> due) {
        return Multi.createFrom().iterable(due)
                .onItem().transformToUni(s -> sandboxes.extendWithinTtl(s.userId(), s.sandboxId(), s.expiresAt())
                        .map(e -> e == SandboxService.Extension.EXTENDED ? 1 : 0)
                        .onFailure().recoverWithItem(e -> {
                            LOG.warnf("keep-alive of %s failed: %s", s.sandboxId(), e.getMessage());
                            return 0;
                        })).merge(4)
                .collect().asList()
                .map(results -> results.stream().mapToInt(Integer::intValue).sum());
    }
}
