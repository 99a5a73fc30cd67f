package dev.switchboard.provider.blaxel;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.jboss.logging.Logger;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.blaxel.BlaxelClient.CreateResult;
import dev.switchboard.provider.blaxel.BlaxelModel.Sandbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Creating a Blaxel sandbox until it is DEPLOYED: unique names, ambiguous failures looked up by name, taken names
 * resolved, and a sandbox of ours that fails to deploy deleted again.
 */
final class BlaxelCreates {

    private static final Logger LOG = Logger.getLogger(BlaxelCreates.class);

    /** Fresh names tried when the chosen one is taken (a tombstone, or a collision of random suffixes). */
    static final int MAX_NAME_ATTEMPTS = 5;
    /**
     * After an unconfirmed create, how long a 404 still means "not registered yet" rather than "never created": the
     * edge may answer 504 before Blaxel has stored the sandbox.
     */
    static final Duration NOT_FOUND_GRACE = Duration.ofSeconds(30);
    /** The port name of the sandbox URL's HTTP port in {@code spec.runtime.ports}. */
    static final String PORT_NAME = "http";

    private final SwitchboardConfig config;
    private final BlaxelConfig blaxel;
    private final BlaxelClient client;
    private final Vertx vertx;
    private final Duration safetyNetIdle;
    private final Duration safetyNetMaxAge;
    private final SecureRandom random = new SecureRandom();

    BlaxelCreates(SwitchboardConfig config, BlaxelConfig blaxel, BlaxelClient client, Vertx vertx, Duration safetyNetIdle,
            Duration safetyNetMaxAge) {
        this.config = config;
        this.blaxel = blaxel;
        this.client = client;
        this.vertx = vertx;
        this.safetyNetIdle = safetyNetIdle;
        this.safetyNetMaxAge = safetyNetMaxAge;
    }

    /** A new sandbox for {@code spec}, DEPLOYED, under a fresh name. */
    Uni<Sandbox> create(SandboxSpec spec) {
        return createNamed(spec, 1);
    }

    private Uni<Sandbox> createNamed(SandboxSpec spec, int attempt) {
        if (attempt > MAX_NAME_ATTEMPTS) {
            return Uni.createFrom().failure(new ProviderException(Kind.CONFLICT,
                    "blaxel create: no free sandbox name after " + MAX_NAME_ATTEMPTS + " attempts"));
        }
        String name = BlaxelMapping.sandboxName(spec.metadata().get(SandboxMetadata.OWNER), BlaxelMapping.randomSuffix(random));
        Sandbox request;
        try {
            request = request(name, spec);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new ProviderException(Kind.BAD_REQUEST, e.getMessage(), null, e));
        }
        long started = System.nanoTime();
        long deadline = started + blaxel.createPollTimeout().toNanos();
        return client.create(request)
                .onFailure(BlaxelCreates::ambiguous).recoverWithUni(e -> recoverAmbiguous(request, spec, e, 1, started))
                .chain(result -> switch (result.status()) {
                    case CREATED -> awaitDeployed(name, spec, result.sandbox(), deadline, System.nanoTime());
                    case UNCONFIRMED -> {
                        LOG.infof("blaxel create of %s unconfirmed (edge timeout): waiting for it by name", name);
                        yield awaitDeployed(name, spec, null, deadline, System.nanoTime() + NOT_FOUND_GRACE.toNanos());
                    }
                    case NAME_TAKEN -> resolveTakenName(spec, name, attempt, deadline);
                });
    }

    /**
     * A timeout, a broken connection or a 502 on create: Blaxel may have acted. One look by name decides: ours means
     * it is kept; not there means the create is sent again under the same name, which cannot make a second sandbox
     * (Blaxel answers 409 for a taken name, and {@link #resolveTakenName} keeps it when it is ours). When the look
     * fails too, or the attempts or the create timeout are used up, the original failure is reported (a sandbox that lands later carries
     * our labels for the reconciler, and its ttl-idle policy deletes it anyway).
     */
    private Uni<CreateResult> recoverAmbiguous(Sandbox request, SandboxSpec spec, Throwable e, int tries, long started) {
        String name = request.metadata().name();
        return client.get(name)
                .onFailure().transform(lookupFailure -> e)
                .chain(found -> {
                    if (found.isPresent() && ours(found.get(), spec)) {
                        LOG.infof("blaxel create of %s failed (%s) but the sandbox exists: kept", name, e.getMessage());
                        return Uni.createFrom().item(new CreateResult(BlaxelClient.CreateStatus.CREATED, found.get()));
                    }
                    if (found.isPresent() || tries >= config.providerCalls().maxAttempts()
                            || System.nanoTime() - started >= config.providerCalls().createTimeout().toNanos()) {
                        return Uni.createFrom().failure(e);
                    }
                    LOG.infof("blaxel create of %s failed (%s) and made no sandbox: sent again", name, e.getMessage());
                    return client.create(request).onFailure(BlaxelCreates::ambiguous)
                            .recoverWithUni(again -> recoverAmbiguous(request, spec, again, tries + 1, started));
                });
    }

    /** A failure after which the create may or may not have happened: not a plain answer from Blaxel. */
    private static boolean ambiguous(Throwable e) {
        return e instanceof ProviderException p && p.ambiguous();
    }

    /**
     * 409 on the name. A tombstone (TERMINATED, FAILED) or a sandbox being deleted keeps the name for minutes, so a
     * new name is tried; while one is being deleted we first wait a poll interval, because its deletion frees quota
     * the new one may need. A sandbox carrying this very spec's labels is ours, from an attempt whose answer was lost.
     */
    private Uni<Sandbox> resolveTakenName(SandboxSpec spec, String name, int attempt, long deadline) {
        return client.get(name).chain(found -> {
            if (found.isEmpty()) {
                LOG.debugf("blaxel name %s was taken and is free again: trying a new name", name);
                return createNamed(spec, attempt + 1);
            }
            Sandbox existing = found.get();
            String status = existing.status() == null ? "" : existing.status();
            if (ours(existing, spec) && !BlaxelMapping.gone(status)) {
                LOG.infof("blaxel sandbox %s already exists and is ours: kept", name);
                return awaitDeployed(name, spec, existing, deadline, System.nanoTime());
            }
            LOG.infof("blaxel name %s is taken (status %s): trying a new name", name, status);
            if (status.equals("DELETING") || status.equals("TERMINATING")) {
                return delay(blaxel.createPollInterval()).chain(() -> createNamed(spec, attempt + 1));
            }
            return createNamed(spec, attempt + 1);
        });
    }

    private static boolean ours(Sandbox sandbox, SandboxSpec spec) {
        Map<String, String> metadata = BlaxelMapping.decodeLabels(sandbox.metadata() == null ? null : sandbox.metadata().labels());
        return !spec.metadata().isEmpty() && metadata.entrySet().containsAll(spec.metadata().entrySet());
    }

    /**
     * Polls {@code GET /sandboxes/{name}} every create-poll-interval until DEPLOYED, for at most create-poll-timeout.
     * A sandbox of ours that FAILED, never deploys or cannot be watched is deleted, so a failed create leaves nothing
     * billing; one that turns out not to be ours is never touched. Until {@code notFoundUntil} (a System.nanoTime()
     * value) a 404 means "not registered yet".
     */
    private Uni<Sandbox> awaitDeployed(String name, SandboxSpec spec, Sandbox last, long deadline, long notFoundUntil) {
        if (last != null) {
            if (!ours(last, spec)) {
                return Uni.createFrom().failure(new ProviderException(Kind.CONFLICT,
                        "blaxel sandbox " + name + " exists but was not created by this switch"));
            }
            String status = last.status() == null ? "" : last.status();
            if (status.equals("DEPLOYED")) {
                return Uni.createFrom().item(last);
            }
            if (status.equals("FAILED")) {
                return discard(name).chain(() -> Uni.createFrom().failure(new ProviderException(Kind.FAILED,
                        "blaxel sandbox " + name + " failed to deploy")));
            }
            if (BlaxelMapping.gone(status)) {
                return Uni.createFrom().failure(new ProviderException(Kind.GONE,
                        "blaxel sandbox " + name + " went " + status + " while deploying"));
            }
        }
        if (System.nanoTime() - deadline > 0) {
            return discard(name).chain(() -> Uni.createFrom().failure(new ProviderException(Kind.TRANSIENT,
                    "blaxel sandbox " + name + " did not deploy within " + blaxel.createPollTimeout().toSeconds() + " s")));
        }
        return delay(blaxel.createPollInterval())
                .chain(() -> client.get(name).onFailure().call(e -> discard(name)))
                .chain(found -> afterPoll(name, spec, found, deadline, notFoundUntil));
    }

    private Uni<Sandbox> afterPoll(String name, SandboxSpec spec, Optional<Sandbox> found, long deadline, long notFoundUntil) {
        if (found.isPresent()) {
            return awaitDeployed(name, spec, found.get(), deadline, notFoundUntil);
        }
        if (System.nanoTime() - notFoundUntil < 0) {
            return awaitDeployed(name, spec, null, deadline, notFoundUntil);
        }
        return Uni.createFrom().failure(new ProviderException(Kind.GONE, "blaxel sandbox " + name + " does not exist"));
    }

    /** Best-effort delete of a sandbox that will not be used; a failure is logged, the reconciler catches the rest. */
    private Uni<Void> discard(String name) {
        return client.delete(name).replaceWithVoid().onFailure().recoverWithUni(e -> {
            LOG.warnf("could not delete the unusable blaxel sandbox %s: %s", name, e.getMessage());
            return Uni.createFrom().voidItem();
        });
    }

    private Sandbox request(String name, SandboxSpec spec) {
        List<BlaxelModel.Env> envs = new TreeMap<>(spec.env()).entrySet().stream()
                .map(e -> new BlaxelModel.Env(e.getKey(), e.getValue())).toList();
        BlaxelModel.Runtime runtime = new BlaxelModel.Runtime(spec.imageOr(blaxel.image()),
                spec.runtime() != null && spec.runtime().memoryMb() != null ? spec.runtime().memoryMb() : blaxel.memory(),
                BlaxelMapping.ports(PORT_NAME, blaxel.port(), spec.runtime() == null ? List.of() : spec.runtime().ports()), envs);
        // Blaxel's own expiry is a safety net for when Switchboard is down, so it gets a margin past Switchboard's
        // limits: Switchboard's idle and TTL jobs must act first, because they save changed files before killing.
        BlaxelModel.Lifecycle lifecycle = new BlaxelModel.Lifecycle(List.of(
                new BlaxelModel.ExpirationPolicy("ttl-idle", BlaxelMapping.duration(safetyNetIdle), "delete"),
                new BlaxelModel.ExpirationPolicy("ttl-max-age", BlaxelMapping.duration(safetyNetMaxAge), "delete")));
        BlaxelModel.Metadata metadata = new BlaxelModel.Metadata(name, null, BlaxelMapping.encodeLabels(spec.metadata()),
                null, null, null);
        return new Sandbox(metadata, new BlaxelModel.Spec(blaxel.region().filter(r -> !r.isBlank()).orElse(null), runtime,
                lifecycle), null, null, null);
    }

    private Uni<Void> delay(Duration d) {
        return Uni.createFrom().emitter(em -> vertx.setTimer(Math.max(1, d.toMillis()), id -> em.complete(null)));
    }
}
