package dev.switchboard.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Group commit of the audit trail: every event recorded at once is written, once, with its fields, none lost. */
@QuarkusTest
class SandboxEventsTest {

    @Inject
    SandboxEvents events;
    @Inject
    Pool db;

    @Test
    void eventsRecordedConcurrentlyAreAllWrittenOnce() {
        String user = "events-" + UUID.randomUUID();
        List<Uni<Void>> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            records.add(events.record(user, "sb-" + i, i % 2 == 0 ? "created" : "killed", i % 2 == 0 ? null : "switch",
                    "detail " + i, "local"));
        }
        Uni.join().all(records).andFailFast().await().atMost(Duration.ofSeconds(30));

        List<String> written = new ArrayList<>();
        db.preparedQuery("SELECT sandbox_id, type, reason, detail FROM sandbox_events WHERE user_id = $1 ORDER BY id")
                .execute(Tuple.of(user)).await().atMost(Duration.ofSeconds(10))
                .forEach(r -> written.add(r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3)));
        assertEquals(300, written.size());
        for (int i = 0; i < 300; i++) {
            String expected = "sb-" + i + "|" + (i % 2 == 0 ? "created|null" : "killed|switch") + "|detail " + i;
            assertEquals(1, written.stream().filter(expected::equals).count(), expected);
        }
    }
}
