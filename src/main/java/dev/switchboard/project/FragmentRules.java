package dev.switchboard.project;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;

/**
 * Checks a fragment's files before anything is stored (invariant 7): safe relative paths, and the count and size
 * limits. Paths must stay inside the sandbox's project root on every provider, so the rules are strict.
 */
@ApplicationScoped
public class FragmentRules {

    private final SwitchboardConfig.Limits limits;

    public FragmentRules(SwitchboardConfig config) {
        this.limits = config.limits();
    }

    /** Validates the files and answers their total size in UTF-8 bytes. */
    public long check(Map<String, String> files) {
        if (files == null) {
            throw ProblemException.badRequest("files: must not be null");
        }
        if (files.size() > limits.maxFiles()) {
            throw ProblemException.tooLarge("A fragment holds at most " + limits.maxFiles() + " files; this one has " + files.size());
        }
        long total = 0;
        long maxFile = limits.maxFileBytes().asLongValue();
        for (Map.Entry<String, String> e : files.entrySet()) {
            String path = e.getKey();
            checkPath(path);
            if (e.getValue() == null) {
                throw ProblemException.badRequest("files: the content of '" + path + "' must be a string, not null");
            }
            long bytes = utf8Length(e.getValue());
            if (bytes > maxFile) {
                throw ProblemException.tooLarge("File '" + path + "' has " + bytes + " bytes; the limit is " + maxFile);
            }
            total += bytes;
        }
        long maxTotal = limits.maxFragmentBytes().asLongValue();
        if (total > maxTotal) {
            throw ProblemException.tooLarge("The fragment has " + total + " bytes; the limit is " + maxTotal);
        }
        checkNoFileIsAlsoADirectory(files.keySet());
        return total;
    }

    void checkPath(String path) {
        if (path == null || path.isEmpty()) {
            throw ProblemException.badRequest("files: a path must not be empty");
        }
        String shown = printable(path);
        if (path.length() > limits.maxPathLength()) {
            throw ProblemException.badRequest("files: path '" + shown.substring(0, 40) + "...' is longer than "
                    + limits.maxPathLength() + " characters");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw ProblemException.badRequest("files: path '" + shown + "' contains a control character");
            }
            if (c == '\\') {
                throw ProblemException.badRequest("files: path '" + shown + "' contains a backslash; use '/'");
            }
            if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ProblemException.badRequest("files: path '" + shown + "' is not valid Unicode");
            }
        }
        if (path.startsWith("/") || path.startsWith("~") || path.matches("^[A-Za-z]:.*")) {
            throw ProblemException.badRequest("files: path '" + shown + "' must be relative to the project root");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw ProblemException.badRequest("files: path '" + shown
                        + "' must not have empty, '.' or '..' segments");
            }
        }
    }

    private static void checkNoFileIsAlsoADirectory(Set<String> paths) {
        Set<String> dirs = new HashSet<>();
        for (String p : paths) {
            for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                dirs.add(p.substring(0, i));
            }
        }
        for (String p : paths) {
            if (dirs.contains(p)) {
                throw ProblemException.badRequest("files: '" + printable(p) + "' is both a file and a directory");
            }
        }
    }

    public static long utf8Length(String s) {
        // Counting avoids allocating a byte copy of up to 5 MiB per file.
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static String printable(String path) {
        StringBuilder b = new StringBuilder();
        path.codePoints().limit(200).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
