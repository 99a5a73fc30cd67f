package dev.switchboard.user;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Users are created on their first authenticated call and keep their name and email in step with the token. This
 * class writes the identity columns of {@code users}; the sandbox columns are {@code SandboxStateRepository}'s.
 */
@ApplicationScoped
public class UserService {

    private final Pool db;

    public UserService(Pool db) {
        this.db = db;
    }

    /**
     * Creates the caller's row if missing, refreshing name and email when the token carries new ones.
     * One statement, which writes only when something changed.
     */
    public Uni<String> ensure(CurrentUser caller) {
        String id = caller.id();
        if (id == null || id.isBlank() || id.length() > 255) {
            return Uni.createFrom().failure(new ProblemException(401, "Unauthorized", "The token has no usable subject"));
        }
        return db.preparedQuery("""
                INSERT INTO users (id, name, email) VALUES ($1, $2, $3)
                ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.name, users.name),
                                               email = coalesce(excluded.email, users.email)
                WHERE (excluded.name IS NOT NULL AND excluded.name IS DISTINCT FROM users.name)
                   OR (excluded.email IS NOT NULL AND excluded.email IS DISTINCT FROM users.email)
                """).execute(Tuple.of(id, caller.name(), caller.email())).replaceWith(id);
    }

    /**
     * Makes sure a row exists for a user known only by id (a member added before their first sign-in), on the given
     * client, so it can be part of the caller's transaction.
     */
    public Uni<Void> ensureExists(SqlClient client, String userId) {
        return client.preparedQuery("INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.of(userId)).replaceWithVoid();
    }
}
