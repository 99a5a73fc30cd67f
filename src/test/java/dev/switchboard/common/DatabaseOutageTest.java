package dev.switchboard.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import dev.switchboard.support.LogCapture;
import dev.switchboard.support.RestartablePostgres;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A database outage (invariant 8): while PostgreSQL is down every API call answers 503 problem+json with Retry-After,
 * readiness is down and liveness up, nothing is logged as an ERROR; once it is back the service works again by itself.
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.OwnDatabase.class)
class DatabaseOutageTest {

    public static class OwnDatabase implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RestartablePostgres.Resource.class));
        }
    }

    @RestartablePostgres.Inject
    RestartablePostgres pg;

    @Test
    void outageIs503WithRetryAfterAndHealsByItself() throws Exception {
        Api alice = Api.newUser("outage");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "p"));
        alice.switchTo(p).statusCode(200);

        try (LogCapture log = LogCapture.install()) {
            pg.stop();
            try {
                alice.switchTo(p).statusCode(503).contentType("application/problem+json")
                        .header("Retry-After", notNullValue()).body("status", equalTo(503));
                alice.req().get("/api/projects").then().statusCode(503).contentType("application/problem+json")
                        .header("Retry-After", notNullValue());
                // Twice: a pooled connection cut by the outage and a new one refused both map to 503.
                alice.req().get("/api/projects").then().statusCode(503);
                given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
                given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
            } finally {
                pg.start();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int status;
            do {
                status = alice.switchTo(p).extract().statusCode();
            } while (status != 200 && System.nanoTime() < deadline && sleep());
            assertEquals(200, status, "a switch works again once the database is back");
            String ready;
            do {
                ready = given().get("/q/health/ready").then().extract().asString();
            } while (!ready.contains("\"status\": \"UP\"") && System.nanoTime() < deadline && sleep());
            given().get("/q/health/ready").then().statusCode(200);
            assertEquals(List.of(), log.errors(), "no ERROR for an expected outage");
        }
        // This test's database goes with it: its sandboxes must not outlive it in the shared sandbox root.
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200);
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }
}
