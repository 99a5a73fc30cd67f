package dev.switchboard.provider.e2b;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.switchboard.fake.e2b.E2bFakeResource;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Outages heal by themselves, with the circuit breakers' production timing (half-open after 5 s): switching works
 * again within seconds of E2B's return, and one sandbox that stops answering fails neither other users nor readiness.
 */
@QuarkusTest
@TestProfile(E2bRecoveryTest.Profile.class)
class E2bRecoveryTest extends E2bTestSupport {

    /** The E2B fake with the default breaker timing instead of the other E2B tests' 1 s. */
    public static class Profile extends E2bProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(E2bFakeResource.class, Map.of(E2bFakeResource.DEFAULT_BREAKER, "true")));
        }
    }

    @Test
    void switchingWorksAgainWithinTenSecondsOfTheProvidersReturn() {
        Api alice = Api.newUser("e2b-outage");
        String p = alice.createProject("p");
        alice.addFragment(p, Map.of("index.html", "back"));

        fake.failNext("create", 10_000, 503, null);
        fake.failNext("kill", 10_000, 503, null);
        for (int i = 0; i < 10 && !provider.calls().breaker().isOpen(); i++) {
            alice.switchTo(p).statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue()).body("status", equalTo(503));
        }
        assertTrue(provider.calls().breaker().isOpen(), "the outage opened the control-plane breaker");
        int creates = fake.requests("create");
        alice.switchTo(p).statusCode(503).header("Retry-After", notNullValue());
        assertEquals(creates, fake.requests("create"), "while open, switches fail fast without calling E2B");

        fake.clearFaults();
        long back = System.nanoTime();
        long deadline = back + Duration.ofSeconds(10).toNanos();
        int answer;
        do {
            pause(250);
            answer = alice.switchTo(p).extract().statusCode();
        } while (answer != 200 && System.nanoTime() < deadline);
        long millis = (System.nanoTime() - back) / 1_000_000;
        System.out.printf("e2b: switching worked again %d ms after the outage ended%n", millis);
        assertEquals(200, answer, "no successful switch within 10 s of E2B's return (" + millis + " ms)");
        alice.req().post("/api/cleanup-sandboxes").then().statusCode(200);
    }

    @Test
    void oneSandboxThatStopsAnsweringFailsNeitherOtherUsersNorReadiness() {
        Api alice = Api.newUser("e2b-hung");
        String a1 = alice.createProject("a1");
        String a2 = alice.createProject("a2");
        alice.addFragment(a1, Map.of("index.html", "a1"));
        alice.addFragment(a2, Map.of("index.html", "a2"));
        String hung = alice.switchTo(a1).statusCode(200).extract().path("result.sandboxId");

        // Alice's sandbox stops answering: every command in it (save-back's scan) loses its connection.
        fake.dropNext("process.start", 10_000);
        for (int i = 0; i < 10 && !hungBreakerOpen(hung); i++) {
            alice.switchTo(a2).statusCode(503).contentType("application/problem+json");
        }
        assertTrue(hungBreakerOpen(hung), "the sandbox's own breaker opened");
        int scans = fake.requests("process.start", hung);
        alice.switchTo(a2).statusCode(503).header("Retry-After", notNullValue());
        assertEquals(scans, fake.requests("process.start", hung), "calls to the silent sandbox now fail fast");

        // Bob is not alice: his switch creates and restores, and the service stays ready.
        assertFalse(provider.calls().breaker().isOpen(), "the control-plane breaker stayed closed");
        Api bob = Api.newUser("e2b-bystander");
        String b = bob.createProject("b");
        bob.addFragment(b, Map.of("index.html", "b"));
        bob.switchTo(b).statusCode(200).body("result.restoredFiles", equalTo(1));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        fake.clearFaults();
    }

    private boolean hungBreakerOpen(String sandboxId) {
        return provider.calls().sandboxBreaker(sandboxId).map(b -> b.isOpen()).orElse(false);
    }
}
