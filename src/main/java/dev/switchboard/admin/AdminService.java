package dev.switchboard.admin;

import java.time.Instant;
import java.util.ArrayList;
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
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.DeploymentScope;
import dev.switchboard.sandbox.SandboxKiller;
import dev.switchboard.sandbox.CleanupService;
import dev.switchboard.sandbox.SwitchDtos.CleanupResults;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** What operators do, through the admin API and the CLI alike: list live sandboxes, kill one user's, kill all. */
@ApplicationScoped
public class AdminService {

    private static final Logger LOG = Logger.getLogger(AdminService.class);

    private final Pool db;
    private final CleanupService sandboxes;
    private final SandboxKiller killer;
    private final SandboxProvider provider;
    private final DeploymentScope scope;

    public AdminService(Pool db, CleanupService sandboxes, SandboxKiller killer, SandboxProvider provider, DeploymentScope scope) {
        this.scope = scope;
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
            return db.preparedQuery(SandboxListing.PAGE_SQL).execute(Tuple.from(SandboxListing.params(after, limit)))
                    .map(rows -> {
                        List<UserSandbox> list = new ArrayList<>();
                        for (Row r : rows) {
                            list.add(SandboxListing.row(columns(r), alive.contains(r.getString("active_sandbox_id"))));
                        }
                        return list;
                    });
        });
    }

    private static SandboxListing.Columns columns(Row r) {
        return new SandboxListing.Columns() {
            @Override
            public String text(String column) {
                return r.getString(column);
            }

            @Override
            public UUID uuid(String column) {
                return r.getUUID(column);
            }

            @Override
            public Instant instant(String column) {
                return SqlTime.instant(r, column);
            }

            @Override
            public boolean flag(String column) {
                return Boolean.TRUE.equals(r.getBoolean(column));
            }

            @Override
            public List<String> texts(String column) {
                String[] v = r.getArrayOfStrings(column);
                return v == null ? List.of() : List.of(v);
            }
        };
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

    /** Kills every user's sandbox, then any sandbox of this deployment the provider still has (orphans). */
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
                        .chain(scope::ours)
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
