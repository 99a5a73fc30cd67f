package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bFake.Recorded;
import dev.switchboard.fake.e2b.E2bFake.SandboxView;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.support.HostProcesses;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;

/** Every provider call against the fake, asserting what went over the wire as the fake recorded it. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bContractTest extends E2bTestSupport {

    private static final String ROOT = "/home/user/project";

    @Inject
    SwitchboardConfig config;
    @Inject
    E2bConfig e2bConfig;
    @Inject
    Vertx vertx;
    @Inject
    ObjectMapper json;

    @Test
    void createSendsTemplateTimeoutMetadataEnvAndTheApiKey() {
        String owner = owner();
        Map<String, String> metadata = metadata(owner);
        Instant before = Instant.now();
        SandboxHandle h = provider.create(new SandboxSpec(null, Duration.ofMinutes(10), metadata, Map.of("A", "1")))
                .await().atMost(WAIT);

        assertTrue(h.id().matches("i[a-z0-9]{20}"), h.id());
        assertEquals("https://3000-" + h.id() + ".e2b.test", h.url());
        SandboxView view = fake.sandbox(h.id()).orElseThrow();
        assertEquals(view.accessToken(), h.accessToken());
        assertFalse(h.toString().contains(h.accessToken()), "the token never shows in toString");
        assertFalse(h.expiresAt().isBefore(before.plusSeconds(600)));

        Recorded create = fake.recorded("create").get(0);
        assertEquals(E2bFake.API_KEY, create.header("X-API-Key"));
        assertEquals("POST", create.method());
        assertEquals("/sandboxes", create.path());
        JsonNode body = create.json();
        assertEquals("base", body.get("templateID").asText(), "the configured default template");
        assertEquals(600, body.get("timeout").asInt(), "the timeout is always sent, in seconds");
        assertTrue(body.get("secure").asBoolean());
        assertFalse(body.get("autoPause").asBoolean());
        assertEquals(metadata, toMap(body.get("metadata")));
        assertEquals(Map.of("A", "1"), toMap(body.get("envVars")));
        assertEquals(metadata, view.metadata());
        assertEquals(Duration.ofSeconds(600), Duration.between(view.startedAt(), view.endAt()));

        // The provider waited for envd and made the project root before answering.
        assertEquals(1, fake.requests("health", h.id()));
        assertTrue(view.dirs().contains(ROOT));
    }

    /** A configured template's own template id goes to E2B, not its name. */
    @Test
    void aTemplatesImageIsTheTemplateId() {
        provider.create(new SandboxSpec("node", Duration.ofMinutes(5), metadata(owner()), Map.of(),
                new SandboxSpec.Runtime("e2b-node-22", null, null, null))).await().atMost(WAIT);
        assertEquals("e2b-node-22", fake.recorded("create").get(0).json().get("templateID").asText());
    }

    @Test
    void createClampsTheTimeoutToTheMaximumLifetimeAndUsesTheAnsweredDomain() {
        fake.setDomain("eu.e2b.example");
        SandboxHandle h = provider.create(new SandboxSpec("my-template", Duration.ofHours(5), metadata(owner()), Map.of()))
                .await().atMost(WAIT);
        JsonNode body = fake.recorded("create").get(0).json();
        assertEquals(3600, body.get("timeout").asInt(), "clamped to switchboard.e2b.max-lifetime");
        assertEquals("my-template", body.get("templateID").asText());
        assertEquals("https://3000-" + h.id() + ".eu.e2b.example", h.url());
        assertEquals("https://3000-" + h.id() + ".eu.e2b.example", provider.get(h.id()).await().atMost(WAIT).orElseThrow().url());
    }

    @Test
    void createRejectsANonPositiveTimeoutWithoutCallingE2b() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.create(new SandboxSpec(null, Duration.ZERO, metadata(owner()), Map.of())).await().atMost(WAIT));
        assertEquals(ProviderException.Kind.BAD_REQUEST, e.kind());
        assertEquals(0, fake.requests("create"));
    }

    @Test
    void getReportsStateMetadataAndTimesAndEmptyWhenGone() {
        String owner = owner();
        SandboxHandle h = create(owner);
        SandboxInfo info = provider.get(h.id()).await().atMost(WAIT).orElseThrow();
        SandboxView view = fake.sandbox(h.id()).orElseThrow();
        assertEquals(SandboxInfo.State.RUNNING, info.state());
        assertEquals(owner, info.metadata().get(SandboxMetadata.OWNER));
        assertEquals(view.startedAt(), info.createdAt());
        assertEquals(view.endAt(), info.expiresAt());
        assertEquals(h.url(), info.url());
        assertEquals(E2bFake.API_KEY, fake.recorded("get").get(0).header("X-API-Key"));

        assertTrue(provider.get("iunknown0000000000000").await().atMost(WAIT).isEmpty());
        int gets = fake.requests("get");
        assertTrue(provider.get("../../v2/sandboxes").await().atMost(WAIT).isEmpty());
        assertEquals(gets, fake.requests("get"), "an id that is not one path segment never reaches the API");
        // The readiness probe's made-up id does reach E2B, which answers 400 "Invalid sandbox ID": not found.
        assertTrue(provider.get("switchboard-readiness-probe").await().atMost(WAIT).isEmpty());
        assertEquals(gets + 1, fake.requests("get"));
        assertFalse(provider.kill("switchboard-readiness-probe").await().atMost(WAIT));
        // Legacy ids with the client id suffix are the same sandbox.
        assertEquals(h.id(), provider.get(h.id() + "-" + E2bFake.CLIENT_ID).await().atMost(WAIT).orElseThrow().id());
    }

    @Test
    void killIsTrueOnceThenFalse() {
        SandboxHandle h = create(owner());
        assertTrue(provider.kill(h.id()).await().atMost(WAIT));
        assertTrue(fake.sandbox(h.id()).isEmpty());
        assertFalse(provider.kill(h.id()).await().atMost(WAIT), "404 on DELETE means already gone");
        assertEquals(2, fake.requests("kill", h.id()), "no retry of a 404");
        assertTrue(provider.get(h.id()).await().atMost(WAIT).isEmpty());
    }

    @Test
    void listFiltersByMetadataAndFollowsNextTokens() {
        String owner = owner();
        Set<String> mine = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            mine.add(create(owner).id());
        }
        create(owner());
        fake.setMaxPageSize(3);

        List<SandboxInfo> listed = provider.list(Map.of(SandboxMetadata.OWNER, owner)).await().atMost(WAIT);
        assertEquals(mine, listed.stream().map(SandboxInfo::id).collect(Collectors.toSet()));
        List<Recorded> pages = fake.recorded("list");
        assertEquals(3, pages.size(), "7 sandboxes in pages of 3");
        Map<String, String> query = query(pages.get(0).query());
        assertEquals("running,paused", query.get("state"));
        assertEquals("100", query.get("limit"));
        assertTrue(pages.get(0).query().contains("metadata=switchboard-owner%3D" + owner), pages.get(0).query());
        assertNull(query.get("nextToken"));
        assertNotNull(query(pages.get(1).query()).get("nextToken"));
        assertEquals(E2bFake.API_KEY, pages.get(0).header("X-API-Key"));

        // An empty filter lists Switchboard's sandboxes only.
        fake.setMaxPageSize(100);
        List<SandboxInfo> all = provider.list(Map.of()).await().atMost(WAIT);
        assertEquals(8, all.size());
    }

    @Test
    void listAcrossMoreThanOneHundredSandboxes() {
        String owner = owner();
        for (int i = 0; i < 105; i++) {
            create(owner, Duration.ofMinutes(5));
        }
        int before = fake.requests("list");
        assertEquals(105, provider.list(Map.of(SandboxMetadata.OWNER, owner)).await().atMost(WAIT).size());
        assertEquals(2, fake.requests("list") - before, "two pages of at most 100");
    }

    @Test
    void metadataValuesSurviveTheDoubleEncoding() {
        String tricky = "a+b c&d=e%25f/ü";
        Map<String, String> metadata = metadata(owner());
        metadata.put("switchboard-owner", tricky);
        SandboxHandle h = provider.create(new SandboxSpec(null, Duration.ofMinutes(5), metadata, Map.of())).await().atMost(WAIT);
        create(owner());
        List<SandboxInfo> listed = provider.list(Map.of(SandboxMetadata.OWNER, tricky)).await().atMost(WAIT);
        assertEquals(List.of(h.id()), listed.stream().map(SandboxInfo::id).toList());
    }

    @Test
    void extendTimeoutMovesTheExpiryAndIsClampedToTheLifetime() {
        SandboxHandle h = create(owner(), Duration.ofMinutes(1));
        Instant before = Instant.now();
        SandboxInfo info = provider.extendTimeout(h.id(), Duration.ofMinutes(10)).await().atMost(WAIT).orElseThrow();
        assertEquals(600, fake.recorded("timeout").get(0).json().get("timeout").asInt());
        assertFalse(info.expiresAt().isBefore(before.plusSeconds(599)));
        assertEquals(fake.sandbox(h.id()).orElseThrow().endAt(), info.expiresAt());

        // The client clamps to its configured maximum lifetime (1 h) counted from the start.
        provider.extendTimeout(h.id(), Duration.ofHours(3)).await().atMost(WAIT);
        int sent = fake.recorded("timeout").get(1).json().get("timeout").asInt();
        assertTrue(sent <= 3600 && sent >= 3590, "sent " + sent);

        // The plan allows less than configured: E2B clamps silently, and the answer shows the real expiry.
        fake.setPlanMaxLifetime(Duration.ofMinutes(5));
        SandboxView view = fake.sandbox(h.id()).orElseThrow();
        info = provider.extendTimeout(h.id(), Duration.ofMinutes(30)).await().atMost(WAIT).orElseThrow();
        assertEquals(view.startedAt().plus(Duration.ofMinutes(5)), info.expiresAt());

        // Past the plan's maximum E2B answers 400 "Max instance length exceeded": the sandbox stays as it is.
        fake.setPlanMaxLifetime(Duration.ofMillis(1));
        Instant expiry = fake.sandbox(h.id()).orElseThrow().endAt();
        info = provider.extendTimeout(h.id(), Duration.ofMinutes(30)).await().atMost(WAIT).orElseThrow();
        assertEquals(expiry, info.expiresAt());

        fake.vanish(h.id());
        assertTrue(provider.extendTimeout(h.id(), Duration.ofMinutes(1)).await().atMost(WAIT).isEmpty());
    }

    @Test
    void pauseAndResume() {
        SandboxHandle h = create(owner());
        assertTrue(provider.pause(h.id(), Duration.ofHours(1)).await().atMost(WAIT));
        assertEquals(SandboxInfo.State.PAUSED, provider.get(h.id()).await().atMost(WAIT).orElseThrow().state());
        assertTrue(provider.pause(h.id(), Duration.ofHours(1)).await().atMost(WAIT), "409 already paused counts as paused");
        // A paused sandbox cannot have its timeout changed (404), but it is alive.
        assertEquals(SandboxInfo.State.PAUSED,
                provider.extendTimeout(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT).orElseThrow().state());

        SandboxInfo resumed = provider.resume(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT).orElseThrow();
        assertEquals(SandboxInfo.State.RUNNING, resumed.state());
        assertEquals(300, fake.recorded("connect").get(0).json().get("timeout").asInt());
        assertEquals(SandboxInfo.State.RUNNING, provider.resume(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT)
                .orElseThrow().state(), "connect to a running sandbox answers 200");
        write(h, Map.of("after-resume.txt", "ok"));

        provider.kill(h.id()).await().atMost(WAIT);
        assertFalse(provider.pause(h.id(), Duration.ofHours(1)).await().atMost(WAIT));
        assertTrue(provider.resume(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT).isEmpty());
    }

    @Test
    void pauseStopsTheSandboxsProcessesResumeContinuesThemAndKillEndsThem() throws Exception {
        SandboxHandle h = create(owner());
        write(h, Map.of("kept.txt", "kept while paused"));
        long background = HostProcesses.startBackgroundSleep(provider, h.id(), WAIT);
        assertNotEquals('T', HostProcesses.state(background), "running before the pause");

        assertTrue(provider.pause(h.id(), Duration.ofHours(1)).await().atMost(WAIT));
        assertEquals('T', HostProcesses.state(background), "a command left in the background is stopped with the sandbox");
        assertEquals(SandboxInfo.State.PAUSED, provider.get(h.id()).await().atMost(WAIT).orElseThrow().state());
        // E2B's proxy does not reach a paused sandbox: envd answers 502 "The sandbox was not found".
        assertThrows(ProviderException.class,
                () -> provider.exec(h.id(), "true", Duration.ofSeconds(5), 100).await().atMost(WAIT));
        assertEquals('T', HostProcesses.state(background));

        SandboxInfo resumed = provider.resume(h.id(), Duration.ofMinutes(5)).await().atMost(WAIT).orElseThrow();
        assertEquals(SandboxInfo.State.RUNNING, resumed.state());
        char state = HostProcesses.state(background);
        assertTrue(state != 'T' && state != 0 && state != 'Z', "the same process runs again: " + state);
        assertEquals("kept while paused", readAll(h.id()).get("kept.txt"));
        ExecResult alive = provider.exec(h.id(), "kill -0 " + background + " && echo alive", Duration.ofSeconds(10), 100)
                .await().atMost(WAIT);
        assertEquals("alive\n", alive.stdout(), alive.stderr());

        assertTrue(provider.kill(h.id()).await().atMost(WAIT));
        assertTrue(HostProcesses.gone(background), "kill ends what the sandbox's commands left running");
    }

    @Test
    void killingAPausedSandboxEndsItsStoppedProcesses() throws Exception {
        SandboxHandle h = create(owner());
        long background = HostProcesses.startBackgroundSleep(provider, h.id(), WAIT);
        assertTrue(provider.pause(h.id(), Duration.ofHours(1)).await().atMost(WAIT));
        assertEquals('T', HostProcesses.state(background));

        assertTrue(provider.kill(h.id()).await().atMost(WAIT));
        assertTrue(HostProcesses.gone(background));
    }

    @Test
    void theSandboxsProcessesEndAtItsTimeoutWithoutAnyRequest() throws Exception {
        SandboxHandle h = create(owner(), Duration.ofSeconds(3));
        long background = HostProcesses.startBackgroundSleep(provider, h.id(), WAIT);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!HostProcesses.gone(background)) {
            assertTrue(System.nanoTime() < deadline, "the background process outlived the sandbox's timeout");
            pause(100);
        }
        assertTrue(fake.sandbox(h.id()).isEmpty());
    }

    @Test
    void writeFilesUploadsPlainNamesInOneMultipartRequestAndOthersAsOctetStream() {
        SandboxHandle h = create(owner());
        Map<String, String> files = new TreeMap<>();
        files.put("index.html", "<h1>hi</h1>");
        files.put("src/deep/nested/app.js", "let x = 'ü€';");
        files.put("café/menu.txt", "crème brûlée");
        files.put("empty.txt", "");
        write(h, files);

        List<Recorded> writes = fake.recorded("files.write");
        assertEquals(2, writes.size());
        Recorded w = writes.stream().filter(r -> !r.uploads().isEmpty()).findFirst().orElseThrow();
        Recorded single = writes.stream().filter(r -> r.uploads().isEmpty()).findFirst().orElseThrow();
        assertEquals(ROOT + "/café/menu.txt", query(single.query()).get("path"), "a non-ASCII name travels as a query");
        assertEquals("application/octet-stream", single.header("Content-Type"));
        assertFalse(query(w.query()).containsKey("path"), "no path query: each part names its destination");
        assertEquals("user", query(w.query()).get("username"));
        assertEquals(h.accessToken(), w.header("X-Access-Token"));
        assertEquals(h.id(), w.header("E2b-Sandbox-Id"));
        assertEquals("49983", w.header("E2b-Sandbox-Port"));
        assertNull(w.header("X-API-Key"), "the API key never goes to a sandbox");
        assertEquals(3, w.uploads().size());
        for (E2bFake.Upload u : w.uploads()) {
            assertEquals("file", u.name());
            assertEquals("application/octet-stream", u.contentType());
            assertTrue(u.filename().startsWith(ROOT + "/"), u.filename());
        }
        Map<String, byte[]> stored = fake.sandbox(h.id()).orElseThrow().files();
        files.forEach((path, content) -> assertEquals(content,
                new String(stored.get(ROOT + "/" + path), StandardCharsets.UTF_8), path));

        assertEquals(files, readAll(h.id()));
    }

    @Test
    void writeFilesSkipsUnsafePathsBeforeSendingAnything() {
        SandboxHandle h = create(owner());
        for (String bad : List.of("../etc/passwd", "/abs", "a/../../b", "a\\b", "line\nbreak", "dir/", "a//b")) {
            List<SkippedFile> skipped = provider.writeFiles(h, List.of(new FileData(bad, new byte[] { 1 }, false)))
                    .await().atMost(WAIT);
            assertEquals(List.of(new SkippedFile(bad, "invalid path")), skipped, bad);
        }
        assertEquals(0, fake.requests("files.write"));
    }

    @Test
    void listAndReadSeeOnlyTheProjectRootAndReadLeavesOutLargeFiles() {
        SandboxHandle h = create(owner());
        write(h, Map.of("a.txt", "a", "b/c.txt", "c", "big.txt", "x".repeat(2000)));
        fake.putFile(h.id(), ROOT + "/binary.bin", new byte[] { (byte) 0xff, (byte) 0xfe, 0 });
        fake.putFile(h.id(), "/home/user/outside.txt", "outside".getBytes(StandardCharsets.UTF_8));

        FileListing listing = provider.listFiles(h.id(), SCAN).await().atMost(WAIT);
        assertEquals(List.of("a.txt", "b/c.txt", "big.txt", "binary.bin"),
                listing.entries().stream().map(FileEntry::path).sorted().toList());
        Map<String, FileData> read = provider.readFiles(h.id(), List.of("a.txt", "b/c.txt", "big.txt", "binary.bin", "gone.txt"),
                1000, 1 << 20).await().atMost(WAIT);
        assertEquals(List.of("a.txt", "b/c.txt", "binary.bin"), read.keySet().stream().sorted().toList());
        assertArrayEquals(new byte[] { (byte) 0xff, (byte) 0xfe, 0 }, read.get("binary.bin").content());

        Recorded download = fake.recorded("files.read").get(0);
        assertEquals("user", query(download.query()).get("username"));
        assertTrue(query(download.query()).get("path").startsWith("/tmp/.switchboard-save-"), download.query());
        assertEquals(1, fake.recorded("files.read").size());
    }

    @Test
    void readFilesOfAMissingRootIsEmptyAndOfAGoneSandboxIsGone() {
        SandboxHandle h = create(owner());
        ExecResult r = provider.exec(h.id(), "cd .. && rm -rf project", Duration.ofSeconds(10), 1000).await().atMost(WAIT);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of(), provider.listFiles(h.id(), SCAN).await().atMost(WAIT).entries());
        assertEquals(Map.of(), provider.readFiles(h.id(), List.of("a.txt"), 100, 100).await().atMost(WAIT));

        fake.vanish(h.id());
        int before = fake.requests("process.start", h.id());
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.listFiles(h.id(), SCAN).await().atMost(WAIT));
        assertEquals(ProviderException.Kind.GONE, e.kind());
        assertEquals(before + 1, fake.requests("process.start", h.id()), "a 502 is not retried");
        e = assertThrows(ProviderException.class,
                () -> provider.readFiles(h.id(), List.of("a.txt"), 100, 100).await().atMost(WAIT));
        assertEquals(ProviderException.Kind.GONE, e.kind());
    }

    @Test
    void readFilesLooksTheTokenUpForASandboxItDidNotCreate() {
        SandboxHandle h = create(owner());
        write(h, Map.of("a.txt", "a"));
        E2bSandboxProvider other = newProviderInstance();
        try {
            assertArrayEquals("a".getBytes(StandardCharsets.UTF_8),
                    other.readFiles(h.id(), List.of("a.txt"), 10, 100).await().atMost(WAIT).get("a.txt").content());
            assertEquals(1, fake.requests("get", h.id()), "one GET for the envd token, then cached");
            other.listFiles(h.id(), SCAN).await().atMost(WAIT);
            assertEquals(1, fake.requests("get", h.id()));
        } finally {
            other.close();
        }
    }

    @Test
    void execRunsBashInTheProjectRootAndStreamsOutput() {
        SandboxHandle h = create(owner());
        write(h, Map.of("in.txt", "hello"));
        ExecResult r = provider.exec(h.id(), "cat in.txt; echo; echo oops >&2; pwd; echo made > out.txt; exit 3",
                Duration.ofSeconds(10), 10_000).await().atMost(WAIT);
        assertEquals(3, r.exitCode());
        assertTrue(r.stdout().startsWith("hello\n"), r.stdout());
        assertTrue(r.stdout().strip().endsWith(ROOT), r.stdout());
        assertEquals("oops\n", r.stderr());
        assertFalse(r.truncated());
        assertFalse(r.timedOut());
        // Files a command writes are there for save-back.
        assertEquals("made\n", readAll(h.id()).get("out.txt"));

        Recorded start = fake.recorded("process.start").get(0);
        assertEquals("application/connect+json", start.header("Content-Type"));
        assertEquals("1", start.header("Connect-Protocol-Version"));
        assertEquals("10000", start.header("Connect-Timeout-Ms"));
        assertEquals(E2bEnvdClient.BASIC_USER, start.header("Authorization"));
        assertEquals(h.accessToken(), start.header("X-Access-Token"));
        JsonNode req = start.json();
        assertEquals("/bin/bash", req.at("/process/cmd").asText());
        assertEquals(List.of("-l", "-c"), List.of(req.at("/process/args/0").asText(), req.at("/process/args/1").asText()));
        assertEquals(ROOT, req.at("/process/cwd").asText());
        assertFalse(req.get("stdin").asBoolean());
    }

    @Test
    void execCapsOutputAndReportsTimeouts() {
        SandboxHandle h = create(owner());
        ExecResult big = provider.exec(h.id(), "head -c 200000 /dev/zero | tr '\\0' a", Duration.ofSeconds(10), 1000)
                .await().atMost(WAIT);
        assertEquals(0, big.exitCode());
        assertEquals(1000, big.stdout().length());
        assertTrue(big.truncated());

        long started = System.nanoTime();
        ExecResult slow = provider.exec(h.id(), "echo started; sleep 20", Duration.ofMillis(500), 1000).await().atMost(WAIT);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(slow.timedOut());
        assertEquals(-1, slow.exitCode());
        assertEquals("started\n", slow.stdout());
        assertTrue(millis < 5000, "took " + millis + " ms");
    }

    @Test
    void execInAGoneSandboxIsGone() {
        SandboxHandle h = create(owner());
        fake.vanish(h.id());
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.exec(h.id(), "true", Duration.ofSeconds(5), 100).await().atMost(WAIT));
        assertEquals(ProviderException.Kind.GONE, e.kind());
    }

    @Test
    void everyDataPlaneCallNamesTheSandboxInHeadersAndNoControlPlaneCallCarriesTheToken() {
        SandboxHandle h = create(owner());
        write(h, Map.of("a.txt", "a"));
        readAll(h.id());
        provider.exec(h.id(), "true", Duration.ofSeconds(5), 100).await().atMost(WAIT);
        provider.get(h.id()).await().atMost(WAIT);
        for (String op : List.of("health", "makedir", "files.write", "files.read", "process.start")) {
            List<Recorded> requests = fake.recorded(op);
            assertFalse(requests.isEmpty(), op);
            for (Recorded r : requests) {
                assertEquals(h.id(), r.header("E2b-Sandbox-Id"), op);
                assertEquals("49983", r.header("E2b-Sandbox-Port"), op);
                assertNull(r.header("X-API-Key"), op);
                if (!op.equals("health")) {
                    assertEquals(h.accessToken(), r.header("X-Access-Token"), op);
                }
            }
        }
        for (String op : List.of("create", "get")) {
            for (Recorded r : fake.recorded(op)) {
                assertNull(r.header("X-Access-Token"), op);
                assertNull(r.header("E2b-Sandbox-Id"), op);
            }
        }
    }

    /** A second provider, as in another replica: it knows no tokens of sandboxes it did not create. */
    private E2bSandboxProvider newProviderInstance() {
        return new E2bSandboxProvider(config, e2bConfig, vertx, json);
    }

    private static Map<String, String> toMap(JsonNode node) {
        Map<String, String> map = new HashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static Map<String, String> query(String query) {
        Map<String, String> map = new HashMap<>();
        if (query == null) {
            return map;
        }
        new QueryStringDecoder(query, false).parameters()
                .forEach((k, v) -> map.put(k, v.get(0)));
        return map;
    }
}
