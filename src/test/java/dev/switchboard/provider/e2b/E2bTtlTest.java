package dev.switchboard.provider.e2b;

import java.util.HashMap;
import java.util.Map;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.lifecycle.TtlSuite;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The TTL save-back on E2B, whose fake deletes a sandbox at its timeout like E2B does. */
@QuarkusTest
@TestProfile(E2bTtlTest.Profile.class)
class E2bTtlTest extends TtlSuite {

    public static class Profile extends E2bProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.putAll(CONFIG);
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
