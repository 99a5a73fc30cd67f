package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/** The E2B provider's pure parts, without Quarkus: framing, hosts, clamping, encodings, batching, paths. */
class E2bUnitTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // ---- Connect envelopes ----

    @Test
    void envelopeHasFlagBigEndianLengthAndMessage() {
        byte[] message = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] frame = ConnectFrames.encode(0, message);
        assertEquals(5 + message.length, frame.length);
        assertArrayEquals(new byte[] { 0, 0, 0, 0, 7 }, Arrays.copyOf(frame, 5));
        assertArrayEquals(message, Arrays.copyOfRange(frame, 5, frame.length));

        byte[] big = new byte[70_000];
        byte[] bigFrame = ConnectFrames.encode(2, big);
        assertArrayEquals(new byte[] { 2, 0, 1, 0x11, 0x70 }, Arrays.copyOf(bigFrame, 5));
    }

    @Test
    void decoderReassemblesFramesSplitAcrossChunksInAnyWay() {
        byte[] a = ConnectFrames.encode(0, "{\"event\":{\"start\":{\"pid\":1}}}".getBytes(StandardCharsets.UTF_8));
        byte[] b = ConnectFrames.encode(0, new byte[20_000]);
        byte[] c = ConnectFrames.encode(2, "{}".getBytes(StandardCharsets.UTF_8));
        byte[] stream = concat(a, b, c);
        for (int chunk : new int[] { 1, 3, 5, 7, 4096, stream.length }) {
            ConnectFrames.Decoder decoder = new ConnectFrames.Decoder(1 << 20);
            List<ConnectFrames.Frame> frames = new ArrayList<>();
            for (int i = 0; i < stream.length; i += chunk) {
                frames.addAll(decoder.feed(Arrays.copyOfRange(stream, i, Math.min(stream.length, i + chunk))));
            }
            assertEquals(3, frames.size(), "chunks of " + chunk);
            assertEquals(20_000, frames.get(1).payload().length);
            assertTrue(frames.get(2).endStream());
            assertFalse(frames.get(0).endStream());
            assertEquals(0, decoder.pendingBytes());
        }
    }

    @Test
    void decoderRefusesAnOversizedOrGarbageFrame() {
        ConnectFrames.Decoder decoder = new ConnectFrames.Decoder(1024);
        assertThrows(IllegalStateException.class, () -> decoder.feed(ConnectFrames.encode(0, new byte[2048])));
        // An error document instead of a stream: '{"co' read as a length is huge.
        ConnectFrames.Decoder other = new ConnectFrames.Decoder(1 << 20);
        assertThrows(IllegalStateException.class,
                () -> other.feed("{\"code\":502,\"message\":\"The sandbox was not found\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void processOutputCollectsEventsAndCapsEachStream() {
        ProcessOutput out = new ProcessOutput(JSON, 5);
        out.accept(frame(0, "{\"event\":{\"start\":{\"pid\":42}}}"));
        out.accept(frame(0, "{\"event\":{\"data\":{\"stdout\":\"" + b64("hello world") + "\"}}}"));
        out.accept(frame(0, "{\"event\":{\"keepalive\":{}}}"));
        out.accept(frame(0, "{\"event\":{\"data\":{\"stderr\":\"" + b64("err") + "\"}}}"));
        out.accept(frame(0, "{\"event\":{\"end\":{\"exitCode\":2,\"exited\":true,\"status\":\"exit status 2\"}}}"));
        out.accept(frame(2, "{}"));
        ExecResult r = out.result("i1");
        assertEquals(2, r.exitCode());
        assertEquals("hello", r.stdout());
        assertEquals("err", r.stderr());
        assertTrue(r.truncated());
        assertFalse(r.timedOut());
    }

    @Test
    void processOutputTreatsAMissingExitCodeAsZeroAndMapsStreamErrors() {
        ProcessOutput ok = new ProcessOutput(JSON, 100);
        ok.accept(frame(0, "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}"));
        ok.accept(frame(2, "{}"));
        assertEquals(0, ok.result("i1").exitCode());

        ProcessOutput deadline = new ProcessOutput(JSON, 100);
        deadline.accept(frame(0, "{\"event\":{\"data\":{\"stdout\":\"" + b64("partial") + "\"}}}"));
        deadline.accept(frame(2, "{\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"context deadline exceeded\"}}"));
        ExecResult timedOut = deadline.result("i1");
        assertTrue(timedOut.timedOut());
        assertEquals(-1, timedOut.exitCode());
        assertEquals("partial", timedOut.stdout());

        assertEquals(Kind.GONE, streamError("unavailable").kind());
        assertEquals(Kind.RATE_LIMITED, streamError("resource_exhausted").kind());
        assertEquals(Kind.BAD_REQUEST, streamError("invalid_argument").kind());
        assertEquals(Kind.FAILED, streamError("internal").kind());

        ProcessOutput cut = new ProcessOutput(JSON, 100);
        cut.accept(frame(0, "{\"event\":{\"start\":{\"pid\":1}}}"));
        assertEquals(Kind.FAILED, assertThrows(ProviderException.class, () -> cut.result("i1")).kind());
        assertThrows(IllegalStateException.class, () -> cut.accept(new ConnectFrames.Frame(1, new byte[0])));
    }

    private static ProviderException streamError(String code) {
        ProcessOutput out = new ProcessOutput(JSON, 100);
        out.accept(frame(2, "{\"error\":{\"code\":\"" + code + "\",\"message\":\"m\"}}"));
        return assertThrows(ProviderException.class, () -> out.result("i1"));
    }

    @Test
    void startRequestIsTheSdksShape() throws Exception {
        E2bEnvdClient client = new E2bEnvdClient(null, null, JSON, Duration.ofSeconds(1), Optional.empty(), 1, 1);
        var node = JSON.readTree(client.startRequest("ls -la", "/home/user/project"));
        assertEquals("{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"ls -la\"],\"envs\":{},"
                + "\"cwd\":\"/home/user/project\"},\"stdin\":false}", JSON.writeValueAsString(node));
    }

    // ---- hosts and URLs ----

    @Test
    void hostsFollowPortDashIdDotDomain() {
        assertEquals("https://3000-iabc.e2b.app", E2bMapping.sandboxUrl(3000, "iabc", "e2b.app"));
        assertEquals("https://49983-iabc.e2b.app", E2bEnvdClient.baseUrl(null, "iabc", "e2b.app"));
        assertEquals("http://proxy:8080", E2bEnvdClient.baseUrl("http://proxy:8080", "iabc", "e2b.app"));
        assertEquals("Basic " + Base64.getEncoder().encodeToString("user:".getBytes(StandardCharsets.UTF_8)),
                E2bEnvdClient.BASIC_USER);
    }

    @Test
    void onlyE2bShapedIdsAreAccepted() {
        assertTrue(E2bMapping.isValidId("i" + "a1".repeat(10)));
        assertTrue(E2bMapping.isValidId("iabc123-6532622b"));
        for (String bad : new String[] { null, "", "I-ABC", "a.b", "a/b", "a-b-c", "x@evil.com", "i abc", "../x" }) {
            assertFalse(E2bMapping.isValidId(bad), String.valueOf(bad));
        }
        // The control plane gets anything that is one plain path segment; E2B judges it.
        assertTrue(E2bMapping.isPathSafe("switchboard-readiness-probe"));
        for (String bad : new String[] { null, "", "..", "a/b", "a.b", "a%2Fb", "a b", "x".repeat(129) }) {
            assertFalse(E2bMapping.isPathSafe(bad), String.valueOf(bad));
        }
    }

    // ---- timeouts ----

    @Test
    void createTimeoutIsWholeSecondsWithinOneSecondAndTheLifetime() {
        Duration hour = Duration.ofHours(1);
        assertEquals(600, E2bMapping.createTimeoutSeconds(Duration.ofMinutes(10), hour));
        assertEquals(3600, E2bMapping.createTimeoutSeconds(Duration.ofHours(2), hour));
        assertEquals(1, E2bMapping.createTimeoutSeconds(Duration.ofMillis(10), hour));
        assertEquals(2, E2bMapping.createTimeoutSeconds(Duration.ofMillis(1500), hour));
    }

    @Test
    void extendIsClampedToWhatIsLeftOfTheLifetime() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Duration hour = Duration.ofHours(1);
        assertEquals(600, E2bMapping.extendSeconds(Duration.ofMinutes(10), hour, start, start.plusSeconds(60)));
        assertEquals(600, E2bMapping.extendSeconds(Duration.ofMinutes(30), hour, start, start.plusSeconds(3000)));
        assertEquals(0, E2bMapping.extendSeconds(Duration.ofMinutes(30), hour, start, start.plusSeconds(3600)));
        assertEquals(0, E2bMapping.extendSeconds(Duration.ofMinutes(30), hour, start, start.plusSeconds(7200)));
        assertEquals(1, E2bMapping.extendSeconds(Duration.ofMillis(100), hour, start, start));
    }

    // ---- metadata query ----

    @Test
    void metadataQueryIsAnEncodedQueryString() {
        Map<String, String> filter = new LinkedHashMap<>();
        filter.put("switchboard-owner", "alice");
        filter.put("switchboard", "true");
        String encoded = E2bClient.metadataQuery(filter);
        assertEquals("switchboard%3Dtrue%26switchboard-owner%3Dalice", encoded);

        String tricky = E2bClient.metadataQuery(Map.of("k", "a+b c&d=e%f/ü"));
        // The server decodes the parameter once, then parses the result as a query string.
        String once = URLDecoder.decode(tricky, StandardCharsets.UTF_8);
        assertEquals("k=a%2Bb+c%26d%3De%25f%2F%C3%BC", once);
        assertEquals("a+b c&d=e%f/ü", URLDecoder.decode(once.substring(2), StandardCharsets.UTF_8));
    }

    // ---- batches and paths ----

    @Test
    void batchesAreBoundedByCountAndBytes() {
        List<E2bEnvdClient.Upload> files = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            files.add(new E2bEnvdClient.Upload("/p/f" + i, new byte[10]));
        }
        assertEquals(List.of(500, 500, 200), sizes(E2bEnvdClient.batches(files, 500, 1 << 20)));
        assertEquals(List.of(100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100),
                sizes(E2bEnvdClient.batches(files, 500, 1000)));
        List<E2bEnvdClient.Upload> mixed = List.of(new E2bEnvdClient.Upload("/a", new byte[5]),
                new E2bEnvdClient.Upload("/huge", new byte[5000]), new E2bEnvdClient.Upload("/b", new byte[5]));
        assertEquals(List.of(1, 1, 1), sizes(E2bEnvdClient.batches(mixed, 500, 1000)), "a file above the limit goes alone");
        assertEquals(List.of(), E2bEnvdClient.batches(List.of(), 500, 1000));
    }

    private static List<Integer> sizes(List<List<E2bEnvdClient.Upload>> batches) {
        return batches.stream().map(List::size).toList();
    }

    @Test
    void projectPathsMapToAbsoluteDestinationsAndBack() {
        assertEquals("/home/user/project/src/a.js", E2bMapping.absolutePath("/home/user/project", "src/a.js"));
        assertEquals("/home/user/project/a", E2bMapping.absolutePath("/home/user/project/", "a"));
        for (String bad : new String[] { "", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "dir/", "a\\b",
                "a\r\nContent-Type: x", "nul\0" }) {
            assertThrows(ProviderException.class, () -> E2bMapping.absolutePath("/r", bad), bad);
        }
        assertEquals("/r/a\"b", E2bMapping.absolutePath("/r", "a\"b"), "quotes are valid in project paths");
        assertTrue(E2bEnvdClient.isPlainName("/r/[id]/x y.tsx"));
        for (String other : new String[] { "/r/a\"b", "/r/ünï.txt", "/r/a\\b", "/r/a\nb" }) {
            assertFalse(E2bEnvdClient.isPlainName(other), other);
        }
        assertEquals("src/a.js", E2bMapping.relativePath("/home/user/project", "/home/user/project/src/a.js"));
        assertNull(E2bMapping.relativePath("/home/user/project", "/home/user/project2/a"));
        assertNull(E2bMapping.relativePath("/home/user/project", "/home/user/project"));
    }

    @Test
    void timestampsWithNanosecondsAndOffsetsParse() {
        assertEquals(Instant.parse("2026-01-01T00:00:00.123456789Z"),
                E2bMapping.parseTime("2026-01-01T00:00:00.123456789Z"));
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), E2bMapping.parseTime("2026-01-01T01:00:00+01:00"));
        assertNull(E2bMapping.parseTime("yesterday"));
        assertNull(E2bMapping.parseTime(null));
    }

    // ---- configuration ----

    @Test
    void startupFailsFastWithoutAnApiKey() {
        Cfg config = config("e2b", Optional.empty());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> newProvider(config));
        assertTrue(e.getMessage().contains("switchboard.e2b.api-key"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> newProvider(config("e2b", Optional.of("  "))));

        // The startup check refuses only when E2B is the selected provider.
        assertThrows(IllegalStateException.class, () -> check(config));
        check(config("local", Optional.empty()));
        check(config(" E2B ", Optional.of("e2b_key")));
    }

    @Test
    void startupRefusesATtlThatThePlansLifetimeWouldCutShort() {
        check(config("e2b", Optional.of("k"), Duration.ofMinutes(58), Duration.ofHours(1)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> check(
                config("e2b", Optional.of("k"), Duration.ofMinutes(59), Duration.ofHours(1))));
        assertTrue(e.getMessage().contains("switchboard.e2b.max-lifetime") && e.getMessage().contains("switchboard.sandbox.max-age"),
                e.getMessage());
        check(config("local", Optional.empty(), Duration.ofHours(2), Duration.ofHours(1)));
    }

    @Test
    void withAWarmPoolTheLifetimeMustAlsoCoverThePoolsMaxAge() {
        // A claimed pool sandbox gets a whole TTL from its claim, up to 10 minutes after E2B started counting.
        check(config("e2b", Optional.of("k"), Duration.ofMinutes(48), Duration.ofHours(1), 5));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> check(
                config("e2b", Optional.of("k"), Duration.ofMinutes(55), Duration.ofHours(1), 5)));
        assertTrue(e.getMessage().contains("switchboard.pool.max-age"), e.getMessage());
    }

    /** The root and E2B configuration a test hands the provider. */
    private record Cfg(SwitchboardConfig root, E2bConfig e2b) {
    }

    private static E2bSandboxProvider newProvider(Cfg c) {
        return new E2bSandboxProvider(c.root(), c.e2b(), null, JSON);
    }

    private static void check(Cfg c) {
        E2bSandboxProvider.checkAtStartup(null, c.root(), c.e2b());
    }

    /** A config that answers only the provider name and the E2B key: enough to reach the key check. */
    private static Cfg config(String provider, Optional<String> apiKey) {
        return config(provider, apiKey, Duration.ofMinutes(55), Duration.ofHours(1));
    }

    /** The same with the TTL and the plan's lifetime (the expiry margin is 2 minutes). */
    private static Cfg config(String provider, Optional<String> apiKey, Duration maxAge, Duration lifetime) {
        return config(provider, apiKey, maxAge, lifetime, 0);
    }

    /** The same with a warm pool of {@code poolSize} (max-age 10 minutes) on the default template. */
    private static Cfg config(String provider, Optional<String> apiKey, Duration maxAge, Duration lifetime,
            int poolSize) {
        SwitchboardConfig.WarmPool pool = (SwitchboardConfig.WarmPool) Proxy.newProxyInstance(E2bUnitTest.class.getClassLoader(),
                new Class<?>[] { SwitchboardConfig.WarmPool.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "size" -> poolSize;
                    case "templates" -> java.util.Map.of();
                    case "maxAge" -> Duration.ofMinutes(10);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        SwitchboardConfig.Sandbox sandbox = (SwitchboardConfig.Sandbox) Proxy.newProxyInstance(E2bUnitTest.class.getClassLoader(),
                new Class<?>[] { SwitchboardConfig.Sandbox.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "maxAge" -> maxAge;
                    case "expiryMargin" -> Duration.ofMinutes(2);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        E2bConfig e2b = (E2bConfig) Proxy.newProxyInstance(E2bUnitTest.class.getClassLoader(),
                new Class<?>[] { E2bConfig.class }, (proxy, method, args) -> {
                    if (method.getName().equals("apiKey")) {
                        return apiKey;
                    }
                    if (method.getName().equals("maxLifetime")) {
                        return lifetime;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        SwitchboardConfig root = (SwitchboardConfig) Proxy.newProxyInstance(E2bUnitTest.class.getClassLoader(),
                new Class<?>[] { SwitchboardConfig.class }, (proxy, method, args) -> {
                    if (method.getName().equals("provider")) {
                        return provider;
                    }
                    if (method.getName().equals("sandbox")) {
                        return sandbox;
                    }
                    if (method.getName().equals("pool")) {
                        return pool;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new Cfg(root, e2b);
    }

    // ---- helpers ----

    private static ConnectFrames.Frame frame(int flags, String json) {
        return new ConnectFrames.Frame(flags, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
