package dev.switchboard.sandbox;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The live-sandbox file suite on the E2B provider, against the fake (envd's filesystem RPC and /files). */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bLiveFilesApiTest extends LiveFilesSuite {

    @InjectE2bFake
    E2bFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }
}
