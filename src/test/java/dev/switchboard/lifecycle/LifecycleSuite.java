package dev.switchboard.lifecycle;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The lifecycle jobs against a real PostgreSQL and a provider: TTL, idle, keep-alive, reconciliation, and two
 * replicas sweeping at once. Runs once per provider, like the switch suite. The profile sets a 4 s grace period
 * and turns the scheduler's own runs off, so each test drives the jobs itself.
 */
public abstract class LifecycleSuite {

    static final Duration AWAIT = Duration.ofSeconds(30);

    @Inject
    LifecycleJobs jobs;
    @Inject
    KeepAliveJob keepAlive;
    @Inject
    ReconcileJob reconcile;
    @Inject
    dev.switchboard.common.JobLock jobLock;
    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;
    @Inject
    dev.switchboard.common.SwitchboardConfig config;
    @Inject
    dev.switchboard.common.Deployment deployment;

    /** Seconds since last use that make a sandbox idle under this profile's idle timeout, with a margin. */
    private long idleSeconds() {
        return config.sandbox().idleTimeout().plusMinutes(1).toSeconds();
    }

    protected abstract SandboxBackdoor backdoor();

    /** How many kill calls the provider received for this sandbox. */
    protected abstract int killCalls(String sandboxId);

    private String switchedSandbox(Api user) {
        String p = user.createProject("p");
        user.addFragment(p, Map.of("index.html", "x"));
        return user.switchTo(p).statusCode(200).extract().path("result.sandboxId");
    }

    private void sql(String sql, Object... params) {
        db.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(AWAIT);
    }

    private Row user(String userId) {
        return db.preparedQuery("SELECT * FROM users WHERE id = $1").execute(Tuple.of(userId)).await().atMost(AWAIT).iterator().next();
    }

    private boolean alive(String sandboxId) {
        return provider.get(sandboxId).await().atMost(AWAIT).isPresent();
    }

    private List<String> events(String userId, String type) {
        List<String> reasons = new ArrayList<>();
        db.preparedQuery("SELECT reason FROM sandbox_events WHERE user_id = $1 AND type = $2 ORDER BY id")
                .execute(Tuple.of(userId, type)).await().atMost(AWAIT).forEach(r -> reasons.add(r.getString(0)));
        return reasons;
    }

    @Test
    void ttlExpiryKillsSandboxesPastTheirMaxAgeAndRecordsWhy() {
        Api old = Api.newUser("ttl-old");
        Api young = Api.newUser("ttl-young");
        String expired = switchedSandbox(old);
        String fresh = switchedSandbox(young);
        sql("UPDATE users SET sandbox_expires_at = now() - interval '1 second' WHERE id = $1", old.userId);

        jobs.expireNow().await().atMost(AWAIT);

        assertFalse(alive(expired));
        assertNull(user(old.userId).getString("active_sandbox_id"));
        assertEquals(List.of("ttl"), events(old.userId, "killed"));
        assertTrue(alive(fresh), "a sandbox within its TTL lives on");
        assertEquals(fresh, user(young.userId).getString("active_sandbox_id"));
        // Expired: reported stopped with the last sandbox's id, never live (invariant 2).
        old.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox.status", equalTo("stopped"))
                .body("sandbox.sandboxId", equalTo(expired)).body("sandbox.sandboxUrl", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void idleCleanupKillsUnusedSandboxesAndSavesTheirWorkFirst() {
        Api idle = Api.newUser("idle");
        Api busy = Api.newUser("busy");
        String sleeping = switchedSandbox(idle);
        String working = switchedSandbox(busy);
        backdoor().write(sleeping, "unsaved.txt", "work in progress");
        sql("UPDATE users SET sandbox_last_used_at = now() - make_interval(secs => $2) WHERE id = $1", idle.userId, idleSeconds());
        // A heartbeat is use: it keeps the busy user's sandbox out of the idle sweep.
        busy.req().post("/api/sandbox/heartbeat").then().statusCode(204);

        jobs.cleanIdleNow().await().atMost(AWAIT);

        assertFalse(alive(sleeping));
        assertEquals(List.of("idle"), events(idle.userId, "killed"));
        assertTrue(alive(working));
        String project = idle.req().get("/api/projects").then().extract().path("[0].id");
        idle.req().get("/api/projects/" + project + "/fragments").then().body("size()", equalTo(2))
                .body("[0].fileCount", equalTo(2));
        // The sweep let go of the sandbox; the record keeps it as the user's last, stopped.
        idle.req().get("/api/sandbox/init").then().statusCode(200).body("sandbox.status", equalTo("stopped"))
                .body("sandbox.sandboxId", equalTo(sleeping));
    }

    @Test
    void aSandboxWhoseSwitchIsInFlightIsNeverExpiredUnlessTheSwitchIsStale() {
        Api alice = Api.newUser("inflight");
        String sandbox = switchedSandbox(alice);
        sql("UPDATE users SET sandbox_expires_at = now() - interval '1 second', switch_id = $2, switch_started_at = now() WHERE id = $1",
                alice.userId, UUID.randomUUID());
        jobs.expireNow().await().atMost(AWAIT);
        assertTrue(alive(sandbox), "a switch in flight protects the sandbox");
        assertEquals(0, killCalls(sandbox));

        sql("UPDATE users SET switch_started_at = now() - interval '11 minutes' WHERE id = $1", alice.userId);
        jobs.expireNow().await().atMost(AWAIT);
        assertFalse(alive(sandbox), "a crashed (stale) switch does not protect it forever");
    }

    @Test
    void keepAliveExtendsSandboxesInUseButNotIdleOnes() {
        Api working = Api.newUser("keep");
        Api idle = Api.newUser("nokeep");
        String used = switchedSandbox(working);
        String unused = switchedSandbox(idle);
        Instant usedExpiryBefore = provider.get(used).await().atMost(AWAIT).orElseThrow().expiresAt();
        sql("UPDATE users SET sandbox_provider_expires_at = now() + interval '5 seconds' WHERE id = $1 OR id = $2",
                working.userId, idle.userId);
        sql("UPDATE users SET sandbox_last_used_at = now() - make_interval(secs => $2) WHERE id = $1", idle.userId, idleSeconds());

        int extended = keepAlive.runCounting().await().atMost(AWAIT);

        assertEquals(1, extended);
        SandboxInfo after = provider.get(used).await().atMost(AWAIT).orElseThrow();
        assertFalse(after.expiresAt().isBefore(usedExpiryBefore), "the provider's expiry did not move back");
        Instant recorded = user(working.userId).getOffsetDateTime("sandbox_provider_expires_at").toInstant();
        assertTrue(recorded.isAfter(Instant.now().plusSeconds(60)), "the new provider expiry is recorded: " + recorded);
        assertTrue(user(idle.userId).getOffsetDateTime("sandbox_provider_expires_at").toInstant()
                .isBefore(Instant.now().plusSeconds(10)), "an idle sandbox is not kept alive");
        assertTrue(alive(unused));
    }

    @Test
    void reconcilerKillsOrphansAfterTheGracePeriodClearsDeadPointersAndRetriesFailedKills() throws Exception {
        Api alice = Api.newUser("recon");
        Api bob = Api.newUser("recon-dead");
        String kept = switchedSandbox(alice);
        String dead = switchedSandbox(bob);
        backdoor().killBehindBack(dead);
        // A failed kill of an unreferenced sandbox waits in the queue.
        SandboxHandle queued = provider.create(new SandboxSpec(null, Duration.ofMinutes(5), Map.of(SandboxMetadata.MANAGED, "true",
                SandboxMetadata.OWNER, alice.userId), Map.of())).await().atMost(AWAIT);
        sql("INSERT INTO pending_kills (sandbox_id, provider, user_id, reason) VALUES ($1, $2, $3, 'switch')",
                queued.id(), provider.name(), alice.userId);
        // A crash between create and commit: the provider has it, the database never heard of it. Created last, so
        // that it is well within the grace period at the first run even on a loaded machine.
        SandboxHandle orphan = provider.create(new SandboxSpec(null, Duration.ofMinutes(5), Map.of(SandboxMetadata.MANAGED, "true",
                SandboxMetadata.OWNER, alice.userId, SandboxMetadata.SWITCH, UUID.randomUUID().toString(),
                SandboxMetadata.DEPLOYMENT, deployment.id().await().atMost(AWAIT)), Map.of()))
                .await().atMost(AWAIT);

        ReconcileJob.Report first = reconcile.runReporting().await().atMost(AWAIT);
        assertNotNull(first);
        assertTrue(alive(orphan.id()), "within the grace period an unreferenced sandbox may be a switch in flight");

        Thread.sleep(4500); // the test profile's grace period is 4 s
        ReconcileJob.Report second = reconcile.runReporting().await().atMost(AWAIT);

        assertFalse(alive(orphan.id()), "the orphan is killed after the grace period");
        assertFalse(alive(queued.id()), "the failed kill was retried");
        assertTrue(alive(kept), "a referenced sandbox is never touched");
        assertEquals(0, killCalls(kept));
        assertNull(user(bob.userId).getString("active_sandbox_id"), "the dead pointer is cleared");
        assertEquals(kept, user(alice.userId).getString("active_sandbox_id"));
        assertTrue(first.pendingKillsDone() + second.pendingKillsDone() >= 1);
        assertTrue(first.orphansKilled() + second.orphansKilled() >= 1);
        assertTrue(events(alice.userId, "killed").contains("orphan"));
        assertEquals(0, db.preparedQuery("SELECT count(*) FROM pending_kills WHERE sandbox_id = $1").execute(Tuple.of(queued.id()))
                .await().atMost(AWAIT).iterator().next().getLong(0));
    }

    @Test
    void twoReplicasSweepingAtOnceKillEachSandboxExactlyOnce() {
        int n = 8;
        List<String> users = new ArrayList<>();
        List<String> sandboxes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Api u = Api.newUser("replica");
            sandboxes.add(switchedSandbox(u));
            users.add(u.userId);
        }
        sql("UPDATE users SET sandbox_expires_at = now() - interval '1 second' WHERE id = ANY($1)", (Object) users.toArray(String[]::new));

        // Two sweeps at the same moment, as two replicas' schedulers would run them.
        Uni.join().all(jobs.expireNow(), jobs.expireNow(), jobs.expireNow()).andFailFast().await().atMost(AWAIT);

        for (String s : sandboxes) {
            assertEquals(1, killCalls(s), "sandbox " + s + " was killed exactly once");
            assertFalse(alive(s));
        }
        for (String u : users) {
            assertNull(user(u).getString("active_sandbox_id"));
            assertEquals(List.of("ttl"), events(u, "killed"));
        }
    }

    @Test
    void twoReconcilersAtOnceRunOneAtATime() {
        // While one run holds the reconcile lock (here: held around a second run), the other does not run at all.
        ReconcileJob.Report[] inner = new ReconcileJob.Report[] { new ReconcileJob.Report(-1, -1, -1) };
        boolean held = jobLock.run("reconcile", () -> reconcile.runReporting().invoke(r -> inner[0] = r).replaceWithVoid())
                .await().atMost(AWAIT);
        assertTrue(held);
        assertNull(inner[0], "a run that finds the lock held does nothing");
        assertNotNull(reconcile.runReporting().await().atMost(AWAIT), "once it is free, a run goes ahead");
    }
}
