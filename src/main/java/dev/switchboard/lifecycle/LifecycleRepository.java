package dev.switchboard.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SqlTime;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The lifecycle jobs' SQL. Candidates are found with plain index scans; claims take rows with
 * {@code FOR UPDATE SKIP LOCKED} and re-check eligibility under the lock, in the same statement that detaches the
 * sandbox, so two replicas sweeping at once never claim the same sandbox and never skip one.
 */
@ApplicationScoped
public class LifecycleRepository {

    /** A user's live sandbox as a job sees it. */
    public record LiveSandbox(String userId, String sandboxId, UUID projectId, UUID fragmentId, Instant createdAt,
            Instant expiresAt) {
    }

    /** Why a sandbox is due: the two sweeps share everything but this condition and its index. */
    public enum Sweep {
        TTL("sandbox_expires_at <= $1", "sandbox_expires_at"),
        IDLE("sandbox_last_used_at <= $1", "sandbox_last_used_at");

        final String condition;
        final String order;

        Sweep(String condition, String order) {
            this.condition = condition;
            this.order = order;
        }

        public String reason() {
            return name().toLowerCase();
        }
    }

    private static final String COLUMNS = "id, active_sandbox_id, active_project_id, active_fragment_id, sandbox_created_at, sandbox_expires_at";
    /** A switch in flight protects its user's sandbox, unless it is older than the stale-switch age ($2). */
    private static final String NOT_SWITCHING = "(switch_id IS NULL OR switch_started_at < $2)";

    /** Due sandboxes: $1 the cutoff, $2 the stale-switch cutoff, $3 the batch size. */
    public static String candidatesSql(Sweep sweep) {
        return "SELECT " + COLUMNS + " FROM users WHERE active_sandbox_id IS NOT NULL AND " + sweep.condition
                + " AND " + NOT_SWITCHING + " ORDER BY " + sweep.order + " LIMIT $3";
    }

    /** Claims and detaches due sandboxes among $4 (user ids), re-checking the condition under the row lock. */
    public static String claimSql(Sweep sweep) {
        return "WITH claimed AS (SELECT " + COLUMNS + " FROM users WHERE id = ANY($4) AND active_sandbox_id IS NOT NULL AND "
                + sweep.condition + " AND " + NOT_SWITCHING + " ORDER BY " + sweep.order + " LIMIT $3 FOR UPDATE SKIP LOCKED), "
                + "cleared AS (UPDATE users u SET active_sandbox_id = NULL, sandbox_provider = NULL, sandbox_url = NULL, "
                + "sandbox_mcp_url = NULL, sandbox_created_at = NULL, sandbox_last_used_at = NULL, sandbox_expires_at = NULL, "
                + "sandbox_provider_expires_at = NULL FROM claimed c WHERE u.id = c.id RETURNING u.id) "
                + "SELECT c.* FROM claimed c JOIN cleared USING (id)";
    }

    /**
     * Keep-alive lease: sandboxes used within the idle window ($1) whose provider expiry comes before $2 and whose
     * TTL is not over, with their provider expiry pushed to $2 so other replicas skip them until this one is done.
     */
    public static final String KEEPALIVE_SQL = "WITH due AS (SELECT " + COLUMNS + " FROM users WHERE active_sandbox_id IS NOT NULL"
            + " AND sandbox_provider_expires_at < $2 AND sandbox_last_used_at > $1 AND sandbox_expires_at > now()"
            + " ORDER BY sandbox_provider_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED), "
            + "leased AS (UPDATE users u SET sandbox_provider_expires_at = $2 FROM due d WHERE u.id = d.id RETURNING u.id) "
            + "SELECT d.* FROM due d JOIN leased USING (id)";

    /** Live sandboxes by id, keyset-paged ($1 the last id seen, $2 the page size), for the dead-pointer check. */
    public static final String LIVE_PAGE_SQL = "SELECT " + COLUMNS + " FROM users WHERE active_sandbox_id IS NOT NULL"
            + " AND active_sandbox_id > $1 ORDER BY active_sandbox_id LIMIT $2";

    /** Which of the given sandbox ids ($1) the database references: users' sandboxes, the pool, parked ones. */
    public static final String REFERENCED_SQL = "SELECT active_sandbox_id FROM users WHERE active_sandbox_id = ANY($1)"
            + " UNION ALL SELECT sandbox_id FROM pool_sandboxes WHERE sandbox_id = ANY($1)"
            + " UNION ALL SELECT sandbox_id FROM parked_sandboxes WHERE sandbox_id = ANY($1)";

    private final Pool db;

    public LifecycleRepository(Pool db) {
        this.db = db;
    }

    public Uni<List<LiveSandbox>> candidates(Sweep sweep, Instant cutoff, Instant staleSwitch, int limit) {
        return db.preparedQuery(candidatesSql(sweep)).execute(Tuple.of(SqlTime.param(cutoff), SqlTime.param(staleSwitch), limit))
                .map(LifecycleRepository::rows);
    }

    public Uni<List<LiveSandbox>> claim(Sweep sweep, Instant cutoff, Instant staleSwitch, List<String> userIds) {
        if (userIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return db.withTransaction(c -> c.preparedQuery(claimSql(sweep))
                .execute(Tuple.of(SqlTime.param(cutoff), SqlTime.param(staleSwitch), userIds.size(), userIds.toArray(String[]::new))))
                .map(LifecycleRepository::rows);
    }

    public Uni<List<LiveSandbox>> leaseForKeepAlive(Instant usedAfter, Instant leaseUntil, int limit) {
        return db.withTransaction(c -> c.preparedQuery(KEEPALIVE_SQL).execute(Tuple.of(SqlTime.param(usedAfter), SqlTime.param(leaseUntil), limit)))
                .map(LifecycleRepository::rows);
    }

    public Uni<List<LiveSandbox>> livePage(String afterSandboxId, int limit) {
        return db.preparedQuery(LIVE_PAGE_SQL).execute(Tuple.of(afterSandboxId, limit)).map(LifecycleRepository::rows);
    }

    public Uni<List<String>> referenced(List<String> sandboxIds) {
        if (sandboxIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return db.preparedQuery(REFERENCED_SQL).execute(Tuple.of(sandboxIds.toArray(String[]::new)))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getString(0)));
                    return ids;
                });
    }

    /** Whether a switch with this id is in flight and not stale. */
    public Uni<Boolean> switchInFlight(String switchId, Instant staleSwitch) {
        UUID id;
        try {
            id = UUID.fromString(switchId);
        } catch (IllegalArgumentException | NullPointerException e) {
            return Uni.createFrom().item(false);
        }
        return db.preparedQuery("SELECT 1 FROM users WHERE switch_id = $1 AND switch_started_at >= $2")
                .execute(Tuple.of(id, SqlTime.param(staleSwitch))).map(rows -> rows.size() > 0);
    }

    /** A failed kill waiting for a retry. */
    public record PendingKill(String sandboxId, String userId, String reason, int attempts) {
    }

    public Uni<List<PendingKill>> pendingKills(int limit) {
        return db.preparedQuery("SELECT sandbox_id, user_id, reason, attempts FROM pending_kills ORDER BY updated_at LIMIT $1")
                .execute(Tuple.of(limit)).map(rows -> {
                    List<PendingKill> list = new ArrayList<>();
                    rows.forEach(r -> list.add(new PendingKill(r.getString(0), r.getString(1), r.getString(2), r.getInteger(3))));
                    return list;
                });
    }

    public Uni<Void> pendingKillDone(String sandboxId) {
        return db.preparedQuery("DELETE FROM pending_kills WHERE sandbox_id = $1").execute(Tuple.of(sandboxId)).replaceWithVoid();
    }

    private static List<LiveSandbox> rows(RowSet<Row> rows) {
        List<LiveSandbox> list = new ArrayList<>();
        for (Row r : rows) {
            list.add(new LiveSandbox(r.getString("id"), r.getString("active_sandbox_id"), r.getUUID("active_project_id"),
                    r.getUUID("active_fragment_id"), SqlTime.instant(r, "sandbox_created_at"), SqlTime.instant(r, "sandbox_expires_at")));
        }
        return list;
    }

    static Instant ago(Duration d) {
        return Instant.now().minus(d);
    }
}
