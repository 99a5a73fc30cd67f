package dev.switchboard.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.pool.Parking;
import dev.switchboard.project.Project;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.SandboxKiller.Outcome;
import dev.switchboard.sandbox.SwitchDtos.CleanupResults;
import dev.switchboard.sandbox.SwitchDtos.CleanupStatus;
import dev.switchboard.sandbox.SwitchDtos.CurrentSandbox;
import dev.switchboard.sandbox.SwitchDtos.KillResult;
import dev.switchboard.sandbox.SwitchDtos.ParkedView;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import dev.switchboard.user.User;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Cleanup of a user's sandboxes (the seed's cleanup, admin and CLI kills): save back the recorded one, detach it,
 * kill it and any other sandbox the provider still has for the user.
 */
@ApplicationScoped
public class CleanupService {

    private final SandboxService sandboxes;
    private final SandboxProvider provider;
    private final SandboxStateRepository state;
    private final SandboxKiller killer;
    private final SaveBackService saveBack;
    private final Parking parking;
    private final ProjectService projects;
    private final DeploymentScope scope;

    public CleanupService(SandboxService sandboxes, SandboxProvider provider, SandboxStateRepository state,
            SandboxKiller killer, SaveBackService saveBack, Parking parking, ProjectService projects, DeploymentScope scope) {
        this.scope = scope;
        this.parking = parking;
        this.projects = projects;
        this.sandboxes = sandboxes;
        this.provider = provider;
        this.state = state;
        this.killer = killer;
        this.saveBack = saveBack;
    }

    /** GET /api/cleanup-sandboxes: the running sandbox, and the parked ones beside it. */
    public Uni<CleanupStatus> cleanupStatus(String userId) {
        return sandboxes.live(userId).chain(l -> parking.list(List.of(userId)).chain(parkedRows -> {
            List<ParkedView> parked = parkedRows.stream()
                    .map(p -> new ParkedView(p.sandboxId(), p.projectId(), p.fragmentId(), p.parkedAt())).toList();
            if (!l.alive()) {
                return Uni.createFrom().item(new CleanupStatus(userId, 0, null, parked));
            }
            User u = l.user();
            Uni<Project> p = u.activeProjectId == null ? Uni.createFrom().nullItem()
                    : projects.find(u.activeProjectId);
            return p.map(project -> new CleanupStatus(userId, 1, new CurrentSandbox(u.activeSandboxId, u.activeProjectId,
                    project == null ? null : project.name, u.sandboxCreatedAt, u.sandboxLastUsedAt), parked));
        }));
    }

    /** Kills the user's recorded sandbox, after saving back its changed files. */
    public Uni<KillResult> killUserActiveSandbox(String userId, String reason) {
        return saveThenDetach(userId, true).map(Detached::sandboxId).chain(recorded -> {
            if (recorded == null) {
                return Uni.createFrom().item(new KillResult(false, null));
            }
            return killer.killUnreferenced(recorded, userId, reason)
                    .map(o -> new KillResult(o.result() == SandboxKiller.Result.KILLED, recorded));
        });
    }

    /**
     * Kills every sandbox of the user: the recorded one (saved back first) and any of this deployment the provider
     * still has with the user's owner metadata (left by a crash, or by a switch now cancelled).
     */
    public Uni<CleanupResults> killAllUserSandboxes(String userId, String reason) {
        return killAllUserSandboxes(userId, reason, true);
    }

    /** As above; {@code save} false skips the save-back (an operator's forced kill). */
    public Uni<CleanupResults> killAllUserSandboxes(String userId, String reason, boolean save) {
        // Parked sandboxes go too: their files were saved when they were parked.
        return saveThenDetach(userId, save).chain(detached -> parking.takeAll(userId).chain(parked -> provider
                .list(Map.of(SandboxMetadata.OWNER, userId))
                // The same user id in another deployment sharing the provider account is another user's.
                .chain(scope::ours)
                .chain(found -> {
                    Set<String> ids = new LinkedHashSet<>();
                    if (detached.sandboxId() != null) {
                        ids.add(detached.sandboxId());
                    }
                    parked.forEach(p -> ids.add(p.sandboxId()));
                    found.forEach(s -> ids.add(s.id()));
                    return Multi.createFrom().iterable(ids)
                            .onItem().transformToUniAndMerge(id -> killer.killUnreferenced(id, userId, reason))
                            .collect().asList();
                })
                .map(outcomes -> {
                    List<String> killed = new ArrayList<>();
                    List<String> failed = new ArrayList<>();
                    for (Outcome o : outcomes) {
                        (o.gone() ? killed : failed).add(o.sandboxId());
                    }
                    killed.sort(null);
                    failed.sort(null);
                    return new CleanupResults(outcomes.size(), killed.size(), failed.size(), killed, failed, detached.saved());
                })));
    }

    /** The sandbox a cleanup detached from the user's record, and what its save-back stored. */
    private record Detached(String sandboxId, SaveBackSummary saved) {
    }

    /**
     * Save-back (unless {@code save} is false), then detach the record (cancelling any switch in flight). A save-back
     * that fails leaves the sandbox alive and recorded, and fails the call.
     */
    private Uni<Detached> saveThenDetach(String userId, boolean save) {
        return sandboxes.live(userId).chain(l -> {
            Uni<SaveBackSummary> saved = save && l.alive()
                    ? saveBack.saveBack(userId, l.user().activeSandboxId, l.user().activeProjectId, l.user().activeFragmentId)
                    : Uni.createFrom().nullItem();
            return saved.chain(summary -> state.detach(userId).map(id -> new Detached(id, summary)));
        });
    }

}
