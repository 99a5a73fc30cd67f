package dev.switchboard.common;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;

/**
 * Graceful stop of background work (scheduled jobs, the warm-pool refill, the reconciler, the event group-commit).
 * On shutdown, before the SQL pool closes, no new job run starts and the runs in flight get
 * {@code switchboard.jobs.shutdown-grace} to finish; what is still running after it is abandoned, and its failure
 * (the pool closing under it) is expected, not an error.
 */
@ApplicationScoped
public class JobGate {

    private static final Logger LOG = Logger.getLogger(JobGate.class);

    private final Duration grace;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean stopping;

    public JobGate(SwitchboardConfig config) {
        this.grace = config.jobs().shutdownGrace();
    }

    /** True once the service is stopping: jobs take no more work. */
    public boolean stopping() {
        return stopping;
    }

    /** Runs {@code work} as tracked background work, or answers {@code whenStopping} without running it. */
    public <T> Uni<T> guard(Supplier<Uni<T>> work, T whenStopping) {
        return Uni.createFrom().deferred(() -> {
            if (stopping) {
                return Uni.createFrom().item(whenStopping);
            }
            enter();
            return Uni.createFrom().deferred(() -> work.get()).onTermination().invoke(this::exit);
        });
    }

    /** Tracks work that must not be refused (an audit write a request waits for) until {@link #exit}. */
    public void enter() {
        inFlight.incrementAndGet();
    }

    public void exit() {
        if (inFlight.decrementAndGet() <= 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Early in the shutdown (before the datasources close): stop taking work, wait for what runs, within the grace. */
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (this) {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                try {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        int left = inFlight.get();
        if (left > 0) {
            LOG.infof("stopping: %d background job runs still in flight after %s are abandoned", left, grace);
        } else {
            LOG.debug("stopping: no background job in flight");
        }
    }
}
