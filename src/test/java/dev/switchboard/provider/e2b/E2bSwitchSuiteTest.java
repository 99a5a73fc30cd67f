package dev.switchboard.provider.e2b;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.sandbox.SwitchSuite;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The provider-agnostic switch suite on the E2B provider, against the fake. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bSwitchSuiteTest extends SwitchSuite {

    @InjectE2bFake
    E2bFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }

    @Override
    protected String sandboxUrlPrefix() {
        return "https://3000-i";
    }
}
