package dev.switchboard.project;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SqlTime;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL of the {@code projects} and {@code project_members} tables; nothing else writes them. Methods taking a
 * {@link SqlClient} run on the caller's connection, so a service can combine them in one transaction.
 */
@ApplicationScoped
public class ProjectRepository {

    private static final String COLUMNS = "id, name, owner_id, template, created_at";

    /** A project and a user's member role in it ({@code editor}, {@code viewer}), null when not a member. */
    public record Membership(Project project, String memberRole) {
    }

    private final Pool db;

    public ProjectRepository(Pool db) {
        this.db = db;
    }

    public Uni<Void> insert(Project p) {
        return db.preparedQuery("INSERT INTO projects (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(p.id, p.name, p.ownerId, p.template, SqlTime.param(p.createdAt))).replaceWithVoid();
    }

    /** The project, or null. */
    public Uni<Project> find(UUID id) {
        return db.preparedQuery("SELECT " + COLUMNS + " FROM projects WHERE id = $1").execute(Tuple.of(id)).map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? project(it.next()) : null;
        });
    }

    /** The projects the user owns or is a member of, oldest first. */
    public Uni<List<Project>> listVisible(String userId) {
        return db.preparedQuery("SELECT " + COLUMNS + """
                 FROM projects
                WHERE owner_id = $1 OR id IN (SELECT project_id FROM project_members WHERE user_id = $1)
                ORDER BY created_at, id""").execute(Tuple.of(userId)).map(ProjectRepository::projects);
    }

    /** The project with the user's membership, in one query; null for an unknown project. */
    public Uni<Membership> membership(UUID projectId, String userId) {
        return membership(db, projectId, userId);
    }

    public Uni<Membership> membership(SqlClient client, UUID projectId, String userId) {
        return client.preparedQuery("""
                SELECT p.id, p.name, p.owner_id, p.template, p.created_at, m.role
                FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
                WHERE p.id = $1""").execute(Tuple.of(projectId, userId)).map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return null;
                    }
                    Row r = it.next();
                    return new Membership(project(r), r.getString("role"));
                });
    }

    /** Adds the member, or changes the role of an existing one (keeping when they were added). */
    public Uni<Void> upsertMember(SqlClient client, UUID projectId, String userId, String role) {
        return client.preparedQuery("""
                INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
                ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role""")
                .execute(Tuple.of(projectId, userId, role)).replaceWithVoid();
    }

    private static List<Project> projects(RowSet<Row> rows) {
        List<Project> list = new ArrayList<>(rows.size());
        rows.forEach(r -> list.add(project(r)));
        return list;
    }

    private static Project project(Row r) {
        return new Project(r.getUUID("id"), r.getString("name"), r.getString("owner_id"), r.getString("template"),
                SqlTime.instant(r, "created_at"));
    }
}
