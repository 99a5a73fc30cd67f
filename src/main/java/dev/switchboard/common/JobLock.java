package dev.switchboard.common;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/** Cluster-wide mutual exclusion for jobs that must run on one replica at a time: a PostgreSQL advisory lock. */
@ApplicationScoped
public class JobLock {

    private static final Logger LOG = Logger.getLogger(JobLock.class);

    private final Pool db;
    private final JobGate gate;

    public JobLock(Pool db, JobGate gate) {
        this.db = db;
        this.gate = gate;
    }

    /**
     * Runs {@code work} only if this replica gets the job's advisory lock, held on one connection for the whole run
     * (provider calls included; no transaction stays open). Answers false when another replica holds it, or when the
     * service is stopping (no new run starts then).
     */
    public Uni<Boolean> run(String job, Supplier<Uni<Void>> work) {
        long key = ("switchboard-job:" + job).hashCode();
        return gate.guard(() -> db.getConnection().chain(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1)")
                .execute(Tuple.of(key))
                .chain(rows -> {
                    if (!Boolean.TRUE.equals(rows.iterator().next().getBoolean(0))) {
                        return Uni.createFrom().item(false);
                    }
                    return Uni.createFrom().deferred(() -> work.get())
                            .onTermination().call(() -> unlock(conn, job, key))
                            .replaceWith(true);
                })
                .onTermination().call(() -> close(conn))), false);
    }

    /**
     * Never fails (a failure here would hide the job's own outcome): if the unlock cannot be sent, the connection
     * is closing or closed, and a closed connection releases its session's advisory locks anyway.
     */
    private static Uni<Void> unlock(SqlConnection conn, String job, long key) {
        return Uni.createFrom().deferred(() -> conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(key)))
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.debugf("job %s: advisory unlock not sent (%s); the closing connection releases it", job, e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private static Uni<Void> close(SqlConnection conn) {
        return Uni.createFrom().deferred(conn::close).onFailure().recoverWithNull().replaceWithVoid();
    }
}
