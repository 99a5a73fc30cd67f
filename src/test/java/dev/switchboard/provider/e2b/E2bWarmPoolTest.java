package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import java.util.Map;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.pool.WarmPoolSuite;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.restassured.path.json.JsonPath;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The warm pool on E2B against the fake. The fake's plan allows 1 h: a claimed pool sandbox gets its TTL from the
 * claim, so max-age + margin + the pool's max-age must fit in it (the service refuses to start otherwise).
 */
@QuarkusTest
@TestProfile(E2bWarmPoolTest.Profile.class)
class E2bWarmPoolTest extends WarmPoolSuite {

    public static class Profile extends E2bProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("switchboard.sandbox.max-age", "45m");
            config.put("switchboard.pool.size", "5");
            config.put("switchboard.reconcile.grace", "2s");
            return config;
        }
    }

    @InjectE2bFake
    E2bFake fake;

    /** A claim whose timeout change fails says nothing about the sandbox: it stays in the pool, the switch creates. */
    @Test
    void aClaimThatFailsForAPassingReasonLeavesTheSandboxInThePool() {
        Set<String> pooled = new HashSet<>(ids(db, "SELECT sandbox_id FROM pool_sandboxes WHERE claim_switch IS NULL"));
        assertEquals(5, pooled.size());
        Api api = Api.newUser("pool-flaky");
        String project = api.createProject("p");
        fake.failNext("timeout", 4, 503, null); // every attempt of the one call
        try {
            JsonPath r = api.switchTo(project).statusCode(200).extract().jsonPath();
            assertEquals("cold", r.getString("result.launch"));
        } finally {
            fake.clearFaults();
        }
        assertEquals(pooled, new HashSet<>(ids(db, "SELECT sandbox_id FROM pool_sandboxes WHERE claim_switch IS NULL")),
                "every pool sandbox is still there, ready; the table: " + ids(db, "SELECT sandbox_id || ' ' || provider || ' '"
                        + " || created_at || ' ' || provider_expires_at || ' ' || coalesce(claim_switch::text, '-') FROM pool_sandboxes"));
        for (String id : pooled) {
            assertTrue(provider.get(id).await().atMost(Duration.ofSeconds(30)).isPresent(), "and alive: " + id);
        }
    }

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }
}
