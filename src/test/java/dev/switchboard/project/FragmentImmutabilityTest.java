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
                "UPDATE fragments SET files = '{\"index.html\":\"tampered\"}'::jsonb WHERE id = $1::uuid")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("immutable"), e.getMessage());
        alice.req().get("/api/projects/" + app + "/fragments/" + id).then().body("files.'index.html'", equalTo("v1"));
    }
}
