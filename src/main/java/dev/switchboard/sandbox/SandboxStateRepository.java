package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.switchboard.common.SqlTime;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.user.User;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The state transitions of a user's sandbox record, each one short transaction on the locked user row.
 * Provider calls always happen between these transactions, never inside one.
 */
@ApplicationScoped
public class SandboxStateRepository {

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

    /** Claim: records the switch id; a later claim overtakes this one. Answers the sandbox it replaces. */
    public Uni<Previous> claim(String userId, UUID switchId) {
        return Panache.withTransaction(() -> lock(userId).map(u -> {
            u.switchId = switchId;
            u.switchStartedAt = Instant.now();
            return new Previous(u.activeSandboxId, u.activeProjectId, u.activeFragmentId);
        }));
    }

    /** Compare-and-set on the switch id: true if this switch is still the newest and now owns the record. */
    public Uni<Boolean> commit(String userId, UUID switchId, Committed c) {
        return Panache.withTransaction(() -> lock(userId).map(u -> {
            if (!switchId.equals(u.switchId)) {
                return false;
            }
            Instant now = Instant.now();
            u.switchId = null;
            u.switchStartedAt = null;
            u.activeProjectId = c.projectId();
            u.activeFragmentId = c.fragmentId();
            u.activeSandboxId = c.sandbox().id();
            u.sandboxProvider = c.provider();
            u.sandboxUrl = c.sandbox().url();
            u.sandboxMcpUrl = c.sandbox().mcpServerUrl();
            u.sandboxCreatedAt = c.sandbox().createdAt() != null ? c.sandbox().createdAt() : now;
            u.sandboxLastUsedAt = now;
            u.sandboxExpiresAt = c.expiresAt();
            u.sandboxProviderExpiresAt = c.sandbox().expiresAt();
            return true;
        }));
    }

    /**
     * A failed switch lets go: it clears its claim if still the newest, and clears the pointer to the old sandbox
     * if that one was killed on the way (no dead pointers).
     */
    public Uni<Void> release(String userId, UUID switchId, String killedOldSandbox) {
        return Panache.withTransaction(() -> lock(userId).invoke(u -> {
            if (switchId.equals(u.switchId)) {
                u.switchId = null;
                u.switchStartedAt = null;
            }
            if (killedOldSandbox != null && killedOldSandbox.equals(u.activeSandboxId)) {
                clearSandbox(u);
            }
        })).replaceWithVoid();
    }

    /** Clears the record if it still names {@code sandboxId}; answers whether it did. One statement, no session. */
    public Uni<Boolean> clearIfCurrent(String userId, String sandboxId) {
        return db.preparedQuery("""
                UPDATE users SET active_sandbox_id = NULL, sandbox_provider = NULL, sandbox_url = NULL, sandbox_mcp_url = NULL,
                       sandbox_created_at = NULL, sandbox_last_used_at = NULL, sandbox_expires_at = NULL,
                       sandbox_provider_expires_at = NULL
                WHERE id = $1 AND active_sandbox_id = $2""").execute(Tuple.of(userId, sandboxId)).map(r -> r.rowCount() > 0);
    }

    /**
     * Detaches the user's sandbox before it is killed and cancels any switch in flight (its commit will fail and
     * it kills what it made). Answers the sandbox id that was recorded, or null.
     */
    public Uni<String> detach(String userId) {
        return Panache.withTransaction(() -> lock(userId).map(u -> {
            String id = u.activeSandboxId;
            clearSandbox(u);
            u.switchId = null;
            u.switchStartedAt = null;
            return id;
        }));
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

    public Uni<User> find(String userId) {
        return Panache.withSession(() -> User.findById(userId));
    }

    private static Uni<User> lock(String userId) {
        return User.<User> findById(userId, LockModeType.PESSIMISTIC_WRITE).map(u -> {
            if (u == null) {
                throw new IllegalStateException("user " + userId + " has no row; UserService.ensure runs first");
            }
            return u;
        });
    }

    private static void clearSandbox(User u) {
        u.activeSandboxId = null;
        u.sandboxProvider = null;
        u.sandboxUrl = null;
        u.sandboxMcpUrl = null;
        u.sandboxCreatedAt = null;
        u.sandboxLastUsedAt = null;
        u.sandboxExpiresAt = null;
        u.sandboxProviderExpiresAt = null;
    }

    private static String truncate(String s) {
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }
}
