package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SqlTime;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.user.User;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The state transitions of a user's sandbox record, each one SQL statement on the user row (its row lock serialises them),
 * and the read of that row ({@link #find}). The last stopped sandbox's columns ({@code last_sandbox_*}) are kept by a
 * trigger (V6) whenever a statement lets go of the sandbox; only {@link #find} reads them.
 * Provider calls always happen between these statements, never inside a transaction.
 */
@ApplicationScoped
public class SandboxStateRepository {

    private static final String USER_COLUMNS = """
            id, name, email, created_at, active_project_id, active_fragment_id, active_sandbox_id, sandbox_provider,
            sandbox_url, sandbox_mcp_url, sandbox_created_at, sandbox_last_used_at, sandbox_expires_at,
            sandbox_provider_expires_at, switch_id, switch_started_at, last_sandbox_id, last_sandbox_created_at,
            last_sandbox_last_used_at, last_sandbox_stopped_at""";

    private final Pool db;

    public SandboxStateRepository(Pool db) {
        this.db = db;
    }

    /** What the user's row held when a switch claimed it. */
    public record Previous(String sandboxId, UUID projectId, UUID fragmentId) {
        public boolean hasSandbox() {
            return sandboxId != null;
        }
    }

    /** What a commit writes: the new sandbox and what it holds. */
    public record Committed(SandboxHandle sandbox, String provider, UUID projectId, UUID fragmentId, Instant expiresAt) {
    }

    /** Claim: records the switch id; a later claim overtakes this one. Answers the sandbox it replaces. One statement. */
    public Uni<Previous> claim(String userId, UUID switchId) {
        return db.preparedQuery("""
                UPDATE users SET switch_id = $2, switch_started_at = now() WHERE id = $1
                RETURNING active_sandbox_id, active_project_id, active_fragment_id""")
                .execute(Tuple.of(userId, switchId)).map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new IllegalStateException("user " + userId + " has no row; UserService.ensure runs first");
                    }
                    Row r = rows.iterator().next();
                    return new Previous(r.getString("active_sandbox_id"), r.getUUID("active_project_id"), r.getUUID("active_fragment_id"));
                });
    }

    /** What an init read on the user's row: no sandbox, this project and fragment, no switch newer than {@code staleBefore}. */
    public record Unchanged(UUID projectId, UUID fragmentId, Instant staleBefore) {
    }

    /**
     * The claim of an init: a compare-and-set on what it read, so it never acts on a stale read. Claims only if the
     * row still has no sandbox, the same project and fragment, and no switch in flight (unless a stale one, left by a
     * crashed replica); answers null otherwise. One statement.
     */
    public Uni<Previous> claimIfUnchanged(String userId, UUID switchId, Unchanged read) {
        return db.preparedQuery("""
                UPDATE users SET switch_id = $2, switch_started_at = now()
                WHERE id = $1 AND active_sandbox_id IS NULL
                  AND active_project_id IS NOT DISTINCT FROM $3 AND active_fragment_id IS NOT DISTINCT FROM $4
                  AND (switch_id IS NULL OR switch_started_at < $5)
                RETURNING active_sandbox_id, active_project_id, active_fragment_id""")
                .execute(Tuple.of(userId, switchId, read.projectId(), read.fragmentId(), SqlTime.param(read.staleBefore())))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new Previous(r.getString("active_sandbox_id"), r.getUUID("active_project_id"), r.getUUID("active_fragment_id"));
                });
    }

    /**
     * Compare-and-set on the switch id: true if this switch is still the newest and now owns the record. One
     * statement: the row lock it takes is the only serialisation two switches of one user need.
     */
    public Uni<Boolean> commit(String userId, UUID switchId, Committed c) {
        Instant now = Instant.now();
        Instant created = c.sandbox().createdAt() != null ? c.sandbox().createdAt() : now;
        return db.preparedQuery("""
                UPDATE users SET switch_id = NULL, switch_started_at = NULL, active_project_id = $3, active_fragment_id = $4,
                       active_sandbox_id = $5, sandbox_provider = $6, sandbox_url = $7, sandbox_mcp_url = $8,
                       sandbox_created_at = $9, sandbox_last_used_at = $10, sandbox_expires_at = $11,
                       sandbox_provider_expires_at = $12
                WHERE id = $1 AND switch_id = $2""")
                .execute(Tuple.from(new Object[] { userId, switchId, c.projectId(), c.fragmentId(), c.sandbox().id(),
                        c.provider(), c.sandbox().url(), c.sandbox().mcpServerUrl(), SqlTime.param(created),
                        SqlTime.param(now), SqlTime.param(c.expiresAt()), SqlTime.param(c.sandbox().expiresAt()) }))
                .map(rows -> rows.rowCount() > 0);
    }

    /** Whether this switch is still the user's newest (no later claim has overtaken it). One statement. */
    public Uni<Boolean> isCurrent(String userId, UUID switchId) {
        return db.preparedQuery("SELECT 1 FROM users WHERE id = $1 AND switch_id = $2").execute(Tuple.of(userId, switchId))
                .map(rows -> rows.size() > 0);
    }

    /**
     * A failed switch lets go: it clears its claim if still the newest, and clears the pointer to the old sandbox
     * if that one was killed on the way (no dead pointers).
     */
    public Uni<Void> release(String userId, UUID switchId, String killedOldSandbox) {
        Uni<Void> released = db.preparedQuery(
                "UPDATE users SET switch_id = NULL, switch_started_at = NULL WHERE id = $1 AND switch_id = $2")
                .execute(Tuple.of(userId, switchId)).replaceWithVoid();
        return killedOldSandbox == null ? released : released.chain(() -> clearIfCurrent(userId, killedOldSandbox)).replaceWithVoid();
    }

    /** Clears the record if it still names {@code sandboxId}; answers whether it did. One statement. */
    public Uni<Boolean> clearIfCurrent(String userId, String sandboxId) {
        return db.preparedQuery("""
                UPDATE users SET active_sandbox_id = NULL, sandbox_provider = NULL, sandbox_url = NULL, sandbox_mcp_url = NULL,
                       sandbox_created_at = NULL, sandbox_last_used_at = NULL, sandbox_expires_at = NULL,
                       sandbox_provider_expires_at = NULL
                WHERE id = $1 AND active_sandbox_id = $2""").execute(Tuple.of(userId, sandboxId)).map(r -> r.rowCount() > 0);
    }

    /**
     * Detaches the user's sandbox before it is killed and cancels any switch in flight (its commit will fail and
     * it kills what it made). Answers the sandbox id that was recorded, or null. One statement.
     */
    public Uni<String> detach(String userId) {
        return db.preparedQuery("""
                WITH old AS (SELECT id, active_sandbox_id FROM users WHERE id = $1 FOR UPDATE)
                UPDATE users u SET active_sandbox_id = NULL, sandbox_provider = NULL, sandbox_url = NULL,
                       sandbox_mcp_url = NULL, sandbox_created_at = NULL, sandbox_last_used_at = NULL,
                       sandbox_expires_at = NULL, sandbox_provider_expires_at = NULL, switch_id = NULL, switch_started_at = NULL
                FROM old WHERE u.id = old.id RETURNING old.active_sandbox_id""")
                .execute(Tuple.of(userId)).map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new IllegalStateException("user " + userId + " has no row; UserService.ensure runs first");
                    }
                    return rows.iterator().next().getString(0);
                });
    }

    /**
     * After a save-back, the user's record points at the saved fragment if it still names that sandbox and project,
     * so init after a cleanup or an expiry restores what was saved, and the next save-back compares against it.
     */
    public Uni<Void> followSave(String userId, String sandboxId, UUID projectId, UUID fragmentId) {
        return db.preparedQuery("UPDATE users SET active_fragment_id = $4 WHERE id = $1 AND active_sandbox_id = $2 AND active_project_id = $3")
                .execute(Tuple.of(userId, sandboxId, projectId, fragmentId)).replaceWithVoid();
    }

    /** Records a use of the sandbox (resets its idle clock) if it is still the user's. */
    public Uni<Boolean> markUsed(String userId, String sandboxId) {
        return db.preparedQuery("UPDATE users SET sandbox_last_used_at = now() WHERE id = $1 AND active_sandbox_id = $2")
                .execute(Tuple.of(userId, sandboxId)).map(rows -> rows.rowCount() > 0);
    }

    /** Records the provider-side expiry after an extension, if the sandbox is still the user's. */
    public Uni<Void> providerExpiry(String userId, String sandboxId, Instant expiresAt) {
        return db.preparedQuery("UPDATE users SET sandbox_provider_expires_at = $3 WHERE id = $1 AND active_sandbox_id = $2")
                .execute(Tuple.of(userId, sandboxId, SqlTime.param(expiresAt)))
                .replaceWithVoid();
    }

    /** A sandbox that could not be killed and is no longer referenced: the reconciler retries the kill. */
    public Uni<Void> recordPendingKill(String sandboxId, String provider, String userId, String reason, String error) {
        return db.preparedQuery("""
                INSERT INTO pending_kills (sandbox_id, provider, user_id, reason, last_error) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (sandbox_id) DO UPDATE SET attempts = pending_kills.attempts + 1,
                    last_error = excluded.last_error, updated_at = now()
                """).execute(Tuple.of(sandboxId, provider, userId, reason, error == null ? null : truncate(error)))
                .replaceWithVoid();
    }

    /** The user's row, or null. */
    public Uni<User> find(String userId) {
        return db.preparedQuery("SELECT " + USER_COLUMNS + " FROM users WHERE id = $1").execute(Tuple.of(userId)).map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? user(it.next()) : null;
        });
    }

    private static User user(Row r) {
        return new User(r.getString("id"), r.getString("name"), r.getString("email"), SqlTime.instant(r, "created_at"),
                r.getUUID("active_project_id"), r.getUUID("active_fragment_id"), r.getString("active_sandbox_id"),
                r.getString("sandbox_provider"), r.getString("sandbox_url"), r.getString("sandbox_mcp_url"),
                SqlTime.instant(r, "sandbox_created_at"), SqlTime.instant(r, "sandbox_last_used_at"),
                SqlTime.instant(r, "sandbox_expires_at"), SqlTime.instant(r, "sandbox_provider_expires_at"),
                r.getUUID("switch_id"), SqlTime.instant(r, "switch_started_at"), r.getString("last_sandbox_id") == null ? null
                        : new User.LastSandbox(r.getString("last_sandbox_id"), SqlTime.instant(r, "last_sandbox_created_at"),
                                SqlTime.instant(r, "last_sandbox_last_used_at"), SqlTime.instant(r, "last_sandbox_stopped_at")));
    }

    private static String truncate(String s) {
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }
}
