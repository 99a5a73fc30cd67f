package dev.switchboard.provider.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;

/** The local provider's file operations on a real directory: bytes, odd names, exec bits, pruning, caps. */
class LocalFilesTest {

    static final List<String> ODD_NAMES = List.of("a\"b.txt", "[id].tsx", "x y.txt", "ünï.txt", "(group)/page.tsx",
            "@scope/pkg/index.js", "it's.txt", "~tilde", "emoji-😀.md");

    @TempDir
    Path dir;

    @Test
    void bytesOddNamesAndExecutableBitsRoundTrip() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        List<FileData> files = new ArrayList<>();
        files.add(new FileData("bin/all.bin", all, false));
        files.add(new FileData("run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), true));
        files.add(new FileData("nul.txt", "a\u0000b".getBytes(StandardCharsets.UTF_8), false));
        ODD_NAMES.forEach(n -> files.add(new FileData(n, n.getBytes(StandardCharsets.UTF_8), false)));
        assertEquals(List.of(), LocalFiles.write(dir, files));

        FileListing listing = LocalFiles.list(dir, new ScanSpec(List.of(), List.of(), 100, 1_000_000));
        Map<String, FileEntry> byPath = listing.entries().stream().collect(Collectors.toMap(FileEntry::path, e -> e));
        assertEquals(files.size(), byPath.size());
        assertTrue(byPath.get("run.sh").executable());
        assertFalse(byPath.get("bin/all.bin").executable());
        assertEquals(dev.switchboard.files.Hashes.sha256(all), byPath.get("bin/all.bin").sha256());

        Map<String, FileData> read = LocalFiles.read(dir, files.stream().map(FileData::path).toList(), 1_000_000, 10_000_000);
        assertEquals(files.size(), read.size());
        for (FileData f : files) {
            assertArrayEquals(f.content(), read.get(f.path()).content(), f.path());
            assertEquals(f.executable(), read.get(f.path()).executable(), f.path());
        }
    }

    @Test
    void oneUnwritableFileIsSkippedAndTheOthersLand() throws Exception {
        List<SkippedFile> skipped = LocalFiles.write(dir, List.of(
                new FileData("a", "file".getBytes(StandardCharsets.UTF_8), false),
                new FileData("a/b.txt", "through a file".getBytes(StandardCharsets.UTF_8), false),
                new FileData("c.txt", "fine".getBytes(StandardCharsets.UTF_8), false)));
        assertEquals(1, skipped.size());
        assertEquals("a/b.txt", skipped.get(0).path());
        assertEquals("fine", Files.readString(dir.resolve("c.txt")));
    }

    @Test
    void scanPrunesIgnoredDirectoriesReportsLinksAndStopsAtItsLimit() throws Exception {
        LocalFiles.write(dir, List.of(new FileData("node_modules/x/i.js", new byte[1], false),
                new FileData("src/node_modules/y.js", new byte[1], false), new FileData("build/o.js", new byte[1], false),
                new FileData("src/build/k.js", new byte[1], false), new FileData("src/app.js", new byte[3], false),
                new FileData("big.bin", new byte[5000], false)));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc/passwd"));
        FileListing listing = LocalFiles.list(dir, new ScanSpec(List.of("node_modules"), List.of("build"), 100, 1000));
        Map<String, FileEntry> byPath = listing.entries().stream().collect(Collectors.toMap(FileEntry::path, e -> e));
        assertEquals(java.util.Set.of("src/build/k.js", "src/app.js", "big.bin", "link"), byPath.keySet());
        assertEquals(FileEntry.Type.SYMLINK, byPath.get("link").type());
        assertNull(byPath.get("big.bin").sha256(), "larger than hashMaxBytes");
        FileListing capped = LocalFiles.list(dir, new ScanSpec(List.of(), List.of(), 3, 1000));
        assertEquals(3, capped.entries().size());
        assertTrue(capped.truncated());
    }

    @Test
    void readsHonourTheCapsAndNeverFollowLinks() throws Exception {
        LocalFiles.write(dir, List.of(new FileData("a", new byte[10], false), new FileData("b", new byte[10], false),
                new FileData("c", new byte[100], false)));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc/passwd"));
        assertEquals(List.of("a"), List.copyOf(LocalFiles.read(dir, List.of("a", "c", "link", "missing"), 50, 1000).keySet()));
        assertEquals(List.of("a"), List.copyOf(LocalFiles.read(dir, List.of("a", "b"), 50, 15).keySet()), "total cap");
    }
}
