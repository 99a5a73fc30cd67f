package dev.switchboard.provider.e2b;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import io.smallrye.mutiny.Uni;

/**
 * What data-plane calls need to know about E2B sandboxes besides their ids (access token, domain, start), cached by id
 * and looked up with a GET when missing: how a sandbox id becomes an envd {@link E2bEnvdClient.Target}.
 */
final class E2bKnownSandboxes {

    /** A domain from an answer is put into host names that receive the access token, so only plain host names pass. */
    private static final Pattern DOMAIN = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$");
    /** Tokens of this many sandboxes are kept; more live sandboxes simply cost a GET to look the token up again. */
    private static final int KNOWN_SANDBOXES = 10_000;

    /** What data-plane calls need to know about a sandbox besides its id. */
    record Known(String accessToken, String domain, Instant startedAt) {

        @Override
        public String toString() {
            return "Known[domain=" + domain + ", startedAt=" + startedAt + "]";
        }
    }

    private final E2bClient api;
    private final ProviderCalls calls;
    private final String defaultDomain;
    private final Map<String, Known> known = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > KNOWN_SANDBOXES;
        }
    });

    E2bKnownSandboxes(E2bClient api, ProviderCalls calls, String defaultDomain) {
        this.api = api;
        this.calls = calls;
        this.defaultDomain = defaultDomain;
    }

    /** Records a sandbox just created (its token is in the create answer). */
    Known created(String id, String accessToken, String answeredDomain, Instant startedAt) {
        Known k = new Known(accessToken, domainOf(answeredDomain), startedAt);
        known.put(id, k);
        return k;
    }

    Known get(String sandboxId) {
        return known.get(sandboxId);
    }

    /** Drops what is cached (a resumed sandbox starts a new run), keeping its breaker. */
    void drop(String sandboxId) {
        known.remove(sandboxId);
    }

    /** The sandbox is gone: its token and its data-plane breaker are no longer needed. */
    void forget(String sandboxId) {
        known.remove(sandboxId);
        calls.forget(sandboxId);
    }

    /** Caches what later data-plane calls need; a detail without a token (a listing) never replaces a known one. */
    E2bDtos.SandboxDetail remember(E2bDtos.SandboxDetail d) {
        if (d.envdAccessToken() != null && E2bMapping.isValidId(d.sandboxID())) {
            known.put(d.sandboxID(), knownOf(d));
        }
        return d;
    }

    String domainOf(String answered) {
        return answered != null && DOMAIN.matcher(answered).matches() ? answered : defaultDomain;
    }

    /** The data-plane target of a fresh handle: its token is right there, no lookup needed. */
    Uni<E2bEnvdClient.Target> target(SandboxHandle sandbox) {
        if (sandbox.accessToken() == null) {
            return target(sandbox.id());
        }
        if (!E2bMapping.isValidId(sandbox.id())) {
            return Uni.createFrom().failure(gone(sandbox.id()));
        }
        Known k = known.get(sandbox.id());
        return Uni.createFrom().item(new E2bEnvdClient.Target(sandbox.id(), sandbox.accessToken(),
                k != null ? k.domain() : defaultDomain));
    }

    /** The data-plane target of a sandbox known by id: its token from the cache, else from a GET. */
    Uni<E2bEnvdClient.Target> target(String sandboxId) {
        if (!E2bMapping.isValidId(sandboxId)) {
            return Uni.createFrom().failure(gone(String.valueOf(sandboxId)));
        }
        Known k = known.get(sandboxId);
        if (k != null) {
            return Uni.createFrom().item(target(sandboxId, k));
        }
        return api.get(sandboxId).map(detail -> detail.map(this::remember)
                .map(d -> target(sandboxId, knownOf(d)))
                .orElseThrow(() -> gone(sandboxId)));
    }

    static E2bEnvdClient.Target target(String id, Known k) {
        return new E2bEnvdClient.Target(id, k.accessToken(), k.domain());
    }

    private Known knownOf(E2bDtos.SandboxDetail d) {
        return new Known(d.envdAccessToken(), domainOf(d.domain()), E2bMapping.parseTime(d.startedAt()));
    }

    static ProviderException gone(String sandboxId) {
        return new ProviderException(Kind.GONE, "e2b sandbox " + sandboxId + " is gone");
    }
}
