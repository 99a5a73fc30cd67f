package dev.switchboard.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.Fragment;
import dev.switchboard.files.FragmentRepository;
import dev.switchboard.files.FragmentService;
import dev.switchboard.project.Project;
import dev.switchboard.project.ProjectDtos.FragmentView;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.SwitchDtos.ActiveFragment;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import dev.switchboard.sandbox.SwitchDtos.SandboxView;
import dev.switchboard.sandbox.SwitchService.Target;
import dev.switchboard.user.User;
import io.smallrye.mutiny.Uni;

/**
 * Everything about a user's sandbox outside the switch itself: its real status (checked with the provider,
 * dead pointers cleared on sight: invariant 2), init, heartbeat and cleanup.
 */
@ApplicationScoped
public class SandboxService {

    private static final Logger LOG = Logger.getLogger(SandboxService.class);

    /** The user's row after a liveness check; {@code info} is null when no live sandbox is recorded. */
    public record Live(User user, SandboxInfo info) {
        public boolean alive() {
            return info != null;
        }
    }

    private final SandboxProvider provider;
    private final FragmentRepository fragments;
    private final FragmentService fragmentFiles;
    private final SandboxStateRepository state;
    private final SandboxKiller killer;
    private final SaveBackService saveBack;
    private final SwitchService switches;
    private final ProjectService projects;
    private final SwitchboardConfig config;
    private final SandboxEvents events;

    public SandboxService(SandboxProvider provider, FragmentRepository fragments, FragmentService fragmentFiles,
            SandboxStateRepository state, SandboxKiller killer, SaveBackService saveBack, SwitchService switches,
            ProjectService projects, SwitchboardConfig config, SandboxEvents events) {
        this.provider = provider;
        this.fragments = fragments;
        this.fragmentFiles = fragmentFiles;
        this.state = state;
        this.killer = killer;
        this.saveBack = saveBack;
        this.switches = switches;
        this.projects = projects;
        this.config = config;
        this.events = events;
    }

    /** Loads the user and checks the recorded sandbox with the provider, clearing it if it is gone. */
    public Uni<Live> live(String userId) {
        return state.find(userId).chain(u -> {
            if (u == null || !u.hasSandbox()) {
                return Uni.createFrom().item(new Live(u, null));
            }
            String sandboxId = u.activeSandboxId;
            if (u.sandboxProvider != null && !u.sandboxProvider.equals(provider.name())) {
                LOG.warnf("user %s's sandbox %s belongs to provider %s, not the configured %s: cleared", userId, sandboxId,
                        u.sandboxProvider, provider.name());
                return clearDead(userId, sandboxId);
            }
            return provider.get(sandboxId).chain(info -> info.isPresent() ? Uni.createFrom().item(new Live(u, info.get()))
                    : clearDead(userId, sandboxId));
        });
    }

    private Uni<Live> clearDead(String userId, String sandboxId) {
        return clearGone(userId, sandboxId, "found on access").chain(() -> state.find(userId)).map(u -> new Live(u, null));
    }

    /**
     * Clears the user's record of a sandbox the provider no longer has (if it still names it) and records why.
     * Answers whether it did. Only the SQL pool is used, so jobs may run several at once.
     */
    public Uni<Boolean> clearGone(String userId, String sandboxId, String how) {
        return state.clearIfCurrent(userId, sandboxId).call(cleared -> {
            if (!cleared) {
                return Uni.createFrom().voidItem();
            }
            LOG.infof("sandbox %s of user %s is gone at the provider (%s): record cleared", sandboxId, userId, how);
            return events.record(userId, sandboxId, "cleared", null, "gone at the provider (" + how + ")", provider.name());
        });
    }

    /** {@code active} when used within the idle window, else {@code standby}; {@code stopped} when gone. */
    public String status(Live live) {
        return status(live, live.user().sandboxLastUsedAt);
    }

    private String status(Live live, Instant lastUsed) {
        if (!live.alive()) {
            return "stopped";
        }
        if (live.info().state() == SandboxInfo.State.PAUSED) {
            return "standby";
        }
        return lastUsed != null && lastUsed.plus(config.sandbox().idleTimeout()).isAfter(Instant.now()) ? "active" : "standby";
    }

    public SandboxView view(Live live) {
        return view(live, live.user().sandboxLastUsedAt);
    }

    private SandboxView view(Live live, Instant lastUsed) {
        User u = live.user();
        return new SandboxView(u.activeSandboxId, u.sandboxUrl, u.sandboxMcpUrl, u.sandboxCreatedAt, lastUsed, null,
                status(live, lastUsed));
    }

    /** The user's last sandbox, stopped; null when the user never had one. */
    private static SandboxView stopped(User u) {
        User.LastSandbox last = u == null ? null : u.lastSandbox;
        return last == null ? null
                : new SandboxView(last.sandboxId(), null, null, last.createdAt(), last.lastUsedAt(), last.stoppedAt(), "stopped");
    }

    /**
     * GET /api/sandbox/init: the live sandbox, else the last one as {@code stopped}, else null (the user never had one).
     * A status read, so it does not count as use.
     */
    public Uni<SandboxView> current(String userId) {
        return live(userId).map(l -> l.alive() ? view(l) : stopped(l.user()));
    }

    /**
     * POST /api/sandbox/init: idempotent. Returns the live sandbox (marking use), or creates one holding what the
     * user last had open (the active fragment of the active project, if still accessible), else an empty one.
     */
    public Uni<SandboxView> init(String userId) {
        return live(userId).chain(l -> {
            if (!l.alive()) {
                return initFresh(userId, l);
            }
            // Just used: the record's last use is now, no need to read it (and ask the provider) again. A sandbox
            // that died since it was read (a concurrent cleanup or job killed it) gets a new one, as if never seen.
            return touchOrGone(l).chain(alive -> alive ? Uni.createFrom().item(view(l, Instant.now()))
                    : live(userId).chain(again -> again.alive() ? Uni.createFrom().item(view(again))
                            : initFresh(userId, again)));
        });
    }

    /** Init with no live sandbox: a new one through the switch's claim. */
    private Uni<SandboxView> initFresh(String userId, Live l) {
        // The same claim as a switch, made only if the row still holds what was read here: an init that read
        // "no live sandbox" before a concurrent switch committed must not undo that switch.
        User u = l.user();
        SandboxStateRepository.Unchanged read = new SandboxStateRepository.Unchanged(u == null ? null : u.activeProjectId,
                u == null ? null : u.activeFragmentId, Instant.now().minus(config.jobs().staleSwitch()));
        return restoreTarget(u)
                .chain(t -> switches.run(userId, t, read, SwitchProgress.NONE))
                .onFailure(SandboxService::overtaken).recoverWithNull()
                .chain(() -> live(userId))
                .map(after -> {
                    if (!after.alive()) {
                        throw ProblemException.conflict("A concurrent switch or cleanup replaced the sandbox; retry");
                    }
                    return view(after);
                });
    }

    private Uni<Target> restoreTarget(User u) {
        if (u == null || u.activeProjectId == null) {
            return Uni.createFrom().item(Target.none());
        }
        UUID projectId = u.activeProjectId;
        UUID fragmentId = u.activeFragmentId;
        return projects.access(u.id, projectId.toString()).chain(a -> {
            Project p = a.project();
            Uni<Fragment> f = fragmentId == null ? Uni.createFrom().nullItem() : fragments.find(fragmentId);
            return f.chain(frag -> frag != null ? Uni.createFrom().item(frag) : projects.latestFragment(p.id))
                    .map(frag -> new Target(p.id, frag, false, p.template));
        }).onFailure(ProblemException.class).recoverWithItem(Target.none());
    }

    /** POST /api/sandbox/save: saves back the live sandbox now; 404 when there is none. */
    public Uni<SaveBackSummary> saveNow(String userId) {
        return live(userId).chain(l -> {
            if (!l.alive()) {
                return Uni.createFrom().failure(ProblemException.notFound("You have no live sandbox"));
            }
            User u = l.user();
            return state.markUsed(u.id, u.activeSandboxId)
                    .chain(() -> saveBack.saveBack(userId, u.activeSandboxId, u.activeProjectId, u.activeFragmentId))
                    .map(summary -> summary != null ? summary
                            : new SaveBackSummary(null, 0, 0, 0, List.of(), 0));
        });
    }

    /** POST /api/sandbox/heartbeat: marks use and pushes the provider's timeout out, within the TTL. */
    public Uni<Void> heartbeat(String userId) {
        return live(userId).chain(l -> {
            if (!l.alive()) {
                return Uni.createFrom().failure(ProblemException.notFound("You have no live sandbox"));
            }
            return touch(l);
        });
    }

    /** Marks use and extends the provider's timeout; fails with 404 (and clears the record) if the sandbox just died. */
    private Uni<Void> touch(Live l) {
        return touchOrGone(l).chain(alive -> alive ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(ProblemException.notFound("Your sandbox has just stopped")));
    }

    /** Marks use and extends the provider's timeout; false (the record cleared) if the sandbox just died. */
    private Uni<Boolean> touchOrGone(Live l) {
        User u = l.user();
        return state.markUsed(u.id, u.activeSandboxId)
                .chain(() -> extendWithinTtl(u.id, u.activeSandboxId, u.sandboxExpiresAt))
                .map(e -> e != Extension.GONE);
    }

    /** How an extension ended. */
    public enum Extension {
        EXTENDED,
        /** Nothing to extend: the sandbox's TTL is over (the expiry sweep will kill it). */
        TTL_REACHED,
        /** The provider no longer has it; the user's record was cleared. */
        GONE
    }

    /**
     * Moves the provider's timeout to now + {@code switchboard.sandbox.provider-timeout}, never past the TTL deadline
     * plus {@code switchboard.sandbox.expiry-margin},
     * and records the new provider expiry. Used by heartbeats and by the keep-alive job. Only the SQL pool and the
     * provider are used, so callers may run several at once.
     */
    public Uni<Extension> extendWithinTtl(String userId, String sandboxId, Instant ttlDeadline) {
        Duration timeout = config.sandbox().providerTimeout();
        if (ttlDeadline != null) {
            // Never past the deadline plus the margin, and never short of it (invariant 3: the TTL sweep saves first).
            Duration left = Duration.between(Instant.now(), ttlDeadline.plus(config.sandbox().expiryMargin()));
            timeout = left.compareTo(timeout) < 0 ? left : timeout;
        }
        if (timeout.isNegative() || timeout.isZero()) {
            return Uni.createFrom().item(Extension.TTL_REACHED);
        }
        return provider.extendTimeout(sandboxId, timeout).chain(info -> info.isPresent()
                ? state.providerExpiry(userId, sandboxId, info.get().expiresAt()).replaceWith(Extension.EXTENDED)
                : clearGone(userId, sandboxId, "on extension").replaceWith(Extension.GONE));
    }

    /** GET /api/active-fragment: what the live sandbox holds, or null when the user has none. */
    public Uni<ActiveFragment> activeFragment(String userId) {
        return live(userId).chain(l -> {
            if (!l.alive()) {
                return Uni.createFrom().nullItem();
            }
            User u = l.user();
            Uni<Fragment> f = u.activeFragmentId == null ? Uni.createFrom().nullItem() : fragments.find(u.activeFragmentId);
            return f.chain(frag -> frag == null ? Uni.createFrom().item(new ActiveFragment(u.activeProjectId, u.activeFragmentId, null))
                    : fragmentFiles.files(frag.id()).map(files -> new ActiveFragment(u.activeProjectId, u.activeFragmentId,
                            FragmentView.of(frag, files))));
        });
    }

    private static boolean overtaken(Throwable e) {
        return e instanceof ProblemException p && p.status() == 409;
    }
}
