package dev.switchboard.pool;

import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The warm pool on real local sandboxes. */
@QuarkusTest
@TestProfile(PoolParkProfile.class)
class LocalWarmPoolTest extends WarmPoolSuite {

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }
}
