package dev.switchboard.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SqlTime;
import dev.switchboard.pool.Parking;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.SandboxKiller;
import dev.switchboard.sandbox.CleanupService;
import dev.switchboard.sandbox.SwitchDtos.CleanupResults;
import dev.switchboard.sandbox.SwitchDtos.ParkedView;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** What operators do, through the admin API and the CLI alike: list live sandboxes, kill one user's, kill all. */
@ApplicationScoped
public class AdminService {

    private static final Logger LOG = Logger.getLogger(AdminService.class);

    /**
     * A user with a recorded or parked sandbox, as operators see it. {@code status}: {@code live}, {@code stopped} (a
     * record the reconciler will clear) or {@code none} (only parked sandboxes).
     */
    @RegisterForReflection
    public record UserSandbox(String userId, String name, String email, String sandboxId, String sandboxUrl, UUID projectId,
            String projectName, Instant createdAt, Instant lastUsedAt, Instant expiresAt, String status,
            List<ParkedView> parked) {
    }

    private final Pool db;
    private final CleanupService sandboxes;
    private final SandboxKiller killer;
    private final SandboxProvider provider;
    private final Parking parking;

    public AdminService(Pool db, CleanupService sandboxes, SandboxKiller killer, SandboxProvider provider, Parking parking) {
        this.parking = parking;
        this.db = db;
        this.sandboxes = sandboxes;
        this.killer = killer;
        this.provider = provider;
    }

    /**
     * Users with a recorded sandbox, by user id after {@code after}. The status comes from one provider listing:
     * {@code stopped} marks a record the reconciler will clear.
     */
    public Uni<List<UserSandbox>> list(String after, int limit) {
        return provider.list(Map.of(SandboxMetadata.MANAGED, "true")).chain(live -> {
            Set<String> alive = new HashSet<>();
            live.forEach(s -> alive.add(s.id()));
            return db.preparedQuery("""
                    SELECT u.id, u.name, u.email, u.active_sandbox_id, u.sandbox_url, u.active_project_id, p.name AS project_name,
                           u.sandbox_created_at, u.sandbox_last_used_at, u.sandbox_expires_at
                    FROM users u LEFT JOIN projects p ON p.id = u.active_project_id
                    WHERE (u.active_sandbox_id IS NOT NULL OR EXISTS (SELECT 1 FROM parked_sandboxes k WHERE k.user_id = u.id))
                      AND u.id > $1 ORDER BY u.id LIMIT $2""")
                    .execute(Tuple.of(after == null ? "" : after, limit))
                    .chain(rows -> {
                        List<String> userIds = new ArrayList<>();
                        rows.forEach(r -> userIds.add(r.getString("id")));
                        return parking.list(userIds).map(parked -> Map.entry(rows, parked));
                    })
                    .map(page -> {
                        var rows = page.getKey();
                        var parked = page.getValue();
                        Map<String, List<ParkedView>> byUser = new HashMap<>();
                        parked.forEach(k -> byUser.computeIfAbsent(k.userId(), x -> new ArrayList<>())
                                .add(new ParkedView(k.sandboxId(), k.projectId(), k.fragmentId(), k.parkedAt())));
                        List<UserSandbox> list = new ArrayList<>();
                        for (Row r : rows) {
                            String id = r.getString("active_sandbox_id");
                            String status = id == null ? "none" : alive.contains(id) ? "live" : "stopped";
                            list.add(new UserSandbox(r.getString("id"), r.getString("name"), r.getString("email"), id,
                                    r.getString("sandbox_url"), r.getUUID("active_project_id"), r.getString("project_name"),
                                    SqlTime.instant(r, "sandbox_created_at"), SqlTime.instant(r, "sandbox_last_used_at"),
                                    SqlTime.instant(r, "sandbox_expires_at"), status,
                                    byUser.getOrDefault(r.getString("id"), List.of())));
                        }
                        return list;
                    });
        });
    }

    /** Kills every sandbox of one user (saved back first unless forced); 404 for a user Switchboard never saw. */
    public Uni<CleanupResults> killUser(String userId) {
        return killUser(userId, false);
    }

    public Uni<CleanupResults> killUser(String userId, boolean force) {
        return db.preparedQuery("SELECT 1 FROM users WHERE id = $1").execute(Tuple.of(userId)).chain(rows -> rows.size() == 0
                ? Uni.createFrom().failure(ProblemException.notFound("No user " + userId))
                : sandboxes.killAllUserSandboxes(userId, "admin", !force));
    }

    /** Kills every user's sandbox, then any Switchboard sandbox the provider still has (orphans). */
    public Uni<CleanupResults> killAll() {
        return killAll(false);
    }

    /**
     * As above; unless forced, each user's sandbox is saved back first. One user's failure (a save-back that could
     * not read the sandbox) does not stop the others: that sandbox stays alive and recorded and is reported failed.
     */
    public Uni<CleanupResults> killAll(boolean force) {
        Set<String> kept = ConcurrentHashMap.newKeySet();
        return db.preparedQuery("SELECT id, active_sandbox_id FROM users WHERE active_sandbox_id IS NOT NULL"
                + " OR id IN (SELECT user_id FROM parked_sandboxes) ORDER BY id").execute()
                .chain(rows -> {
                    Map<String, String> users = new java.util.LinkedHashMap<>();
                    rows.forEach(r -> users.put(r.getString(0), r.getString(1)));
                    // One user after another, so a kill-all of many users keeps its load on the provider and the pool small.
                    return Multi.createFrom().iterable(users.entrySet())
                            .onItem().transformToUniAndConcatenate(u -> sandboxes.killAllUserSandboxes(u.getKey(), "admin", !force)
                                    .onFailure().recoverWithItem(e -> {
                                        LOG.warnf("kill-all: sandbox %s of user %s kept: %s", u.getValue(), u.getKey(), e.getMessage());
                                        kept.add(u.getValue());
                                        return new CleanupResults(1, 0, 1, List.of(), List.of(u.getValue()), null);
                                    }))
                            .collect().asList();
                })
                .chain(perUser -> provider.list(Map.of(SandboxMetadata.MANAGED, "true"))
                        .map(left -> left.stream().filter(s -> !kept.contains(s.id())).toList())
                        .chain(left -> Multi.createFrom().iterable(left)
                                .onItem().transformToUni((SandboxInfo s) -> killer.killUnreferenced(s.id(),
                                        s.metadata().get(SandboxMetadata.OWNER), "admin")).merge(4)
                                .collect().asList())
                        .map(orphans -> {
                            List<String> killed = new ArrayList<>();
                            List<String> failed = new ArrayList<>();
                            perUser.forEach(r -> {
                                killed.addAll(r.killedSandboxes());
                                failed.addAll(r.failedSandboxes());
                            });
                            orphans.forEach(o -> (o.gone() ? killed : failed).add(o.sandboxId()));
                            killed.sort(null);
                            failed.sort(null);
                            return new CleanupResults(killed.size() + failed.size(), killed.size(), failed.size(), killed, failed, null);
                        }));
    }
}
