package dev.switchboard.provider;

import java.util.List;

/**
 * How to scan a sandbox's project root for save-back.
 *
 * @param pruneNames   directory names (globs as {@code find -name} takes them) not descended into at any depth,
 *                     e.g. {@code node_modules}, {@code .git}
 * @param prunePaths   directory paths relative to the project root (no leading '/') not descended into
 * @param maxEntries   stop after this many non-directory entries and answer {@code truncated}
 * @param hashMaxBytes regular files up to this size get their SHA-256 in the answer; larger ones none
 */
public record ScanSpec(List<String> pruneNames, List<String> prunePaths, int maxEntries, long hashMaxBytes) {

    public ScanSpec {
        pruneNames = List.copyOf(pruneNames);
        prunePaths = List.copyOf(prunePaths);
    }
}
