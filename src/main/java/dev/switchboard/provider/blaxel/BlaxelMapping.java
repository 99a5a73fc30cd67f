package dev.switchboard.provider.blaxel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.SandboxInfo;

/**
 * The pure rules of the Blaxel mapping (sandbox names, labels, statuses, durations, paths, request sizes), kept apart
 * from I/O so they can be tested without a server.
 */
final class BlaxelMapping {

    /** Blaxel's sandbox name rule: lowercase letters, digits and '-', at most 49 characters. */
    static final int MAX_NAME_LENGTH = 49;
    static final Pattern NAME = Pattern.compile("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$");
    static final String NAME_PREFIX = "user-";
    static final int SUFFIX_LENGTH = 8;

    /** The sandbox URL's HTTP port under {@code name}, then a template's other ports ({@code port-<n>}), each once. */
    static List<BlaxelModel.Port> ports(String name, int urlPort, List<Integer> extra) {
        List<BlaxelModel.Port> ports = new ArrayList<>(List.of(new BlaxelModel.Port(name, urlPort, "HTTP")));
        extra.stream().distinct().filter(p -> p != urlPort)
                .forEach(p -> ports.add(new BlaxelModel.Port("port-" + p, p, "HTTP")));
        return ports;
    }
    private static final char[] SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /**
     * Label values follow the Kubernetes rule (at most 63 characters, alphanumeric at both ends, '-', '_' and '.'
     * inside), which Blaxel's workload labels inherit. Values outside it are stored base32-encoded behind this prefix.
     */
    static final int MAX_LABEL_LENGTH = 63;
    static final String ENCODED_PREFIX = "b32.";
    private static final Pattern LABEL = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");
    private static final Pattern CONTINUATION_KEY = Pattern.compile("^.+\\.[0-9]+$");
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    /** Statuses of a sandbox that is gone or going, which Switchboard treats as not alive. */
    static final Set<String> GONE_STATUSES = Set.of("TERMINATED", "FAILED", "DELETING", "TERMINATING", "DEACTIVATED",
            "DEACTIVATING");

    private static final String TREE_ENVELOPE = "{\"files\":{}}";
    private static final int MAX_ERROR_MESSAGE = 300;
    private static final ObjectMapper ERRORS = new ObjectMapper();

    private BlaxelMapping() {
    }

    // ---- names ----

    /**
     * {@code user-<owner>-<suffix>}: the owner part keeps sandboxes recognisable in Blaxel's console, the random suffix
     * keeps names unique, because Blaxel keeps a deleted name as a TERMINATED tombstone that blocks re-creating it.
     */
    static String sandboxName(String owner, String suffix) {
        String sanitized = sanitize(owner);
        int room = MAX_NAME_LENGTH - NAME_PREFIX.length() - 1 - suffix.length();
        if (sanitized.length() > room) {
            sanitized = trimDashes(sanitized.substring(0, room));
        }
        return sanitized.isEmpty() ? NAME_PREFIX + suffix : NAME_PREFIX + sanitized + "-" + suffix;
    }

    static String randomSuffix(Random random) {
        char[] chars = new char[SUFFIX_LENGTH];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = SUFFIX_ALPHABET[random.nextInt(SUFFIX_ALPHABET.length)];
        }
        return new String(chars);
    }

    static boolean validName(String name) {
        return name != null && name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
    }

    private static String sanitize(String owner) {
        if (owner == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (char c : owner.toLowerCase(Locale.ROOT).toCharArray()) {
            boolean keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (keep) {
                out.append(c);
            } else if (out.length() > 0 && out.charAt(out.length() - 1) != '-') {
                out.append('-');
            }
        }
        return trimDashes(out.toString());
    }

    private static String trimDashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '-') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '-') {
            end--;
        }
        return s.substring(start, end);
    }

    // ---- labels ----

    static boolean labelSafe(String value) {
        return value.length() <= MAX_LABEL_LENGTH && LABEL.matcher(value).matches();
    }

    /**
     * Switchboard metadata as Blaxel labels. A value that is not a valid label value (an owner id such as
     * {@code auth0|123}, anything longer than 63 characters) becomes {@code b32.<base32 of its UTF-8 bytes>}; when that
     * is longer than a label allows, the rest continues in labels {@code <key>.1}, {@code <key>.2}... The encoding is
     * deterministic and reversible, so the originals come back in {@code SandboxInfo.metadata()} and a filter by the
     * original value matches. Values that merely start with the prefix are encoded too, so decoding is unambiguous.
     */
    static Map<String, String> encodeLabels(Map<String, String> metadata) {
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            if (key.isEmpty() || !labelSafe(key) || CONTINUATION_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("metadata key is not usable as a Blaxel label key: " + key);
            }
            String value = e.getValue();
            if (labelSafe(value) && !value.startsWith(ENCODED_PREFIX)) {
                labels.put(key, value);
                continue;
            }
            String encoded = ENCODED_PREFIX + base32(value.getBytes(StandardCharsets.UTF_8));
            labels.put(key, encoded.substring(0, Math.min(MAX_LABEL_LENGTH, encoded.length())));
            int part = 1;
            for (int from = MAX_LABEL_LENGTH; from < encoded.length(); from += MAX_LABEL_LENGTH) {
                labels.put(key + "." + part++, encoded.substring(from, Math.min(from + MAX_LABEL_LENGTH, encoded.length())));
            }
        }
        return labels;
    }

    /** The inverse of {@link #encodeLabels}; labels set by others pass through unchanged. */
    static Map<String, String> decodeLabels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return Map.of();
        }
        Map<String, String> metadata = new TreeMap<>();
        Set<String> continuations = new HashSet<>();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key == null || value == null) {
                continue;
            }
            if (value.startsWith(ENCODED_PREFIX)) {
                StringBuilder encoded = new StringBuilder(value.substring(ENCODED_PREFIX.length()));
                List<String> parts = new ArrayList<>();
                for (int n = 1; labels.get(key + "." + n) != null; n++) {
                    parts.add(key + "." + n);
                    encoded.append(labels.get(key + "." + n));
                }
                Optional<String> decoded = base32Decode(encoded.toString()).flatMap(BlaxelMapping::strictUtf8);
                if (decoded.isPresent()) {
                    metadata.put(key, decoded.get());
                    continuations.addAll(parts);
                    continue;
                }
            }
            metadata.put(key, value);
        }
        metadata.keySet().removeAll(continuations);
        return metadata;
    }

    static String base32(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
            buffer &= (1 << bits) - 1;
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    /** Strict: only the canonical encoding of some bytes decodes, so a foreign label that looks encoded stays as is. */
    static Optional<byte[]> base32Decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int v = c >= 'a' && c <= 'z' ? c - 'a' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
            if (v < 0) {
                return Optional.empty();
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
                buffer &= (1 << bits) - 1;
            }
        }
        return bits >= 5 || buffer != 0 ? Optional.empty() : Optional.of(out.toByteArray());
    }

    static Optional<String> strictUtf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    // ---- statuses ----

    /**
     * Switchboard's view of a Blaxel sandbox: empty when it is gone or going; PAUSED in standby (Blaxel's automatic
     * idle state, resumed by the next request); else RUNNING, including the deploy phases and statuses added after
     * this was written, because treating an unknown status as gone would clear a record of a sandbox that still bills.
     */
    static Optional<SandboxInfo.State> liveState(String status, String state) {
        String s = status == null ? "" : status.toUpperCase(Locale.ROOT);
        if (GONE_STATUSES.contains(s)) {
            return Optional.empty();
        }
        if ("STANDBY".equalsIgnoreCase(state) || "STANDBY".equals(s)) {
            return Optional.of(SandboxInfo.State.PAUSED);
        }
        return Optional.of(SandboxInfo.State.RUNNING);
    }

    static boolean gone(String status) {
        return status != null && GONE_STATUSES.contains(status.toUpperCase(Locale.ROOT));
    }

    // ---- durations and times ----

    /**
     * Blaxel's duration format ({@code 30s}, {@code 15m}, {@code 1h}): the largest unit that states the value exactly,
     * rounded up to whole seconds and at least one second (a zero TTL would delete the sandbox at once).
     */
    static String duration(Duration d) {
        long millis = Math.max(0, d.toMillis());
        long seconds = Math.max(1, (millis + 999) / 1000);
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    /** Whole seconds, rounded up and at least 1: Blaxel reads a process timeout of 0 as "no limit". */
    static int timeoutSeconds(Duration d) {
        long seconds = Math.max(1, (Math.max(0, d.toMillis()) + 999) / 1000);
        return (int) Math.min(Integer.MAX_VALUE, seconds);
    }

    static Instant parseInstant(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    // ---- data-plane paths and bodies ----

    /** An absolute directory without a trailing slash. */
    static String normalizeRoot(String root) {
        String r = root == null || root.isBlank() ? "/" : root.strip();
        if (!r.startsWith("/")) {
            r = "/" + r;
        }
        while (r.length() > 1 && r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }

    /**
     * Percent-encodes a path as one URL segment, '/' included: sandbox-api takes a path containing {@code %2F} as
     * given (absolute), while an unencoded path loses its leading slash and becomes relative to the server's directory.
     */
    static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    /**
     * Splits files (in path order) into tree-write bodies of at most {@code maxBytes} of JSON each. A single file larger
     * than that still goes alone in one request: the tree write cannot split a file.
     */
    static List<Map<String, String>> treeChunks(Map<String, String> files, long maxBytes) {
        List<Map<String, String>> chunks = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        long size = TREE_ENVELOPE.length();
        for (Map.Entry<String, String> e : new TreeMap<>(files).entrySet()) {
            long entry = jsonStringBytes(e.getKey()) + 1 + jsonStringBytes(e.getValue()) + 1;
            if (!current.isEmpty() && size + entry > maxBytes) {
                chunks.add(current);
                current = new LinkedHashMap<>();
                size = TREE_ENVELOPE.length();
            }
            current.put(e.getKey(), e.getValue());
            size += entry;
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }

    /** An upper bound of the bytes Jackson writes for a string as a JSON string literal, quotes included. */
    static long jsonStringBytes(String s) {
        long n = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                n += 2;
            } else if (c < 0x20) {
                n += 6;
            } else if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                // Jackson writes a character outside the BMP as two 6-byte escapes, not as 4 bytes of UTF-8.
                n += 6;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Output cut to {@code maxBytes} of UTF-8 at a character boundary. */
    record Capped(String text, boolean truncated) {
    }

    static Capped cap(String text, int maxBytes) {
        if (text == null) {
            return new Capped("", false);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return new Capped(text, false);
        }
        int cut = Math.max(0, maxBytes);
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
            cut--;
        }
        return new Capped(new String(bytes, 0, cut, StandardCharsets.UTF_8), true);
    }

    // ---- error bodies ----

    /** What an error answer says: Blaxel's {@code code} (a number, or a word such as QUOTA_EXCEEDED) and a message. */
    record ErrorBody(String code, String message) {
        boolean quotaExceeded() {
            return "QUOTA_EXCEEDED".equals(code);
        }
    }

    /**
     * Reads {@code {code?, error, message?}} (control plane) or {@code {"error"}} (data plane); an HTML page is what
     * the CloudFront edge answers when Blaxel did not answer in time, and only its gist is kept.
     */
    static ErrorBody errorBody(String body) {
        if (body == null || body.isBlank()) {
            return new ErrorBody(null, null);
        }
        String trimmed = body.strip();
        if (trimmed.startsWith("<")) {
            return new ErrorBody(null, "HTML error page from the edge (the request may still be processed)");
        }
        try {
            JsonNode node = ERRORS.readTree(trimmed);
            if (node != null && node.isObject()) {
                JsonNode code = node.get("code");
                String message = firstText(node, "message", "error");
                return new ErrorBody(code == null || code.isNull() ? null : code.asText(), shorten(message));
            }
        } catch (JsonProcessingException e) {
            // Not JSON: keep the start of the text as the message.
        }
        return new ErrorBody(null, shorten(trimmed));
    }

    private static String firstText(JsonNode node, String... fields) {
        for (String f : fields) {
            JsonNode v = node.get(f);
            if (v != null && v.isTextual() && !v.asText().isBlank()) {
                return v.asText();
            }
        }
        return null;
    }

    private static String shorten(String s) {
        return s == null || s.length() <= MAX_ERROR_MESSAGE ? s : s.substring(0, MAX_ERROR_MESSAGE) + "...";
    }
}
