package dev.switchboard.user;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

/** Users are created on their first authenticated call and keep their name and email in step with the token. */
@ApplicationScoped
public class UserService {

    /**
     * Creates the caller's row if missing, refreshing name and email when the token carries new ones.
     * One statement, which writes only when something changed.
     */
    public Uni<String> ensure(CurrentUser caller) {
        String id = caller.id();
        if (id == null || id.isBlank() || id.length() > 255) {
            return Uni.createFrom().failure(new ProblemException(401, "Unauthorized", "The token has no usable subject"));
        }
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                INSERT INTO users (id, name, email) VALUES (?1, ?2, ?3)
                ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.name, users.name),
                                               email = coalesce(excluded.email, users.email)
                WHERE (excluded.name IS NOT NULL AND excluded.name IS DISTINCT FROM users.name)
                   OR (excluded.email IS NOT NULL AND excluded.email IS DISTINCT FROM users.email)
                """).setParameter(1, id).setParameter(2, caller.name()).setParameter(3, caller.email()).executeUpdate()))
                .replaceWith(id);
    }

    /** Makes sure a row exists for a user known only by id (a member added before their first sign-in). */
    public Uni<Void> ensureExists(String userId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                "INSERT INTO users (id) VALUES (?1) ON CONFLICT (id) DO NOTHING").setParameter(1, userId).executeUpdate())
                .replaceWithVoid();
    }

    @WithSession
    public Uni<User> find(String userId) {
        return User.findById(userId);
    }
}
