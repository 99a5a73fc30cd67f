package dev.switchboard.provider.blaxel;

import dev.switchboard.fake.blaxel.BlaxelBackdoor;
import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.sandbox.SwitchSuite;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The whole switch suite on the blaxel provider, against the fake. */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelSwitchSuiteTest extends SwitchSuite {

    private static final String PROJECT_ROOT = "/blaxel/app";

    @InjectBlaxelFake
    BlaxelFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new BlaxelBackdoor(fake, PROJECT_ROOT);
    }
}
