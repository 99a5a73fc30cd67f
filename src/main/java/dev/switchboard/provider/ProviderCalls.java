package dev.switchboard.provider;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.switchboard.common.SwitchboardConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Guards every call to one cloud provider: a per-call timeout, bounded retries with full jitter that honour
 * {@code Retry-After}, and a circuit breaker. Results are delivered back on the caller's Vert.x context, so the
 * switch pipeline goes on in its request's context after a retry or a timeout.
 */
public final class ProviderCalls {

    private static final Logger LOG = Logger.getLogger(ProviderCalls.class);

    /** Whether a call may be repeated after a failure that could have happened after the provider acted. */
    public enum Idempotency {
        /** Reads, kills, timeout changes, whole-file writes: safe to repeat. */
        IDEMPOTENT,
        /** Creates: repeated only on an explicit 429/502/503/504 (see {@link ProviderException#retrySafe()}). */
        NOT_IDEMPOTENT
    }

    private final String provider;
    private final SwitchboardConfig.ProviderCalls config;
    private final Vertx vertx;
    private final CircuitBreaker breaker;

    public ProviderCalls(String provider, SwitchboardConfig.ProviderCalls config, Vertx vertx) {
        this.provider = provider;
        this.config = config;
        this.vertx = vertx;
        this.breaker = new CircuitBreaker(provider, config.breakerFailureThreshold(), config.breakerOpenFor());
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Runs {@code call} with the default per-call timeout. */
    public <T> Uni<T> call(String operation, Idempotency idempotency, Supplier<Uni<T>> call) {
        return call(operation, idempotency, config.callTimeout(), call);
    }

    /** Runs {@code call} guarded by timeout, retries and breaker; failures are always {@link ProviderException}s. */
    public <T> Uni<T> call(String operation, Idempotency idempotency, Duration timeout, Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            Uni<T> attempts = attempt(operation, idempotency, timeout, call, 1);
            // A timeout or a retry delay completes on another thread; hand the outcome back to the caller's context.
            return context == null ? attempts : attempts.emitOn(r -> context.runOnContext(v -> r.run()));
        });
    }

    private <T> Uni<T> attempt(String operation, Idempotency idempotency, Duration timeout, Supplier<Uni<T>> call, int n) {
        ProviderException open = breaker.rejection();
        if (open != null) {
            return Uni.createFrom().failure(open);
        }
        return Uni.createFrom().<T> deferred(call::get)
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException(operation + " took longer than " + timeout))
                .onItem().invoke(breaker::success)
                .onFailure().recoverWithUni(e -> {
                    ProviderException p = classify(operation, e);
                    breaker.failure(p);
                    Duration delay = retryDelay(p, idempotency, n);
                    if (delay == null) {
                        return Uni.createFrom().failure(p);
                    }
                    LOG.debugf("%s %s failed (%s: %s); attempt %d in %d ms", provider, operation, p.kind(), p.getMessage(),
                            n + 1, delay.toMillis());
                    return sleep(delay).chain(() -> attempt(operation, idempotency, timeout, call, n + 1));
                });
    }

    /** The delay before the next attempt, or null when the failure is final. */
    Duration retryDelay(ProviderException p, Idempotency idempotency, int attemptsSoFar) {
        boolean retryableKind = p.kind() == ProviderException.Kind.TRANSIENT || p.kind() == ProviderException.Kind.RATE_LIMITED;
        if (!retryableKind || attemptsSoFar >= config.maxAttempts()) {
            return null;
        }
        if (idempotency == Idempotency.NOT_IDEMPOTENT && !p.retrySafe()) {
            return null;
        }
        if (p.retryAfter() != null) {
            return p.retryAfter().compareTo(config.maxRetryAfter()) > 0 ? null : p.retryAfter();
        }
        long cap = Math.min(config.maxBackoff().toMillis(), config.initialBackoff().toMillis() << Math.min(attemptsSoFar - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }

    private ProviderException classify(String operation, Throwable e) {
        if (e instanceof ProviderException p) {
            return p;
        }
        if (e instanceof TimeoutException) {
            return new ProviderException(ProviderException.Kind.TRANSIENT, provider + " " + operation + ": " + e.getMessage(),
                    null, e).retrySafe(false);
        }
        // Connection refused or reset, TLS failure, DNS: the request may not have reached the provider.
        return new ProviderException(ProviderException.Kind.TRANSIENT, provider + " " + operation + " failed: " + e, null, e)
                .retrySafe(false);
    }

    private Uni<Void> sleep(Duration d) {
        return Uni.createFrom().emitter(em -> vertx.setTimer(Math.max(1, d.toMillis()), id -> em.complete(null)));
    }
}
