package dev.switchboard.provider.e2b;

import java.util.Map;

import dev.switchboard.fake.e2b.E2bBackdoor;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.lifecycle.LifecycleSuite;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The lifecycle jobs on the E2B provider, against the fake, which counts kill calls per sandbox. */
@QuarkusTest
@TestProfile(E2bLifecycleTest.Profile.class)
class E2bLifecycleTest extends LifecycleSuite {

    public static class Profile extends E2bProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new java.util.HashMap<>(super.getConfigOverrides());
            config.put("switchboard.reconcile.grace", "4s");
            return config;
        }
    }

    @InjectE2bFake
    E2bFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new E2bBackdoor(fake);
    }

    @Override
    protected int killCalls(String sandboxId) {
        return fake.requests("kill", sandboxId);
    }
}
