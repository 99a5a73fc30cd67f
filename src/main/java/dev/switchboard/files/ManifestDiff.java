package dev.switchboard.files;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What changed between two fragment manifests, by path and content hash (the executable bit is not compared). */
public final class ManifestDiff {

    /** Sorted path lists, so a diff compares and prints the same every time. */
    public record Diff(List<String> added, List<String> changed, List<String> deleted) {
        public Diff {
            added = List.copyOf(added);
            changed = List.copyOf(changed);
            deleted = List.copyOf(deleted);
        }

        public boolean isEmpty() {
            return added.isEmpty() && changed.isEmpty() && deleted.isEmpty();
        }
    }

    private ManifestDiff() {
    }

    /** The diff from one manifest (path to hash) to another. */
    public static Diff between(Map<String, String> fromPathToHash, Map<String, String> toPathToHash) {
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (Map.Entry<String, String> e : toPathToHash.entrySet()) {
            if (!fromPathToHash.containsKey(e.getKey())) {
                added.add(e.getKey());
            } else if (!Objects.equals(fromPathToHash.get(e.getKey()), e.getValue())) {
                changed.add(e.getKey());
            }
        }
        for (String path : fromPathToHash.keySet()) {
            if (!toPathToHash.containsKey(path)) {
                deleted.add(path);
            }
        }
        added.sort(null);
        changed.sort(null);
        deleted.sort(null);
        return new Diff(added, changed, deleted);
    }
}
