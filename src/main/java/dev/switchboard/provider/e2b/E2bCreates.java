package dev.switchboard.provider.e2b;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxMetadata;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * E2B's create made safe to repeat. E2B picks sandbox ids itself, so a create whose answer was lost (timeout, reset,
 * 502, 504) may or may not have made a sandbox; every create carries its switch id ({@link SandboxMetadata#SWITCH}),
 * so the sandbox is looked up by it before another is asked for, and once one is kept every other one carrying the
 * same id (an earlier attempt that landed late) is killed. One switch, one sandbox.
 */
final class E2bCreates {

    private static final Logger LOG = Logger.getLogger(E2bCreates.class);

    /** A created or found sandbox, and whether an ambiguous failure came first (then duplicates are looked for). */
    private record Outcome(E2bDtos.Sandbox sandbox, boolean ambiguous) {
    }

    private final E2bClient api;
    private final int maxAttempts;
    private final Duration createTimeout;

    /** Up to {@code maxAttempts} creates, none begun once {@code createTimeout} has passed (after a timeout, say). */
    E2bCreates(E2bClient api, int maxAttempts, Duration createTimeout) {
        this.api = api;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.createTimeout = createTimeout;
    }

    Uni<E2bDtos.Sandbox> create(E2bDtos.NewSandbox body) {
        String key = body.metadata() == null ? null : body.metadata().get(SandboxMetadata.SWITCH);
        if (key == null || key.isBlank()) {
            return api.create(body);
        }
        long started = System.nanoTime();
        return attempt(body, key, 1, started).call(o -> o.ambiguous() ? killOthers(key, o.sandbox().sandboxID())
                : Uni.createFrom().voidItem()).map(Outcome::sandbox);
    }

    private Uni<Outcome> attempt(E2bDtos.NewSandbox body, String key, int n, long started) {
        return api.create(body).map(s -> new Outcome(s, n > 1))
                .onFailure(e -> e instanceof ProviderException p && p.ambiguous()).recoverWithUni(e -> find(key)
                        // When even the lookup fails, the create's own failure is the one to report.
                        .onFailure().transform(lookupFailure -> e)
                        .chain(found -> {
                            if (found.isPresent()) {
                                LOG.infof("e2b create for switch %s failed (%s) but made sandbox %s: kept", key,
                                        e.getMessage(), found.get().sandboxID());
                                return Uni.createFrom().item(new Outcome(found.get(), true));
                            }
                            if (n >= maxAttempts || System.nanoTime() - started >= createTimeout.toNanos()) {
                                return Uni.createFrom().failure(e);
                            }
                            LOG.infof("e2b create for switch %s failed (%s) and made no sandbox: trying again", key,
                                    e.getMessage());
                            return attempt(body, key, n + 1, started);
                        }));
    }

    /** The sandbox carrying {@code key}, with the access token its data plane needs (a listing does not carry it). */
    private Uni<Optional<E2bDtos.Sandbox>> find(String key) {
        return api.list(Map.of(SandboxMetadata.SWITCH, key)).chain(listed -> listed.isEmpty()
                ? Uni.createFrom().item(Optional.<E2bDtos.Sandbox> empty())
                : api.get(listed.get(0).sandboxID()).map(detail -> detail.map(d -> new E2bDtos.Sandbox(d.templateID(),
                        d.sandboxID(), d.clientID(), d.envdVersion(), d.alias(), d.envdAccessToken(), d.domain()))));
    }

    /** Kills the sandboxes carrying {@code key} except {@code kept}; on failure the reconciler gets them later. */
    private Uni<Void> killOthers(String key, String kept) {
        return api.list(Map.of(SandboxMetadata.SWITCH, key))
                .map(listed -> listed.stream().map(E2bDtos.SandboxDetail::sandboxID).filter(id -> !id.equals(kept))
                        .toList())
                .chain(others -> others.isEmpty() ? Uni.createFrom().voidItem() : kill(key, others))
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("e2b: could not check switch %s for a second sandbox (%s); the reconciler will", key,
                            e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> kill(String key, List<String> others) {
        LOG.warnf("e2b: switch %s made more than one sandbox; killing %s, keeping one", key, others);
        return Multi.createFrom().iterable(others).onItem().transformToUniAndConcatenate(api::kill).collect().last()
                .replaceWithVoid();
    }
}
