package dev.switchboard.provider;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;

/**
 * One SmallRye Fault Tolerance circuit breaker over a set of provider calls: a provider's control plane, or one
 * sandbox's data plane. After N consecutive failures it fails calls fast for the open period, then lets one trial call
 * through; any answer from the provider (404 and 409 included) counts as a success and closes it.
 */
public final class ProviderBreaker {

    private static final Logger LOG = Logger.getLogger(ProviderBreaker.class);

    private final String name;
    private final String unavailable;
    private final Duration openFor;
    private final Guard guard;
    private volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
    /** System.nanoTime() of the last move to OPEN. */
    private volatile long openedAt;

    /**
     * @param name        what the breaker guards, for logs ("e2b control plane")
     * @param unavailable the start of the message of a call failed fast ("e2b is unavailable")
     * @param metered     whether SmallRye's metrics carry it (only a fixed set of breakers may be, never one per sandbox)
     */
    ProviderBreaker(String name, String unavailable, int threshold, Duration openFor, boolean metered) {
        this.name = name;
        this.unavailable = unavailable;
        this.openFor = openFor;
        Guard.Builder builder = Guard.create();
        if (metered) {
            // SmallRye meters a guard only when it has a description; per-sandbox breakers stay unmetered.
            builder.withDescription(name);
        }
        this.guard = builder.withCircuitBreaker()
                // A window of N calls that all failed is N consecutive failures.
                .requestVolumeThreshold(Math.max(1, threshold))
                .failureRatio(1.0)
                .successThreshold(1)
                .delay(Math.max(0, openFor.toMillis()), ChronoUnit.MILLIS)
                .when(ProviderBreaker::isFailure)
                .onStateChange(this::changed)
                .done()
                .build();
    }

    /**
     * Whether a failure says the provider is not answering: a timeout, a broken connection, a 5xx or a 429. Any other
     * answer (gone, conflict, quota, bad request, refused key) shows the provider is up, so it counts as a success.
     */
    static boolean isFailure(Throwable e) {
        if (e instanceof ProviderException p) {
            return p.kind() == ProviderException.Kind.TRANSIENT || p.kind() == ProviderException.Kind.RATE_LIMITED;
        }
        return true;
    }

    private void changed(CircuitBreakerState next) {
        CircuitBreakerState previous = state;
        if (next == CircuitBreakerState.OPEN) {
            openedAt = System.nanoTime();
        }
        state = next;
        if (next == CircuitBreakerState.OPEN && previous == CircuitBreakerState.CLOSED) {
            LOG.warnf("%s: circuit opened after repeated failures; calls fail fast for %d ms", name, openFor.toMillis());
        } else if (next == CircuitBreakerState.CLOSED && previous != CircuitBreakerState.CLOSED) {
            LOG.infof("%s: circuit closed", name);
        }
    }

    /** Runs {@code call} through the breaker; fails with SmallRye's {@code CircuitBreakerOpenException} while open. */
    <T> Uni<T> guard(Supplier<Uni<T>> call) {
        return ProviderCalls.run(guard, call);
    }

    /**
     * The failure of a call the breaker did not let through. Retry-safe, since nothing was sent; its Retry-After is the
     * rest of the open period (a second while a trial call is out).
     */
    ProviderException rejection() {
        long left = state == CircuitBreakerState.OPEN ? openFor.toMillis() - (System.nanoTime() - openedAt) / 1_000_000 : 0;
        Duration retryAfter = Duration.ofMillis(Math.max(left, 1000));
        return new ProviderException(ProviderException.Kind.TRANSIENT, unavailable + " (circuit open)", retryAfter, null)
                .retrySafe(true);
    }

    /** Open: calls fail fast. False while closed and while half-open (a trial call may pass). */
    public boolean isOpen() {
        return state == CircuitBreakerState.OPEN;
    }

    public CircuitBreakerState state() {
        return state;
    }
}
