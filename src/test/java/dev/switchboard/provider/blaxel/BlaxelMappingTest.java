package dev.switchboard.provider.blaxel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;

/** The pure parts of the Blaxel mapping, without a server or Quarkus. */
class BlaxelMappingTest {

    private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");

    @Test
    void namesFollowBlaxelsRuleWhateverTheOwner() {
        assertEquals("user-auth0-123-abcd1234", BlaxelMapping.sandboxName("auth0|123", "abcd1234"));
        assertEquals("user-alice-example-com-abcd1234", BlaxelMapping.sandboxName("Alice@Example.COM", "abcd1234"));
        assertEquals("user-abcd1234", BlaxelMapping.sandboxName("|||", "abcd1234"));
        assertEquals("user-abcd1234", BlaxelMapping.sandboxName(null, "abcd1234"));
        assertEquals("user-j-rg-abcd1234", BlaxelMapping.sandboxName("Jörg", "abcd1234"));
        String longOwner = "google-oauth2|" + "1234567890".repeat(5) + "--x";
        String name = BlaxelMapping.sandboxName(longOwner, "abcd1234");
        assertTrue(name.length() <= 49, name);
        assertTrue(name.startsWith("user-google-oauth2-1234"), name);
        assertTrue(name.endsWith("-abcd1234"), name);
        // Truncation never leaves a dash before the suffix's separator.
        assertFalse(BlaxelMapping.sandboxName("a".repeat(34) + "-" + "b".repeat(10), "abcd1234").contains("--"));
        for (String owner : List.of("auth0|123", "x".repeat(200), "-a-", "UPPER_lower", "", "ü")) {
            String n = BlaxelMapping.sandboxName(owner, BlaxelMapping.randomSuffix(new Random()));
            assertTrue(BlaxelMapping.validName(n), n);
        }
    }

    @Test
    void suffixesAreRandomLowercaseAlphanumerics() {
        Random random = new Random(42);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String s = BlaxelMapping.randomSuffix(random);
            assertTrue(s.matches("[a-z0-9]{8}"), s);
            seen.add(s);
        }
        assertEquals(1000, seen.size());
    }

    @Test
    void labelSafeValuesAreStoredUnchanged() {
        Map<String, String> metadata = Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.SWITCH,
                "0f8fad5b-d9cb-469f-a165-70867728950e", SandboxMetadata.OWNER, "alice");
        assertEquals(metadata, BlaxelMapping.encodeLabels(metadata));
        assertEquals(metadata, BlaxelMapping.decodeLabels(BlaxelMapping.encodeLabels(metadata)));
    }

    @Test
    void unsafeValuesRoundTripThroughValidLabels() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(SandboxMetadata.OWNER, "auth0|123");
        metadata.put(SandboxMetadata.INSTANCE, "pod name with spaces/and slashes");
        metadata.put(SandboxMetadata.PROJECT, "b32.looks-encoded");
        metadata.put(SandboxMetadata.FRAGMENT, "ü".repeat(100));
        metadata.put(SandboxMetadata.SWITCH, "-leading-dash");
        metadata.put(SandboxMetadata.MANAGED, "");
        Map<String, String> labels = BlaxelMapping.encodeLabels(metadata);
        labels.forEach((k, v) -> {
            assertTrue(v.length() <= 63 && LABEL_VALUE.matcher(v).matches(), k + "=" + v);
            assertTrue(k.length() <= 63 && LABEL_VALUE.matcher(k).matches(), k);
        });
        assertTrue(labels.get(SandboxMetadata.OWNER).startsWith("b32."));
        assertTrue(labels.containsKey(SandboxMetadata.FRAGMENT + ".1"), "a long value continues in more labels");
        assertEquals(metadata, BlaxelMapping.decodeLabels(labels));
        assertEquals(labels, BlaxelMapping.encodeLabels(metadata), "the encoding is deterministic");
    }

    @Test
    void foreignLabelsPassThroughDecoding() {
        Map<String, String> labels = Map.of("team", "x", "weird", "b32.0189", "other.1", "y");
        assertEquals(labels, BlaxelMapping.decodeLabels(labels));
        assertEquals(Map.of(), BlaxelMapping.decodeLabels(null));
    }

    @Test
    void metadataKeysMustBeLabelKeys() {
        assertThrows(IllegalArgumentException.class, () -> BlaxelMapping.encodeLabels(Map.of("bad key", "x")));
        assertThrows(IllegalArgumentException.class, () -> BlaxelMapping.encodeLabels(Map.of("looks.1", "x")));
    }

    @Test
    void base32IsCanonical() {
        for (String s : List.of("", "f", "fo", "foo", "foob", "fooba", "foobar", "auth0|123")) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(s, new String(BlaxelMapping.base32Decode(BlaxelMapping.base32(bytes)).orElseThrow(), StandardCharsets.UTF_8));
        }
        assertEquals("mzxw6ytboi", BlaxelMapping.base32("foobar".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), BlaxelMapping.base32Decode("mzxw6ytboj"), "non-zero padding bits");
        assertEquals(Optional.empty(), BlaxelMapping.base32Decode("MZXW"), "uppercase is not ours");
    }

    @Test
    void statusesMapToSwitchboardStates() {
        assertEquals(Optional.of(SandboxInfo.State.RUNNING), BlaxelMapping.liveState("DEPLOYED", "RUNNING"));
        assertEquals(Optional.of(SandboxInfo.State.RUNNING), BlaxelMapping.liveState("DEPLOYED", null));
        assertEquals(Optional.of(SandboxInfo.State.PAUSED), BlaxelMapping.liveState("DEPLOYED", "STANDBY"));
        for (String alive : List.of("DEPLOYING", "UPLOADING", "BUILDING", "BUILT", "SOMETHING_NEW")) {
            assertEquals(Optional.of(SandboxInfo.State.RUNNING), BlaxelMapping.liveState(alive, null), alive);
        }
        for (String gone : List.of("TERMINATED", "FAILED", "DELETING", "TERMINATING", "DEACTIVATED", "DEACTIVATING")) {
            assertEquals(Optional.empty(), BlaxelMapping.liveState(gone, "RUNNING"), gone);
            assertTrue(BlaxelMapping.gone(gone));
        }
        assertFalse(BlaxelMapping.gone(null));
    }

    @Test
    void durationsUseTheLargestExactUnit() {
        assertEquals("15m", BlaxelMapping.duration(Duration.ofMinutes(15)));
        assertEquals("1h", BlaxelMapping.duration(Duration.ofHours(1)));
        assertEquals("90m", BlaxelMapping.duration(Duration.ofMinutes(90)));
        assertEquals("24h", BlaxelMapping.duration(Duration.ofDays(1)));
        assertEquals("45s", BlaxelMapping.duration(Duration.ofSeconds(45)));
        assertEquals("2s", BlaxelMapping.duration(Duration.ofMillis(1500)));
        assertEquals("1s", BlaxelMapping.duration(Duration.ZERO));
        assertEquals(1, BlaxelMapping.timeoutSeconds(Duration.ofMillis(10)));
        assertEquals(30, BlaxelMapping.timeoutSeconds(Duration.ofSeconds(30)));
    }

    @Test
    void pathsAreEncodedAsOneSegment() {
        assertEquals("%2Fblaxel%2Fapp", BlaxelMapping.encodePath("/blaxel/app"));
        assertEquals("%2Fa%20b%2F%C3%BC%2Bc.txt", BlaxelMapping.encodePath("/a b/ü+c.txt"));
        assertEquals("/blaxel/app", BlaxelMapping.normalizeRoot("blaxel/app/"));
        assertEquals("/", BlaxelMapping.normalizeRoot("/"));
    }

    @Test
    void treeChunksStayUnderTheLimit() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            files.put("src/file-" + i + ".txt", "line \"" + i + "\"\n".repeat(20));
        }
        assertEquals(1, BlaxelMapping.treeChunks(files, 8L << 20).size());
        long limit = 10_000;
        List<Map<String, String>> chunks = BlaxelMapping.treeChunks(files, limit);
        assertTrue(chunks.size() > 1);
        assertEquals(500, chunks.stream().mapToInt(Map::size).sum());
        ObjectMapper json = new ObjectMapper();
        for (Map<String, String> chunk : chunks) {
            int actual = json.writeValueAsBytes(Map.of("files", chunk)).length;
            assertTrue(actual <= limit, "chunk of " + actual + " bytes");
        }
        Map<String, String> big = Map.of("big.txt", "x".repeat(20_000), "a.txt", "a");
        assertEquals(2, BlaxelMapping.treeChunks(big, limit).size(), "an oversized file goes alone");
    }

    @Test
    void jsonSizeIsAnUpperBound() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String s : List.of("plain", "quote\"and\\slash", "tab\tnl\n\u0001", "ü€😀")) {
            assertTrue(BlaxelMapping.jsonStringBytes(s) >= json.writeValueAsBytes(s).length, s);
        }
    }

    @Test
    void outputIsCutAtACharacterBoundary() {
        assertEquals(new BlaxelMapping.Capped("abc", false), BlaxelMapping.cap("abc", 3));
        assertEquals(new BlaxelMapping.Capped("ab", true), BlaxelMapping.cap("abc", 2));
        assertEquals(new BlaxelMapping.Capped("a", true), BlaxelMapping.cap("aü", 2), "no half character");
        assertEquals(new BlaxelMapping.Capped("", false), BlaxelMapping.cap(null, 2));
    }

    @Test
    void processAnswersBecomeExecResults() {
        assertEquals(new ExecResult(3, "out", "err", false, false), BlaxelDataClient.result(
                new BlaxelModel.ProcessResponse("1", null, "failed", 3, "out", "err", "outerr"), 100));
        assertEquals(new ExecResult(-1, "", "", false, true), BlaxelDataClient.result(
                new BlaxelModel.ProcessResponse("1", null, "killed", 137, "", "", ""), 100));
        assertEquals(new ExecResult(0, "logs only", "", false, false), BlaxelDataClient.result(
                new BlaxelModel.ProcessResponse("1", null, "completed", 0, null, null, "logs only"), 100));
        assertEquals(new ExecResult(0, "lo", "", true, false), BlaxelDataClient.result(
                new BlaxelModel.ProcessResponse("1", null, "completed", 0, "long", null, null), 2));
    }

    @Test
    void errorBodiesOfBothPlanesAndTheEdgeAreRead() {
        BlaxelMapping.ErrorBody quota = BlaxelMapping.errorBody("{\"code\":\"QUOTA_EXCEEDED\",\"message\":\"too many\"}");
        assertTrue(quota.quotaExceeded());
        assertEquals("too many", quota.message());
        assertEquals(new BlaxelMapping.ErrorBody("401", "Unauthorized"), BlaxelMapping.errorBody("{\"code\":401,\"error\":\"Unauthorized\"}"));
        assertEquals(new BlaxelMapping.ErrorBody(null, "gone"), BlaxelMapping.errorBody("{\"error\":\"gone\"}"));
        assertTrue(BlaxelMapping.errorBody("<HTML><TITLE>ERROR</TITLE>").message().contains("HTML"));
        assertEquals(new BlaxelMapping.ErrorBody(null, null), BlaxelMapping.errorBody(""));
        assertNotEquals(null, BlaxelMapping.errorBody("plain text").message());
    }

    @Test
    void instantsParseInBothForms() {
        assertEquals(java.time.Instant.parse("2026-01-02T03:04:05Z"), BlaxelMapping.parseInstant("2026-01-02T03:04:05Z"));
        assertEquals(java.time.Instant.parse("2026-01-02T03:04:05Z"), BlaxelMapping.parseInstant("2026-01-02T05:04:05+02:00"));
        assertEquals(null, BlaxelMapping.parseInstant("yesterday"));
    }
}
