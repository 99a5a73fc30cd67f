package dev.switchboard.pool;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.lifecycle.LifecycleJobs;
import dev.switchboard.lifecycle.ReconcileJob;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.SandboxBackdoor;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The warm pool (size 5): claims are atomic, misses go cold, nothing leaks, refill and recycle work. Run on local
 * sandboxes and on the E2B fake through each one's {@link SandboxBackdoor}.
 */
public abstract class WarmPoolSuite {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    LifecycleJobs jobs;
    @Inject
    ReconcileJob reconcile;
    @Inject
    protected SandboxProvider provider;
    @Inject
    protected Pool db;
    @Inject
    dev.switchboard.common.Deployment deployment;

    protected abstract SandboxBackdoor backdoor();

    @BeforeEach
    void fill() {
        jobs.refillPoolNow().await().atMost(WAIT);
    }

    /** Each test starts from a fresh pool, and nothing of it survives into other test classes sharing the sandbox root. */
    @AfterEach
    void drain() {
        for (String id : ids(db, "DELETE FROM pool_sandboxes RETURNING sandbox_id")) {
            provider.kill(id).await().atMost(WAIT);
        }
    }

    protected static List<String> ids(Pool db, String sql) {
        List<String> ids = new ArrayList<>();
        db.query(sql).execute().await().atMost(WAIT).forEach(r -> ids.add(r.getString(0)));
        return ids;
    }

    private Set<String> ready() {
        Set<String> ready = new HashSet<>();
        db.preparedQuery("SELECT sandbox_id FROM pool_sandboxes WHERE claim_switch IS NULL AND provider = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(provider.name())).await().atMost(WAIT)
                .forEach(r -> ready.add(r.getString(0)));
        return ready;
    }

    @Test
    void twentyConcurrentSwitchesClaimEachPoolSandboxOnceAndTheRestGoCold() throws Exception {
        Set<String> pooled = ready();
        System.out.println("pool before the burst: " + ids(db, "SELECT sandbox_id || ' ' || provider || ' ' || template || ' '"
                + " || provider_expires_at || ' ' || coalesce(claim_switch::text, '-') FROM pool_sandboxes"));
        assertEquals(5, pooled.size(), "the pool is full before the burst");
        Set<String> createKeys = new HashSet<>();
        for (String id : pooled) {
            SandboxInfo info = provider.get(id).await().atMost(WAIT).orElseThrow();
            assertEquals("default", info.metadata().get(SandboxMetadata.POOL), "pool metadata, default template");
            assertTrue(!info.metadata().containsKey(SandboxMetadata.OWNER), "a pool sandbox belongs to nobody");
            assertEquals(deployment.id().await().atMost(WAIT), info.metadata().get(SandboxMetadata.DEPLOYMENT),
                    "a pool sandbox carries this deployment's id");
            String key = info.metadata().get(SandboxMetadata.SWITCH);
            assertTrue(key != null && key.startsWith("pool-") && createKeys.add(key),
                    "each pool create has a key of its own, to be looked up by after an ambiguous failure: " + key);
        }

        int users = 20;
        List<Api> apis = new ArrayList<>();
        List<String> projects = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            Api api = Api.newUser("pool" + i);
            String project = api.createProject("p" + i);
            api.addFragment(project, Map.of("index.html", "user " + i));
            apis.add(api);
            projects.add(project);
        }
        ExecutorService threads = Executors.newFixedThreadPool(users);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<JsonPath>> results = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            int n = i;
            results.add(threads.submit(() -> {
                start.await();
                return apis.get(n).switchTo(projects.get(n)).statusCode(200).extract().jsonPath();
            }));
        }
        start.countDown();
        Set<String> sandboxes = new HashSet<>();
        List<String> warm = new ArrayList<>();
        int cold = 0;
        for (int i = 0; i < users; i++) {
            JsonPath r = results.get(i).get();
            String id = r.getString("result.sandboxId");
            assertTrue(sandboxes.add(id), "sandbox " + id + " handed to two users");
            assertEquals("user " + i, backdoor().read(id, r.getString("result.sandboxUrl"), "index.html").orElseThrow(),
                    "each user gets their own files, warm or cold");
            switch (r.getString("result.launch")) {
                case "warm" -> warm.add(id);
                case "cold" -> cold++;
                default -> throw new AssertionError(r.prettify());
            }
        }
        threads.shutdown();
        assertEquals(pooled, new HashSet<>(warm), "the five pool sandboxes went to five switches, each once; the table now: "
                + ids(db, "SELECT sandbox_id || ' ' || provider || ' ' || created_at || ' ' || provider_expires_at || ' '"
                        + " || coalesce(claim_switch::text, '-') FROM pool_sandboxes"));
        assertEquals(users - 5, cold, "misses fall back to create");
        assertEquals(Set.of(), ready(), "a claimed sandbox leaves the pool");
        assertEquals(List.of(), ids(db, "SELECT sandbox_id FROM pool_sandboxes"), "settled claims are removed");

        // Nothing leaked: every sandbox the provider has is a user's or the pool's (or another test's user's).
        List<String> recorded = ids(db, "SELECT active_sandbox_id FROM users WHERE active_sandbox_id IS NOT NULL"
                + " UNION SELECT sandbox_id FROM parked_sandboxes UNION SELECT sandbox_id FROM pool_sandboxes");
        // (Of this deployment: test classes with a database of their own share the sandbox root.)
        for (SandboxInfo s : provider.list(Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.DEPLOYMENT,
                deployment.id().await().atMost(WAIT))).await().atMost(WAIT)) {
            assertTrue(recorded.contains(s.id()), "unrecorded sandbox " + s.id() + " " + s.metadata());
        }

        jobs.refillPoolNow().await().atMost(WAIT);
        Set<String> refilled = ready();
        assertEquals(5, refilled.size(), "the pool is refilled");
        assertTrue(refilled.stream().noneMatch(sandboxes::contains), "with new sandboxes");

        RestAssured.get("/q/metrics").then().statusCode(200)
                .body(containsString("switchboard_pool_claims_total{result=\"hit\"}"))
                .body(containsString("launch=\"warm\""))
                .body(containsString("switchboard_pool_sandboxes{state=\"ready\"} 5.0"));
    }

    @Test
    void oldPoolSandboxesAreRecycled() {
        Set<String> before = ready();
        assertEquals(5, before.size());
        db.query("UPDATE pool_sandboxes SET created_at = now() - interval '2 hours'").execute().await().atMost(WAIT);

        jobs.refillPoolNow().await().atMost(WAIT);

        Set<String> after = ready();
        assertEquals(5, after.size(), "replaced");
        assertTrue(after.stream().noneMatch(before::contains), "by new sandboxes");
        for (String old : before) {
            assertTrue(provider.get(old).await().atMost(WAIT).isEmpty(), "recycled sandbox " + old + " is killed");
        }
    }

    @Test
    void theReconcilerLeavesPoolSandboxesAloneAndForgetsOnesTheProviderLost() throws Exception {
        List<String> pooled = new ArrayList<>(ready());
        String lost = pooled.remove(0);
        backdoor().killBehindBack(lost);
        Thread.sleep(2500); // past the profile's 2 s grace: an unreferenced sandbox would now be an orphan

        reconcile.runReporting().await().atMost(WAIT);

        for (String id : pooled) {
            assertTrue(provider.get(id).await().atMost(WAIT).isPresent(), "a pool sandbox is referenced: never an orphan");
        }
        assertEquals(new HashSet<>(pooled), ready(), "the record of the lost one is forgotten");
    }

    @Test
    void aPoolSandboxThatDiedIsDroppedAndTheSwitchCreatesInstead() {
        Set<String> pooled = ready();
        for (String id : pooled) {
            backdoor().killBehindBack(id);
        }
        Api api = Api.newUser("pool-dead");
        String project = api.createProject("p");
        api.addFragment(project, Map.of("a.txt", "a"));

        JsonPath r = api.switchTo(project).statusCode(200).extract().jsonPath();

        assertEquals("cold", r.getString("result.launch"));
        assertTrue(!pooled.contains(r.getString("result.sandboxId")));
        assertEquals("a", backdoor().read(r.getString("result.sandboxId"), r.getString("result.sandboxUrl"), "a.txt").orElseThrow());
        Set<String> left = new HashSet<>(ids(db, "SELECT sandbox_id FROM pool_sandboxes"));
        assertEquals(2, left.size(), "three dead ones were tried and dropped; the other two wait for the recycler");
        assertTrue(pooled.containsAll(left));
    }
}
