package dev.switchboard.sandbox;

import java.util.Objects;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.pool.Parking;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.SandboxKiller.Outcome;
import dev.switchboard.sandbox.SandboxStateRepository.Previous;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The switch's kill-old step, run only once the old sandbox's files are saved: with {@code park=pause} and a switch to
 * another project, the old sandbox is paused and parked (the oldest parked ones beyond the limit are killed); else,
 * or when the provider cannot pause it, it is killed.
 */
@ApplicationScoped
public class Retirer {

    private static final Outcome NOTHING = new Outcome(null, SandboxKiller.Result.ALREADY_GONE, null);

    private final Parking parking;
    private final SandboxKiller killer;
    private final SandboxEvents events;
    private final SandboxProvider provider;

    public Retirer(Parking parking, SandboxKiller killer, SandboxEvents events, SandboxProvider provider) {
        this.parking = parking;
        this.killer = killer;
        this.events = events;
        this.provider = provider;
    }

    /** Retires the user's old sandbox {@code prev} on a switch to {@code targetProject}; {@code saved} is its save-back. */
    public Uni<Outcome> retire(String userId, Previous prev, SaveBackSummary saved, UUID targetProject) {
        if (!prev.hasSandbox()) {
            return Uni.createFrom().item(NOTHING);
        }
        if (!parking.enabled() || prev.projectId() == null || Objects.equals(prev.projectId(), targetProject)) {
            return killer.kill(prev.sandboxId(), userId, "switch");
        }
        // What the sandbox holds now: the fragment its save-back stored, else the one it already held.
        UUID holds = saved != null && saved.fragmentId() != null ? saved.fragmentId() : prev.fragmentId();
        return parking.park(userId, prev.sandboxId(), prev.projectId(), holds, null, null).chain(p -> {
            Uni<Void> displaced = Multi.createFrom().iterable(p.displaced())
                    .onItem().transformToUniAndMerge(d -> killer.killUnreferenced(d.sandboxId(), userId, "parked-limit"))
                    .collect().asList().replaceWithVoid();
            if (!p.parked()) {
                return displaced.chain(() -> killer.kill(prev.sandboxId(), userId, "switch"));
            }
            return displaced
                    .chain(() -> events.record(userId, prev.sandboxId(), "parked", null,
                            "project " + prev.projectId() + ", fragment " + holds, provider.name()))
                    .replaceWith(new Outcome(prev.sandboxId(), SandboxKiller.Result.PARKED, null));
        });
    }
}
