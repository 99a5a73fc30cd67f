package dev.switchboard.lifecycle;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.lifecycle.LifecycleRepository.Sweep;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * With 100,000 users and 10,000 live sandboxes, every query the lifecycle jobs run plans as an index scan.
 * The rows live only inside a transaction that is rolled back, so other tests never see them.
 */
@QuarkusTest
class SweepQueryPlanTest {

    @Inject
    Pool db;

    @Test
    void everySweepQueryUsesAnIndex() {
        Instant now = Instant.now();
        Object cutoff = now.atOffset(ZoneOffset.UTC);
        Object stale = now.minus(Duration.ofMinutes(10)).atOffset(ZoneOffset.UTC);
        Map<String, Object[]> queries = new LinkedHashMap<>();
        queries.put("ttl candidates", new Object[] { LifecycleRepository.candidatesSql(Sweep.TTL), Tuple.of(cutoff, stale, 50) });
        queries.put("idle candidates", new Object[] { LifecycleRepository.candidatesSql(Sweep.IDLE), Tuple.of(cutoff, stale, 50) });
        String[] someUsers = { "plan-user-1", "plan-user-2" };
        queries.put("ttl claim", new Object[] { LifecycleRepository.claimSql(Sweep.TTL), Tuple.of(cutoff, stale, 2, someUsers) });
        queries.put("idle claim", new Object[] { LifecycleRepository.claimSql(Sweep.IDLE), Tuple.of(cutoff, stale, 2, someUsers) });
        queries.put("keep-alive lease", new Object[] { LifecycleRepository.KEEPALIVE_SQL,
                Tuple.of(now.minus(Duration.ofMinutes(15)).atOffset(ZoneOffset.UTC), now.plusSeconds(120).atOffset(ZoneOffset.UTC), 50) });
        queries.put("live page", new Object[] { LifecycleRepository.LIVE_PAGE_SQL, Tuple.of("", 500) });
        queries.put("referenced", new Object[] { LifecycleRepository.REFERENCED_SQL,
                Tuple.of((Object) new String[] { "sbx-1", "sbx-2", "sbx-3" }) });

        Map<String, String> plans = new LinkedHashMap<>();
        db.withConnection(conn -> conn.begin().chain(tx -> seed(conn)
                .chain(() -> explainAll(conn, queries, plans))
                .eventually(tx::rollback)))
                .await().atMost(Duration.ofMinutes(2));

        plans.forEach((name, plan) -> {
            System.out.println("-- " + name + "\n" + plan);
            assertTrue(plan.contains("Index"), name + " does not use an index:\n" + plan);
            assertFalse(plan.contains("Seq Scan on users"), name + " scans the whole users table:\n" + plan);
        });
    }

    private static Uni<Void> seed(SqlConnection conn) {
        // 100,000 users; every tenth has a live sandbox with spread-out timestamps.
        return conn.query("""
                INSERT INTO users (id, name, active_sandbox_id, sandbox_provider, sandbox_url, sandbox_created_at,
                                   sandbox_last_used_at, sandbox_expires_at, sandbox_provider_expires_at)
                SELECT 'plan-user-' || g, 'User ' || g,
                       CASE WHEN g % 10 = 0 THEN 'sbx-' || g END,
                       CASE WHEN g % 10 = 0 THEN 'local' END,
                       CASE WHEN g % 10 = 0 THEN 'http://127.0.0.1/' || g END,
                       CASE WHEN g % 10 = 0 THEN now() - (g % 3600) * interval '1 second' END,
                       CASE WHEN g % 10 = 0 THEN now() - (g % 1800) * interval '1 second' END,
                       CASE WHEN g % 10 = 0 THEN now() + (3600 - g % 3600) * interval '1 second' END,
                       CASE WHEN g % 10 = 0 THEN now() + (g % 600) * interval '1 second' END
                FROM generate_series(1, 100000) g""").execute()
                .chain(() -> conn.query("ANALYZE users").execute())
                .replaceWithVoid();
    }

    private static Uni<Void> explainAll(SqlConnection conn, Map<String, Object[]> queries, Map<String, String> plans) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Map.Entry<String, Object[]> q : queries.entrySet()) {
            chain = chain.chain(() -> conn.preparedQuery("EXPLAIN " + q.getValue()[0]).execute((Tuple) q.getValue()[1])
                    .invoke(rows -> {
                        StringBuilder plan = new StringBuilder();
                        rows.forEach(r -> plan.append(r.getString(0)).append('\n'));
                        plans.put(q.getKey(), plan.toString());
                    }).replaceWithVoid());
        }
        return chain;
    }
}
