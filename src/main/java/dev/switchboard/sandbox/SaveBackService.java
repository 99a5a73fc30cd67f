package dev.switchboard.sandbox;

import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.hibernate.exception.ConstraintViolationException;
import org.jboss.logging.Logger;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.project.Fragment;
import dev.switchboard.project.FragmentRules;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxProvider;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Save-back (invariant 3): before a sandbox is killed, the files that differ from the fragment it was restored
 * from are stored as a new fragment of its project. Each sandbox is saved at most once, even when several
 * switches race (a unique key on {@code saved_from_sandbox}).
 */
@ApplicationScoped
public class SaveBackService {

    private static final Logger LOG = Logger.getLogger(SaveBackService.class);

    private final SandboxProvider provider;
    private final ProjectService projects;
    private final SwitchboardConfig config;
    private final SandboxEvents events;

    public SaveBackService(SandboxProvider provider, ProjectService projects, SwitchboardConfig config, SandboxEvents events) {
        this.provider = provider;
        this.projects = projects;
        this.config = config;
        this.events = events;
    }

    /**
     * Saves the sandbox's changed files. Answers the new fragment's id, or null when there was nothing to save
     * (save-back off, no project, unchanged files, sandbox already gone, user may not write). Fails only when the
     * files could not be read from a live sandbox: the caller must then not kill it.
     */
    public Uni<UUID> saveBack(String userId, String sandboxId, UUID projectId, UUID fragmentId) {
        if (!config.switching().saveBack() || sandboxId == null || projectId == null) {
            return Uni.createFrom().nullItem();
        }
        SwitchboardConfig.Limits limits = config.limits();
        return provider.readFiles(sandboxId, limits.maxFiles(), limits.maxFileBytes().asLongValue())
                .onFailure(e -> e instanceof ProviderException p && p.kind() == ProviderException.Kind.GONE)
                .recoverWithNull()
                .chain(files -> files == null ? Uni.createFrom().nullItem() : store(userId, sandboxId, projectId, fragmentId, files));
    }

    private Uni<UUID> store(String userId, String sandboxId, UUID projectId, UUID fragmentId, Map<String, String> files) {
        return Panache.withTransaction(() -> projects.access(userId, projectId.toString())
                .chain(access -> {
                    if (!access.canWrite()) {
                        LOG.infof("save-back of %s skipped: %s may not write to project %s", sandboxId, userId, projectId);
                        return Uni.createFrom().nullItem();
                    }
                    Uni<Fragment> base = fragmentId == null ? Uni.createFrom().nullItem() : Fragment.findById(fragmentId);
                    return base.chain(f -> {
                        Map<String, String> before = f == null ? Map.of() : f.files;
                        if (before.equals(files)) {
                            return Uni.createFrom().nullItem();
                        }
                        Map<String, String> kept = withinLimits(files, sandboxId);
                        long bytes = kept.values().stream().mapToLong(FragmentRules::utf8Length).sum();
                        return projects.insertFragment(projectId, userId, "Saved from sandbox " + sandboxId, kept, bytes, sandboxId)
                                .map(saved -> saved.id);
                    });
                }))
                .onFailure(SaveBackService::accessLost).recoverWithNull()
                .onFailure(SaveBackService::alreadySaved).recoverWithNull()
                .call(id -> {
                    if (id == null) {
                        return Uni.createFrom().voidItem();
                    }
                    LOG.infof("saved %d files of sandbox %s as fragment %s", files.size(), sandboxId, id);
                    return events.record(userId, sandboxId, "saved-back", null, "fragment " + id, provider.name());
                });
    }

    /** Keeps files in path order until the fragment byte limit; provider reads already capped count and file size. */
    private Map<String, String> withinLimits(Map<String, String> files, String sandboxId) {
        long max = config.limits().maxFragmentBytes().asLongValue();
        Map<String, String> kept = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, String> e : new TreeMap<>(files).entrySet()) {
            long n = FragmentRules.utf8Length(e.getValue());
            if (total + n > max) {
                LOG.warnf("save-back of %s: file %s and later ones exceed the fragment limit and are not saved", sandboxId, e.getKey());
                break;
            }
            total += n;
            kept.put(e.getKey(), e.getValue());
        }
        return kept;
    }

    private static boolean alreadySaved(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException || String.valueOf(t.getMessage()).contains("saved_from_sandbox")) {
                return true;
            }
        }
        return false;
    }

    /** The project was deleted or the user lost access: nothing to save into. */
    private static boolean accessLost(Throwable e) {
        return e instanceof ProblemException p && (p.status() == 403 || p.status() == 404);
    }
}
