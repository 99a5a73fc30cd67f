package dev.switchboard.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ManifestDiffTest {

    @Test
    void addedChangedDeletedSorted() {
        Map<String, String> from = new HashMap<>(Map.of("same", "h1", "edit/b", "h2", "edit/a", "h3", "gone/z", "h4",
                "gone/y", "h5"));
        Map<String, String> to = new HashMap<>(Map.of("same", "h1", "edit/b", "h2x", "edit/a", "h3x", "new/2", "h6",
                "new/1", "h1"));
        ManifestDiff.Diff diff = ManifestDiff.between(from, to);
        assertEquals(List.of("new/1", "new/2"), diff.added());
        assertEquals(List.of("edit/a", "edit/b"), diff.changed());
        assertEquals(List.of("gone/y", "gone/z"), diff.deleted());
    }

    @Test
    void identicalAndEmptyManifests() {
        assertTrue(ManifestDiff.between(Map.of("a", "h"), Map.of("a", "h")).isEmpty());
        assertTrue(ManifestDiff.between(Map.of(), Map.of()).isEmpty());
        assertEquals(List.of("a"), ManifestDiff.between(Map.of(), Map.of("a", "h")).added());
        assertEquals(List.of("a"), ManifestDiff.between(Map.of("a", "h"), Map.of()).deleted());
    }
}
