package dev.switchboard.files;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.SkippedFile;

/**
 * What a save-back stores, decided from a scan of the sandbox and the manifest it was restored from: ignored files
 * are dropped unseen; files that break a rule or a limit are skipped and reported; unchanged files carry over by
 * hash; only new and changed files are read. The budget goes to the smallest files first, so a small source file
 * is never dropped because large files came before it.
 */
public record SaveBackPlan(List<ManifestEntry> carried, List<FileEntry> toRead, List<SkippedFile> skipped, boolean changed) {

    /** The fragment limits a save-back stays within. */
    public record Limits(int maxFiles, long maxFileBytes, long maxTotalBytes) {
    }

    public static SaveBackPlan of(List<ManifestEntry> base, FileListing listing, IgnoreRules ignore, Limits limits) {
        List<SkippedFile> skipped = new ArrayList<>();
        List<FileEntry> candidates = new ArrayList<>();
        for (FileEntry e : listing.entries()) {
            if (ignore.ignored(e.path())) {
                continue;
            }
            String problem = ProjectPath.problem(e.path());
            if (problem != null) {
                skipped.add(new SkippedFile(e.path(), "invalid-name: " + problem));
            } else if (e.type() == FileEntry.Type.SYMLINK) {
                skipped.add(new SkippedFile(e.path(), "symlink"));
            } else if (e.type() != FileEntry.Type.FILE) {
                skipped.add(new SkippedFile(e.path(), "not-a-regular-file"));
            } else if (e.size() > limits.maxFileBytes()) {
                skipped.add(new SkippedFile(e.path(), "too-large: " + e.size() + " bytes, the limit is " + limits.maxFileBytes()));
            } else {
                candidates.add(e);
            }
        }
        if (listing.truncated()) {
            skipped.add(new SkippedFile("*", "scan-limit: the sandbox holds more files than one scan reads"));
        }
        candidates.sort(Comparator.comparingLong(FileEntry::size).thenComparing(FileEntry::path));
        Map<String, ManifestEntry> before = new HashMap<>();
        base.forEach(m -> before.put(m.path(), m));
        List<ManifestEntry> carried = new ArrayList<>();
        List<FileEntry> toRead = new ArrayList<>();
        long total = 0;
        int count = 0;
        for (FileEntry e : candidates) {
            if (count >= limits.maxFiles()) {
                skipped.add(new SkippedFile(e.path(), "over-file-limit: a fragment holds at most " + limits.maxFiles() + " files"));
                continue;
            }
            if (total + e.size() > limits.maxTotalBytes()) {
                skipped.add(new SkippedFile(e.path(), "over-fragment-limit: a fragment holds at most " + limits.maxTotalBytes() + " bytes"));
                continue;
            }
            count++;
            total += e.size();
            ManifestEntry old = before.get(e.path());
            if (old != null && e.sha256() != null && e.sha256().equals(old.hash())) {
                carried.add(new ManifestEntry(e.path(), old.hash(), old.size(), e.executable()));
            } else {
                toRead.add(e);
            }
        }
        boolean changed = !toRead.isEmpty() || carried.size() != base.size()
                || carried.stream().anyMatch(c -> before.get(c.path()).executable() != c.executable());
        return new SaveBackPlan(carried, toRead, skipped, changed);
    }

    /** Bytes of the carried files: what is left of the budget goes to the files read. */
    public long carriedBytes() {
        return carried.stream().mapToLong(ManifestEntry::size).sum();
    }
}
