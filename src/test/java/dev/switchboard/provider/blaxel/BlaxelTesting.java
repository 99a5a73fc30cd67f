package dev.switchboard.provider.blaxel;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;

/** Helpers shared by the Blaxel provider tests. */
final class BlaxelTesting {

    static final Duration WAIT = Duration.ofSeconds(20);

    private BlaxelTesting() {
    }

    /** A spec as the switch pipeline builds it, for a given owner. */
    static SandboxSpec spec(String owner) {
        return spec(owner, null, Map.of());
    }

    static SandboxSpec spec(String owner, String template, Map<String, String> env) {
        return new SandboxSpec(template, Duration.ofMinutes(10), Map.of(SandboxMetadata.MANAGED, "true",
                SandboxMetadata.OWNER, owner, SandboxMetadata.SWITCH, UUID.randomUUID().toString(),
                SandboxMetadata.INSTANCE, "test-instance"), env);
    }

    /** Polls {@code condition} every 20 ms until it holds, failing after {@code within}. */
    static void await(String what, Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** Lets a breaker opened by an earlier test's outage close again, so tests do not depend on their order. */
    static void awaitBreakerClosed(BlaxelSandboxProvider provider) {
        await("the blaxel circuit breaker to close", Duration.ofSeconds(5), () -> !provider.calls().breaker().isOpen());
    }
}
