package dev.switchboard.project;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Invariant 3, storage side: a stored fragment cannot be changed, not even with SQL. (Save-back is in the switch suite.) */
@QuarkusTest
class FragmentImmutabilityTest {

    @Inject
    Pool db;

    @Test
    void theDatabaseRefusesToChangeAStoredFragment() {
        Api alice = Api.newUser("immutable");
        String app = alice.createProject("app");
        String id = alice.addFragment(app, Map.of("index.html", "v1"));
        Throwable e = assertThrows(Throwable.class, () -> db.preparedQuery(
                "UPDATE fragments SET title = 'tampered' WHERE id = $1::uuid")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("immutable"), e.getMessage());
        // The manifest is as immutable: no file of a stored fragment can be pointed at other content.
        db.preparedQuery("INSERT INTO blobs (hash, size, content) VALUES ($1, 8, 'tampered'::bytea) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(dev.switchboard.files.Hashes.sha256("tampered".getBytes()))).await().atMost(Duration.ofSeconds(5));
        Throwable f = assertThrows(Throwable.class, () -> db.preparedQuery(
                "UPDATE fragment_files SET blob_hash = $2 WHERE fragment_id = $1::uuid")
                .execute(Tuple.of(id, dev.switchboard.files.Hashes.sha256("tampered".getBytes()))).await().atMost(Duration.ofSeconds(5)));
        org.junit.jupiter.api.Assertions.assertTrue(f.getMessage().contains("immutable"), f.getMessage());
        alice.req().get("/api/projects/" + app + "/fragments/" + id).then().body("files.'index.html'", equalTo("v1"));
    }
}
