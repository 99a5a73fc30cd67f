package dev.switchboard.common;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ProviderException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * The one place that knows how a database outage surfaces from the reactive PostgreSQL client (refused or cut
 * connections, pool timeouts, a server shutting down or starting up, the pool closed during a shutdown) and what it
 * becomes: a 503 with Retry-After, and a WARN line without a stack trace, at most one per {@link #WARN_EVERY}.
 */
public final class DatabaseOutage {

    private static final Logger LOG = Logger.getLogger(DatabaseOutage.class);
    /** When a caller should try again: about as long as the pool takes to reconnect to a returning server. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    static final Duration WARN_EVERY = Duration.ofSeconds(10);

    private static final AtomicLong lastWarn = new AtomicLong(Long.MIN_VALUE / 2);
    private static final AtomicInteger suppressed = new AtomicInteger();

    private DatabaseOutage() {
    }

    /** Whether {@code e}, or one of its causes, says the database cannot be reached (as opposed to a bad statement). */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProviderException) {
                return false; // a provider's connection trouble, with its own 503 (ProviderErrors)
            }
            if (t instanceof ConnectException || t instanceof ClosedConnectionException
                    || t instanceof ConnectionPoolTooBusyException) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null && unavailable(pg.getSqlState())) {
                return true;
            }
            String m = t.getMessage();
            // The pool's own failures carry no type of their own (VertxException, IllegalStateException).
            if (m != null && (m.equals("Pool closed") || m.startsWith("Timeout waiting for connection"))) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE classes of an unreachable server: connection exceptions, shutdowns, start-up, too many connections. */
    private static boolean unavailable(String state) {
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
                || state.equals("53300");
    }

    /** The answer to a call that needed the database while it is down. */
    public static ProblemException problem() {
        return new ProblemException(503, "Service Unavailable", "The database is unavailable; retry later", RETRY_AFTER);
    }

    /** Logs the outage as a WARN without a stack trace, at most once per {@link #WARN_EVERY}; the rest are counted. */
    public static void warn(String what, Throwable e) {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_EVERY.toNanos() && lastWarn.compareAndSet(last, now)) {
            int more = suppressed.getAndSet(0);
            LOG.warnf("database unavailable (%s): %s%s", what, e.getMessage(),
                    more > 0 ? " (" + more + " more since the last warning)" : "");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
