package dev.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan and archive commands run for real in bash, as they do in an E2B or Blaxel sandbox. */
class RemoteFilesTest {

    @TempDir
    Path root;

    private static final ScanSpec SCAN = new ScanSpec(List.of("node_modules", ".git"), List.of("build"), 100, 1000);

    @Test
    void scanListsFilesWithSizesModesAndHashesAndPrunesIgnoredDirectories() throws Exception {
        byte[] binary = new byte[256];
        for (int i = 0; i < 256; i++) {
            binary[i] = (byte) i;
        }
        write("src/app.js", "console.log(1)\n".getBytes(StandardCharsets.UTF_8));
        write("a\"b.txt", "q".getBytes(StandardCharsets.UTF_8));
        write("[id].tsx", "x".getBytes(StandardCharsets.UTF_8));
        write("x y/ünï.txt", "u".getBytes(StandardCharsets.UTF_8));
        write("bin.dat", binary);
        write("run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(root.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        write("big.txt", new byte[2000]);
        write("node_modules/x/index.js", "m".getBytes(StandardCharsets.UTF_8));
        write("src/node_modules/y.js", "m".getBytes(StandardCharsets.UTF_8));
        write("build/out.js", "b".getBytes(StandardCharsets.UTF_8));
        write("src/build/kept.js", "k".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(root.resolve("link"), Path.of("/etc/passwd"));

        FileListing listing = RemoteFiles.parseScan(bash(RemoteFiles.scanCommand(root.toString(), SCAN)), 100);
        Map<String, FileEntry> byPath = listing.entries().stream().collect(Collectors.toMap(FileEntry::path, e -> e));
        assertEquals(java.util.Set.of("src/app.js", "a\"b.txt", "[id].tsx", "x y/ünï.txt", "bin.dat", "run.sh", "big.txt",
                "src/build/kept.js", "link"), byPath.keySet());
        assertFalse(listing.truncated());
        assertEquals(sha256(binary), byPath.get("bin.dat").sha256());
        assertEquals(256, byPath.get("bin.dat").size());
        assertTrue(byPath.get("run.sh").executable());
        assertFalse(byPath.get("src/app.js").executable());
        assertNull(byPath.get("big.txt").sha256(), "over hashMaxBytes: no hash");
        assertEquals(FileEntry.Type.SYMLINK, byPath.get("link").type());
        assertNotNull(byPath.get("a\"b.txt").sha256());
    }

    @Test
    void scanStopsAtMaxEntriesAndAMissingRootIsEmpty() throws Exception {
        for (int i = 0; i < 12; i++) {
            write("f" + i, new byte[0]);
        }
        FileListing listing = RemoteFiles.parseScan(bash(RemoteFiles.scanCommand(root.toString(),
                new ScanSpec(List.of(), List.of(), 10, 100))), 10);
        assertEquals(10, listing.entries().size());
        assertTrue(listing.truncated());
        assertEquals(0, RemoteFiles.parseScan(bash(RemoteFiles.scanCommand(root.resolve("nope").toString(), SCAN)), 10)
                .entries().size());
    }

    @Test
    void archiveHoldsTheAskedFilesAndReadingItHonoursTheCaps() throws Exception {
        write("a\"b.txt", "quote".getBytes(StandardCharsets.UTF_8));
        write("x y/ünï.txt", "unicode".getBytes(StandardCharsets.UTF_8));
        write("run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(root.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        write("large.bin", new byte[5000]);
        String archive = RemoteFiles.newArchivePath();
        List<String> wanted = List.of("a\"b.txt", "x y/ünï.txt", "run.sh", "missing.txt", "large.bin");
        bash(RemoteFiles.archiveCommand(root.toString(), wanted, archive));
        try {
            Map<String, FileData> files = RemoteFiles.readArchive(Path.of(archive), wanted, 1000, 1_000_000);
            assertEquals(List.of("a\"b.txt", "x y/ünï.txt", "run.sh"), List.copyOf(files.keySet()));
            assertArrayEquals("unicode".getBytes(StandardCharsets.UTF_8), files.get("x y/ünï.txt").content());
            assertTrue(files.get("run.sh").executable());
            assertEquals(List.of("a\"b.txt"), List.copyOf(RemoteFiles.readArchive(Path.of(archive), wanted, 1000, 11).keySet()),
                    "the total cap stops adding files");
        } finally {
            Files.deleteIfExists(Path.of(archive));
        }
    }

    private void write(String path, byte[] content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
    }

    private static String bash(String command) throws Exception {
        Process p = new ProcessBuilder("/bin/bash", "-c", command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
