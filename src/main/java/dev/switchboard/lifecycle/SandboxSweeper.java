package dev.switchboard.lifecycle;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.lifecycle.LifecycleRepository.LiveSandbox;
import dev.switchboard.lifecycle.LifecycleRepository.Sweep;
import dev.switchboard.sandbox.SandboxKiller;
import dev.switchboard.sandbox.SaveBackService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * One sweep of the TTL or idle job: find due sandboxes, save back their changed files, claim them (skipping rows
 * another replica holds), kill the claimed ones. A sandbox whose files could not be read is left for the next sweep
 * rather than killed with unsaved work.
 */
@ApplicationScoped
public class SandboxSweeper {

    private static final Logger LOG = Logger.getLogger(SandboxSweeper.class);

    private final LifecycleRepository repo;
    private final SaveBackService saveBack;
    private final SandboxKiller killer;
    private final SwitchboardConfig config;

    public SandboxSweeper(LifecycleRepository repo, SaveBackService saveBack, SandboxKiller killer, SwitchboardConfig config) {
        this.repo = repo;
        this.saveBack = saveBack;
        this.killer = killer;
        this.config = config;
    }

    /** Sweeps due sandboxes in batches until none is left; answers how many this run killed. */
    public Uni<Integer> sweep(Sweep sweep, Instant cutoff) {
        Instant stale = LifecycleRepository.ago(config.jobs().staleSwitch());
        int batch = config.jobs().batchSize();
        return repo.candidates(sweep, cutoff, stale, batch).chain(candidates -> {
            if (candidates.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return Multi.createFrom().iterable(candidates)
                    .onItem().transformToUniAndConcatenate(s -> saveBack.saveBack(s.userId(), s.sandboxId(), s.projectId(), s.fragmentId())
                            .map(saved -> s.userId())
                            .onFailure().recoverWithItem(e -> {
                                LOG.warnf("%s sweep: could not save back sandbox %s (%s); it stays until the next sweep",
                                        sweep.reason(), s.sandboxId(), e.getMessage());
                                return null;
                            }))
                    .filter(id -> id != null)
                    .collect().asList()
                    .chain(savedUsers -> repo.claim(sweep, cutoff, stale, savedUsers))
                    .chain(claimed -> kill(claimed, sweep.reason()))
                    .chain(killed -> candidates.size() < batch || killed == 0 ? Uni.createFrom().item(killed)
                            : sweep(sweep, cutoff).map(more -> killed + more));
        });
    }

    private Uni<Integer> kill(List<LiveSandbox> claimed, String reason) {
        return Multi.createFrom().iterable(claimed)
                .onItem().transformToUni(s -> killer.killUnreferenced(s.sandboxId(), s.userId(), reason)).merge(4)
                .collect().asList()
                .invoke(outcomes -> {
                    if (!outcomes.isEmpty()) {
                        LOG.infof("%s sweep killed %d sandboxes", reason, outcomes.size());
                    }
                })
                .map(List::size);
    }
}
