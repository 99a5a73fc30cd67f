package dev.switchboard.provider;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import jakarta.enterprise.util.TypeLiteral;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import dev.switchboard.common.SwitchboardConfig;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Guards every call to one cloud provider with SmallRye Fault Tolerance: per call a timeout, a circuit breaker and
 * bounded retries with jittered exponential backoff that honour {@code Retry-After}. Control-plane calls share one
 * breaker; each sandbox's data-plane calls have their own, so one sandbox that stops answering fails neither other
 * users' calls nor readiness. Failures are always {@link ProviderException}s, delivered on the caller's Vert.x context.
 */
public final class ProviderCalls {

    private static final Logger LOG = Logger.getLogger(ProviderCalls.class);

    /** Data-plane breakers kept, least recently used first out; an evicted one starts closed if needed again. */
    static final int SANDBOX_BREAKERS = 4096;
    /** Timeout guards kept, one per distinct duration; a call with yet another duration gets a guard of its own. */
    private static final int TIMEOUT_GUARDS = 64;
    static final TypeLiteral<Uni<Object>> UNI = new TypeLiteral<>() {
    };

    /** Whether a call may be repeated after a failure that could have happened after the provider acted. */
    public enum Idempotency {
        /** Reads, kills, timeout changes, whole-file writes: safe to repeat. */
        IDEMPOTENT,
        /** Commands: repeated only on an explicit 429/502/503/504 (see {@link ProviderException#retrySafe()}). */
        NOT_IDEMPOTENT,
        /**
         * Creates: repeated only on an explicit refusal (429, 503). After an ambiguous failure (timeout, reset, 502,
         * 504; {@link ProviderException#ambiguous()}) the caller looks the sandbox up before it tries again.
         */
        CREATE
    }

    private final String provider;
    private final SwitchboardConfig.ProviderCalls config;
    private final ProviderBreaker control;
    private final Map<Idempotency, Guard> retries = new EnumMap<>(Idempotency.class);
    private final Map<Long, Guard> timeouts = new ConcurrentHashMap<>();
    private final Map<String, ProviderBreaker> sandboxes = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, ProviderBreaker> eldest) {
                    return size() > SANDBOX_BREAKERS;
                }
            });

    public ProviderCalls(String provider, SwitchboardConfig.ProviderCalls config) {
        this.provider = provider;
        this.config = config;
        this.control = new ProviderBreaker(provider + " control plane", provider + " is unavailable",
                config.breakerFailureThreshold(), config.breakerOpenFor(), true);
        for (Idempotency idempotency : Idempotency.values()) {
            retries.put(idempotency, Guard.create().withRetry()
                    .maxRetries(Math.max(0, config.maxAttempts() - 1))
                    .delay(Math.max(0, config.initialBackoff().toMillis()), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .maxDuration(0, ChronoUnit.MILLIS)
                    .whenException(e -> retryable(e, idempotency))
                    .withCustomBackoff().strategy(() -> new Backoff(config)).done()
                    .done()
                    .build());
        }
    }

    /** The control plane's breaker, which readiness follows. */
    public ProviderBreaker breaker() {
        return control;
    }

    /** The data-plane breaker of a sandbox, if one is kept. */
    public Optional<ProviderBreaker> sandboxBreaker(String sandboxId) {
        return Optional.ofNullable(sandboxes.get(sandboxId));
    }

    /** Drops a sandbox's data-plane breaker (the sandbox is gone). */
    public void forget(String sandboxId) {
        if (sandboxId != null) {
            sandboxes.remove(sandboxId);
        }
    }

    /** A control-plane call with the default per-call timeout. */
    public <T> Uni<T> call(String operation, Idempotency idempotency, Supplier<Uni<T>> call) {
        return call(operation, idempotency, config.callTimeout(), call);
    }

    /** A control-plane call guarded by timeout, retries and the provider's breaker. */
    public <T> Uni<T> call(String operation, Idempotency idempotency, Duration timeout, Supplier<Uni<T>> call) {
        return guarded(control, operation, idempotency, timeout, call);
    }

    /** A data-plane call to one sandbox with the default per-call timeout. */
    public <T> Uni<T> onSandbox(String sandboxId, String operation, Idempotency idempotency, Supplier<Uni<T>> call) {
        return onSandbox(sandboxId, operation, idempotency, config.callTimeout(), call);
    }

    /** A data-plane call to one sandbox, guarded by timeout, retries and that sandbox's own breaker. */
    public <T> Uni<T> onSandbox(String sandboxId, String operation, Idempotency idempotency, Duration timeout,
            Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> guarded(breakerOf(sandboxId), operation, idempotency, timeout, call));
    }

    /**
     * SmallRye has no keyed breakers (a named one is registered for good), so data-plane breakers are unnamed guards
     * in a bounded map here.
     */
    private ProviderBreaker breakerOf(String sandboxId) {
        return sandboxes.computeIfAbsent(String.valueOf(sandboxId), id -> new ProviderBreaker(provider + " sandbox " + id,
                provider + " sandbox " + id + " is not answering", config.breakerFailureThreshold(),
                config.breakerOpenFor(), false));
    }

    /** Retry (outside) around the breaker around the timeout, as MicroProfile Fault Tolerance orders them. */
    private <T> Uni<T> guarded(ProviderBreaker breaker, String operation, Idempotency idempotency, Duration timeout,
            Supplier<Uni<T>> call) {
        Guard limit = timeout(timeout);
        Supplier<Uni<T>> attempt = () -> breaker.guard(() -> run(limit, () -> Uni.createFrom().deferred(call::get))
                .onFailure().transform(e -> classify(operation, timeout, e)));
        Uni<T> guarded = run(retries.get(idempotency), attempt)
                .onFailure(CircuitBreakerOpenException.class).transform(e -> breaker.rejection());
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            // A timeout or a retry delay may complete elsewhere; hand the outcome back to the caller's context.
            return context == null ? guarded : guarded.emitOn(r -> context.runOnContext(v -> r.run()));
        });
    }

    /** A Uni of {@code call} guarded by {@code guard}; each subscription is one guarded invocation. */
    @SuppressWarnings("unchecked")
    static <T> Uni<T> run(Guard guard, Supplier<Uni<T>> call) {
        return guard.get(call, (TypeLiteral<Uni<T>>) (TypeLiteral<?>) UNI);
    }

    /**
     * The timeout guard of one duration. SmallRye fixes a guard's timeout when it is built, while calls here differ
     * (commands carry their own), hence one guard per duration. Its timeout fails the call but leaves the late answer
     * to arrive unread: the HTTP clients' own request timeouts (longer) free the connection.
     */
    private Guard timeout(Duration timeout) {
        long millis = Math.max(1, timeout.toMillis());
        Guard cached = timeouts.get(millis);
        if (cached != null) {
            return cached;
        }
        Guard guard = Guard.create().withTimeout().duration(millis, ChronoUnit.MILLIS).done().build();
        if (timeouts.size() < TIMEOUT_GUARDS) {
            Guard raced = timeouts.putIfAbsent(millis, guard);
            return raced != null ? raced : guard;
        }
        return guard;
    }

    /** Whether a failed attempt is tried again (the Retry-After of the failure is then the delay). */
    boolean retryable(Throwable e, Idempotency idempotency) {
        if (!(e instanceof ProviderException p)) {
            return false; // the breaker's fast failure, among others
        }
        if (p.kind() != ProviderException.Kind.TRANSIENT && p.kind() != ProviderException.Kind.RATE_LIMITED) {
            return false;
        }
        boolean safe = switch (idempotency) {
            case IDEMPOTENT -> true;
            case NOT_IDEMPOTENT -> p.retrySafe();
            case CREATE -> p.retrySafe() && !p.ambiguous();
        };
        if (!safe) {
            return false;
        }
        // A longer wait is the caller's: it gets the 429/503 with the provider's Retry-After instead.
        return p.retryAfter() == null || p.retryAfter().compareTo(config.maxRetryAfter()) <= 0;
    }

    private ProviderException classify(String operation, Duration timeout, Throwable e) {
        ProviderException p;
        if (e instanceof ProviderException known) {
            p = known;
        } else if (e instanceof TimeoutException || e instanceof java.util.concurrent.TimeoutException) {
            p = new ProviderException(ProviderException.Kind.TRANSIENT,
                    provider + " " + operation + " took longer than " + timeout, null, e).retrySafe(false);
        } else {
            // Connection refused or reset, TLS failure, DNS: the request may or may not have reached the provider.
            p = new ProviderException(ProviderException.Kind.TRANSIENT, provider + " " + operation + " failed: " + e, null,
                    e).retrySafe(false);
        }
        LOG.debugf("%s %s failed (%s: %s)", provider, operation, p.kind(), p.getMessage());
        return p;
    }

    /** Full-jitter exponential backoff, or the provider's Retry-After when it sent one; one instance per call. */
    static final class Backoff implements CustomBackoffStrategy {
        private final SwitchboardConfig.ProviderCalls config;
        private int failures;

        Backoff(SwitchboardConfig.ProviderCalls config) {
            this.config = config;
        }

        @Override
        public long nextDelayInMillis(Throwable cause) {
            failures++;
            if (cause instanceof ProviderException p && p.retryAfter() != null) {
                return p.retryAfter().toMillis();
            }
            long cap = Math.max(1, Math.min(config.maxBackoff().toMillis(),
                    config.initialBackoff().toMillis() << Math.min(failures - 1, 20)));
            return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
        }
    }
}
