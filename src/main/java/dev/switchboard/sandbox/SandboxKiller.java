package dev.switchboard.sandbox;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.DatabaseOutage;

import dev.switchboard.provider.SandboxProvider;
import io.smallrye.mutiny.Uni;

/** Kills sandboxes without ever failing the caller: a kill that fails is reported and queued for the reconciler. */
@ApplicationScoped
public class SandboxKiller {

    private static final Logger LOG = Logger.getLogger(SandboxKiller.class);

    /** How a kill ended. */
    public record Outcome(String sandboxId, Result result, String error) {
        public boolean gone() {
            return result != Result.FAILED;
        }
    }

    public enum Result {
        KILLED,
        ALREADY_GONE,
        FAILED,
        /** Not killed but paused and parked (switch with {@code park=pause}): gone from the user's record all the same. */
        PARKED
    }

    private final SandboxProvider provider;
    private final SandboxStateRepository state;
    private final SandboxEvents events;

    public SandboxKiller(SandboxProvider provider, SandboxStateRepository state, SandboxEvents events) {
        this.provider = provider;
        this.state = state;
        this.events = events;
    }

    /** Kills; never fails. Does not queue a retry: the caller decides whether the sandbox is still referenced. */
    public Uni<Outcome> kill(String sandboxId, String userId, String reason) {
        return provider.kill(sandboxId)
                .map(killed -> new Outcome(sandboxId, killed ? Result.KILLED : Result.ALREADY_GONE, null))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("kill of sandbox %s (%s) failed: %s", sandboxId, reason, e.getMessage());
                    return new Outcome(sandboxId, Result.FAILED, String.valueOf(e.getMessage()));
                })
                .invoke(o -> LOG.debugf("kill %s (%s): %s", sandboxId, reason, o.result()))
                .call(o -> switch (o.result()) {
                    case KILLED -> events.record(userId, sandboxId, "killed", reason, null, provider.name());
                    case ALREADY_GONE -> events.record(userId, sandboxId, "killed", reason, "already gone", provider.name());
                    case FAILED -> events.record(userId, sandboxId, "kill-failed", reason, o.error(), provider.name());
                    case PARKED -> Uni.createFrom().voidItem();
                });
    }

    /** Kills an unreferenced sandbox; if the kill fails, queues it for the reconciler. Never fails. */
    public Uni<Outcome> killUnreferenced(String sandboxId, String userId, String reason) {
        return kill(sandboxId, userId, reason).call(o -> o.gone() ? Uni.createFrom().voidItem()
                : queue(o, userId, reason));
    }

    /** Queues a failed kill; never fails (a lost queue entry is still found by the reconciler's metadata scan). */
    public Uni<Void> queue(Outcome o, String userId, String reason) {
        return state.recordPendingKill(o.sandboxId(), provider.name(), userId, reason, o.error())
                .onFailure().recoverWithUni(e -> {
                    if (DatabaseOutage.is(e)) {
                        // The reconciler's metadata scan finds it once the database is back.
                        DatabaseOutage.warn("queueing the failed kill of " + o.sandboxId(), e);
                    } else {
                        LOG.errorf("could not queue the failed kill of %s: %s", o.sandboxId(), e.getMessage());
                    }
                    return Uni.createFrom().voidItem();
                });
    }
}
