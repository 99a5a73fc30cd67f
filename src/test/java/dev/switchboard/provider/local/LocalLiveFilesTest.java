package dev.switchboard.provider.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/** The live-sandbox file calls of the local provider on a real directory, with symlinks planted to escape it. */
class LocalLiveFilesTest {

    @TempDir
    Path tmp;

    Path files;
    Path outside;

    @BeforeEach
    void dirs() throws Exception {
        files = Files.createDirectory(tmp.resolve("files")).toRealPath();
        outside = Files.createDirectory(tmp.resolve("outside")).toRealPath();
        Files.writeString(outside.resolve("secret.txt"), "secret");
    }

    @Test
    void writeListReadDeleteRoundTripBytesAndCreateParents() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        LocalLiveFiles.write(files, "src/deep/all.bin", all);
        LocalLiveFiles.write(files, "a b [id].txt", "x".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(all, LocalLiveFiles.read(files, "src/deep/all.bin", 1000));

        List<DirEntry> root = LocalLiveFiles.list(files, "", 100);
        assertEquals(List.of("a b [id].txt", "src"), root.stream().map(DirEntry::path).toList());
        assertEquals(1L, root.get(0).size());
        assertFalse(root.get(0).directory());
        assertTrue(root.get(1).directory());
        assertNull(root.get(1).size());
        DirEntry deep = LocalLiveFiles.list(files, "src/deep", 100).get(0);
        assertEquals("src/deep/all.bin", deep.path());
        assertEquals(256L, deep.size());

        LocalLiveFiles.write(files, "src/deep/all.bin", new byte[] { 1 });
        assertArrayEquals(new byte[] { 1 }, LocalLiveFiles.read(files, "src/deep/all.bin", 1000));
        assertTrue(LocalLiveFiles.delete(files, "src"));
        assertFalse(Files.exists(files.resolve("src")));
        assertFalse(LocalLiveFiles.delete(files, "src"));
        assertFalse(LocalLiveFiles.delete(files, "no/such/file"));
    }

    @Test
    void missingTooLargeAndWrongKindsAreTyped() throws Exception {
        LocalLiveFiles.write(files, "dir/f.txt", "12345".getBytes(StandardCharsets.UTF_8));
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.read(files, "nope.txt", 10));
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.read(files, "dir", 10));
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.list(files, "dir/f.txt", 10));
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.list(files, "nope", 10));
        assertKind(Kind.TOO_LARGE, () -> LocalLiveFiles.read(files, "dir/f.txt", 4));
        assertKind(Kind.TOO_LARGE, () -> LocalLiveFiles.list(files, "", 0));
        assertKind(Kind.CONFLICT, () -> LocalLiveFiles.write(files, "dir", new byte[1]));
        assertKind(Kind.CONFLICT, () -> LocalLiveFiles.write(files, "dir/f.txt/x", new byte[1]));
        assertKind(Kind.BAD_REQUEST, () -> LocalLiveFiles.read(files, "../outside/secret.txt", 100));
        assertKind(Kind.BAD_REQUEST, () -> LocalLiveFiles.write(files, "/etc/x", new byte[1]));
    }

    @Test
    void aSymlinkedDirectoryIsNeverFollowedOutOfTheTree() throws Exception {
        Files.createSymbolicLink(files.resolve("x"), outside);
        Files.createDirectories(files.resolve("a"));
        Files.createSymbolicLink(files.resolve("a/b"), outside);

        for (String dir : List.of("x", "a/b")) {
            assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.list(files, dir, 100));
            assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.read(files, dir + "/secret.txt", 100));
            assertKind(Kind.CONFLICT, () -> LocalLiveFiles.write(files, dir + "/planted.txt", new byte[1]));
            assertKind(Kind.CONFLICT, () -> LocalLiveFiles.write(files, dir + "/new/planted.txt", new byte[1]));
            assertFalse(LocalLiveFiles.delete(files, dir + "/secret.txt"));
        }
        assertFalse(Files.exists(outside.resolve("planted.txt")));
        assertFalse(Files.exists(outside.resolve("new")));
        assertEquals("secret", Files.readString(outside.resolve("secret.txt")));

        // The link itself is listed as a file and deleted as a link, its target untouched.
        DirEntry link = LocalLiveFiles.list(files, "", 100).stream().filter(e -> e.path().equals("x")).findFirst().orElseThrow();
        assertFalse(link.directory());
        assertTrue(LocalLiveFiles.delete(files, "x"));
        assertTrue(LocalLiveFiles.delete(files, "a"));
        assertEquals("secret", Files.readString(outside.resolve("secret.txt")));
    }

    @Test
    void aSymlinkedFileIsNeitherReadNorWrittenThrough() throws Exception {
        Files.createSymbolicLink(files.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(files.resolve("s.txt"), outside.resolve("secret.txt"));
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.read(files, "passwd", 1_000_000));
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.read(files, "s.txt", 100));
        assertKind(Kind.CONFLICT, () -> LocalLiveFiles.write(files, "s.txt", "overwritten".getBytes(StandardCharsets.UTF_8)));
        assertEquals("secret", Files.readString(outside.resolve("secret.txt")));
        assertTrue(LocalLiveFiles.delete(files, "s.txt"));
        assertTrue(Files.exists(outside.resolve("secret.txt")));
    }

    @Test
    void aTreeHoldingALinkToAnotherTreeIsDeletedWithoutTouchingThatTree() throws Exception {
        Files.createDirectories(files.resolve("d/e"));
        Files.writeString(files.resolve("d/e/f.txt"), "f");
        Files.createSymbolicLink(files.resolve("d/e/other"), outside);
        assertTrue(LocalLiveFiles.delete(files, "d"));
        assertFalse(Files.exists(files.resolve("d")));
        assertEquals("secret", Files.readString(outside.resolve("secret.txt")));
    }

    @Test
    void aFifoIsNotOpened() throws Exception {
        Path fifo = files.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertKind(Kind.NOT_FOUND, () -> LocalLiveFiles.read(files, "pipe", 100));
    }

    private static void assertKind(Kind kind, Executable call) {
        ProviderException e = assertThrows(ProviderException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
    }
}
