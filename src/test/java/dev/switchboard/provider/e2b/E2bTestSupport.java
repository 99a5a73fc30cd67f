package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;

import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import io.smallrye.common.annotation.Identifier;

/** What the E2B tests share: the fake, the provider, and a clean fake and closed breaker after each test. */
abstract class E2bTestSupport {

    static final Duration WAIT = Duration.ofSeconds(15);

    @InjectE2bFake
    E2bFake fake;

    @Inject
    @Identifier("e2b")
    E2bSandboxProvider provider;

    @AfterEach
    void resetFakeAndBreaker() {
        fake.clearFaults();
        awaitBreakerClosed();
        fake.reset();
    }

    /** After a test that opened the breaker, waits (polling, bounded) until a trial call has closed it again. */
    void awaitBreakerClosed() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (provider.calls().breaker().isOpen() || !listWorks()) {
            if (System.nanoTime() > deadline) {
                fail("the E2B circuit breaker did not close again");
            }
            pause(50);
        }
    }

    private boolean listWorks() {
        try {
            provider.list(Map.of("switchboard-test", "breaker-probe")).await().atMost(WAIT);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Metadata like the switch pipeline's, with a unique owner so tests can list their own sandboxes. */
    static Map<String, String> metadata(String owner) {
        Map<String, String> m = new HashMap<>();
        m.put(SandboxMetadata.MANAGED, "true");
        m.put(SandboxMetadata.OWNER, owner);
        m.put(SandboxMetadata.SWITCH, UUID.randomUUID().toString());
        return m;
    }

    SandboxHandle create(String owner) {
        return create(owner, Duration.ofMinutes(10));
    }

    SandboxHandle create(String owner, Duration timeout) {
        return provider.create(new SandboxSpec(null, timeout, metadata(owner), Map.of())).await().atMost(WAIT);
    }

    static String owner() {
        return "owner-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
