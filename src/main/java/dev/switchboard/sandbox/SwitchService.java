package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.Fragment;
import dev.switchboard.project.Project;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.Templates;
import dev.switchboard.sandbox.Launcher.Launch;
import dev.switchboard.sandbox.Restorer.Restored;
import dev.switchboard.sandbox.SandboxKiller.Outcome;
import dev.switchboard.sandbox.SandboxStateRepository.Committed;
import dev.switchboard.sandbox.SandboxStateRepository.Previous;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import dev.switchboard.sandbox.SwitchDtos.SwitchResult;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;

/**
 * The switch pipeline: fetch-fragment, claim, save-back of the old sandbox beside create-sandbox, kill-old once its
 * save-back is done beside restore-files, commit. Each database step is its own short transaction; no transaction
 * is open during a provider call. The newest claim wins the commit (invariant 4); a switch that loses or fails kills
 * what it created, and never kills an old sandbox whose files could not be saved (invariant 3).
 */
@ApplicationScoped
public class SwitchService {

    private static final Logger LOG = Logger.getLogger(SwitchService.class);

    /** Where a switch goes. {@code fragment} is null for "the latest", resolved after save-back when it must be. */
    public record Target(UUID projectId, Fragment fragment, boolean latest, String template) {

        /** An empty sandbox outside any project. */
        public static Target none() {
            return new Target(null, null, false, null);
        }
    }

    /** A step's result or its failure, kept so the others can finish or be undone first. */
    private record Result<T>(T value, Throwable error) {
        static <T> Uni<Result<T>> of(Uni<T> step) {
            return step.map(v -> new Result<T>(v, null)).onFailure().recoverWithItem(e -> new Result<>(null, e));
        }
    }

    /** The outcome of save-back and acquire, and of kill-old when it ran first. */
    private record First(Result<SaveBackSummary> saved, Result<Launch> created, Outcome old) {
    }

    private final SandboxProvider provider;
    private final ProjectService projects;
    private final SandboxStateRepository state;
    private final SandboxKiller killer;
    private final Launcher launcher;
    private final Retirer retirer;
    private final Restorer restorer;
    private final SaveBackService saveBack;
    private final SwitchboardConfig config;
    private final SandboxEvents events;
    private final Templates templates;
    private final SandboxSpecs specs;
    private final Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    public SwitchService(SandboxProvider provider, ProjectService projects, SandboxStateRepository state, SandboxKiller killer,
            Launcher launcher, Retirer retirer, Restorer restorer, SaveBackService saveBack, SwitchboardConfig config,
            SandboxEvents events, Templates templates, SandboxSpecs specs) {
        this.templates = templates;
        this.provider = provider;
        this.projects = projects;
        this.state = state;
        this.killer = killer;
        this.launcher = launcher;
        this.retirer = retirer;
        this.restorer = restorer;
        this.saveBack = saveBack;
        this.config = config;
        this.events = events;
        this.specs = specs;
    }

    /** Switches the user's sandbox to a fragment of a project, or to the project's latest when none is given. */
    public Uni<SwitchResult> switchUserToFragment(String userId, String projectId, String fragmentId) {
        return target(userId, projectId, fragmentId).chain(target -> run(userId, target));
    }

    /**
     * fetch-fragment, with the access check (403/404 as domain failures). It runs before the claim: a request that
     * fails validation must not overtake a valid switch already in flight (invariant 7: bad input changes nothing).
     */
    public Uni<Target> target(String userId, String projectId, String fragmentId) {
        return projects.access(userId, projectId).chain(a -> {
            Project p = a.project();
            if (fragmentId == null || fragmentId.isBlank()) {
                return Uni.createFrom().item(new Target(p.id, null, true, p.template));
            }
            return projects.findFragment(p.id, fragmentId).map(f -> new Target(p.id, f, false, p.template));
        });
    }

    /** Compatibility form: the project's latest fragment. */
    public Uni<SwitchResult> switchUserToProject(String userId, String projectId) {
        return switchUserToFragment(userId, projectId, null);
    }

    /** Runs the pipeline for an already resolved and authorised target. The user's row must exist. */
    public Uni<SwitchResult> run(String userId, Target target) {
        return run(userId, target, null, SwitchProgress.NONE);
    }

    /**
     * As above, telling {@code progress} of each step; with {@code read} (an init), the same claim made only if the
     * row still holds what init read, else 409.
     */
    public Uni<SwitchResult> run(String userId, Target target, SandboxStateRepository.Unchanged read, SwitchProgress progress) {
        try {
            // A project naming a template no longer configured fails here, before the claim changes anything.
            templates.require(target.template());
        } catch (ProblemException e) {
            return Uni.createFrom().failure(e);
        }
        UUID switchId = UUID.randomUUID();
        long started = System.nanoTime();
        Timer.Sample sample = Timer.start(Metrics.globalRegistry);
        String[] launch = { "cold" };
        Uni<Previous> claim = read == null ? state.claim(userId, switchId)
                : state.claimIfUnchanged(userId, switchId, read).onItem().ifNull().failWith(() -> ProblemException.conflict(
                        "A concurrent switch or cleanup changed the sandbox; retry"));
        return claim.invoke(() -> progress.claimed(switchId))
                .chain(prev -> replace(userId, switchId, prev, target, progress))
                .invoke(r -> launch[0] = r.launch())
                .invoke(r -> LOG.infof("switch %s of %s to project %s fragment %s: sandbox %s in %d ms", switchId, userId,
                        r.activeProjectId(), r.fragmentId(), r.sandboxId(), (System.nanoTime() - started) / 1_000_000))
                .onFailure().invoke(e -> LOG.infof("switch %s of %s failed after %d ms: %s", switchId, userId,
                        (System.nanoTime() - started) / 1_000_000, e.getMessage()))
                .onItemOrFailure().invoke((r, e) -> sample.stop(timer(
                        e == null ? "ok" : e instanceof ProblemException p && p.status() == 409 ? "overtaken" : "failed", launch[0])));
    }

    /** The switch histogram of an outcome and launch kind, registered once (not on every switch). */
    private Timer timer(String outcome, String launch) {
        return timers.computeIfAbsent(outcome + "/" + launch, k -> Timer.builder("switchboard.switch")
                .description("Duration of switches, by outcome and by how the sandbox came (cold, warm, resumed)")
                .tag("outcome", outcome).tag("launch", launch)
                .publishPercentileHistogram()
                .register(Metrics.globalRegistry));
    }

    private Uni<SwitchResult> replace(String userId, UUID switchId, Previous prev, Target wanted, SwitchProgress progress) {
        // "The latest" of another project is known now; of the project being saved, only once its save-back is done.
        boolean afterSave = wanted.latest() && wanted.projectId().equals(prev.projectId());
        Uni<Target> resolved = !wanted.latest() || afterSave ? Uni.createFrom().item(wanted)
                : projects.latestFragment(wanted.projectId()).map(f -> new Target(wanted.projectId(), f, false, wanted.template()));
        return resolved.chain(target -> replace(userId, switchId, prev, target, prev.hasSandbox()
                ? saveBack.saveBack(userId, prev.sandboxId(), prev.projectId(), prev.fragmentId())
                : Uni.createFrom().<SaveBackSummary> nullItem(), progress));
    }

    private Uni<SwitchResult> replace(String userId, UUID switchId, Previous prev, Target target, Uni<SaveBackSummary> save,
            SwitchProgress progress) {
        Uni<SaveBackSummary> saving = save.invoke(progress::savedBack).memoize().indefinitely();
        // A parked sandbox is resumed only for a known fragment: "the latest" of the project being saved is not yet.
        Launcher.Resumable resumable = target.projectId() == null || target.latest() ? null
                : new Launcher.Resumable(target.projectId(), target.fragment() == null ? null : target.fragment().id());
        Uni<Result<Launch>> create = Result.of(launcher.acquire(userId, switchId, resumable, specs.spec(userId, switchId, target))
                .invoke(l -> progress.acquired(l.sandbox().id(), l.kind())));
        // kill-first (for accounts capped on concurrent sandboxes): save, kill, then create; else save beside create.
        Uni<First> first = killFirst()
                ? Result.of(saving).chain(s -> s.error() != null ? Uni.createFrom().item(new First(s, new Result<>(null, null), null))
                        : retirer.retire(userId, prev, s.value(), target.projectId()).chain(old -> create.map(c -> new First(s, c, old))))
                : Uni.combine().all().unis(Result.of(saving), create).asTuple().map(t -> new First(t.getItem1(), t.getItem2(), null));
        return first.chain(t -> {
            Result<SaveBackSummary> saved = t.saved();
            Result<Launch> created = t.created();
            if (saved.error() != null || created.error() != null) {
                // Never kill the old sandbox with unsaved work; and when no new one came, the user keeps the old one.
                Throwable error = saved.error() != null ? saved.error() : created.error();
                String step = saved.error() != null ? "save-back: " : "create: ";
                Uni<Void> undo = created.value() == null ? Uni.createFrom().voidItem() : launcher.abandon(created.value(), userId);
                String killedOld = t.old() != null && t.old().sandboxId() != null && t.old().gone() ? t.old().sandboxId() : null;
                // A newer switch of the user may have retired the old sandbox under this one's save-back: then this
                // switch was overtaken (409), whatever the provider answered.
                return events.record(userId, null, "switch-failed", null, step + error.getMessage(), provider.name())
                        .chain(() -> undo)
                        .chain(() -> letGo(userId, switchId, killedOld, error));
            }
            Launch launch = created.value();
            Uni<Outcome> killOld = t.old() != null ? Uni.createFrom().item(t.old())
                    : retirer.retire(userId, prev, saved.value(), target.projectId());
            Uni<Restored> restore = resolve(target, saving).chain(f -> launch.kind() == Launcher.Kind.RESUMED
                    // A resumed sandbox holds the fragment already (that is why it was resumed).
                    ? Uni.createFrom().item(new Restored(f, f == null ? 0 : f.fileCount(), List.of()))
                    : restorer.restore(userId, launch.sandbox(), f)).invoke(r -> progress.restored(r.files(), r.skipped().size()));
            return launcher.recordEvent(userId, launch, describe(target))
                    .chain(() -> Uni.combine().all().unis(killOld, Result.of(restore)).asTuple())
                    .chain(k -> commit(userId, switchId, target, launch, k.getItem1(), k.getItem2(), saved.value()))
                    .invoke(r -> progress.committed(r.sandboxId()));
        });
    }

    private Uni<SwitchResult> commit(String userId, UUID switchId, Target target, Launch launch, Outcome old,
            Result<Restored> restored, SaveBackSummary saved) {
        SandboxHandle sandbox = launch.sandbox();
        String killedOld = old.sandboxId() != null && old.gone() ? old.sandboxId() : null;
        Uni<Boolean> committed;
        if (restored.error() != null) {
            committed = Uni.createFrom().failure(restored.error());
        } else {
            Fragment fragment = restored.value().fragment();
            Instant createdAt = sandbox.createdAt() != null ? sandbox.createdAt() : Instant.now();
            committed = state.commit(userId, switchId, new Committed(sandbox, provider.name(), target.projectId(),
                    fragment == null ? null : fragment.id(), createdAt.plus(config.sandbox().maxAge())));
        }
        return committed
                .onFailure().recoverWithUni(e -> events.record(userId, sandbox.id(), "switch-failed", null, e.getMessage(), provider.name())
                        .chain(() -> launcher.abandon(launch, userId))
                        .chain(() -> letGo(userId, switchId, killedOld, e)))
                .chain(won -> {
                    if (!won) {
                        return events.record(userId, sandbox.id(), "switch-overtaken", null, "switch " + switchId, provider.name())
                                .chain(() -> launcher.abandon(launch, userId))
                                .chain(() -> Uni.createFrom().failure(ProblemException.conflict(
                                        "A newer switch for this user overtook this one; its sandbox was discarded")));
                    }
                    // The old sandbox is no longer referenced: if its kill failed, the reconciler retries it.
                    Uni<Void> queued = launcher.settle(launch).chain(() -> old.result() == SandboxKiller.Result.FAILED
                            ? killer.queue(old, userId, "switch") : Uni.createFrom().voidItem());
                    Restored r = restored.value();
                    UUID fragmentId = r.fragment() == null ? null : r.fragment().id();
                    return queued.replaceWith(new SwitchResult(sandbox.id(), sandbox.url(), r.files(), r.files() > 0,
                            fragmentId, target.projectId(), fragmentId, saved, r.skipped(), launch.kind().tag(), sandbox.mcpServerUrl()));
                });
    }

    /** A failed switch lets go of its claim; 409 if a newer switch or a cleanup had cancelled it, whatever failed. */
    private <T> Uni<T> letGo(String userId, UUID switchId, String killedOld, Throwable error) {
        return state.isCurrent(userId, switchId)
                .chain(current -> state.release(userId, switchId, killedOld).chain(() -> Uni.createFrom().<T> failure(
                        current ? error : ProblemException.conflict(
                                "A newer switch or a cleanup of this user cancelled this switch; its sandbox was discarded"))));
    }

    private boolean killFirst() {
        return config.switching().order() == SwitchboardConfig.Switch.Order.KILL_FIRST;
    }

    /** The fragment to restore; "the latest" of the project being saved waits for its save-back. */
    private Uni<Fragment> resolve(Target target, Uni<SaveBackSummary> saving) {
        return !target.latest() ? Uni.createFrom().item(target.fragment())
                : saving.chain(() -> projects.latestFragment(target.projectId()));
    }

    private static String describe(Target target) {
        return "project " + target.projectId() + (target.fragment() != null ? ", fragment " + target.fragment().id()
                : target.latest() ? ", latest fragment" : ", empty");
    }
}
