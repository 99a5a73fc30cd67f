package dev.switchboard.provider.blaxel;

import java.util.HashMap;
import java.util.Map;

import dev.switchboard.fake.blaxel.BlaxelBackdoor;
import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.lifecycle.LifecycleSuite;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The lifecycle jobs on the Blaxel provider, against the fake, counting DELETE calls per sandbox. */
@QuarkusTest
@TestProfile(BlaxelLifecycleTest.Profile.class)
class BlaxelLifecycleTest extends LifecycleSuite {

    public static class Profile extends BlaxelProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("switchboard.reconcile.grace", "4s");
            return config;
        }
    }

    @InjectBlaxelFake
    BlaxelFake fake;

    @Override
    protected SandboxBackdoor backdoor() {
        return new BlaxelBackdoor(fake, "/blaxel/app");
    }

    @Override
    protected int killCalls(String sandboxId) {
        return (int) fake.recorded(BlaxelFake.DELETE).stream().filter(r -> r.uri().endsWith("/sandboxes/" + sandboxId)).count();
    }
}
