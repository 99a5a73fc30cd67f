package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Instance;
import dev.switchboard.common.JobGate;
import dev.switchboard.common.SqlTime;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The audit trail of sandbox events (created, restored, killed with a reason, failed or overtaken switches), kept
 * in PostgreSQL for admins, and the kill counter by reason. Recording never fails the operation it describes.
 * <p>
 * Events are group-committed: a record waits for its row to be written, but the rows that arrive while one insert
 * is in flight go together in the next single statement, so concurrent switches share inserts instead of each
 * paying for four or five.
 */
@ApplicationScoped
public class SandboxEvents {

    private static final Logger LOG = Logger.getLogger(SandboxEvents.class);

    /** One event as admins read it. */
    @RegisterForReflection
    public record Event(long id, Instant at, String userId, String sandboxId, String type, String reason, String detail) {
    }

    private final Pool db;
    private final Instance instance;
    private final JobGate gate;

    public SandboxEvents(Pool db, Instance instance, JobGate gate) {
        this.db = db;
        this.instance = instance;
        this.gate = gate;
    }

    public Uni<Void> record(String userId, String sandboxId, String type, String reason, String detail, String provider) {
        if ("killed".equals(type)) {
            Metrics.counter("switchboard.sandbox.kills", "reason", reason == null ? "unknown" : reason).increment();
        }
        Row row = new Row(userId, sandboxId, type, reason, truncate(detail), provider);
        return Uni.createFrom().emitter(emitter -> {
            // The caller goes on on its own Vert.x context, whichever connection's thread wrote the row.
            Context context = Vertx.currentContext();
            queue.add(new Pending(row, () -> {
                if (context != null) {
                    context.runOnContext(v -> emitter.complete(null));
                } else {
                    emitter.complete(null);
                }
            }));
            flush();
        });
    }

    private record Row(String userId, String sandboxId, String type, String reason, String detail, String provider) {
    }

    private record Pending(Row row, Runnable done) {
    }

    private static final int MAX_BATCH = 500;
    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    /** Writes what is queued in one statement unless a write is in flight; that one's end writes the rest. */
    private void flush() {
        if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
            return;
        }
        List<Pending> batch = new ArrayList<>();
        for (Pending p; batch.size() < MAX_BATCH && (p = queue.poll()) != null;) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            writing.set(false);
            flush();
            return;
        }
        int n = batch.size();
        String[][] columns = new String[6][n];
        for (int i = 0; i < n; i++) {
            Row r = batch.get(i).row();
            columns[0][i] = r.userId();
            columns[1][i] = r.sandboxId();
            columns[2][i] = r.type();
            columns[3][i] = r.reason();
            columns[4][i] = r.detail();
            columns[5][i] = r.provider();
        }
        // Tracked, so a graceful stop waits for the rows before the pool closes.
        gate.enter();
        db.preparedQuery("""
                INSERT INTO sandbox_events (user_id, sandbox_id, type, reason, detail, provider, instance)
                SELECT u, s, t, r, d, p, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                    WITH ORDINALITY AS e(u, s, t, r, d, p, n) ORDER BY n""")
                .execute(Tuple.from(new Object[] { columns[0], columns[1], columns[2], columns[3], columns[4], columns[5],
                        instance.id() }))
                .subscribe().with(rows -> done(batch), e -> {
                    LOG.warnf("could not record %d sandbox events (first: %s of sandbox %s): %s", n,
                            batch.get(0).row().type(), batch.get(0).row().sandboxId(), e.getMessage());
                    done(batch);
                });
    }

    private void done(List<Pending> batch) {
        gate.exit();
        writing.set(false);
        batch.forEach(p -> p.done().run());
        flush();
    }

    /** Newest first; {@code before} is the id of the last event of the previous page, or null. */
    public Uni<List<Event>> list(String userId, Long before, int limit) {
        String sql = "SELECT id, at, user_id, sandbox_id, type, reason, detail FROM sandbox_events WHERE ($1::text IS NULL OR user_id = $1)"
                + " AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3";
        return db.preparedQuery(sql).execute(Tuple.of(userId, before, limit)).map(rows -> {
            List<Event> events = new ArrayList<>();
            for (io.vertx.mutiny.sqlclient.Row r : rows) {
                events.add(new Event(r.getLong("id"), SqlTime.instant(r, "at"), r.getString("user_id"),
                        r.getString("sandbox_id"), r.getString("type"), r.getString("reason"), r.getString("detail")));
            }
            return events;
        });
    }

    /** Room for a save-back summary with its 100 listed skipped files, each path up to 512 characters. */
    private static final int MAX_DETAIL = 64 * 1024;

    private static String truncate(String s) {
        return s == null || s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL);
    }
}
