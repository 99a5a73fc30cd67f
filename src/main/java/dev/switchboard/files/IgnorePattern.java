package dev.switchboard.files;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One parsed gitignore(5) line, compiled to a regular expression; package-private, {@link IgnoreRules} is the API.
 * Regular expressions keep it native-image safe and make {@code **} and classes exact rather than hand-matched.
 */
record IgnorePattern(String body, boolean negated, boolean dirOnly, boolean anchored, Pattern regex) {

    /** Parses one line; null for blank lines, comments and patterns git itself would never match. */
    static IgnorePattern parse(String line) {
        String p = trimTrailingSpaces(line);
        if (p.isEmpty() || p.startsWith("#")) {
            return null;
        }
        boolean negated = p.startsWith("!");
        if (negated) {
            p = p.substring(1);
        }
        boolean dirOnly = p.endsWith("/");
        if (dirOnly) {
            p = p.substring(0, p.length() - 1);
        }
        // gitignore(5): a separator at the beginning or in the middle ties the pattern to the root.
        boolean anchored = p.indexOf('/') >= 0;
        if (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            return null;
        }
        String regex = toRegex(p);
        if (regex == null) {
            return null;
        }
        try {
            // DOTALL: U+2028 and friends are valid in paths and '.' must match them too.
            return new IgnorePattern(p, negated, dirOnly, anchored, Pattern.compile(regex, Pattern.DOTALL));
        } catch (PatternSyntaxException e) {
            return null; // a pattern git could not use either
        }
    }

    /** Whether this pattern matches {@code path} (relative, no leading '/'), a directory when {@code isDir}. */
    boolean matches(String path, boolean isDir) {
        if (dirOnly && !isDir) {
            return false;
        }
        String subject = anchored ? path : path.substring(path.lastIndexOf('/') + 1);
        return regex.matcher(subject).matches();
    }

    /** Whether the body has a character git treats as a wildcard or escape. */
    boolean hasGlob() {
        return body.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '\\');
    }

    // Ported from git's dir.c: an unescaped run of trailing spaces is dropped; "\ " keeps its space.
    private static String trimTrailingSpaces(String s) {
        int lastSpace = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ') {
                if (lastSpace < 0) {
                    lastSpace = i;
                }
            } else if (c == '\\') {
                i++;
                if (i >= s.length()) {
                    return s;
                }
                lastSpace = -1;
            } else {
                lastSpace = -1;
            }
        }
        return lastSpace >= 0 ? s.substring(0, lastSpace) : s;
    }

    private static String toRegex(String p) {
        int[] cp = p.codePoints().toArray();
        StringBuilder r = new StringBuilder();
        int i = 0;
        if (startsWith(cp, 0, "**/")) {
            r.append("(?:.*/)?");
            i = 3;
        }
        while (i < cp.length) {
            int c = cp[i];
            if (c == '/' && startsWith(cp, i, "/**") && i + 3 == cp.length) {
                r.append("/.*");
                i += 3;
            } else if (c == '/' && startsWith(cp, i, "/**/")) {
                // Zero or more directories: a/**/b matches a/b, a/x/b, a/x/y/b.
                r.append("(?:/|/.*/)");
                i += 4;
            } else if (c == '*') {
                // Any other run of asterisks is a plain '*' (gitignore(5)).
                while (i < cp.length && cp[i] == '*') {
                    i++;
                }
                r.append("[^/]*");
            } else if (c == '?') {
                r.append("[^/]");
                i++;
            } else if (c == '[') {
                int end = bracket(cp, i, r);
                if (end < 0) {
                    return null;
                }
                i = end;
            } else if (c == '\\') {
                if (i + 1 >= cp.length) {
                    return null; // a trailing backslash is an invalid pattern in git
                }
                literal(r, cp[i + 1]);
                i += 2;
            } else {
                literal(r, c);
                i++;
            }
        }
        return r.toString();
    }

    /** Appends a bracket expression starting at {@code cp[start] == '['}; answers the index after it, or -1. */
    private static int bracket(int[] cp, int start, StringBuilder r) {
        int i = start + 1;
        boolean negated = i < cp.length && (cp[i] == '!' || cp[i] == '^');
        if (negated) {
            i++;
        }
        StringBuilder cls = new StringBuilder();
        boolean first = true;
        while (i < cp.length && (cp[i] != ']' || first)) {
            first = false;
            if (cp[i] == '[' && i + 1 < cp.length && cp[i + 1] == ':') {
                int close = indexOf(cp, i + 2, ":]");
                String name = close < 0 ? null : posixClass(new String(cp, i + 2, close - i - 2));
                if (name == null) {
                    return -1;
                }
                cls.append(name);
                i = close + 2;
                continue;
            }
            int lo = cp[i];
            if (lo == '\\' && i + 1 < cp.length) {
                lo = cp[++i];
            }
            i++;
            if (i + 1 < cp.length && cp[i] == '-' && cp[i + 1] != ']') {
                int hi = cp[i + 1];
                i += 2;
                if (hi == '\\' && i < cp.length) {
                    hi = cp[i++];
                }
                // git's wildmatch has already matched lo on its own; a reversed range adds nothing to it.
                cls.append(hex(lo));
                if (lo < hi) {
                    cls.append('-').append(hex(hi));
                }
            } else {
                cls.append(hex(lo));
            }
        }
        if (i >= cp.length) {
            return -1; // unclosed '[': git's wildmatch matches nothing
        }
        // A class never matches '/', even if a range spans it.
        r.append("(?!/)[").append(negated ? "^" : "").append(cls).append(']');
        return i + 1;
    }

    private static String posixClass(String name) {
        return switch (name) {
            case "alnum" -> "\\p{Alnum}";
            case "alpha" -> "\\p{Alpha}";
            case "blank" -> "\\p{Blank}";
            case "cntrl" -> "\\p{Cntrl}";
            case "digit" -> "\\p{Digit}";
            case "graph" -> "\\p{Graph}";
            case "lower" -> "\\p{Lower}";
            case "print" -> "\\p{Print}";
            case "punct" -> "\\p{Punct}";
            case "space" -> "\\s";
            case "upper" -> "\\p{Upper}";
            case "xdigit" -> "\\p{XDigit}";
            default -> null;
        };
    }

    private static void literal(StringBuilder r, int c) {
        if (Character.isLetterOrDigit(c) || c == '_') {
            r.appendCodePoint(c);
        } else {
            r.append(hex(c));
        }
    }

    private static String hex(int c) {
        return "\\x{" + Integer.toHexString(c) + "}";
    }

    private static boolean startsWith(int[] cp, int at, String s) {
        if (at + s.length() > cp.length) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (cp[at + k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(int[] cp, int from, String s) {
        for (int k = from; k < cp.length; k++) {
            if (startsWith(cp, k, s)) {
                return k;
            }
        }
        return -1;
    }
}
