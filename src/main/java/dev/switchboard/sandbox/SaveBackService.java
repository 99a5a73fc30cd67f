package dev.switchboard.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.BlobStore;
import dev.switchboard.files.FragmentService;
import dev.switchboard.files.Hashes;
import dev.switchboard.files.IgnoreRules;
import dev.switchboard.files.ManifestEntry;
import dev.switchboard.files.SaveBackPlan;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import io.micrometer.core.instrument.Metrics;
import io.smallrye.mutiny.Uni;

/**
 * Save-back (invariant 3): before a sandbox is killed, what changed in it since the fragment it was restored from is
 * stored as a new fragment of its project. Incremental (only new and changed files are read), bounded (at most the
 * fragment budget in memory) and never silent (what is not saved is listed). A sandbox may be saved any number of
 * times; identical save-backs of one sandbox collapse into one fragment.
 */
@ApplicationScoped
public class SaveBackService {

    private static final Logger LOG = Logger.getLogger(SaveBackService.class);
    private static final String GITIGNORE = ".gitignore";
    private static final long MAX_GITIGNORE_BYTES = 256 * 1024;
    /** Skipped files listed in answers and events; the count says how many there were in all. */
    static final int MAX_LISTED = 100;

    private final SandboxProvider provider;
    private final ProjectService projects;
    private final FragmentService fragments;
    private final BlobStore blobs;
    private final SandboxStateRepository state;
    private final SwitchboardConfig config;
    private final SandboxEvents events;
    private final ObjectMapper json;
    /** What to scan: fixed by the configuration, so worked out once rather than per save-back. */
    private final ScanSpec scan;

    public SaveBackService(SandboxProvider provider, ProjectService projects, FragmentService fragments, BlobStore blobs,
            SandboxStateRepository state, SwitchboardConfig config, SandboxEvents events, ObjectMapper json) {
        this.provider = provider;
        this.projects = projects;
        this.fragments = fragments;
        this.blobs = blobs;
        this.state = state;
        this.config = config;
        this.events = events;
        this.json = json;
        IgnoreRules.ScanPrune prune = IgnoreRules.of(config.saveBack().ignore(), null).prune();
        this.scan = new ScanSpec(prune.names(), prune.paths(), config.saveBack().maxScannedFiles(),
                config.limits().maxFileBytes().asLongValue());
    }

    /**
     * Saves what changed in the sandbox. Answers null when nothing needed saving (save-back off, no project, nothing
     * changed or skipped, sandbox already gone, user may not write); else the summary, whose {@code fragmentId} is
     * null when nothing changed but files were skipped. Fails only when the sandbox could not be read: the caller
     * must then not kill it.
     */
    public Uni<SaveBackSummary> saveBack(String userId, String sandboxId, UUID projectId, UUID fragmentId) {
        if (!config.saveBack().enabled() || sandboxId == null || projectId == null) {
            return Uni.createFrom().nullItem();
        }
        return projects.access(userId, projectId.toString())
                .map(a -> a.canWrite())
                .onFailure(SaveBackService::accessLost).recoverWithItem(false)
                .chain(canWrite -> {
                    if (!canWrite) {
                        LOG.infof("save-back of %s skipped: %s may not write to project %s", sandboxId, userId, projectId);
                        return events.record(userId, sandboxId, "saved-back", null,
                                "not saved: the user may not write to project " + projectId, provider.name()).replaceWith((SaveBackSummary) null);
                    }
                    Uni<List<ManifestEntry>> base = fragmentId == null ? Uni.createFrom().item(List.of()) : fragments.manifest(fragmentId);
                    return base.chain(b -> provider.listFiles(sandboxId, scan)
                            .chain(listing -> ignoreRules(sandboxId, b, listing)
                                    .chain(rules -> save(userId, sandboxId, projectId, b, SaveBackPlan.of(b, listing, rules, limits())))));
                })
                .onFailure(SaveBackService::gone).recoverWithNull();
    }

    private Uni<SaveBackSummary> save(String userId, String sandboxId, UUID projectId, List<ManifestEntry> base, SaveBackPlan plan) {
        if (!plan.changed()) {
            return plan.skipped().isEmpty() ? Uni.createFrom().nullItem()
                    : finish(userId, sandboxId, summary(null, base.size(), 0, 0, plan.skipped()));
        }
        List<String> paths = plan.toRead().stream().map(FileEntry::path).toList();
        long budget = limits().maxTotalBytes() - plan.carriedBytes();
        return provider.readFiles(sandboxId, paths, limits().maxFileBytes(), budget).chain(read -> {
            List<SkippedFile> skipped = new ArrayList<>(plan.skipped());
            List<ManifestEntry> manifest = new ArrayList<>(plan.carried());
            Map<String, byte[]> byHash = new HashMap<>();
            for (String path : paths) {
                FileData f = read.get(path);
                if (f == null) {
                    skipped.add(new SkippedFile(path, "changed-while-saving: it vanished, grew or stopped being a regular file"));
                    continue;
                }
                String hash = Hashes.sha256(f.content());
                byHash.put(hash, f.content());
                manifest.add(new ManifestEntry(path, hash, f.content().length, f.executable()));
            }
            int changed = manifest.size() - plan.carried().size();
            Set<String> kept = new HashSet<>();
            manifest.forEach(m -> kept.add(m.path()));
            int deleted = (int) base.stream().filter(b -> !kept.contains(b.path())).count();
            if (new HashSet<>(manifest).equals(new HashSet<>(base))) {
                return skipped.isEmpty() ? Uni.createFrom().nullItem()
                        : finish(userId, sandboxId, summary(null, base.size(), 0, 0, skipped));
            }
            return blobs.putAll(byHash)
                    .chain(() -> fragments.storeManifest(projectId, userId, "Saved from sandbox " + sandboxId, sandboxId, manifest))
                    .call(saved -> state.followSave(userId, sandboxId, projectId, saved.id()))
                    .chain(saved -> finish(userId, sandboxId, summary(saved.id(), manifest.size(), changed, deleted, skipped)));
        });
    }

    private Uni<SaveBackSummary> finish(String userId, String sandboxId, SaveBackSummary summary) {
        Metrics.counter("switchboard.save.back.files", "result", "saved").increment(summary.changedFiles());
        Metrics.counter("switchboard.save.back.files", "result", "skipped").increment(summary.skippedCount());
        if (summary.skippedCount() > 0) {
            LOG.warnf("save-back of %s: %d files not saved, e.g. %s", sandboxId, summary.skippedCount(), summary.skippedFiles().get(0));
        }
        LOG.infof("save-back of %s: fragment %s, %d files, %d read, %d deleted, %d skipped", sandboxId, summary.fragmentId(),
                summary.savedFiles(), summary.changedFiles(), summary.deletedFiles(), summary.skippedCount());
        return events.record(userId, sandboxId, "saved-back", null, describe(summary), provider.name()).replaceWith(summary);
    }

    private static SaveBackSummary summary(UUID fragmentId, int saved, int changed, int deleted, List<SkippedFile> skipped) {
        List<SkippedFile> listed = skipped.size() > MAX_LISTED ? List.copyOf(skipped.subList(0, MAX_LISTED)) : List.copyOf(skipped);
        return new SaveBackSummary(fragmentId, saved, changed, deleted, listed, skipped.size());
    }

    private String describe(SaveBackSummary summary) {
        try {
            return json.writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            return "fragment " + summary.fragmentId() + ", " + summary.skippedCount() + " files skipped";
        }
    }

    /** The configured patterns plus the sandbox's own .gitignore, read from the blob store when it did not change. */
    private Uni<IgnoreRules> ignoreRules(String sandboxId, List<ManifestEntry> base, FileListing listing) {
        List<String> configured = config.saveBack().ignore();
        FileEntry gitignore = listing.entries().stream()
                .filter(e -> e.path().equals(GITIGNORE) && e.type() == FileEntry.Type.FILE && e.size() <= MAX_GITIGNORE_BYTES)
                .findFirst().orElse(null);
        if (gitignore == null) {
            return Uni.createFrom().item(IgnoreRules.of(configured, null));
        }
        ManifestEntry stored = base.stream().filter(m -> m.path().equals(GITIGNORE)).findFirst().orElse(null);
        Uni<byte[]> text = stored != null && stored.hash().equals(gitignore.sha256())
                ? blobs.getAll(List.of(stored.hash())).map(found -> found.get(stored.hash()))
                : provider.readFiles(sandboxId, List.of(GITIGNORE), MAX_GITIGNORE_BYTES, MAX_GITIGNORE_BYTES)
                        .map(found -> found.containsKey(GITIGNORE) ? found.get(GITIGNORE).content() : null);
        return text.map(bytes -> IgnoreRules.of(configured, bytes == null ? null : new String(bytes, StandardCharsets.UTF_8)));
    }


    private SaveBackPlan.Limits limits() {
        SwitchboardConfig.Limits l = config.limits();
        return new SaveBackPlan.Limits(l.maxFiles(), l.maxFileBytes().asLongValue(), l.maxFragmentBytes().asLongValue());
    }

    private static boolean gone(Throwable e) {
        return e instanceof ProviderException p && p.kind() == ProviderException.Kind.GONE;
    }

    /** The project was deleted or the user lost access: nothing to save into. */
    private static boolean accessLost(Throwable e) {
        return e instanceof ProblemException p && (p.status() == 403 || p.status() == 404);
    }
}
