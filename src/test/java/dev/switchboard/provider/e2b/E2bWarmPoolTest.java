package dev.switchboard.provider.e2b;

import java.util.HashMap;
import java.util.Map;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.pool.WarmPoolSuite;
import dev.switchboard.support.SandboxBackdoor;
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

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }
}
