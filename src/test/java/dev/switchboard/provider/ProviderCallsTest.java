package dev.switchboard.provider;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException.Kind;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/** The guard of provider calls on its own: retry rules, timeouts, breakers and the caller's Vert.x context. */
@QuarkusTest
class ProviderCallsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Vertx vertx;

    /** Short timings: 4 attempts, 10-40 ms backoff, 200 ms timeout, breakers open after 5 failures for 300 ms. */
    record Limits(Duration callTimeout, Duration createTimeout, int maxAttempts, Duration initialBackoff,
            Duration maxBackoff, Duration maxRetryAfter, int breakerFailureThreshold, Duration breakerOpenFor)
            implements SwitchboardConfig.ProviderCalls {
    }

    private static ProviderCalls calls() {
        return new ProviderCalls("test", new Limits(Duration.ofMillis(200), Duration.ofMillis(500), 4, Duration.ofMillis(10),
                Duration.ofMillis(40), Duration.ofSeconds(2), 5, Duration.ofMillis(300)));
    }

    private static ProviderException answered(int status) {
        return ProviderException.fromStatus("test", "op", status, "", null, false);
    }

    /** A call that fails with the given failures in turn, then answers "ok"; counts its attempts. */
    private static Supplier<Uni<String>> failing(AtomicInteger attempts, RuntimeException... failures) {
        return () -> {
            int n = attempts.getAndIncrement();
            return n < failures.length ? Uni.createFrom().failure(failures[n]) : Uni.createFrom().item("ok");
        };
    }

    @Test
    void whatIsRetriedDependsOnTheCallAndTheFailure() {
        ProviderCalls calls = calls();
        AtomicInteger attempts = new AtomicInteger();
        assertEquals("ok", calls.call("get", Idempotency.IDEMPOTENT,
                failing(attempts, answered(503), answered(500))).await().atMost(WAIT));
        assertEquals(3, attempts.get(), "idempotent calls are retried on any transient failure");

        attempts.set(0);
        assertThrows(ProviderException.class, () -> calls.call("get", Idempotency.IDEMPOTENT,
                failing(attempts, answered(503), answered(503), answered(503), answered(503))).await().atMost(WAIT));
        assertEquals(4, attempts.get(), "at most max-attempts");

        attempts.set(0);
        assertEquals(Kind.GONE, assertThrows(ProviderException.class, () -> calls.call("get", Idempotency.IDEMPOTENT,
                failing(attempts, answered(404))).await().atMost(WAIT)).kind());
        assertEquals(1, attempts.get(), "an answer is final");

        ProviderException reset = new ProviderException(Kind.TRANSIENT, "reset", null, null).retrySafe(false);
        attempts.set(0);
        assertThrows(ProviderException.class, () -> calls.call("exec", Idempotency.NOT_IDEMPOTENT,
                failing(attempts, reset)).await().atMost(WAIT));
        assertEquals(1, attempts.get(), "a command is not repeated after a reset");
        attempts.set(0);
        assertEquals("ok", calls.call("exec", Idempotency.NOT_IDEMPOTENT, failing(attempts, answered(502)))
                .await().atMost(WAIT));

        attempts.set(0);
        assertEquals("ok", calls.call("create", Idempotency.CREATE, failing(attempts, answered(503), answered(429)))
                .await().atMost(WAIT));
        assertEquals(3, attempts.get(), "a create is repeated after an explicit refusal");
        for (RuntimeException ambiguous : new RuntimeException[] { answered(502), answered(504), reset }) {
            attempts.set(0);
            ProviderException e = assertThrows(ProviderException.class, () -> calls.call("create", Idempotency.CREATE,
                    failing(attempts, ambiguous)).await().atMost(WAIT));
            assertTrue(e.ambiguous());
            assertEquals(1, attempts.get(), "the caller looks the sandbox up first: " + e.getMessage());
        }
    }

    @Test
    void retryAfterIsTheDelayUnlessItIsLongerThanMaxRetryAfter() {
        ProviderCalls calls = calls();
        AtomicInteger attempts = new AtomicInteger();
        long started = System.nanoTime();
        assertEquals("ok", calls.call("get", Idempotency.IDEMPOTENT, failing(attempts,
                ProviderException.fromStatus("test", "get", 429, "", Duration.ofMillis(1000), false))).await().atMost(WAIT));
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(1000).toNanos(), "Retry-After was waited for");

        attempts.set(0);
        ProviderException e = assertThrows(ProviderException.class, () -> calls.call("get", Idempotency.IDEMPOTENT,
                failing(attempts, ProviderException.fromStatus("test", "get", 503, "", Duration.ofSeconds(60), false)))
                .await().atMost(WAIT));
        assertEquals(Duration.ofSeconds(60), e.retryAfter());
        assertEquals(1, attempts.get(), "a Retry-After past max-retry-after goes to the caller");
    }

    @Test
    void aSlowCallIsCutByItsTimeoutAndIsAnAmbiguousTransientFailure() {
        ProviderCalls calls = calls();
        AtomicInteger attempts = new AtomicInteger();
        long started = System.nanoTime();
        ProviderException e = assertThrows(ProviderException.class, () -> calls.call("create", Idempotency.CREATE,
                Duration.ofMillis(150), () -> {
                    attempts.incrementAndGet();
                    return Uni.createFrom().nothing();
                }).await().atMost(WAIT));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(Kind.TRANSIENT, e.kind());
        assertTrue(e.ambiguous() && e.getMessage().contains("took longer than"), e.getMessage());
        assertEquals(1, attempts.get());
        assertTrue(millis >= 150 && millis < 2000, millis + " ms");
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresFailsFastAndAnyAnswerClosesIt() throws Exception {
        ProviderCalls calls = calls();
        AtomicInteger attempts = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            assertThrows(ProviderException.class, () -> calls.call("kill", Idempotency.NOT_IDEMPOTENT,
                    failing(new AtomicInteger(), new ProviderException(Kind.TRANSIENT, "down", null, null))).await()
                    .atMost(WAIT));
        }
        assertTrue(calls.breaker().isOpen(), "five consecutive failures open it");
        ProviderException fast = assertThrows(ProviderException.class,
                () -> calls.call("get", Idempotency.IDEMPOTENT, failing(attempts)).await().atMost(WAIT));
        assertEquals(0, attempts.get(), "nothing is sent while open");
        assertTrue(fast.getMessage().contains("circuit open") && fast.retryAfter() != null, fast.getMessage());
        assertFalse(fast.ambiguous(), "nothing was sent, so a create may be tried again");

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (calls.breaker().isOpen() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        // The trial is answered 409: the provider is up.
        assertThrows(ProviderException.class,
                () -> calls.call("pause", Idempotency.IDEMPOTENT, failing(attempts, answered(409))).await().atMost(WAIT));
        assertFalse(calls.breaker().isOpen());
        assertEquals("ok", calls.call("get", Idempotency.IDEMPOTENT, failing(new AtomicInteger())).await().atMost(WAIT));
        // Operators see the control-plane breaker in SmallRye Fault Tolerance's metrics.
        given().get("/q/metrics").then().statusCode(200).body(containsString("method=\"test control plane\""));
    }

    @Test
    void dataPlaneBreakersAreOnePerSandboxBoundedAndForgotten() {
        ProviderCalls calls = calls();
        ProviderException down = new ProviderException(Kind.TRANSIENT, "hung", null, null);
        for (int i = 0; i < 2; i++) {
            assertThrows(ProviderException.class, () -> calls.onSandbox("hung", "read", Idempotency.IDEMPOTENT,
                    failing(new AtomicInteger(), down, down, down, down)).await().atMost(WAIT));
        }
        assertTrue(calls.sandboxBreaker("hung").orElseThrow().isOpen());
        assertFalse(calls.breaker().isOpen(), "the control plane is not affected");
        assertEquals("ok", calls.call("create", Idempotency.CREATE, failing(new AtomicInteger())).await().atMost(WAIT));
        assertEquals("ok", calls.onSandbox("other", "read", Idempotency.IDEMPOTENT, failing(new AtomicInteger()))
                .await().atMost(WAIT), "nor are other sandboxes");

        calls.forget("hung");
        assertTrue(calls.sandboxBreaker("hung").isEmpty(), "a killed sandbox's breaker is dropped");
        for (int i = 0; i < ProviderCalls.SANDBOX_BREAKERS + 100; i++) {
            calls.onSandbox("s" + i, "read", Idempotency.IDEMPOTENT, failing(new AtomicInteger())).await().atMost(WAIT);
        }
        assertTrue(calls.sandboxBreaker("other").isEmpty(), "the least recently used breakers are evicted");
        assertTrue(calls.sandboxBreaker("s" + (ProviderCalls.SANDBOX_BREAKERS + 99)).isPresent());
        given().get("/q/metrics").then().statusCode(200).body(not(containsString("test sandbox")));
    }

    @Test
    void outcomesComeBackOnTheCallersContextAfterRetriesAndTimeouts() throws Exception {
        ProviderCalls calls = calls();
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Context> afterRetry = new CompletableFuture<>();
        CompletableFuture<Context> afterTimeout = new CompletableFuture<>();
        context.runOnContext(v -> {
            calls.call("get", Idempotency.IDEMPOTENT, failing(new AtomicInteger(), answered(503), answered(503)))
                    .subscribe().with(item -> afterRetry.complete(Vertx.currentContext()), afterRetry::completeExceptionally);
            calls.call("get", Idempotency.NOT_IDEMPOTENT, Duration.ofMillis(50), () -> Uni.createFrom().nothing())
                    .subscribe().with(item -> afterTimeout.completeExceptionally(new AssertionError("no timeout")),
                            e -> afterTimeout.complete(Vertx.currentContext()));
        });
        assertSame(context, afterRetry.get(10, TimeUnit.SECONDS));
        assertSame(context, afterTimeout.get(10, TimeUnit.SECONDS));
    }
}
