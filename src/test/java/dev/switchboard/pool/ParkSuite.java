package dev.switchboard.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.switchboard.lifecycle.LifecycleJobs;
import dev.switchboard.lifecycle.ReconcileJob;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.support.Api;
import dev.switchboard.support.HostProcesses;
import dev.switchboard.support.SandboxBackdoor;
import dev.switchboard.support.Tokens;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Parked sandboxes ({@code switchboard.switch.park=pause}, at most 2 per user): switching away pauses the old sandbox
 * after its save-back, switching back resumes it with its processes still running; the limit, the TTL, a project that
 * moved on and cleanup. Run on each provider that can pause (local, E2B) through its {@link SandboxBackdoor}.
 */
public abstract class ParkSuite {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    SandboxProvider provider;
    @Inject
    Pool db;
    @Inject
    LifecycleJobs jobs;
    @Inject
    ReconcileJob reconcile;

    protected abstract SandboxBackdoor backdoor();

    private record Switched(String sandboxId, String url, String launch, JsonPath json) {
    }

    private static Switched switchTo(Api api, String project) {
        JsonPath j = api.switchTo(project).statusCode(200).extract().jsonPath();
        return new Switched(j.getString("result.sandboxId"), j.getString("result.sandboxUrl"), j.getString("result.launch"), j);
    }

    private Optional<SandboxInfo> get(String id) {
        return provider.get(id).await().atMost(WAIT);
    }

    private List<String> parked(String userId) {
        List<String> ids = new ArrayList<>();
        db.preparedQuery("SELECT sandbox_id FROM parked_sandboxes WHERE user_id = $1 ORDER BY parked_at")
                .execute(Tuple.of(userId)).await().atMost(WAIT).forEach(r -> ids.add(r.getString(0)));
        return ids;
    }

    /** The process's state letter from {@code /proc} (T: stopped), empty when it is gone. */
    private static Optional<String> processState(long pid) {
        char state = HostProcesses.state(pid);
        return state == 0 ? Optional.empty() : Optional.of(String.valueOf(state));
    }

    @Test
    void switchingBackResumesTheParkedSandboxWithItsProcessesAndUnsavedFiles() throws Exception {
        Api user = Api.newUser("park");
        String shop = user.createProject("shop");
        String blog = user.createProject("blog");
        user.addFragment(shop, Map.of("index.html", "<h1>shop</h1>"));
        user.addFragment(blog, Map.of("index.html", "<h1>blog</h1>"));

        Switched first = switchTo(user, shop);
        assertEquals("cold", first.launch());
        long pid = HostProcesses.startBackgroundSleep(provider, first.sandboxId(), WAIT);
        backdoor().write(first.sandboxId(), "notes.txt", "draft");

        Switched away = switchTo(user, blog);
        String saved = away.json().getString("result.saveBack.fragmentId");
        assertTrue(saved != null, "the old sandbox is saved back before it is parked");
        assertEquals(SandboxInfo.State.PAUSED, get(first.sandboxId()).orElseThrow().state());
        assertEquals(Optional.of("T"), processState(pid), "the parked sandbox's processes are frozen");
        assertEquals(List.of(first.sandboxId()), parked(user.userId));
        user.req().get("/api/cleanup-sandboxes").then().statusCode(200)
                .body("parkedSandboxes[0].sandboxId", org.hamcrest.Matchers.equalTo(first.sandboxId()))
                .body("parkedSandboxes[0].projectId", org.hamcrest.Matchers.equalTo(shop))
                .body("parkedSandboxes[0].fragmentId", org.hamcrest.Matchers.equalTo(saved));

        Switched back = switchTo(user, shop);

        assertEquals("resumed", back.launch());
        assertEquals(first.sandboxId(), back.sandboxId());
        assertEquals(saved, back.json().getString("result.fragmentId"));
        assertEquals(2, back.json().getInt("result.restoredFiles"), "the fragment's files are all there");
        assertEquals(SandboxInfo.State.RUNNING, get(back.sandboxId()).orElseThrow().state());
        Optional<String> state = processState(pid);
        assertTrue(state.isPresent() && !state.get().equals("T"), "the process started before switching away runs: " + state);
        assertEquals(Optional.of("draft"), backdoor().read(back.sandboxId(), back.url(), "notes.txt"));
        assertEquals(List.of(away.sandboxId()), parked(user.userId), "the blog sandbox is parked in turn");
        assertEquals(SandboxInfo.State.PAUSED, get(away.sandboxId()).orElseThrow().state());
    }

    @Test
    void atMostTwoAreParkedOldestKilledFirstAndEachIsRecorded() {
        Api user = Api.newUser("park-limit");
        List<String> projects = new ArrayList<>();
        List<String> sandboxes = new ArrayList<>();
        for (String name : List.of("a", "b", "c", "d")) {
            String project = user.createProject(name);
            user.addFragment(project, Map.of("name.txt", name));
            projects.add(project);
            sandboxes.add(switchTo(user, project).sandboxId());
        }

        assertTrue(get(sandboxes.get(0)).isEmpty(), "the oldest parked sandbox is killed beyond the limit");
        assertEquals(List.of(sandboxes.get(1), sandboxes.get(2)), parked(user.userId));
        // Invariant 1: one running sandbox, the recorded one; beside it at most parked-per-user paused ones, recorded.
        Set<String> running = new HashSet<>();
        Set<String> paused = new HashSet<>();
        for (SandboxInfo s : provider.list(Map.of(SandboxMetadata.OWNER, user.userId)).await().atMost(WAIT)) {
            (s.state() == SandboxInfo.State.RUNNING ? running : paused).add(s.id());
        }
        assertEquals(Set.of(sandboxes.get(3)), running);
        assertEquals(Set.of(sandboxes.get(1), sandboxes.get(2)), paused);
        String recorded = db.preparedQuery("SELECT active_sandbox_id FROM users WHERE id = $1").execute(Tuple.of(user.userId))
                .await().atMost(WAIT).iterator().next().getString(0);
        assertEquals(sandboxes.get(3), recorded);
        assertTrue(events(user.userId).contains("killed:parked-limit:" + sandboxes.get(0)));
        // Operators see them: the admin list shows the user's parked sandboxes, newest first.
        JsonPath listed = io.restassured.RestAssured.given().header("Authorization", "Bearer " + Tokens.admin("ops"))
                .queryParam("after", user.userId.substring(0, user.userId.length() - 1)).queryParam("limit", 1000)
                .get("/api/admin/sandboxes").then().statusCode(200).extract().jsonPath();
        String path = "find { it.userId == '" + user.userId + "' }";
        assertEquals(sandboxes.get(3), listed.getString(path + ".sandboxId"));
        assertEquals(List.of(sandboxes.get(2), sandboxes.get(1)), listed.getList(path + ".parked.sandboxId"));
    }

    @Test
    void aParkedSandboxWhoseProjectMovedOnIsKilledNotResumed() {
        Api user = Api.newUser("park-moved");
        String shop = user.createProject("shop");
        String blog = user.createProject("blog");
        user.addFragment(shop, Map.of("index.html", "v1"));
        Switched first = switchTo(user, shop);
        switchTo(user, blog);
        assertEquals(List.of(first.sandboxId()), parked(user.userId));
        // Someone (another session, an agent through the API) stores a newer fragment of the shop meanwhile.
        String newer = user.addFragment(shop, Map.of("index.html", "v2"));

        Switched back = switchTo(user, shop);

        assertEquals("cold", back.launch());
        assertNotEquals(first.sandboxId(), back.sandboxId());
        assertEquals(newer, back.json().getString("result.fragmentId"));
        assertEquals(Optional.of("v2"), backdoor().read(back.sandboxId(), back.url(), "index.html"));
        assertTrue(get(first.sandboxId()).isEmpty(), "the stale parked sandbox is killed");
        assertFalse(parked(user.userId).contains(first.sandboxId()));
        assertTrue(events(user.userId).contains("killed:parked-stale:" + first.sandboxId()));
    }

    @Test
    void parkedSandboxesAreKilledAfterTheParkedTtl() {
        Api user = Api.newUser("park-ttl");
        String shop = user.createProject("shop");
        String blog = user.createProject("blog");
        Switched first = switchTo(user, shop);
        switchTo(user, blog);
        db.preparedQuery("UPDATE parked_sandboxes SET parked_at = now() - interval '2 hours' WHERE sandbox_id = $1")
                .execute(Tuple.of(first.sandboxId())).await().atMost(WAIT);

        jobs.expireParkedNow().await().atMost(WAIT);

        assertTrue(get(first.sandboxId()).isEmpty());
        assertEquals(List.of(), parked(user.userId));
        assertTrue(events(user.userId).contains("killed:parked-ttl:" + first.sandboxId()));
    }

    @Test
    void cleanupKillsParkedSandboxesTooAndASwitchWithinTheProjectKills() {
        Api user = Api.newUser("park-clean");
        String shop = user.createProject("shop");
        String blog = user.createProject("blog");
        Switched first = switchTo(user, shop);
        Switched again = switchTo(user, shop);
        assertTrue(get(first.sandboxId()).isEmpty(), "a switch within one project kills the old sandbox, never parks it");
        assertEquals(List.of(), parked(user.userId));
        Switched blogged = switchTo(user, blog);
        assertEquals(List.of(again.sandboxId()), parked(user.userId));

        JsonPath r = user.req().post("/api/cleanup-sandboxes").then().statusCode(200).extract().jsonPath();

        assertEquals(Set.of(again.sandboxId(), blogged.sandboxId()), new HashSet<>(r.getList("results.killedSandboxes")));
        assertTrue(get(again.sandboxId()).isEmpty());
        assertEquals(List.of(), parked(user.userId));
        assertEquals(List.of(), provider.list(Map.of(SandboxMetadata.OWNER, user.userId)).await().atMost(WAIT));
    }

    @Test
    void theReconcilerLeavesParkedSandboxesAloneAndForgetsOnesTheProviderLost() throws Exception {
        Api user = Api.newUser("park-recon");
        String shop = user.createProject("shop");
        String blog = user.createProject("blog");
        String docs = user.createProject("docs");
        Switched first = switchTo(user, shop);
        Switched second = switchTo(user, blog);
        switchTo(user, docs);
        assertEquals(List.of(first.sandboxId(), second.sandboxId()), parked(user.userId));
        backdoor().killBehindBack(second.sandboxId());
        db.preparedQuery("UPDATE parked_sandboxes SET parked_at = now() - interval '1 hour' WHERE user_id = $1")
                .execute(Tuple.of(user.userId)).await().atMost(WAIT);
        Thread.sleep(2500); // past the profile's 2 s grace: an unreferenced sandbox would now be an orphan

        reconcile.runReporting().await().atMost(WAIT);

        assertTrue(get(first.sandboxId()).isPresent(), "a parked sandbox is referenced: never an orphan");
        assertEquals(List.of(first.sandboxId()), parked(user.userId), "the record of the lost one is forgotten");
    }

    private List<String> events(String userId) {
        List<String> events = new ArrayList<>();
        db.preparedQuery("SELECT type, reason, sandbox_id FROM sandbox_events WHERE user_id = $1 ORDER BY id")
                .execute(Tuple.of(userId)).await().atMost(WAIT)
                .forEach(r -> events.add(r.getString(0) + ":" + r.getString(1) + ":" + r.getString(2)));
        return events;
    }
}
