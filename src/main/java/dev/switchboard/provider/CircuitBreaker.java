package dev.switchboard.provider;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

/**
 * Per-provider breaker: after N consecutive transient failures, calls fail fast for a while instead of piling up
 * behind a provider outage; then one call at a time is let through until one succeeds.
 */
public final class CircuitBreaker {

    private static final Logger LOG = Logger.getLogger(CircuitBreaker.class);

    private final String provider;
    private final int threshold;
    private final long openForNanos;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** System.nanoTime() until which the breaker is open; 0 when closed. */
    private final AtomicLong openUntil = new AtomicLong();

    public CircuitBreaker(String provider, int threshold, Duration openFor) {
        this.provider = provider;
        this.threshold = Math.max(1, threshold);
        this.openForNanos = openFor.toNanos();
    }

    /** A fast failure while open, else null. After the open period one trial call passes (half-open). */
    ProviderException rejection() {
        long until = openUntil.get();
        if (until == 0) {
            return null;
        }
        long now = System.nanoTime();
        if (now - until >= 0 && openUntil.compareAndSet(until, now + openForNanos)) {
            return null; // this caller is the trial; others keep failing fast until it reports back
        }
        long waitMillis = Math.max(1, (openUntil.get() - now) / 1_000_000);
        return new ProviderException(ProviderException.Kind.TRANSIENT, provider + " is unavailable (circuit open)",
                Duration.ofMillis(waitMillis), null).retrySafe(false);
    }

    void success() {
        consecutiveFailures.set(0);
        if (openUntil.getAndSet(0) != 0) {
            LOG.infof("%s circuit closed", provider);
        }
    }

    void failure(ProviderException e) {
        if (e.kind() != ProviderException.Kind.TRANSIENT || e.getMessage().endsWith("(circuit open)")) {
            // Gone, conflict, quota, bad request, rate limits: the provider is answering, so it is not down.
            if (e.kind() != ProviderException.Kind.TRANSIENT) {
                consecutiveFailures.set(0);
            }
            return;
        }
        if (consecutiveFailures.incrementAndGet() >= threshold && openUntil.get() == 0) {
            openUntil.set(System.nanoTime() + openForNanos);
            LOG.warnf("%s circuit opened after %d consecutive failures", provider, consecutiveFailures.get());
        }
    }

    public boolean isOpen() {
        long until = openUntil.get();
        return until != 0 && System.nanoTime() - until < 0;
    }
}
