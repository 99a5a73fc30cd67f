package dev.switchboard.sandbox;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The live-sandbox exec suite on the E2B provider, against the fake: real commands, E2B's port host form. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bLiveExecApiTest extends LiveExecSuite {

    @InjectE2bFake
    E2bFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }

    @Override
    protected String portUrl(String sandboxId, String sandboxUrl, int port) {
        // E2B's host form: the sandbox URL (port 3000) with the other port.
        return sandboxUrl.replaceFirst("^https://\\d+-" + sandboxId + "\\.", "https://" + port + "-" + sandboxId + ".");
    }
}
