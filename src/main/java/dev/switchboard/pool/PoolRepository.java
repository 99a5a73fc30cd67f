package dev.switchboard.pool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SqlTime;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/** The {@code pool_sandboxes} table's SQL: every warm-pool sandbox, ready or claimed by a switch in flight. */
@ApplicationScoped
public class PoolRepository {

    /** One pool sandbox. {@code claimSwitch} is null while it is ready. */
    public record PoolSandbox(String sandboxId, String provider, String template, String url, String mcpUrl,
            Instant createdAt, Instant providerExpiresAt, UUID claimSwitch) {
    }

    /** Pool sandboxes per template: ready and claimed. */
    public record Counts(Map<String, Integer> ready, Map<String, Integer> claimed) {
        public int ready(String template) {
            return ready.getOrDefault(template, 0);
        }
    }

    private static final String COLUMNS = "sandbox_id, provider, template, url, mcp_url, created_at, provider_expires_at, claim_switch";

    private final Pool db;

    public PoolRepository(Pool db) {
        this.db = db;
    }

    public Uni<Void> insert(PoolSandbox s) {
        return db.preparedQuery("""
                INSERT INTO pool_sandboxes (sandbox_id, provider, template, url, mcp_url, created_at, provider_expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)""")
                .execute(Tuple.from(new Object[] { s.sandboxId(), s.provider(), s.template(), s.url(), s.mcpUrl(),
                        SqlTime.param(s.createdAt()), SqlTime.param(s.providerExpiresAt()) }))
                .replaceWithVoid();
    }

    /**
     * Claims the oldest ready sandbox of the template that the provider keeps past {@code usableUntil}, for a switch;
     * one statement under {@code FOR UPDATE SKIP LOCKED}, so no two switches (on any replica) get the same one.
     */
    public Uni<Optional<PoolSandbox>> claim(String provider, String template, UUID switchId, Instant usableUntil) {
        // The queue idiom: the row is picked and locked once, by an init-plan sub-select; the update then takes exactly it.
        return db.preparedQuery("UPDATE pool_sandboxes SET claim_switch = $2, claimed_at = now() WHERE sandbox_id = (SELECT"
                + " sandbox_id FROM pool_sandboxes WHERE provider = $4 AND template = $1 AND claim_switch IS NULL"
                + " AND provider_expires_at > $3 ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS)
                .execute(Tuple.of(template, switchId, SqlTime.param(usableUntil), provider))
                .map(rows -> rows(rows).stream().findFirst());
    }

    /** Puts a claimed sandbox back in the pool, ready: its claim could not be completed for a passing reason. */
    public Uni<Void> release(String sandboxId, UUID switchId) {
        return db.preparedQuery("UPDATE pool_sandboxes SET claim_switch = NULL, claimed_at = NULL WHERE sandbox_id = $1"
                + " AND claim_switch = $2").execute(Tuple.of(sandboxId, switchId)).replaceWithVoid();
    }

    /** Forgets a sandbox: it left the pool (the user's record names it now, or it was killed). */
    public Uni<Void> remove(String sandboxId) {
        return db.preparedQuery("DELETE FROM pool_sandboxes WHERE sandbox_id = $1").execute(Tuple.of(sandboxId)).replaceWithVoid();
    }

    /**
     * Takes ready sandboxes due for recycling: created before {@code createdBefore}, or expiring at the provider before
     * {@code expiringBefore}. Deleted in the same statement, so each is recycled by one replica only.
     */
    public Uni<List<PoolSandbox>> takeRecyclable(String provider, Instant createdBefore, Instant expiringBefore, int limit) {
        return db.preparedQuery("DELETE FROM pool_sandboxes p USING (SELECT sandbox_id FROM pool_sandboxes"
                + " WHERE provider = $4 AND claim_switch IS NULL AND (created_at < $1 OR provider_expires_at < $2)"
                + " LIMIT $3 FOR UPDATE SKIP LOCKED) d WHERE p.sandbox_id = d.sandbox_id RETURNING " + prefixed("p."))
                .execute(Tuple.of(SqlTime.param(createdBefore), SqlTime.param(expiringBefore), limit, provider))
                .map(PoolRepository::rows);
    }

    /**
     * Drops claims older than {@code claimedBefore}: their switch crashed or finished without removing the row. The
     * sandbox is then either the user's (referenced there) or an orphan the reconciler kills.
     */
    public Uni<Integer> dropStaleClaims(Instant claimedBefore) {
        return db.preparedQuery("DELETE FROM pool_sandboxes WHERE claim_switch IS NOT NULL AND claimed_at < $1")
                .execute(Tuple.of(SqlTime.param(claimedBefore))).map(RowSet::rowCount);
    }

    /**
     * Forgets ready sandboxes created before {@code createdBefore} that the provider no longer lists, and those of
     * another provider (the service was moved to another one: they are beyond its reach and never claimed).
     */
    public Uni<List<String>> forgetMissing(String provider, List<String> listed, Instant createdBefore) {
        return db.preparedQuery("DELETE FROM pool_sandboxes WHERE claim_switch IS NULL AND created_at < $2"
                + " AND (provider <> $3 OR NOT (sandbox_id = ANY($1))) RETURNING sandbox_id")
                .execute(Tuple.of(listed.toArray(String[]::new), SqlTime.param(createdBefore), provider))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getString(0)));
                    return ids;
                });
    }

    /** The provider's pool sandboxes by template, ready and claimed. */
    public Uni<Counts> counts(String provider) {
        return db.preparedQuery("SELECT template, claim_switch IS NULL AS ready, count(*) FROM pool_sandboxes"
                + " WHERE provider = $1 GROUP BY 1, 2")
                .execute(Tuple.of(provider)).map(rows -> {
                    Map<String, Integer> ready = new TreeMap<>();
                    Map<String, Integer> claimed = new TreeMap<>();
                    for (Row r : rows) {
                        (r.getBoolean(1) ? ready : claimed).put(r.getString(0), r.getLong(2).intValue());
                    }
                    return new Counts(ready, claimed);
                });
    }

    /** Every pool sandbox, oldest first (admin view). */
    public Uni<List<PoolSandbox>> all() {
        return db.query("SELECT " + COLUMNS + " FROM pool_sandboxes ORDER BY created_at, sandbox_id").execute()
                .map(PoolRepository::rows);
    }

    private static String prefixed(String prefix) {
        return prefix + COLUMNS.replace(", ", ", " + prefix);
    }

    private static List<PoolSandbox> rows(RowSet<Row> rows) {
        List<PoolSandbox> list = new ArrayList<>();
        for (Row r : rows) {
            list.add(new PoolSandbox(r.getString("sandbox_id"), r.getString("provider"), r.getString("template"),
                    r.getString("url"), r.getString("mcp_url"), SqlTime.instant(r, "created_at"),
                    SqlTime.instant(r, "provider_expires_at"), r.getUUID("claim_switch")));
        }
        return list;
    }
}
