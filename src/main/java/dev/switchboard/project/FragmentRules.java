package dev.switchboard.project;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.ProjectPath;

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
        ProjectPath.checkNoFileIsAlsoADirectory(files.keySet());
        return total;
    }

    void checkPath(String path) {
        ProjectPath.check(path);
        // The configured limit may be stricter than ProjectPath's own.
        int length = path.codePointCount(0, path.length());
        if (length > limits.maxPathLength()) {
            throw ProblemException.badRequest("files: path '" + ProjectPath.printable(path) + "' is longer than "
                    + limits.maxPathLength() + " characters");
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
}
