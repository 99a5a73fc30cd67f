package dev.switchboard.files;

import java.util.ArrayList;
import java.util.List;

/**
 * Which paths save-back never stores: the configured patterns, which always win, then the project's root
 * {@code .gitignore}, both with gitignore(5) semantics.
 */
public final class IgnoreRules {

    /** The default of {@code switchboard.save-back.ignore}. */
    public static final List<String> DEFAULT_PATTERNS = List.of("node_modules/", ".git/", ".next/", "dist/", "build/",
            ".cache/", "__pycache__/", ".venv/", "target/");

    /**
     * What a scan may skip without listing it: directory names for {@code find -name} and root-relative directory
     * paths. Only a hint; the listing is still filtered with {@link #ignored(String)}.
     */
    public record ScanPrune(List<String> names, List<String> paths) {
        public ScanPrune {
            names = List.copyOf(names);
            paths = List.copyOf(paths);
        }
    }

    private final List<IgnorePattern> configured;
    private final List<IgnorePattern> gitignore;

    private IgnoreRules(List<IgnorePattern> configured, List<IgnorePattern> gitignore) {
        this.configured = configured;
        this.gitignore = gitignore;
    }

    /** Rules from the configured patterns and the text of the root {@code .gitignore} (null when there is none). */
    public static IgnoreRules of(List<String> configured, String gitignore) {
        List<IgnorePattern> conf = new ArrayList<>();
        if (configured != null) {
            for (String line : configured) {
                add(conf, line);
            }
        }
        List<IgnorePattern> git = new ArrayList<>();
        if (gitignore != null) {
            String text = gitignore.startsWith("\uFEFF") ? gitignore.substring(1) : gitignore;
            for (String line : text.split("\r?\n", -1)) {
                add(git, line);
            }
        }
        return new IgnoreRules(List.copyOf(conf), List.copyOf(git));
    }

    /** Whether save-back skips this file path (relative to the project root). */
    public boolean ignored(String path) {
        // Two independent sets, so a .gitignore '!node_modules/' cannot undo a configured 'node_modules/'.
        return ignored(configured, path) || ignored(gitignore, path);
    }

    /** Directories the scan may skip whole, derived only from the configured patterns. */
    public ScanPrune prune() {
        List<String> names = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        // A negation could re-include something under a pruned directory's name elsewhere; pruning is then unsafe.
        if (configured.stream().anyMatch(IgnorePattern::negated)) {
            return new ScanPrune(names, paths);
        }
        for (IgnorePattern p : configured) {
            if (!p.dirOnly()) {
                continue;
            }
            if (!p.anchored()) {
                names.add(p.body());
            } else if (!p.hasGlob()) {
                paths.add(p.body());
            }
        }
        return new ScanPrune(names, paths);
    }

    private static void add(List<IgnorePattern> into, String line) {
        IgnorePattern p = IgnorePattern.parse(line);
        if (p != null) {
            into.add(p);
        }
    }

    private static boolean ignored(List<IgnorePattern> patterns, String path) {
        if (patterns.isEmpty()) {
            return false;
        }
        // git cannot re-include a file whose parent directory is excluded, so an ignored parent settles it.
        for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
            if (lastMatchExcludes(patterns, path.substring(0, i), true)) {
                return true;
            }
        }
        return lastMatchExcludes(patterns, path, false);
    }

    private static boolean lastMatchExcludes(List<IgnorePattern> patterns, String path, boolean isDir) {
        for (int i = patterns.size() - 1; i >= 0; i--) {
            IgnorePattern p = patterns.get(i);
            if (p.matches(path, isDir)) {
                return !p.negated();
            }
        }
        return false;
    }
}
