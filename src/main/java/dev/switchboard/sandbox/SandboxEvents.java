package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Instance;
import dev.switchboard.common.SqlTime;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The audit trail of sandbox events (created, restored, killed with a reason, failed or overtaken switches), kept
 * in PostgreSQL for admins, and the kill counter by reason. Recording never fails the operation it describes.
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

    public SandboxEvents(Pool db, Instance instance) {
        this.db = db;
        this.instance = instance;
    }

    public Uni<Void> record(String userId, String sandboxId, String type, String reason, String detail, String provider) {
        if ("killed".equals(type)) {
            Metrics.counter("switchboard.sandbox.kills", "reason", reason == null ? "unknown" : reason).increment();
        }
        return db.preparedQuery("""
                INSERT INTO sandbox_events (user_id, sandbox_id, type, reason, detail, provider, instance)
                VALUES ($1, $2, $3, $4, $5, $6, $7)""")
                .execute(Tuple.from(new Object[] { userId, sandboxId, type, reason, truncate(detail), provider, instance.id() }))
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("could not record the %s event of sandbox %s: %s", type, sandboxId, e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /** Newest first; {@code before} is the id of the last event of the previous page, or null. */
    public Uni<List<Event>> list(String userId, Long before, int limit) {
        String sql = "SELECT id, at, user_id, sandbox_id, type, reason, detail FROM sandbox_events WHERE ($1::text IS NULL OR user_id = $1)"
                + " AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3";
        return db.preparedQuery(sql).execute(Tuple.of(userId, before, limit)).map(rows -> {
            List<Event> events = new ArrayList<>();
            for (Row r : rows) {
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
