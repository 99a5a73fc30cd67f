package dev.switchboard.pool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SqlTime;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The {@code parked_sandboxes} table's SQL. Every way out of the table (resume, eviction, TTL, cleanup) is one
 * statement that deletes or claims the row, so each parked sandbox is taken by one caller, on one replica, once.
 */
@ApplicationScoped
public class ParkedRepository {

    /** A parked sandbox: paused, its files saved, holding {@code fragmentId} of {@code projectId}. */
    public record ParkedSandbox(String sandboxId, String userId, UUID projectId, UUID fragmentId, String provider,
            String template, Instant createdAt, Instant parkedAt, UUID claimSwitch) {
    }

    private static final String COLUMNS = "sandbox_id, user_id, project_id, fragment_id, provider, template, created_at, parked_at, claim_switch";

    private final Pool db;

    public ParkedRepository(Pool db) {
        this.db = db;
    }

    /**
     * Records a parked sandbox; answers the one it replaces for the same user and project (to be killed), if any.
     * Parking the same sandbox twice (two switches that both saved it) records it once.
     */
    public Uni<List<ParkedSandbox>> insert(ParkedSandbox p) {
        return db.preparedQuery("DELETE FROM parked_sandboxes WHERE user_id = $1 AND project_id = $2 AND sandbox_id <> $3"
                + " AND claim_switch IS NULL RETURNING " + COLUMNS)
                .execute(Tuple.of(p.userId(), p.projectId(), p.sandboxId()))
                .map(ParkedRepository::rows)
                .call(() -> db.preparedQuery("""
                        INSERT INTO parked_sandboxes (sandbox_id, user_id, project_id, fragment_id, provider, template, created_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""")
                        .execute(Tuple.from(new Object[] { p.sandboxId(), p.userId(), p.projectId(), p.fragmentId(),
                                p.provider(), p.template(), SqlTime.param(p.createdAt()) })));
    }

    /** Takes the user's parked sandboxes beyond the newest {@code keep} (unclaimed ones only). */
    public Uni<List<ParkedSandbox>> takeBeyond(String userId, int keep) {
        return db.preparedQuery("DELETE FROM parked_sandboxes p USING (SELECT sandbox_id FROM parked_sandboxes"
                + " WHERE user_id = $1 AND claim_switch IS NULL ORDER BY parked_at DESC, sandbox_id OFFSET $2 FOR UPDATE SKIP LOCKED) d"
                + " WHERE p.sandbox_id = d.sandbox_id RETURNING " + prefixed("p."))
                .execute(Tuple.of(userId, Math.max(0, keep))).map(ParkedRepository::rows);
    }

    /** Claims the user's parked sandbox of the project for a switch, so nobody else resumes or kills it meanwhile. */
    public Uni<Optional<ParkedSandbox>> claim(String userId, UUID projectId, UUID switchId) {
        return db.preparedQuery("UPDATE parked_sandboxes SET claim_switch = $3, claimed_at = now()"
                + " WHERE user_id = $1 AND project_id = $2 AND claim_switch IS NULL RETURNING " + COLUMNS)
                .execute(Tuple.of(userId, projectId, switchId)).map(rows -> rows(rows).stream().findFirst());
    }

    /** Forgets a parked sandbox: resumed and now the user's, or killed. */
    public Uni<Void> remove(String sandboxId) {
        return db.preparedQuery("DELETE FROM parked_sandboxes WHERE sandbox_id = $1").execute(Tuple.of(sandboxId)).replaceWithVoid();
    }

    /** Takes unclaimed sandboxes parked before {@code parkedBefore}, at most {@code limit}. */
    public Uni<List<ParkedSandbox>> takeExpired(Instant parkedBefore, int limit) {
        return db.preparedQuery("DELETE FROM parked_sandboxes p USING (SELECT sandbox_id FROM parked_sandboxes"
                + " WHERE claim_switch IS NULL AND parked_at < $1 ORDER BY parked_at LIMIT $2 FOR UPDATE SKIP LOCKED) d"
                + " WHERE p.sandbox_id = d.sandbox_id RETURNING " + prefixed("p."))
                .execute(Tuple.of(SqlTime.param(parkedBefore), limit)).map(ParkedRepository::rows);
    }

    /** Takes all of the user's parked sandboxes (cleanup, admin and CLI kills); a claimed one is taken too. */
    public Uni<List<ParkedSandbox>> takeAll(String userId) {
        return db.preparedQuery("DELETE FROM parked_sandboxes WHERE user_id = $1 RETURNING " + COLUMNS)
                .execute(Tuple.of(userId)).map(ParkedRepository::rows);
    }

    /** Releases claims older than {@code claimedBefore} (their switch crashed): the sandbox is parked again. */
    public Uni<Integer> releaseStaleClaims(Instant claimedBefore) {
        return db.preparedQuery("UPDATE parked_sandboxes SET claim_switch = NULL, claimed_at = NULL"
                + " WHERE claim_switch IS NOT NULL AND claimed_at < $1")
                .execute(Tuple.of(SqlTime.param(claimedBefore))).map(RowSet::rowCount);
    }

    /** Forgets unclaimed rows parked before {@code parkedBefore} whose sandbox the provider no longer lists. */
    public Uni<List<String>> forgetMissing(List<String> listed, Instant parkedBefore) {
        return db.preparedQuery("DELETE FROM parked_sandboxes WHERE claim_switch IS NULL AND parked_at < $2"
                + " AND NOT (sandbox_id = ANY($1)) RETURNING sandbox_id")
                .execute(Tuple.of(listed.toArray(String[]::new), SqlTime.param(parkedBefore)))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getString(0)));
                    return ids;
                });
    }

    /** The given users' parked sandboxes, by user, newest first. */
    public Uni<List<ParkedSandbox>> list(List<String> userIds) {
        return db.preparedQuery("SELECT " + COLUMNS + " FROM parked_sandboxes WHERE user_id = ANY($1)"
                + " ORDER BY user_id, parked_at DESC, sandbox_id")
                .execute(Tuple.of(userIds.toArray(String[]::new))).map(ParkedRepository::rows);
    }

    private static String prefixed(String prefix) {
        return prefix + COLUMNS.replace(", ", ", " + prefix);
    }

    private static List<ParkedSandbox> rows(RowSet<Row> rows) {
        List<ParkedSandbox> list = new ArrayList<>();
        for (Row r : rows) {
            list.add(new ParkedSandbox(r.getString("sandbox_id"), r.getString("user_id"), r.getUUID("project_id"),
                    r.getUUID("fragment_id"), r.getString("provider"), r.getString("template"),
                    SqlTime.instant(r, "created_at"), SqlTime.instant(r, "parked_at"), r.getUUID("claim_switch")));
        }
        return list;
    }
}
