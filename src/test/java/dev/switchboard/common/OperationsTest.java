package dev.switchboard.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;

/** Prometheus metrics and health probes as an operator scrapes them. */
@QuarkusTest
class OperationsTest {

    @Test
    void switchesKillsAndProviderCallsShowInTheMetrics() {
        Api alice = Api.newUser("metrics");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "x"));
        alice.switchTo(p).statusCode(200);
        alice.switchTo(p).statusCode(200);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("switchboard_switch_seconds_bucket{launch=\"cold\",outcome=\"ok\""));
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("switchboard_sandbox_kills_total{reason=\"switch\"}"));
        org.hamcrest.MatcherAssert.assertThat(metrics,
                containsString("switchboard_provider_calls_total{operation=\"create\",outcome=\"ok\",provider=\"local\"}"));
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("switchboard_sandboxes_live"));
    }

    @Test
    void readinessChecksTheDatabaseAndTheProviderAndLivenessStaysCheap() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("sandbox provider local"))
                .body("checks.name", hasItem("Reactive PostgreSQL connections health check"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
