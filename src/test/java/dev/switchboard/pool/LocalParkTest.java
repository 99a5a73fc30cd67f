package dev.switchboard.pool;

import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Parking on real local sandboxes: pause freezes the sandbox's processes (SIGSTOP), resume thaws them. */
@QuarkusTest
@TestProfile(PoolParkProfile.class)
class LocalParkTest extends ParkSuite {

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }
}
