package dev.switchboard.provider.e2b;

import java.util.HashMap;
import java.util.Map;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.pool.ParkSuite;
import dev.switchboard.pool.PoolParkProfile;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Parking on E2B (pause, then connect to resume) against the fake, whose pause freezes the sandbox's processes. */
@QuarkusTest
@TestProfile(E2bParkTest.Profile.class)
class E2bParkTest extends ParkSuite {

    public static class Profile extends E2bProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.putAll(PoolParkProfile.PARKING);
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
