package dev.switchboard.sandbox;

import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;

/** The switch suite on the local provider: real processes, real files. */
@QuarkusTest
class LocalSwitchSuiteTest extends SwitchSuite {

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }
}
