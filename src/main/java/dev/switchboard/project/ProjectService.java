package dev.switchboard.project;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import dev.switchboard.project.ProjectDtos.AddMember;
import dev.switchboard.project.ProjectDtos.CreateFragment;
import dev.switchboard.project.ProjectDtos.CreateProject;
import dev.switchboard.project.ProjectDtos.FragmentSummary;
import dev.switchboard.project.ProjectDtos.ProjectView;
import dev.switchboard.user.UserService;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Projects, members and fragments, with the access rules: members may read and switch, owners and editors add
 * fragments, only owners add members. An unknown project is 404, someone else's project 403.
 */
@ApplicationScoped
public class ProjectService {

    private final FragmentRules rules;
    private final UserService users;

    public ProjectService(FragmentRules rules, UserService users) {
        this.rules = rules;
        this.users = users;
    }

    @WithTransaction
    public Uni<ProjectView> create(String userId, CreateProject req) {
        Project p = new Project();
        p.id = UUID.randomUUID();
        p.name = req.name().strip();
        p.ownerId = userId;
        p.template = req.template() == null || req.template().isBlank() ? null : req.template().strip();
        p.createdAt = now();
        return p.persist().replaceWith(() -> ProjectView.of(p));
    }

    @WithSession
    public Uni<List<ProjectView>> list(String userId) {
        return Project.<Project> find("""
                where ownerId = ?1 or id in (select m.projectId from ProjectMember m where m.userId = ?1)
                order by createdAt, id""", userId).list()
                .map(ps -> ps.stream().map(ProjectView::of).toList());
    }

    @WithSession
    public Uni<ProjectView> get(String userId, String projectId) {
        return access(userId, projectId).map(a -> ProjectView.of(a.project()));
    }

    /** The caller's access to a project; fails with 404 (unknown) or 403 (not a member). Needs a session. */
    public Uni<Access> access(String userId, String projectId) {
        UUID id = parseId(projectId, "project");
        return Project.<Project> findById(id).chain(p -> {
            if (p == null) {
                return Uni.createFrom().failure(ProblemException.notFound("Project " + projectId + " does not exist"));
            }
            if (p.ownerId.equals(userId)) {
                return Uni.createFrom().item(new Access(p, Access.Role.OWNER));
            }
            return ProjectMember.<ProjectMember> findById(new ProjectMember.Key(id, userId)).map(m -> {
                if (m == null) {
                    throw ProblemException.forbidden("You have no access to project " + projectId);
                }
                return new Access(p, "editor".equals(m.role) ? Access.Role.EDITOR : Access.Role.VIEWER);
            });
        });
    }

    @WithTransaction
    public Uni<Void> addMember(String userId, String projectId, AddMember req) {
        return access(userId, projectId).chain(a -> {
            if (a.role() != Access.Role.OWNER) {
                return Uni.createFrom().failure(ProblemException.forbidden("Only the owner adds members"));
            }
            if (req.userId().equals(a.project().ownerId)) {
                return Uni.createFrom().failure(ProblemException.badRequest("userId: the owner is already in the project"));
            }
            return users.ensureExists(req.userId())
                    .chain(() -> ProjectMember.<ProjectMember> findById(new ProjectMember.Key(a.project().id, req.userId())))
                    .chain(existing -> {
                        if (existing != null) {
                            existing.role = req.role();
                            return Uni.createFrom().voidItem();
                        }
                        ProjectMember m = new ProjectMember();
                        m.projectId = a.project().id;
                        m.userId = req.userId();
                        m.role = req.role();
                        m.createdAt = now();
                        return m.persist().replaceWithVoid();
                    });
        });
    }

    @WithTransaction
    public Uni<FragmentSummary> addFragment(String userId, String projectId, CreateFragment req) {
        // Validate before touching the database: bad input stores nothing.
        long bytes = rules.check(req.files());
        return access(userId, projectId).chain(a -> {
            if (!a.canWrite()) {
                return Uni.createFrom().failure(ProblemException.forbidden("Viewers cannot add fragments"));
            }
            return insertFragment(a.project().id, userId, req.title(), req.files(), bytes, null)
                    .map(FragmentSummary::of);
        });
    }

    /** Stores a new immutable fragment. Needs a transaction. */
    public Uni<Fragment> insertFragment(UUID projectId, String userId, String title, Map<String, String> files, long bytes,
            String savedFromSandbox) {
        Fragment f = new Fragment();
        f.id = UUID.randomUUID();
        f.projectId = projectId;
        f.title = title == null || title.isBlank() ? null : title.strip();
        f.files = files;
        f.fileCount = files.size();
        f.totalBytes = bytes;
        f.createdBy = userId;
        f.savedFromSandbox = savedFromSandbox;
        f.createdAt = now();
        return f.persist().replaceWith(f);
    }

    @WithSession
    public Uni<List<FragmentSummary>> listFragments(String userId, String projectId) {
        return access(userId, projectId).chain(a -> Fragment.find(
                "projectId = ?1 order by createdAt desc, seq desc", a.project().id)
                .project(FragmentSummary.class).list());
    }

    @WithSession
    public Uni<Fragment> getFragment(String userId, String projectId, String fragmentId) {
        return access(userId, projectId).chain(a -> findFragment(a.project().id, fragmentId));
    }

    /** The fragment if it belongs to the project, else 404. Needs a session. */
    public Uni<Fragment> findFragment(UUID projectId, String fragmentId) {
        UUID id = parseId(fragmentId, "fragment");
        return Fragment.<Fragment> findById(id).map(f -> {
            if (f == null || !f.projectId.equals(projectId)) {
                throw ProblemException.notFound("Fragment " + fragmentId + " does not exist in project " + projectId);
            }
            return f;
        });
    }

    /** The project's newest fragment, or null when it has none. Needs a session. */
    public Uni<Fragment> latestFragment(UUID projectId) {
        return Fragment.<Fragment> find("projectId = ?1 order by createdAt desc, seq desc", projectId).firstResult();
    }

    /** The user responsible for a project (its owner), or null for an unknown project. */
    @WithSession
    public Uni<String> getUserIdForProject(String projectId) {
        UUID id;
        try {
            id = UUID.fromString(projectId);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().nullItem();
        }
        return Project.<Project> findById(id).map(p -> p == null ? null : p.ownerId);
    }

    /** Now, at the database's microsecond precision, so a created answer shows what later reads show. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    public static UUID parseId(String value, String what) {
        try {
            if (value != null && value.length() == 36) {
                return UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // fall through: a malformed id names nothing
        }
        throw ProblemException.notFound("No " + what + " with id '" + (value == null ? "" : value.length() > 64 ? value.substring(0, 64) : value) + "'");
    }
}
