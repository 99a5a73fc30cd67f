package dev.switchboard.files;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import dev.switchboard.common.ProblemException;

/**
 * The one rule for a file's path inside a project, shared by the API, the archive reader, save-back and every provider.
 * Strict only where a path could escape the project root or break a provider; everything else is a valid name.
 */
public final class ProjectPath {

    /** Counted in code points, so a path of emoji is not penalised for its UTF-16 length. */
    public static final int MAX_CODE_POINTS = 512;
    /** Most file systems (ext4, APFS, NTFS via UTF-8) cap a name at 255 bytes. */
    public static final int MAX_SEGMENT_BYTES = 255;

    private static final int SHOWN_CODE_POINTS = 200;

    private ProjectPath() {
    }

    /** Throws a 400 naming the path and the broken rule unless {@code path} is valid. */
    public static void check(String path) {
        String reason = problem(path);
        if (reason != null) {
            throw ProblemException.badRequest(path == null || path.isEmpty()
                    ? "A path " + reason
                    : "Path '" + printable(path) + "' " + reason);
        }
    }

    /** Answers null for a valid path, else a short reason; save-back uses it to skip a file without failing. */
    public static String problem(String path) {
        if (path == null || path.isEmpty()) {
            return "must not be empty";
        }
        int codePoints = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "is not valid Unicode (it holds a lone surrogate)";
            } else if (Character.getType(c) == Character.CONTROL) {
                return "contains a control character";
            } else if (c == '\\') {
                // A separator on Windows and an escape in shells: refused so no layer reads it as either.
                return "contains a backslash; use '/'";
            }
            codePoints++;
        }
        if (path.charAt(0) == '/') {
            return "must be relative to the project root (no leading '/')";
        }
        if (codePoints > MAX_CODE_POINTS) {
            return "is longer than " + MAX_CODE_POINTS + " characters";
        }
        int start = 0;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = path.substring(start, end);
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "must not have empty, '.' or '..' segments";
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "has a segment longer than " + MAX_SEGMENT_BYTES + " bytes in UTF-8";
            }
            start = end + 1;
        }
        return null;
    }

    /** Throws a 400 when a path is both a file and the parent directory of another: no file system holds both. */
    public static void checkNoFileIsAlsoADirectory(Collection<String> paths) {
        Set<String> dirs = new HashSet<>();
        for (String p : paths) {
            for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                dirs.add(p.substring(0, i));
            }
        }
        for (String p : paths) {
            if (dirs.contains(p)) {
                throw ProblemException.badRequest("Path '" + printable(p) + "' is both a file and a directory");
            }
        }
    }

    /** The path as safe to put in a message or a log: control characters and lone surrogates escaped, cut at 200. */
    public static String printable(String path) {
        if (path == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        int[] shown = path.codePoints().limit(SHOWN_CODE_POINTS + 1L).toArray();
        for (int i = 0; i < Math.min(shown.length, SHOWN_CODE_POINTS); i++) {
            int cp = shown[i];
            if (Character.getType(cp) == Character.CONTROL || Character.getType(cp) == Character.SURROGATE) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        }
        if (shown.length > SHOWN_CODE_POINTS) {
            b.append("...");
        }
        return b.toString();
    }
}
