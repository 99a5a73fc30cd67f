package dev.switchboard.project;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import dev.switchboard.files.Fragment;
import dev.switchboard.files.FragmentRepository;
import dev.switchboard.files.FragmentService;
import dev.switchboard.files.ManifestDiff;
import dev.switchboard.files.StoredFile;
import dev.switchboard.provider.Templates;
import dev.switchboard.project.ProjectDtos.AddMember;
import dev.switchboard.project.ProjectDtos.CreateProject;
import dev.switchboard.project.ProjectDtos.FragmentSummary;
import dev.switchboard.project.ProjectDtos.ProjectView;
import dev.switchboard.project.ProjectRepository.Membership;
import dev.switchboard.user.UserService;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Projects, members and fragments, with the access rules: members may read and switch, owners and editors add
 * fragments, only owners add members. An unknown project is 404, someone else's project 403.
 */
@ApplicationScoped
public class ProjectService {

    private final Pool db;
    private final ProjectRepository projects;
    private final UserService users;
    private final FragmentService fragments;
    private final FragmentRepository repository;
    private final Templates templates;

    public ProjectService(Pool db, ProjectRepository projects, UserService users, FragmentService fragments,
            FragmentRepository repository, Templates templates) {
        this.templates = templates;
        this.db = db;
        this.projects = projects;
        this.users = users;
        this.fragments = fragments;
        this.repository = repository;
    }

    /** A new project; its template, when it names one, must be configured (400 listing them otherwise). */
    public Uni<ProjectView> create(String userId, CreateProject req) {
        String template = req.template() == null || req.template().isBlank() ? null : req.template().strip();
        try {
            templates.require(template);
        } catch (ProblemException e) {
            return Uni.createFrom().failure(e);
        }
        Project p = new Project(UUID.randomUUID(), req.name().strip(), userId, template, now());
        return projects.insert(p).replaceWith(() -> ProjectView.of(p));
    }

    public Uni<List<ProjectView>> list(String userId) {
        return projects.listVisible(userId).map(ps -> ps.stream().map(ProjectView::of).toList());
    }

    public Uni<ProjectView> get(String userId, String projectId) {
        return access(userId, projectId).map(a -> ProjectView.of(a.project()));
    }

    /** The project, or null; no access check. */
    public Uni<Project> find(UUID projectId) {
        return projects.find(projectId);
    }

    /**
     * The caller's access to a project; fails with 404 (unknown or malformed id) or 403 (neither owner nor member).
     * One query: it runs before every switch.
     */
    public Uni<Access> access(String userId, String projectId) {
        UUID id;
        try {
            id = parseId(projectId, "project");
        } catch (ProblemException e) {
            return Uni.createFrom().failure(e);
        }
        return projects.membership(id, userId).map(m -> toAccess(m, userId, projectId));
    }

    private static Access toAccess(Membership m, String userId, String projectId) {
        if (m == null) {
            throw ProblemException.notFound("Project " + projectId + " does not exist");
        }
        if (m.project().ownerId.equals(userId)) {
            return new Access(m.project(), Access.Role.OWNER);
        }
        if (m.memberRole() == null) {
            throw ProblemException.forbidden("You have no access to project " + projectId);
        }
        return new Access(m.project(), "editor".equals(m.memberRole()) ? Access.Role.EDITOR : Access.Role.VIEWER);
    }

    /**
     * Adds a member or changes their role (owner only; not the owner themselves). One transaction: the member's user
     * row (created if they never signed in) and the membership are stored together or not at all.
     */
    public Uni<Void> addMember(String userId, String projectId, AddMember req) {
        UUID id;
        try {
            id = parseId(projectId, "project");
        } catch (ProblemException e) {
            return Uni.createFrom().failure(e);
        }
        return db.withTransaction(conn -> projects.membership(conn, id, userId).chain(m -> {
            Access a = toAccess(m, userId, projectId);
            if (a.role() != Access.Role.OWNER) {
                return Uni.createFrom().failure(ProblemException.forbidden("Only the owner adds members"));
            }
            if (req.userId().equals(a.project().ownerId)) {
                return Uni.createFrom().failure(ProblemException.badRequest("userId: the owner is already in the project"));
            }
            return users.ensureExists(conn, req.userId())
                    .chain(() -> projects.upsertMember(conn, a.project().id, req.userId(), req.role()));
        }));
    }

    /** Stores files (already decoded and checked against the rules and limits) as a new fragment. */
    public Uni<FragmentSummary> addFragment(String userId, String projectId, String title, List<StoredFile> files) {
        return access(userId, projectId).chain(a -> {
            if (!a.canWrite()) {
                return Uni.createFrom().failure(ProblemException.forbidden("Viewers cannot add fragments"));
            }
            return fragments.store(a.project().id, userId, title, files).map(FragmentSummary::of);
        });
    }

    public Uni<List<FragmentSummary>> listFragments(String userId, String projectId) {
        return access(userId, projectId).chain(a -> repository.list(a.project().id))
                .map(list -> list.stream().map(FragmentSummary::of).toList());
    }

    public Uni<Fragment> getFragment(String userId, String projectId, String fragmentId) {
        return access(userId, projectId).chain(a -> findFragment(a.project().id, fragmentId));
    }

    /** The fragment with its files' bytes. */
    public Uni<FragmentFiles> getFragmentFiles(String userId, String projectId, String fragmentId) {
        return getFragment(userId, projectId, fragmentId)
                .chain(f -> fragments.files(f.id()).map(files -> new FragmentFiles(f, files)));
    }

    /** Paths added, changed and deleted from fragment {@code fromId} to fragment {@code toId} of one project. */
    public Uni<ManifestDiff.Diff> diff(String userId, String projectId, String toId, String fromId) {
        if (fromId == null || fromId.isBlank()) {
            return Uni.createFrom().failure(ProblemException.badRequest("from: the fragment to compare with is required"));
        }
        return access(userId, projectId).chain(a -> findFragment(a.project().id, toId)
                .chain(to -> findFragment(a.project().id, fromId)
                        .chain(from -> fragments.manifest(from.id()).chain(before -> fragments.manifest(to.id())
                                .map(after -> ManifestDiff.between(FragmentService.hashes(before), FragmentService.hashes(after)))))));
    }

    /** A fragment and its files. */
    public record FragmentFiles(Fragment fragment, List<StoredFile> files) {
    }

    /** The fragment if it belongs to the project, else 404. */
    public Uni<Fragment> findFragment(UUID projectId, String fragmentId) {
        UUID id = parseId(fragmentId, "fragment");
        return repository.find(id).map(f -> {
            if (f == null || !f.projectId().equals(projectId)) {
                throw ProblemException.notFound("Fragment " + fragmentId + " does not exist in project " + projectId);
            }
            return f;
        });
    }

    /** The project's newest fragment, or null when it has none. */
    public Uni<Fragment> latestFragment(UUID projectId) {
        return repository.latest(projectId);
    }

    /** The user responsible for a project (its owner), or null for an unknown project. */
    public Uni<String> getUserIdForProject(String projectId) {
        UUID id;
        try {
            id = UUID.fromString(projectId);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().nullItem();
        }
        return projects.find(id).map(p -> p == null ? null : p.ownerId);
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
