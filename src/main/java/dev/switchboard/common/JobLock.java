package dev.switchboard.common;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Cluster-wide mutual exclusion for jobs that must run on one replica at a time: a PostgreSQL advisory lock. */
@ApplicationScoped
public class JobLock {

    private final Pool db;

    public JobLock(Pool db) {
        this.db = db;
    }

    /**
     * Runs {@code work} only if this replica gets the job's advisory lock, held on one connection for the whole run
     * (provider calls included; no transaction stays open). Answers false when another replica holds it.
     */
    public Uni<Boolean> run(String job, Supplier<Uni<Void>> work) {
        long key = ("switchboard-job:" + job).hashCode();
        return db.getConnection().chain(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1)").execute(Tuple.of(key))
                .chain(rows -> {
                    if (!rows.iterator().next().getBoolean(0)) {
                        return Uni.createFrom().item(false);
                    }
                    return work.get()
                            .onTermination().call(() -> conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(key)))
                            .replaceWith(true);
                })
                .onTermination().call(conn::close));
    }
}
