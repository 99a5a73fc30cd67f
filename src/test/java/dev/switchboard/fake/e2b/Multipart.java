package dev.switchboard.fake.e2b;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict multipart/form-data reader, flat parts only as Go's {@code mime/multipart} (and so envd) reads them: parts
 * folded into {@code multipart/mixed} show up as one part without a filename.
 */
final class Multipart {

    /** One part: its form name, the raw filename (null when absent), its content type and bytes. */
    record Part(String name, String filename, String contentType, byte[] content) {
    }

    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    private static final Pattern PARAM = Pattern.compile(";\\s*([A-Za-z*-]+)\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^;]*)");

    private Multipart() {
    }

    /** The boundary of a {@code multipart/form-data} content type, or null when the type is anything else. */
    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        Map<String, String> params = params(contentType);
        String b = params.get("boundary");
        return b == null || b.isEmpty() ? null : b;
    }

    static List<Part> parse(byte[] body, String boundary) throws MalformedException {
        byte[] first = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, first, 0);
        if (pos < 0) {
            throw new MalformedException("multipart: NextPart: EOF");
        }
        pos += first.length;
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, pos, "--")) {
                return parts;
            }
            if (!startsWith(body, pos, "\r\n")) {
                throw new MalformedException("multipart: boundary not followed by CRLF");
            }
            pos += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) {
                throw new MalformedException("multipart: unterminated part headers");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new MalformedException("multipart: malformed header line");
                }
                headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            int contentStart = headersEnd + 4;
            int contentEnd = indexOf(body, next, contentStart);
            if (contentEnd < 0) {
                throw new MalformedException("multipart: part without closing boundary");
            }
            String disposition = headers.get("content-disposition");
            if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
                throw new MalformedException("multipart: part without form-data disposition");
            }
            Map<String, String> params = params(disposition);
            String filename = params.get("filename*") != null ? rfc2231(params.get("filename*")) : params.get("filename");
            parts.add(new Part(params.get("name"), filename, headers.get("content-type"),
                    Arrays.copyOfRange(body, contentStart, contentEnd)));
            pos = contentEnd + next.length;
        }
    }

    private static Map<String, String> params(String header) {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(header);
        while (m.find()) {
            String value = m.group(2).strip();
            if (value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2) {
                value = value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1");
            }
            params.put(m.group(1).toLowerCase(Locale.ROOT), value);
        }
        return params;
    }

    private static String rfc2231(String value) {
        int quote = value.indexOf("''");
        String encoded = quote >= 0 ? value.substring(quote + 2) : value;
        return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] data, int pos, String text) {
        byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
        if (pos + t.length > data.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            if (data[pos + i] != t[i]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
