package dev.switchboard.sandbox;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.Deployment;
import dev.switchboard.pool.Parking;
import dev.switchboard.pool.WarmPool;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import io.smallrye.mutiny.Uni;

/**
 * The switch's acquire step: the user's parked sandbox of the target (resumed, no restore needed), else a warm-pool
 * sandbox, else a new one. The claimed pool or parking record protects the sandbox until the switch has committed
 * ({@link #settle}) or given it up ({@link #abandon}).
 */
@ApplicationScoped
public class Launcher {

    /** Where the switch's sandbox came from; the switch histogram's {@code launch} tag. */
    public enum Kind {
        COLD,
        WARM,
        RESUMED;

        public String tag() {
            return name().toLowerCase();
        }
    }

    /** An acquired sandbox. */
    public record Launch(SandboxHandle sandbox, Kind kind) {
    }

    private final SandboxProvider provider;
    private final Parking parking;
    private final WarmPool pool;
    private final SandboxKiller killer;
    private final SandboxEvents events;
    private final Deployment deployment;

    public Launcher(SandboxProvider provider, Parking parking, WarmPool pool, SandboxKiller killer, SandboxEvents events,
            Deployment deployment) {
        this.deployment = deployment;
        this.provider = provider;
        this.parking = parking;
        this.pool = pool;
        this.killer = killer;
        this.events = events;
    }

    /**
     * Acquires a sandbox for {@code spec}. {@code resumable} names the project and fragment a parked sandbox must hold
     * to be resumed; null when no parked sandbox may be used (the fragment is known only after a save-back).
     */
    public Uni<Launch> acquire(String userId, UUID switchId, Resumable resumable, SandboxSpec spec) {
        // With parking off no lookup is made (one database round trip less on every switch); parked sandboxes left
        // from when it was on are not resumed and go at their parked TTL.
        Uni<Parking.Resumed> resumed = resumable == null || !parking.enabled()
                ? Uni.createFrom().item(new Parking.Resumed(Optional.empty(), null))
                : parking.resume(userId, resumable.projectId(), resumable.fragmentId(), switchId, spec.timeout());
        return resumed.chain(r -> {
            Uni<Void> dropStale = r.stale() == null ? Uni.createFrom().voidItem()
                    : killer.killUnreferenced(r.stale().sandboxId(), userId, "parked-stale").replaceWithVoid();
            if (r.sandbox().isPresent()) {
                return dropStale.replaceWith(new Launch(r.sandbox().get(), Kind.RESUMED));
            }
            Uni<Launch> launch = pool.claim(spec.template(), switchId, spec.timeout()).chain(warm -> warm.isPresent()
                    ? Uni.createFrom().item(new Launch(warm.get(), Kind.WARM))
                    : deployment.id().chain(d -> provider.create(spec.withMetadata(SandboxMetadata.DEPLOYMENT, d)))
                            .map(h -> new Launch(h, Kind.COLD)));
            // The stale one is killed beside the launch, off the critical path.
            return Uni.combine().all().unis(dropStale, launch).asTuple().map(t -> t.getItem2());
        });
    }

    /** The project and fragment a parked sandbox must hold to be resumed (the fragment null: the project has none). */
    public record Resumable(UUID projectId, UUID fragmentId) {
    }

    /** The user's record names the sandbox now: its pool or parking record is no longer needed. Never fails. */
    public Uni<Void> settle(Launch launch) {
        return forget(launch);
    }

    /** The switch failed or was overtaken: kills the sandbox (queued for a retry if that fails). Never fails. */
    public Uni<Void> abandon(Launch launch, String userId) {
        return killer.killUnreferenced(launch.sandbox().id(), userId, "failed-switch").chain(() -> forget(launch));
    }

    /** The audit event of the acquisition. */
    public Uni<Void> recordEvent(String userId, Launch launch, String detail) {
        String type = switch (launch.kind()) {
            case COLD -> "created";
            case WARM -> "pool-claimed";
            case RESUMED -> "resumed";
        };
        return events.record(userId, launch.sandbox().id(), type, null, detail, provider.name());
    }

    private Uni<Void> forget(Launch launch) {
        Uni<Void> forgotten = switch (launch.kind()) {
            case COLD -> Uni.createFrom().voidItem();
            case WARM -> pool.done(launch.sandbox().id());
            // A failure leaves a stale claim, released by the reconciler's tidy-up.
            case RESUMED -> parking.done(launch.sandbox().id());
        };
        return forgotten.onFailure().recoverWithNull();
    }
}
