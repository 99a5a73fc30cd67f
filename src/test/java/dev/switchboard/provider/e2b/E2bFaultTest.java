package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** How the provider behaves when E2B misbehaves: rate limits, outages, lost sandboxes, broken connections. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bFaultTest extends E2bTestSupport {

    @Test
    void rateLimitWithRetryAfterIsWaitedForThenRetried() {
        SandboxHandle h = create(owner());
        fake.failNext("get", 1, 429, 1);
        long started = System.nanoTime();
        assertTrue(provider.get(h.id()).await().atMost(WAIT).isPresent());
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("e2b: 429 with Retry-After: 1 answered after %d ms%n", millis);
        assertTrue(millis >= 1000, "Retry-After was honoured: " + millis + " ms");
        assertTrue(millis < 3000, "and not much longer: " + millis + " ms");
        assertEquals(2, fake.requests("get", h.id()));
    }

    @Test
    void aRetryAfterLongerThanMaxRetryAfterIsNotWaitedForButHandedToTheCaller() {
        SandboxHandle h = create(owner());
        fake.failNext("get", 1, 429, 60);
        long started = System.nanoTime();
        ProviderException e = assertThrows(ProviderException.class, () -> provider.get(h.id()).await().atMost(WAIT));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(Kind.RATE_LIMITED, e.kind());
        assertEquals(Duration.ofSeconds(60), e.retryAfter(), "the caller answers 429 with it");
        assertEquals(1, fake.requests("get", h.id()));
        assertTrue(millis < 2000, "not waited for: " + millis + " ms");
    }

    @Test
    void twoServiceUnavailableAnswersThenSuccess() {
        create(owner());
        fake.failNext("list", 2, 503, null);
        assertEquals(1, provider.list(Map.of()).await().atMost(WAIT).size());
        assertEquals(3, fake.requests("list"));
    }

    @Test
    void createIsRetriedAfterAnExplicit503AndLookedUpBeforeItIsRetriedAfterADroppedConnection() {
        fake.failNext("create", 1, 503, null);
        create(owner());
        assertEquals(2, fake.requests("create"), "a 503 means E2B refused before acting");
        assertEquals(1, fake.sandboxes().size());

        // The connection drops before E2B acted: the lookup by switch id finds nothing, so the create is sent again.
        fake.reset();
        fake.dropNext("create", 1);
        SandboxHandle h = create(owner());
        assertEquals(2, fake.requests("create"));
        assertTrue(fake.requests("list") >= 1, "looked up before the second create");
        assertEquals(Set.of(h.id()), fake.sandboxes().keySet());
    }

    @Test
    void createWhoseAnswerIsLostAfterE2bActedKeepsTheSandboxItMade() {
        fake.dropNextAfterCreating(1);
        Map<String, String> metadata = metadata(owner());
        SandboxHandle h = provider.create(new SandboxSpec(null, Duration.ofMinutes(10), metadata, Map.of())).await().atMost(WAIT);
        assertEquals(1, fake.requests("create"), "found by its switch id, not created again");
        assertEquals(Set.of(h.id()), fake.sandboxes().keySet());
        assertEquals(metadata.get(SandboxMetadata.SWITCH), fake.sandbox(h.id()).orElseThrow().metadata().get(SandboxMetadata.SWITCH));
        write(h, Map.of("a.txt", "a"));
        assertEquals(Map.of("a.txt", "a"), readAll(h.id()), "the found sandbox is usable: its access token was looked up");
    }

    @Test
    void anEarlierAttemptThatLandsAfterTheLookupIsKilledSoOneSandboxRemains() {
        fake.dropNextCreateAndLandItLate();
        Map<String, String> metadata = metadata(owner());
        SandboxHandle h = provider.create(new SandboxSpec(null, Duration.ofMinutes(10), metadata, Map.of())).await().atMost(WAIT);
        assertEquals(2, fake.requests("create"), "nothing found by the lookup, so created again");
        assertEquals(1, fake.requests("kill"), "the late first one was killed");
        assertEquals(Set.of(h.id()), fake.sandboxes().keySet(), "one sandbox for the switch: the one answered");
    }

    @Test
    void createAnswered504Or502AfterE2bActedIsNotMadeTwice() {
        for (int status : new int[] { 504, 502 }) {
            fake.reset();
            fake.failNextAfterCreating(1, status);
            SandboxHandle h = create(owner());
            assertEquals(1, fake.requests("create"), status + " is ambiguous: looked up, not blindly retried");
            assertEquals(Set.of(h.id()), fake.sandboxes().keySet(), "one sandbox after a " + status);
        }
    }

    @Test
    void droppedConnectionIsRetriedForIdempotentCalls() {
        SandboxHandle h = create(owner());
        fake.dropNext("get", 1);
        assertTrue(provider.get(h.id()).await().atMost(WAIT).isPresent());
        assertEquals(2, fake.requests("get", h.id()));

        fake.dropNext("files.write", 1);
        write(h, Map.of("a.txt", "a"));
        assertEquals(2, fake.requests("files.write", h.id()));
        assertEquals(Map.of("a.txt", "a"), readAll(h.id()));
    }

    @Test
    void killOfAnAlreadyGoneSandboxIsFalseWithoutRetries() {
        SandboxHandle h = create(owner());
        fake.vanish(h.id());
        assertFalse(provider.kill(h.id()).await().atMost(WAIT));
        assertEquals(1, fake.requests("kill", h.id()));
        assertTrue(provider.get(h.id()).await().atMost(WAIT).isEmpty());
    }

    @Test
    void sandboxLostInTheMiddleOfARestoreIsGone() {
        SandboxHandle h = create(owner());
        Map<String, String> files = new HashMap<>();
        for (int i = 0; i < 1200; i++) {
            files.put("src/file-" + i + ".txt", "content " + i);
        }
        // 1,200 files are three batches of 500; the sandbox dies after the first batch was written.
        fake.vanishAfter("files.write", 1);
        ProviderException e = assertThrows(ProviderException.class, () -> write(h, files));
        assertEquals(Kind.GONE, e.kind(), e.getMessage());
        assertTrue(fake.requests("files.write", h.id()) <= 3, "a 502 is never retried: " + fake.requests("files.write", h.id()));
    }

    @Test
    void concurrencyCapIsQuotaAndNotRetried() {
        create(owner());
        fake.setMaxConcurrent(1);
        ProviderException e = assertThrows(ProviderException.class, () -> create(owner()));
        assertEquals(Kind.QUOTA, e.kind());
        assertTrue(e.getMessage().contains("maximum number of concurrent E2B sandboxes"), e.getMessage());
        assertEquals(2, fake.requests("create"));
    }

    @Test
    void diskFullIsQuotaAndAuthFailuresNeverShowTheKey() {
        SandboxHandle h = create(owner());
        fake.failNext("files.write", 1, 507, null);
        ProviderException full = assertThrows(ProviderException.class,
                () -> write(h, Map.of("a.txt", "a")));
        assertEquals(Kind.QUOTA, full.kind());

        fake.failNext("get", 1, 401, null);
        ProviderException denied = assertThrows(ProviderException.class, () -> provider.get(h.id()).await().atMost(WAIT));
        assertEquals(Kind.FAILED, denied.kind());
        assertFalse(denied.getMessage().contains(E2bFake.API_KEY));

        fake.failNext("process.start", 1, 401, null);
        ProviderException envd = assertThrows(ProviderException.class,
                () -> readAll(h.id()));
        assertFalse(envd.getMessage().contains(h.accessToken()));
    }

    @Test
    void slowAnswersAreCutByTheCallTimeoutAndRetried() {
        SandboxHandle h = create(owner());
        // The call timeout is 3 s in tests; a 4 s answer is abandoned and the retry (once the latency is gone) wins.
        fake.latency(Duration.ofSeconds(4));
        long started = System.nanoTime();
        var pending = provider.get(h.id()).subscribeAsCompletionStage();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fake.requests("get", h.id()) < 1 && System.nanoTime() < deadline) {
            pause(10);
        }
        fake.latency(Duration.ZERO);
        assertTrue(pending.toCompletableFuture().join().isPresent());
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(2, fake.requests("get", h.id()));
        assertTrue(millis >= 3000 && millis < 6000, "took " + millis + " ms");
    }

    @Test
    void breakerOpensAfterRepeatedOutagesAndFailsFast() {
        fake.failNext("list", 100, 503, null);
        assertEquals(Kind.TRANSIENT, assertThrows(ProviderException.class,
                () -> provider.list(Map.of()).await().atMost(WAIT)).kind());
        assertEquals(4, fake.requests("list"), "four attempts per call");
        assertThrows(ProviderException.class, () -> provider.list(Map.of()).await().atMost(WAIT));
        assertEquals(5, fake.requests("list"), "the fifth consecutive failure opened the breaker");
        assertTrue(provider.calls().breaker().isOpen());

        long started = System.nanoTime();
        ProviderException fast = assertThrows(ProviderException.class,
                () -> provider.get("i00000000000000000000").await().atMost(WAIT));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(fast.getMessage().contains("circuit open"), fast.getMessage());
        assertTrue(millis < 200, "failed fast: " + millis + " ms");
        assertEquals(0, fake.requests("get"), "nothing reached E2B while the breaker was open");

        // Once E2B is back and the open period is over, one trial call closes the breaker.
        fake.clearFaults();
        awaitBreakerClosed();
        assertFalse(provider.calls().breaker().isOpen());
        assertTrue(provider.list(Map.of(SandboxMetadata.OWNER, owner())).await().atMost(WAIT).isEmpty());
    }

    @Test
    void aHalfOpenTrialAnsweredNotFoundClosesTheBreaker() {
        fake.failNext("list", 100, 503, null);
        for (int i = 0; i < 2; i++) {
            try {
                provider.list(Map.of()).await().atMost(WAIT);
                fail("the list should have failed");
            } catch (RuntimeException expected) {
                // E2B is down
            }
        }
        assertTrue(provider.calls().breaker().isOpen());
        fake.clearFaults();
        long opened = System.nanoTime();
        long deadline = opened + Duration.ofSeconds(8).toNanos();
        while (provider.calls().breaker().isOpen() && System.nanoTime() < deadline) {
            pause(20);
        }
        long millis = (System.nanoTime() - opened) / 1_000_000;
        System.out.printf("e2b: breaker half-open %d ms after the last failure%n", millis);
        assertFalse(provider.calls().breaker().isOpen(), "half-open after breaker-open-for (" + millis + " ms)");

        // The trial: a create of a template E2B does not know, answered 404 (an answer: E2B is up).
        fake.failNext("create", 1, 404, null);
        ProviderException gone = assertThrows(ProviderException.class, () -> create(owner()));
        assertEquals(Kind.GONE, gone.kind(), gone.getMessage());
        assertFalse(provider.calls().breaker().isOpen(), "the 404 closed the breaker");
        int gets = fake.requests("get");
        assertTrue(provider.get("i0000000000000000000b").await().atMost(WAIT).isEmpty());
        assertEquals(gets + 1, fake.requests("get"), "the next call reached E2B at once");
    }

    @Test
    void envdAnswering502DuringBootDoesNotFailTheCreate() {
        fake.failNext("health", 2, 502, null);
        SandboxHandle h = provider.create(new SandboxSpec(null, Duration.ofMinutes(5), metadata(owner()), Map.of()))
                .await().atMost(WAIT);
        assertEquals(3, fake.requests("health", h.id()));
        write(h, Map.of("a.txt", "a"));
    }
}
