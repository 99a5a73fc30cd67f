package dev.switchboard.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Instance;
import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.project.Fragment;
import dev.switchboard.project.Project;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.sandbox.SandboxKiller.Outcome;
import dev.switchboard.sandbox.SandboxStateRepository.Committed;
import dev.switchboard.sandbox.SandboxStateRepository.Previous;
import dev.switchboard.sandbox.SwitchDtos.SwitchResult;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;

/**
 * The switch pipeline: claim, fetch-fragment, save-back, kill-old beside create-sandbox, restore-files, commit.
 * Each database step is its own short transaction; no transaction is open during a provider call. The newest
 * claim wins the commit (invariant 4); a switch that loses or fails kills what it created and leaves the user's
 * record naming only what is really alive.
 */
@ApplicationScoped
public class SwitchService {

    private static final Logger LOG = Logger.getLogger(SwitchService.class);

    /** Where a switch goes. {@code fragment} is null for "the latest", resolved after save-back. */
    public record Target(UUID projectId, Fragment fragment, boolean latest, String template) {

        /** An empty sandbox outside any project. */
        public static Target none() {
            return new Target(null, null, false, null);
        }
    }

    /** The create step's result: a handle, or the failure kept for after kill-old has finished. */
    private record Attempt(SandboxHandle handle, Throwable error) {
    }

    private static final Outcome NOTHING_TO_KILL = new Outcome(null, SandboxKiller.Result.ALREADY_GONE, null);

    private final SandboxProvider provider;
    private final ProjectService projects;
    private final SandboxStateRepository state;
    private final SandboxKiller killer;
    private final SaveBackService saveBack;
    private final SwitchboardConfig config;
    private final Instance instance;
    private final SandboxEvents events;

    public SwitchService(SandboxProvider provider, ProjectService projects, SandboxStateRepository state,
            SandboxKiller killer, SaveBackService saveBack, SwitchboardConfig config, Instance instance, SandboxEvents events) {
        this.provider = provider;
        this.projects = projects;
        this.state = state;
        this.killer = killer;
        this.saveBack = saveBack;
        this.config = config;
        this.instance = instance;
        this.events = events;
    }

    /** Switches the user's sandbox to a fragment of a project, or to the project's latest when none is given. */
    public Uni<SwitchResult> switchUserToFragment(String userId, String projectId, String fragmentId) {
        // fetch-fragment, with the access check, runs before the claim: a request that fails validation must not
        // overtake a valid switch already in flight (invariant 7: bad input changes nothing).
        return Panache.withSession(() -> projects.access(userId, projectId).chain(a -> {
            Project p = a.project();
            if (fragmentId == null || fragmentId.isBlank()) {
                return Uni.createFrom().item(new Target(p.id, null, true, p.template));
            }
            return projects.findFragment(p.id, fragmentId).map(f -> new Target(p.id, f, false, p.template));
        })).chain(target -> run(userId, target));
    }

    /** Compatibility form: the project's latest fragment. */
    public Uni<SwitchResult> switchUserToProject(String userId, String projectId) {
        return switchUserToFragment(userId, projectId, null);
    }

    /** Runs the pipeline for an already resolved and authorised target. The user's row must exist. */
    public Uni<SwitchResult> run(String userId, Target target) {
        UUID switchId = UUID.randomUUID();
        long started = System.nanoTime();
        Timer.Sample sample = Timer.start(Metrics.globalRegistry);
        return state.claim(userId, switchId)
                .chain(prev -> saveBack.saveBack(userId, prev.sandboxId(), prev.projectId(), prev.fragmentId())
                        .chain(() -> latestIfAsked(target))
                        .onFailure().call(e -> state.release(userId, switchId, null))
                        .chain(fragment -> replace(userId, switchId, prev, target, fragment)))
                .invoke(r -> LOG.infof("switch %s of %s to project %s fragment %s: sandbox %s in %d ms", switchId, userId,
                        r.activeProjectId(), r.fragmentId(), r.sandboxId(), (System.nanoTime() - started) / 1_000_000))
                .onFailure().invoke(e -> LOG.infof("switch %s of %s failed after %d ms: %s", switchId, userId,
                        (System.nanoTime() - started) / 1_000_000, e.getMessage()))
                .onItemOrFailure().invoke((r, e) -> sample.stop(Timer.builder("switchboard.switch")
                        .description("Duration of switches, by outcome")
                        .tag("outcome", e == null ? "ok" : e instanceof ProblemException p && p.status() == 409 ? "overtaken" : "failed")
                        .publishPercentileHistogram()
                        .register(Metrics.globalRegistry)));
    }

    private Uni<Fragment> latestIfAsked(Target target) {
        if (!target.latest()) {
            return Uni.createFrom().item(target.fragment());
        }
        // Resolved after save-back, so switching to the same project restores what was just saved.
        return Panache.withSession(() -> projects.latestFragment(target.projectId()));
    }

    private Uni<SwitchResult> replace(String userId, UUID switchId, Previous prev, Target target, Fragment fragment) {
        Uni<Outcome> killOld = prev.hasSandbox() ? killer.kill(prev.sandboxId(), userId, "switch")
                : Uni.createFrom().item(NOTHING_TO_KILL);
        Uni<Attempt> create = provider.create(spec(userId, switchId, target, fragment))
                .map(h -> new Attempt(h, null))
                .onFailure().recoverWithItem(e -> new Attempt(null, e));
        Uni<Tuple2<Outcome, Attempt>> both = config.switching().order() == SwitchboardConfig.Switch.Order.CONCURRENT
                ? Uni.combine().all().unis(killOld, create).asTuple()
                : killOld.chain(k -> create.map(c -> Tuple2.of(k, c)));

        return both.chain(t -> {
            Outcome old = t.getItem1();
            Attempt created = t.getItem2();
            String killedOld = old.sandboxId() != null && old.gone() ? old.sandboxId() : null;
            if (created.error() != null) {
                return events.record(userId, null, "switch-failed", null, "create: " + created.error().getMessage(), provider.name())
                        .chain(() -> state.release(userId, switchId, killedOld))
                        .chain(() -> Uni.createFrom().failure(created.error()));
            }
            SandboxHandle sandbox = created.handle();
            Instant createdAt = sandbox.createdAt() != null ? sandbox.createdAt() : Instant.now();
            Committed commit = new Committed(sandbox, provider.name(), target.projectId(),
                    fragment == null ? null : fragment.id, createdAt.plus(config.sandbox().maxAge()));
            return events.record(userId, sandbox.id(), "created", null, describe(target, fragment), provider.name())
                    .chain(() -> restore(sandbox, fragment))
                    .call(() -> fragment == null || fragment.files.isEmpty() ? Uni.createFrom().voidItem()
                            : events.record(userId, sandbox.id(), "restored", null, fragment.files.size() + " files", provider.name()))
                    .chain(() -> state.commit(userId, switchId, commit))
                    .onFailure().call(e -> events.record(userId, sandbox.id(), "switch-failed", null, e.getMessage(), provider.name())
                            .chain(() -> killer.killUnreferenced(sandbox.id(), userId, "failed-switch"))
                            .chain(() -> state.release(userId, switchId, killedOld)))
                    .chain(won -> {
                        if (!won) {
                            return events.record(userId, sandbox.id(), "switch-overtaken", null, "switch " + switchId, provider.name())
                                    .chain(() -> killer.killUnreferenced(sandbox.id(), userId, "failed-switch"))
                                    .chain(() -> Uni.createFrom().failure(ProblemException.conflict(
                                            "A newer switch for this user overtook this one; its sandbox was discarded")));
                        }
                        // The old sandbox is no longer referenced: if its kill failed, the reconciler retries it.
                        Uni<Void> queued = old.result() == SandboxKiller.Result.FAILED ? killer.queue(old, userId, "switch")
                                : Uni.createFrom().voidItem();
                        int restored = fragment == null ? 0 : fragment.files.size();
                        UUID fragmentId = fragment == null ? null : fragment.id;
                        return queued.replaceWith(new SwitchResult(sandbox.id(), sandbox.url(), restored, restored > 0,
                                fragmentId, target.projectId(), fragmentId));
                    });
        });
    }

    private static String describe(Target target, Fragment fragment) {
        return "project " + target.projectId() + (fragment == null ? ", empty" : ", fragment " + fragment.id);
    }

    private Uni<Void> restore(SandboxHandle sandbox, Fragment fragment) {
        if (fragment == null || fragment.files.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return provider.writeFiles(sandbox, fragment.files);
    }

    private SandboxSpec spec(String userId, UUID switchId, Target target, Fragment fragment) {
        Map<String, String> metadata = new HashMap<>();
        metadata.put(SandboxMetadata.MANAGED, "true");
        metadata.put(SandboxMetadata.OWNER, userId);
        metadata.put(SandboxMetadata.SWITCH, switchId.toString());
        metadata.put(SandboxMetadata.INSTANCE, instance.id());
        if (target.projectId() != null) {
            metadata.put(SandboxMetadata.PROJECT, target.projectId().toString());
        }
        if (fragment != null) {
            metadata.put(SandboxMetadata.FRAGMENT, fragment.id.toString());
        }
        String template = target.template() != null ? target.template() : config.sandbox().template().orElse(null);
        Duration maxAge = config.sandbox().maxAge();
        Duration timeout = config.sandbox().providerTimeout().compareTo(maxAge) < 0 ? config.sandbox().providerTimeout() : maxAge;
        return new SandboxSpec(template, timeout, metadata, Map.of());
    }
}
