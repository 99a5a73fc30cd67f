package dev.switchboard.provider.blaxel;

import dev.switchboard.fake.blaxel.BlaxelBackdoor;
import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.sandbox.SaveBackSuite;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The save-back suite on the Blaxel provider, against the fake whose sandboxes run real commands on real files. */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelSaveBackTest extends SaveBackSuite {

    @InjectBlaxelFake
    BlaxelFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new BlaxelBackdoor(fake, "/blaxel/app");
    }
}
