package dev.switchboard.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The deployment id: generated once and kept in the database (the same after a restart, the same for replicas
 * starting together on an empty database), a configured one checked against the providers' value rule.
 */
@QuarkusTest
class DeploymentTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Deployment deployment;
    @Inject
    Pool db;

    private String stored() {
        return db.query("SELECT id FROM deployment").execute().await().atMost(WAIT).iterator().next().getString(0);
    }

    @Test
    void theGeneratedIdIsKeptInTheDatabaseAndSurvivesARestart() {
        String id = deployment.id().await().atMost(WAIT);
        assertEquals(stored(), id);
        assertTrue(Deployment.problem(id).isEmpty(), "a generated id obeys the value rule: " + id);
        // A restart on the same database: a new instance reads the same id instead of generating another.
        assertEquals(id, new Deployment(Optional.empty(), db).id().await().atMost(WAIT));
    }

    @Test
    void replicasStartingTogetherOnAnEmptyDatabaseAgreeOnOneId() {
        String original = stored();
        try {
            for (int round = 0; round < 5; round++) {
                db.query("DELETE FROM deployment").execute().await().atMost(WAIT);
                List<Uni<String>> starts = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    starts.add(new Deployment(Optional.empty(), db).id());
                }
                List<String> ids = Uni.join().all(starts).andFailFast().await().atMost(WAIT);
                assertEquals(1, new HashSet<>(ids).size(), "eight replicas, one id: " + ids);
                assertEquals(stored(), ids.get(0));
            }
        } finally {
            db.preparedQuery("UPDATE deployment SET id = $1").execute(Tuple.of(original)).await().atMost(WAIT);
        }
    }

    @Test
    void aConfiguredIdIsStampedAndTheFirstIdStaysThisDeployments() {
        String first = stored();
        Deployment.Ids ids = new Deployment(Optional.of("staging"), db).ids().await().atMost(WAIT);
        assertEquals("staging", ids.current());
        // Sandboxes stamped before the operator named the deployment are still its own.
        assertEquals(Set.of("staging", first), ids.owned());
        assertFalse(ids.owns("production"));
        assertEquals(first, stored(), "the stored id is not replaced");
    }

    @Test
    void aConfiguredIdOutsideTheValueRuleStopsTheStart() {
        for (String good : List.of("staging", "production", "prod-eu-1", "Team_A.v2", "x", "a".repeat(63))) {
            assertTrue(Deployment.problem(good).isEmpty(), good);
        }
        for (String bad : List.of("", "a".repeat(64), "-staging", "staging-", "stag ing", "prod/eu", "prod=1", "prod&x",
                "été", "b32.abc", ".hidden")) {
            assertTrue(Deployment.problem(bad).isPresent(), "'" + bad + "' is refused");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Deployment(Optional.of("prod eu"), db));
        assertTrue(e.getMessage().contains("switchboard.deployment 'prod eu' is not a valid deployment id"), e.getMessage());
    }
}
