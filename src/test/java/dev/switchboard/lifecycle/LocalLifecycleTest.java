package dev.switchboard.lifecycle;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;

import dev.switchboard.support.FaultyProvider;
import dev.switchboard.support.LocalBackdoor;
import dev.switchboard.support.SandboxBackdoor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;

/** The lifecycle suite on local sandboxes, through the counting wrapper so kill calls can be counted. */
@QuarkusTest
@TestProfile(LocalLifecycleTest.Profile.class)
class LocalLifecycleTest extends LifecycleSuite {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.provider", "faulty", "switchboard.reconcile.grace", "4s");
        }
    }

    @Inject
    @Identifier("faulty")
    FaultyProvider counting;

    private final SandboxBackdoor backdoor = new LocalBackdoor();

    @AfterEach
    void reset() {
        counting.reset();
    }

    @Override
    protected SandboxBackdoor backdoor() {
        return backdoor;
    }

    @Override
    protected int killCalls(String sandboxId) {
        AtomicInteger n = counting.killCalls.get(sandboxId);
        return n == null ? 0 : n.get();
    }
}
