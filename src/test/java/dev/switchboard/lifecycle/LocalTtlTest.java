package dev.switchboard.lifecycle;

import java.util.Map;

import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The TTL save-back on real local sandboxes, which expire themselves at their provider timeout. */
@QuarkusTest
@TestProfile(LocalTtlTest.Profile.class)
class LocalTtlTest extends TtlSuite {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return CONFIG;
        }
    }

    @Override
    protected SandboxBackdoor backdoor() {
        return new LocalBackdoor();
    }
}
