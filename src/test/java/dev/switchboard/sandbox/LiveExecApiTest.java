package dev.switchboard.sandbox;

import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;

/** The live-sandbox exec suite on real local sandboxes: real processes, loopback port URLs. */
@QuarkusTest
class LiveExecApiTest extends LiveExecSuite {

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }

    @Override
    protected String portUrl(String sandboxId, String sandboxUrl, int port) {
        return "http://127.0.0.1:" + port;
    }
}
