package dev.switchboard.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.pool.PoolRepository.PoolSandbox;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** The claim statement alone: concurrent claims on one table get each ready row exactly once, and none misses while any is ready. */
@QuarkusTest
class PoolClaimTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    PoolRepository repo;
    @Inject
    Pool db;

    @AfterEach
    void clear() {
        db.query("DELETE FROM pool_sandboxes WHERE provider = 'claim-test'").execute().await().atMost(WAIT);
    }

    @Test
    void twentyConcurrentClaimsOnFiveRowsGetFiveDistinctRows() {
        for (int round = 0; round < 10; round++) {
            Instant now = Instant.now();
            Set<String> inserted = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                String id = "claim-" + round + "-" + i;
                inserted.add(id);
                repo.insert(new PoolSandbox(id, "claim-test", "", null, null, now.plusMillis(i), now.plus(Duration.ofHours(1)), null))
                        .await().atMost(WAIT);
            }
            List<Uni<Optional<PoolSandbox>>> claims = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                claims.add(repo.claim("claim-test", "", UUID.randomUUID(), Instant.now()));
            }
            List<?> results = Uni.join().all(claims).andFailFast().await().atMost(WAIT);
            Set<String> got = new HashSet<>();
            for (Object o : results) {
                ((Optional<?>) o).ifPresent(p -> got.add(((PoolSandbox) p).sandboxId()));
            }
            assertEquals(inserted, got, "round " + round + ": every row claimed once");
            clear();
        }
    }
}
