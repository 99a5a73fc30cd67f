package dev.switchboard.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.pool.ParkedRepository.ParkedSandbox;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxProvider;
import io.smallrye.mutiny.Uni;

/**
 * Parked sandboxes ({@code switchboard.switch.park=pause}): a sandbox the user switched away from, paused after its
 * files were saved back, and resumed instead of create + restore when the user switches back to the same fragment.
 * This class pauses, resumes and keeps the records; it never kills: what it takes out of the table comes back to the
 * caller, who kills it with the right reason and audit trail.
 */
@ApplicationScoped
public class Parking {

    private static final Logger LOG = Logger.getLogger(Parking.class);

    /** What parking did: whether the sandbox is parked, and the parked sandboxes it displaced (to be killed). */
    public record Parked(boolean parked, List<ParkedSandbox> displaced) {
    }

    /** What a resume attempt did: the sandbox running again, or a stale parked one to kill (or neither). */
    public record Resumed(Optional<SandboxHandle> sandbox, ParkedSandbox stale) {
        static final Resumed NONE = new Resumed(Optional.empty(), null);
    }

    private final ParkedRepository repo;
    private final SandboxProvider provider;
    private final SwitchboardConfig config;

    public Parking(ParkedRepository repo, SandboxProvider provider, SwitchboardConfig config) {
        this.repo = repo;
        this.provider = provider;
        this.config = config;
    }

    /** Whether switching away pauses the old sandbox instead of killing it. */
    public boolean enabled() {
        return config.switching().park() == SwitchboardConfig.Switch.Park.PAUSE && config.switching().parkedPerUser() > 0;
    }

    /**
     * Pauses the user's old sandbox, whose files are saved and which holds {@code fragmentId} of the project, and
     * records it; then keeps the user within {@code parked-per-user}. Not parked (false) when the provider cannot
     * pause it: the caller kills it as usual. Never fails.
     */
    public Uni<Parked> park(String userId, String sandboxId, UUID projectId, UUID fragmentId, String template, Instant createdAt) {
        Duration keep = config.switching().parkedTtl().plus(config.sandbox().expiryMargin());
        return provider.pause(sandboxId, keep)
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("could not pause sandbox %s, killing it instead: %s", sandboxId, e.getMessage());
                    return false;
                })
                .chain(paused -> {
                    if (!paused) {
                        return Uni.createFrom().item(new Parked(false, List.of()));
                    }
                    ParkedSandbox row = new ParkedSandbox(sandboxId, userId, projectId, fragmentId, provider.name(), template,
                            createdAt != null ? createdAt : Instant.now(), null, null);
                    return repo.insert(row).chain(replaced -> repo.takeBeyond(userId, config.switching().parkedPerUser())
                            .map(evicted -> new Parked(true, concat(replaced, evicted))));
                })
                .onFailure().recoverWithItem(e -> {
                    // Paused but not recorded: the caller kills it, so it cannot linger unaccounted for.
                    LOG.warnf("could not record parked sandbox %s, killing it instead: %s", sandboxId, e.getMessage());
                    return new Parked(false, List.of());
                });
    }

    /**
     * Resumes the user's parked sandbox of the project if it holds {@code fragmentId} (null: the project has no
     * fragment), with the provider timeout {@code timeout}. The claimed row stays, protecting the sandbox from the
     * reconciler, until the switch calls {@link #done}. A parked sandbox holding another fragment (the project moved
     * on) is taken out and answered as stale. Never fails.
     */
    public Uni<Resumed> resume(String userId, UUID projectId, UUID fragmentId, UUID switchId, Duration timeout) {
        if (projectId == null) {
            return Uni.createFrom().item(Resumed.NONE);
        }
        return repo.claim(userId, projectId, switchId).chain(row -> {
            if (row.isEmpty()) {
                return Uni.createFrom().item(Resumed.NONE);
            }
            ParkedSandbox p = row.get();
            if (!Objects.equals(p.fragmentId(), fragmentId)) {
                LOG.infof("parked sandbox %s holds fragment %s, not %s: not resumed", p.sandboxId(), p.fragmentId(), fragmentId);
                return repo.remove(p.sandboxId()).replaceWith(new Resumed(Optional.empty(), p));
            }
            return provider.resume(p.sandboxId(), timeout)
                    .onFailure().recoverWithItem(e -> {
                        LOG.warnf("could not resume parked sandbox %s: %s", p.sandboxId(), e.getMessage());
                        return Optional.empty();
                    })
                    .chain(info -> {
                        if (info.isEmpty()) {
                            return repo.remove(p.sandboxId()).replaceWith(new Resumed(Optional.empty(), p));
                        }
                        // A resumed sandbox starts a new run: its TTL counts from now.
                        return Uni.createFrom().item(new Resumed(Optional.of(new SandboxHandle(p.sandboxId(),
                                info.get().url(), info.get().mcpServerUrl(), Instant.now(), info.get().expiresAt(), null)), null));
                    });
        }).onFailure().recoverWithItem(e -> {
            LOG.warnf("could not look up a parked sandbox of %s: %s", userId, e.getMessage());
            return Resumed.NONE;
        });
    }

    /** The switch that resumed the sandbox is done with the record (the user's record names it, or it was killed). */
    public Uni<Void> done(String sandboxId) {
        return repo.remove(sandboxId);
    }

    /** Takes sandboxes parked for longer than {@code parked-ttl}, at most {@code limit}; the caller kills them. */
    public Uni<List<ParkedSandbox>> takeExpired(int limit) {
        return repo.takeExpired(Instant.now().minus(config.switching().parkedTtl()), limit);
    }

    /** Takes all of the user's parked sandboxes; the caller kills them. */
    public Uni<List<ParkedSandbox>> takeAll(String userId) {
        return repo.takeAll(userId);
    }

    /** The given users' parked sandboxes, by user, newest first. */
    public Uni<List<ParkedSandbox>> list(List<String> userIds) {
        return userIds.isEmpty() ? Uni.createFrom().item(List.of()) : repo.list(userIds);
    }

    /** Releases claims of switches that died, and forgets parked rows whose sandbox the provider no longer lists. */
    public Uni<List<String>> tidy(List<String> listed, Instant cutoff) {
        return repo.releaseStaleClaims(Instant.now().minus(config.jobs().staleSwitch()))
                .chain(() -> repo.forgetMissing(listed, cutoff));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
