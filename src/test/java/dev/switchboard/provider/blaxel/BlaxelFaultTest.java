package dev.switchboard.provider.blaxel;

import static dev.switchboard.provider.blaxel.BlaxelTesting.WAIT;
import static dev.switchboard.provider.blaxel.BlaxelTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelFake.SandboxView;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;

/** The Blaxel failure modes of providers.md section 3, injected by the fake. */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelFaultTest {

    private static final Logger LOG = Logger.getLogger(BlaxelFaultTest.class);

    @InjectBlaxelFake
    BlaxelFake fake;

    @Inject
    @Identifier("blaxel")
    BlaxelSandboxProvider provider;

    @BeforeEach
    void reset() {
        fake.reset();
        BlaxelTesting.awaitBreakerClosed(provider);
    }

    private SandboxHandle create(String owner) {
        return provider.create(spec(owner)).await().atMost(WAIT);
    }

    private String firstRequestedName() {
        return fake.recorded(BlaxelFake.CREATE).get(0).json().getJsonObject("metadata").getString("name");
    }

    @Test
    void createAnswered504IsFoundByNameNotCreatedTwice() {
        fake.deployDelay(Duration.ofMillis(300));
        fake.failNext(BlaxelFake.CREATE, 1, 504, null);
        long started = System.nanoTime();
        SandboxHandle h = create("slow");
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.infof("create-504 recovery: sandbox %s DEPLOYED and usable %d ms after the create was sent", h.id(), millis);

        assertEquals(1, fake.requests(BlaxelFake.CREATE), "not created twice");
        List<SandboxView> all = fake.sandboxes();
        assertEquals(1, all.size());
        assertEquals(h.id(), all.get(0).name());
        assertEquals("DEPLOYED", all.get(0).status());
        assertEquals(fake.sandboxUrl(h.id()), h.url());
        assertTrue(fake.requests(BlaxelFake.GET) >= 2, "polled until DEPLOYED");
    }

    @Test
    void aNameHeldByATombstoneOrADeletionIsReplacedByANewName() {
        for (String status : List.of("TERMINATED", "FAILED", "DELETING", "DEPLOYED")) {
            fake.reset();
            fake.nameTakenNext(status, false);
            SandboxHandle h = create("taken");
            String taken = firstRequestedName();
            assertNotEquals(taken, h.id(), status);
            assertEquals(2, fake.requests(BlaxelFake.CREATE), status);
            assertEquals("DEPLOYED", fake.sandbox(h.id()).orElseThrow().status(), status);
            fake.sandbox(taken).ifPresent(other -> assertEquals(Map.of("owner", "someone-else"), other.labels(),
                    "the other sandbox is left alone"));
        }
    }

    @Test
    void aNameHeldByOurOwnEarlierAttemptIsKept() {
        fake.nameTakenNext("DEPLOYING", true);
        SandboxHandle h = create("mine");
        assertEquals(firstRequestedName(), h.id());
        assertEquals(1, fake.requests(BlaxelFake.CREATE));
        assertEquals(1, fake.sandboxes().size());
        assertEquals("DEPLOYED", fake.sandbox(h.id()).orElseThrow().status());
    }

    @Test
    void rateLimitedCreateWaitsForRetryAfterThenSucceeds() {
        fake.failNext(BlaxelFake.CREATE, 1, 429, 1);
        long started = System.nanoTime();
        SandboxHandle h = create("busy");
        assertTrue(System.nanoTime() - started >= Duration.ofSeconds(1).toNanos(), "Retry-After was honoured");
        assertEquals(2, fake.requests(BlaxelFake.CREATE));
        assertEquals(List.of(h.id()), fake.sandboxes().stream().map(SandboxView::name).toList());
    }

    @Test
    void twoUnavailableAnswersThenSuccessForAnIdempotentCall() {
        SandboxHandle h = create("flaky");
        int before = fake.requests(BlaxelFake.GET);
        fake.failNext(BlaxelFake.GET, 2, 503, null);
        assertEquals(h.id(), provider.get(h.id()).await().atMost(WAIT).orElseThrow().id());
        assertEquals(3, fake.requests(BlaxelFake.GET) - before);

        fake.dropNext(BlaxelFake.DELETE, 1);
        assertTrue(provider.kill(h.id()).await().atMost(WAIT), "a reset connection is retried for an idempotent call");
        assertEquals(2, fake.requests(BlaxelFake.DELETE));
    }

    @Test
    void createWhoseAnswerIsLostIsFoundByName() {
        fake.dropNextAfterProcessing(BlaxelFake.CREATE, 1);
        SandboxHandle h = create("lost-answer");
        assertEquals(1, fake.requests(BlaxelFake.CREATE), "a create is not repeated after a broken connection");
        assertEquals(List.of(h.id()), fake.sandboxes().stream().map(SandboxView::name).toList());
    }

    @Test
    void createCutOffBeforeBlaxelActedIsSentAgainUnderTheSameName() {
        fake.dropNext(BlaxelFake.CREATE, 1);
        SandboxHandle h = create("cut-off");
        assertEquals(2, fake.requests(BlaxelFake.CREATE), "looked up by name (not there), then sent again");
        assertEquals(firstRequestedName(), h.id(), "under the same name, so it can never make two");
        assertEquals(fake.recorded(BlaxelFake.CREATE).get(1).json().getJsonObject("metadata").getString("name"), h.id());
        assertEquals(List.of(h.id()), fake.sandboxes().stream().map(SandboxView::name).toList());
    }

    @Test
    void firstDataPlaneCallAfterStandbyFailsWith502ThenSucceeds() {
        SandboxHandle h = create("sleepy");
        fake.standbyAfter(Duration.ofMillis(400));
        fake.failFirstCallAfterStandby(true);
        BlaxelTesting.await("standby", WAIT, () -> "STANDBY".equals(fake.sandbox(h.id()).orElseThrow().state()));
        assertEquals(SandboxInfo.State.PAUSED, provider.get(h.id()).await().atMost(WAIT).orElseThrow().state(),
                "standby is Switchboard's paused");

        provider.writeFiles(h, BlaxelProviderContractTest.text(Map.of("index.html", "awake"))).await().atMost(WAIT);
        assertEquals(2, fake.requests(BlaxelFake.TREE_WRITE), "the 502 of the waking sandbox was retried once");
        assertEquals(Optional.of("awake"), fake.file(h.id(), "/blaxel/app/index.html"));
        assertEquals("RUNNING", fake.sandbox(h.id()).orElseThrow().state());
    }

    @Test
    void deleteOfAnAlreadyGoneSandboxIsFalse() {
        SandboxHandle h = create("vanishing");
        fake.vanish(h.id());
        assertEquals(false, provider.kill(h.id()).await().atMost(WAIT));
        assertEquals(Optional.empty(), provider.get(h.id()).await().atMost(WAIT));
    }

    @Test
    void aSandboxLostInTheMiddleOfARestoreIsGoneAndNotRetried() {
        SandboxHandle h = create("lost");
        fake.vanishOnNext(BlaxelFake.TREE_WRITE);
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.writeFiles(h, BlaxelProviderContractTest.text(Map.of("a.txt", "a"))).await().atMost(WAIT));
        assertEquals(Kind.GONE, e.kind(), e.getMessage());
        assertEquals(1, fake.requests(BlaxelFake.TREE_WRITE));

        // A tombstone behind the sandbox URL answers 502, which the control plane then explains.
        SandboxHandle t = create("tombstoned");
        fake.setStatus(t.id(), "TERMINATED", null);
        ProviderException e2 = assertThrows(ProviderException.class,
                () -> provider.writeFiles(t, BlaxelProviderContractTest.text(Map.of("a.txt", "a"))).await().atMost(WAIT));
        assertEquals(Kind.GONE, e2.kind(), e2.getMessage());
        assertEquals(2, fake.requests(BlaxelFake.TREE_WRITE));
    }

    @Test
    void quotaExceededIsNotRetried() {
        fake.quotaExceededNext(1);
        ProviderException e = assertThrows(ProviderException.class, () -> create("greedy"));
        assertEquals(Kind.QUOTA, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("QUOTA_EXCEEDED"), e.getMessage());
        assertEquals(1, fake.requests(BlaxelFake.CREATE));
        assertTrue(fake.sandboxes().isEmpty());
    }

    @Test
    void aSandboxThatFailsToDeployIsDeletedAndReported() {
        fake.failDeployNext(1);
        ProviderException e = assertThrows(ProviderException.class, () -> create("broken"));
        assertEquals(Kind.FAILED, e.kind(), e.getMessage());
        assertEquals(1, fake.requests(BlaxelFake.DELETE), "the FAILED sandbox is not left behind");
        assertTrue(fake.sandboxes().stream().allMatch(s -> !s.status().equals("FAILED")));
    }
}
