package dev.switchboard.provider.blaxel;

import static dev.switchboard.provider.blaxel.BlaxelTesting.WAIT;
import static dev.switchboard.provider.blaxel.BlaxelTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelFake.Recorded;
import dev.switchboard.fake.blaxel.BlaxelFakeResource;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.ScanSpec;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Every provider call against the Blaxel fake, asserting on what went over the wire. */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelProviderContractTest {

    private static final String ROOT = "/blaxel/app";

    @InjectBlaxelFake
    BlaxelFake fake;

    @Inject
    @Identifier("blaxel")
    BlaxelSandboxProvider provider;

    @Inject
    SandboxProvider configured;

    @Inject
    Vertx vertx;

    @BeforeEach
    void reset() {
        fake.reset();
        BlaxelTesting.awaitBreakerClosed(provider);
    }

    private SandboxHandle create(SandboxSpec spec) {
        return provider.create(spec).await().atMost(WAIT);
    }

    @Test
    void theConfiguredProviderIsBlaxel() {
        assertEquals("blaxel", configured.name());
        assertEquals("blaxel", provider.name());
    }

    @Test
    void createSendsBlaxelsSandboxModelAndWaitsForDeployed() {
        SandboxSpec spec = spec("auth0|alice", null, Map.of("GREETING", "hi", "A", "1"));
        SandboxHandle h = create(spec);

        assertTrue(h.id().matches("user-auth0-alice-[a-z0-9]{8}"), h.id());
        assertEquals(fake.sandboxUrl(h.id()), h.url());
        assertEquals(h.url() + "/mcp", h.mcpServerUrl());
        assertEquals(h.createdAt().plus(Duration.ofMinutes(90)), h.expiresAt(), "expiry = createdAt + max-age");
        assertNull(h.accessToken());
        assertEquals("DEPLOYED", fake.sandbox(h.id()).orElseThrow().status(), "create returns once DEPLOYED");
        assertTrue(fake.requests(BlaxelFake.GET) >= 1, "the deploy was polled");

        Recorded request = fake.lastRecorded(BlaxelFake.CREATE);
        assertEquals("POST", request.method());
        assertEquals("Bearer " + BlaxelFakeResource.API_KEY, request.header("Authorization"));
        assertEquals(BlaxelFakeResource.WORKSPACE, request.header("X-Blaxel-Workspace"));
        assertEquals("2026-04-28", request.header("Blaxel-Version"));
        JsonObject body = request.json();
        JsonObject metadata = body.getJsonObject("metadata");
        assertEquals(h.id(), metadata.getString("name"));
        Map<String, String> labels = metadata.getJsonObject("labels").getMap().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> (String) e.getValue()));
        assertEquals("true", labels.get(SandboxMetadata.MANAGED));
        assertEquals(spec.metadata().get(SandboxMetadata.SWITCH), labels.get(SandboxMetadata.SWITCH));
        assertTrue(labels.get(SandboxMetadata.OWNER).startsWith("b32."), "auth0|alice is not a label value");
        assertEquals(spec.metadata(), BlaxelMapping.decodeLabels(labels));

        JsonObject runtime = body.getJsonObject("spec").getJsonObject("runtime");
        assertEquals("blaxel/prod-base:latest", runtime.getString("image"));
        assertEquals(4096, runtime.getInteger("memory"));
        assertEquals(new JsonArray().add(new JsonObject().put("name", "http").put("target", 3000).put("protocol", "HTTP")),
                runtime.getJsonArray("ports"));
        assertEquals(new JsonArray().add(new JsonObject().put("name", "A").put("value", "1"))
                .add(new JsonObject().put("name", "GREETING").put("value", "hi")), runtime.getJsonArray("envs"));
        assertEquals(new JsonArray()
                // Safety nets past Switchboard's own limits (idle 20m, max age 90m), whose jobs save files first.
                .add(new JsonObject().put("type", "ttl-idle").put("value", "40m").put("action", "delete"))
                .add(new JsonObject().put("type", "ttl-max-age").put("value", "100m").put("action", "delete")),
                body.getJsonObject("spec").getJsonObject("lifecycle").getJsonArray("expirationPolicies"));
        assertFalse(body.getJsonObject("spec").containsKey("region"), "no region configured: the workspace default");
        assertFalse(body.containsKey("status"), "read-only fields are not sent");
        assertNull(metadata.getString("url"));
    }

    @Test
    void aProjectTemplateIsTheImage() {
        SandboxHandle h = create(spec("bob", "blaxel/custom-node:22", Map.of()));
        assertEquals("blaxel/custom-node:22", fake.sandbox(h.id()).orElseThrow().image());
        assertTrue(h.id().startsWith("user-bob-"));
    }

    /** A configured template's image, memory and extra ports go into the create request. */
    @Test
    void aTemplatesRuntimeIsSentToBlaxel() {
        SandboxSpec base = spec("dora", "node", Map.of());
        SandboxSpec spec = new SandboxSpec(base.template(), base.timeout(), base.metadata(), base.env(),
                new SandboxSpec.Runtime("blaxel/custom-node:22", 8192, null, List.of(3000, 5173)));
        SandboxHandle h = create(spec);
        assertEquals("blaxel/custom-node:22", fake.sandbox(h.id()).orElseThrow().image());
        assertEquals(8192, fake.sandbox(h.id()).orElseThrow().memory());
        JsonArray ports = fake.lastRecorded(BlaxelFake.CREATE).json().getJsonObject("spec").getJsonObject("runtime")
                .getJsonArray("ports");
        assertEquals(new JsonArray().add(new JsonObject().put("name", "http").put("target", 3000).put("protocol", "HTTP"))
                .add(new JsonObject().put("name", "port-5173").put("target", 5173).put("protocol", "HTTP")), ports);
    }

    @Test
    void getMapsEveryBlaxelStatus() {
        SandboxSpec spec = spec("auth0|carol");
        SandboxHandle h = create(spec);
        SandboxInfo info = provider.get(h.id()).await().atMost(WAIT).orElseThrow();
        assertEquals(h.id(), info.id());
        assertEquals(h.url(), info.url());
        assertEquals(h.url() + "/mcp", info.mcpServerUrl());
        assertEquals(spec.metadata(), info.metadata(), "the original metadata, decoded from the labels");
        assertEquals(SandboxInfo.State.RUNNING, info.state());

        Map<List<String>, Optional<SandboxInfo.State>> table = Map.ofEntries(
                Map.entry(List.of("DEPLOYED", "RUNNING"), Optional.of(SandboxInfo.State.RUNNING)),
                Map.entry(List.of("DEPLOYED", "STANDBY"), Optional.of(SandboxInfo.State.PAUSED)),
                Map.entry(List.of("DEPLOYING", ""), Optional.of(SandboxInfo.State.RUNNING)),
                Map.entry(List.of("UPLOADING", ""), Optional.of(SandboxInfo.State.RUNNING)),
                Map.entry(List.of("BUILDING", ""), Optional.of(SandboxInfo.State.RUNNING)),
                Map.entry(List.of("BUILT", ""), Optional.of(SandboxInfo.State.RUNNING)),
                Map.entry(List.of("TERMINATED", ""), Optional.empty()),
                Map.entry(List.of("FAILED", ""), Optional.empty()),
                Map.entry(List.of("DELETING", ""), Optional.empty()),
                Map.entry(List.of("TERMINATING", ""), Optional.empty()),
                Map.entry(List.of("DEACTIVATED", ""), Optional.empty()),
                Map.entry(List.of("DEACTIVATING", ""), Optional.empty()));
        table.forEach((statusAndState, expected) -> {
            fake.setStatus(h.id(), statusAndState.get(0), statusAndState.get(1).isEmpty() ? null : statusAndState.get(1));
            assertEquals(expected, provider.get(h.id()).await().atMost(WAIT).map(SandboxInfo::state), statusAndState.toString());
        });

        int gets = fake.requests(BlaxelFake.GET);
        assertEquals(Optional.empty(), provider.get("user-nobody-00000000").await().atMost(WAIT), "404 is empty");
        assertEquals(Optional.empty(), provider.get("local-notblaxel_ID").await().atMost(WAIT));
        assertEquals(gets + 1, fake.requests(BlaxelFake.GET), "an id that is no Blaxel name is not even asked for");
    }

    @Test
    void killDeletesAndAnswersFalseWhenAlreadyGone() {
        SandboxHandle h = create(spec("dave"));
        assertTrue(provider.kill(h.id()).await().atMost(WAIT));
        assertEquals("DELETE", fake.lastRecorded(BlaxelFake.DELETE).method());
        assertEquals("Bearer " + BlaxelFakeResource.API_KEY, fake.lastRecorded(BlaxelFake.DELETE).header("Authorization"));
        assertEquals(Optional.empty(), provider.get(h.id()).await().atMost(WAIT), "DELETING counts as gone");
        BlaxelTesting.await("the tombstone", WAIT, () -> fake.sandbox(h.id()).map(s -> s.status().equals("TERMINATED")).orElse(false));
        assertFalse(provider.kill(h.id()).await().atMost(WAIT), "the tombstone answers 404");
        assertFalse(provider.kill("user-never-created-x").await().atMost(WAIT));
        assertFalse(provider.kill("NOT A NAME").await().atMost(WAIT));
    }

    @Test
    void listPagesThroughTheWorkspaceAndFiltersByOriginalMetadata() {
        SandboxHandle a1 = create(spec("erin"));
        SandboxHandle a2 = create(spec("erin"));
        SandboxHandle b = create(spec("auth0|frank"));
        SandboxHandle killed = create(spec("erin"));
        provider.kill(killed.id()).await().atMost(WAIT);
        fake.insert("someone-elses-sandbox", Map.of("team", "other"), "DEPLOYED");
        fake.pageLimit(2);
        int before = fake.requests(BlaxelFake.LIST);

        List<SandboxInfo> erin = provider.list(Map.of(SandboxMetadata.OWNER, "erin")).await().atMost(WAIT);
        assertEquals(Set.of(a1.id(), a2.id()), erin.stream().map(SandboxInfo::id).collect(Collectors.toSet()));
        List<Recorded> pages = fake.recorded(BlaxelFake.LIST);
        assertEquals(3, fake.requests(BlaxelFake.LIST) - before, "5 sandboxes, 2 per page");
        assertEquals("limit=200", URI.create(pages.get(pages.size() - 3).uri()).getQuery());
        assertTrue(pages.get(pages.size() - 1).uri().contains("cursor="));
        assertEquals("Bearer " + BlaxelFakeResource.API_KEY, pages.get(pages.size() - 1).header("Authorization"));

        List<SandboxInfo> frank = provider.list(Map.of(SandboxMetadata.OWNER, "auth0|frank")).await().atMost(WAIT);
        assertEquals(List.of(b.id()), frank.stream().map(SandboxInfo::id).toList());
        assertEquals("auth0|frank", frank.get(0).metadata().get(SandboxMetadata.OWNER));

        List<SandboxInfo> all = provider.list(Map.of()).await().atMost(WAIT);
        assertEquals(Set.of(a1.id(), a2.id(), b.id()), all.stream().map(SandboxInfo::id).collect(Collectors.toSet()),
                "only Switchboard's live sandboxes");

        fake.legacyList(true);
        before = fake.requests(BlaxelFake.LIST);
        List<SandboxInfo> legacy = provider.list(Map.of()).await().atMost(WAIT);
        assertEquals(all.stream().map(SandboxInfo::id).toList(), legacy.stream().map(SandboxInfo::id).toList());
        assertEquals(1, fake.requests(BlaxelFake.LIST) - before, "a bare array is the whole list");
    }

    @Test
    void writeFilesIsATreeWriteAndSaveBackIsAScanAndOneArchive() {
        SandboxHandle h = create(spec("gina"));
        assertEquals(List.of(), provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries(), "no project root yet");

        Map<String, String> files = Map.of("index.html", "<h1>hi</h1>", "src/app.js", "let a = 1;", "src/deep/er/x.txt", "ü ✓",
                "a b/c+d.txt", "spaces");
        assertEquals(List.of(), provider.writeFiles(h, text(files)).await().atMost(WAIT));
        Recorded write = fake.lastRecorded(BlaxelFake.TREE_WRITE);
        assertEquals("PUT", write.method());
        assertTrue(write.uri().endsWith("/run/test-ws/sandboxes/" + h.id() + "/filesystem/tree/%2Fblaxel%2Fapp"), write.uri());
        assertEquals("Bearer " + BlaxelFakeResource.API_KEY, write.header("Authorization"));
        assertEquals(BlaxelFakeResource.WORKSPACE, write.header("X-Blaxel-Workspace"));
        assertEquals(new JsonObject(new TreeMap<>(files)).getMap(), write.json().getJsonObject("files").getMap());
        assertEquals(1, fake.requests(BlaxelFake.TREE_WRITE));
        assertEquals(0, fake.requests(BlaxelFake.FS_WRITE), "text goes through the tree write only");
        files.forEach((path, content) -> assertEquals(Optional.of(content), fake.file(h.id(), ROOT + "/" + path)));

        fake.putFile(h.id(), "/blaxel/outside.txt", "not in the project");
        List<String> listed = provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries().stream()
                .map(FileEntry::path).sorted().toList();
        assertEquals(new TreeMap<>(files).keySet().stream().toList(), listed, "only under the root, relative to it");
        assertEquals(ROOT, fake.lastRecorded(BlaxelFake.PROCESS).json().getString("workingDir"));

        Map<String, FileData> read = provider.readFiles(h.id(), List.of("index.html", "a b/c+d.txt", "missing.txt"), 1000,
                10_000).await().atMost(WAIT);
        assertEquals(Map.of("index.html", "<h1>hi</h1>", "a b/c+d.txt", "spaces"), utf8(read), "missing files are absent");
        Recorded download = fake.lastRecorded(BlaxelFake.FS_READ);
        assertEquals("application/octet-stream", download.header("Accept"));
        assertTrue(download.uri().matches(".*/filesystem/%2Ftmp%2F\\.switchboard-save-[-0-9a-f]+\\.tar\\.gz\\?download=true"),
                download.uri());

        int before = fake.dataPlaneRequests(h.id());
        assertEquals(Map.of(), provider.readFiles(h.id(), List.of(), 10, 10).await().atMost(WAIT));
        assertEquals(before, fake.dataPlaneRequests(h.id()), "nothing to read, no request");

        ProviderException gone = assertThrows(ProviderException.class,
                () -> provider.listFiles("user-nobody-00000000", SCAN).await().atMost(WAIT));
        assertEquals(ProviderException.Kind.GONE, gone.kind());
        gone = assertThrows(ProviderException.class,
                () -> provider.readFiles("user-nobody-00000000", List.of("a"), 10, 10).await().atMost(WAIT));
        assertEquals(ProviderException.Kind.GONE, gone.kind());
    }

    static final ScanSpec SCAN = new ScanSpec(List.of("node_modules"), List.of(), 1000, 1 << 20);

    static List<FileData> text(Map<String, String> files) {
        return new TreeMap<>(files).entrySet().stream()
                .map(e -> new FileData(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8), false)).toList();
    }

    static Map<String, String> utf8(Map<String, FileData> files) {
        Map<String, String> text = new TreeMap<>();
        files.forEach((p, f) -> text.put(p, new String(f.content(), StandardCharsets.UTF_8)));
        return text;
    }

    @Test
    void execRunsInTheProjectRootAndItsFilesAreSavedBack() {
        SandboxHandle h = create(spec("hank"));
        ExecResult r = provider.exec(h.id(), "echo hi; echo oops >&2; printf made > made.txt; pwd; exit 3",
                Duration.ofSeconds(10), 1000).await().atMost(WAIT);
        assertEquals(3, r.exitCode());
        assertTrue(r.stdout().startsWith("hi\n"), r.stdout());
        assertTrue(r.stdout().strip().endsWith(ROOT), "ran in the project root: " + r.stdout());
        assertEquals("oops\n", r.stderr());
        assertFalse(r.timedOut());
        assertFalse(r.truncated());
        JsonObject body = fake.lastRecorded(BlaxelFake.PROCESS).json();
        assertEquals(ROOT, body.getString("workingDir"));
        assertEquals(true, body.getBoolean("waitForCompletion"));
        assertEquals(10, body.getInteger("timeout"));
        assertEquals(Optional.of("made"), fake.file(h.id(), ROOT + "/made.txt"));
        assertEquals(List.of("made.txt"), provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries().stream()
                .map(FileEntry::path).toList());
        assertEquals(Map.of("made.txt", "made"), utf8(provider.readFiles(h.id(), List.of("made.txt"), 1000, 1000)
                .await().atMost(WAIT)));

        ExecResult cut = provider.exec(h.id(), "head -c 5000 /dev/zero | tr '\\0' a", Duration.ofSeconds(10), 100)
                .await().atMost(WAIT);
        assertEquals(0, cut.exitCode());
        assertEquals("a".repeat(100), cut.stdout());
        assertTrue(cut.truncated());

        ExecResult slow = provider.exec(h.id(), "sleep 5", Duration.ofMillis(500), 100).await().atMost(WAIT);
        assertTrue(slow.timedOut());
        assertEquals(-1, slow.exitCode());
        assertEquals(1, fake.lastRecorded(BlaxelFake.PROCESS).json().getInteger("timeout"), "never 0, which means no limit");
    }

    @Test
    void extendTimeoutTouchesTheDataPlaneAndReportsTheSandboxOrEmptyWhenGone() {
        SandboxHandle h = create(spec("ida"));
        int before = fake.dataPlaneRequests(h.id());
        assertEquals(h.id(), provider.extendTimeout(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT).orElseThrow().id());
        assertEquals(before + 1, fake.dataPlaneRequests(h.id()), "one data-plane request restarts Blaxel's idle clock");
        fake.vanish(h.id());
        assertEquals(Optional.empty(), provider.extendTimeout(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT));
    }

    @Test
    void pauseKeepsTheSandboxForTheParkingTimeAndResumeWakesItFromStandby() {
        SandboxHandle h = create(spec("lea"));
        assertEquals(List.of(), provider.writeFiles(h, List.of(new FileData("kept.txt",
                "kept while parked".getBytes(StandardCharsets.UTF_8), false))).await().atMost(WAIT));
        JsonObject created = fake.lastRecorded(BlaxelFake.CREATE).json().getJsonObject("spec");

        assertTrue(provider.pause(h.id(), Duration.ofHours(3)).await().atMost(WAIT));
        // No pause call at Blaxel: the sandbox's expiry is stretched so it outlives 3 h of standby, plus the margin.
        Recorded put = fake.lastRecorded(BlaxelFake.UPDATE);
        assertEquals("PUT", put.method());
        assertEquals("Bearer " + BlaxelFakeResource.API_KEY, put.header("Authorization"));
        Map<String, Duration> parked = policies(put.json());
        assertEquals(Duration.ofMinutes(182), parked.get("ttl-idle"));
        Duration maxAge = parked.get("ttl-max-age");
        assertTrue(maxAge.compareTo(Duration.ofMinutes(182)) >= 0 && maxAge.compareTo(Duration.ofMinutes(183)) < 0,
                "age so far + 3 h + margin: " + maxAge);
        assertEquals(created.getJsonObject("runtime").getString("image"),
                put.json().getJsonObject("spec").getJsonObject("runtime").getString("image"), "only the lifecycle changes");
        assertEquals(created.getJsonObject("runtime").getJsonArray("ports"),
                put.json().getJsonObject("spec").getJsonObject("runtime").getJsonArray("ports"));
        assertEquals(parked, policies(new JsonObject().put("spec", fake.sandbox(h.id()).orElseThrow().spec())));
        assertTrue(provider.pause(h.id(), Duration.ofHours(3)).await().atMost(WAIT), "parking a parked sandbox");
        assertEquals(1, fake.requests(BlaxelFake.UPDATE), "its expiry already covers the time: nothing to change");

        // Left alone, it goes to standby; the edge fails the first request that wakes it, which is retried.
        fake.standbyAfter(Duration.ofMillis(300));
        fake.failFirstCallAfterStandby(true);
        BlaxelTesting.await("standby", WAIT, () -> "STANDBY".equals(fake.sandbox(h.id()).orElseThrow().state()));
        assertEquals(SandboxInfo.State.PAUSED, provider.get(h.id()).await().atMost(WAIT).orElseThrow().state());

        SandboxInfo resumed = provider.resume(h.id(), Duration.ofMinutes(10)).await().atMost(WAIT).orElseThrow();
        assertEquals(SandboxInfo.State.RUNNING, resumed.state());
        assertEquals(h.url(), resumed.url());
        assertEquals(h.id(), resumed.id());
        assertEquals("RUNNING", fake.sandbox(h.id()).orElseThrow().state(), "the resume woke it");
        Map<String, Duration> running = policies(fake.lastRecorded(BlaxelFake.UPDATE).json());
        assertEquals(Duration.ofMinutes(40), running.get("ttl-idle"), "back to a running sandbox's safety net");
        assertTrue(running.get("ttl-max-age").compareTo(maxAge) >= 0, "never shortened below what parking needed");
        assertEquals("kept while parked", new String(provider.readFiles(h.id(), List.of("kept.txt"), 1024, 1024)
                .await().atMost(WAIT).get("kept.txt").content(), StandardCharsets.UTF_8));

        fake.vanish(h.id());
        assertFalse(provider.pause(h.id(), Duration.ofHours(1)).await().atMost(WAIT));
        assertEquals(Optional.empty(), provider.resume(h.id(), Duration.ofMinutes(10)).await().atMost(WAIT));
        assertFalse(provider.pause("NOT A NAME", Duration.ofHours(1)).await().atMost(WAIT));
        assertEquals(Optional.empty(), provider.resume("user-never-created-x", Duration.ofMinutes(10)).await().atMost(WAIT));
    }

    /** The expiration policies of a sandbox document, by type. */
    private static Map<String, Duration> policies(JsonObject sandbox) {
        Map<String, Duration> policies = new TreeMap<>();
        JsonArray all = sandbox.getJsonObject("spec").getJsonObject("lifecycle").getJsonArray("expirationPolicies");
        for (int i = 0; i < all.size(); i++) {
            JsonObject p = all.getJsonObject(i);
            policies.put(p.getString("type"), BlaxelParking.parseDuration(p.getString("value")));
        }
        return policies;
    }

    @Test
    void resultsComeBackOnTheCallersContext() throws Exception {
        SandboxHandle h = create(spec("kim"));
        Context context = vertx.getOrCreateContext();
        List<Supplier<Uni<?>>> calls = List.of(
                () -> provider.create(spec("kim")),
                () -> provider.writeFiles(h, text(Map.of("a.txt", "a", "b.bin", "\u00ff"))),
                () -> provider.writeFiles(h, List.of(new FileData("bin.dat", new byte[] { (byte) 0xff }, true))),
                () -> provider.listFiles(h.id(), SCAN),
                () -> provider.readFiles(h.id(), List.of("a.txt"), 100, 100),
                () -> provider.readFiles("user-nobody-00000000", List.of("a.txt"), 100, 100),
                () -> provider.exec(h.id(), "true", Duration.ofSeconds(5), 10),
                () -> provider.list(Map.of()),
                () -> provider.get(h.id()),
                () -> provider.kill(h.id()));
        for (Supplier<Uni<?>> call : calls) {
            CompletableFuture<Boolean> onContext = new CompletableFuture<>();
            context.runOnContext(v -> call.get().subscribe().with(
                    item -> onContext.complete(Vertx.currentContext() == context),
                    failure -> onContext.complete(Vertx.currentContext() == context)));
            assertTrue(onContext.get(WAIT.toSeconds(), TimeUnit.SECONDS), "an outcome came back on another context");
        }
    }

    @Test
    void theMcpServerUrlAnswersMcp() throws Exception {
        SandboxHandle h = create(spec("jo"));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> init = http.send(HttpRequest.newBuilder(URI.create(h.mcpServerUrl()))
                .header("Authorization", "Bearer " + BlaxelFakeResource.API_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}"))
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, init.statusCode());
        assertEquals("sandbox-api", new JsonObject(init.body()).getJsonObject("result").getJsonObject("serverInfo").getString("name"));
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(h.mcpServerUrl()))
                .header("Authorization", "Bearer " + BlaxelFakeResource.API_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }
}
