package dev.switchboard.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;

import dev.switchboard.common.ProblemException;
import dev.switchboard.files.FragmentArchive.ArchiveFile;
import dev.switchboard.files.FragmentArchive.Limits;

class FragmentArchiveTest {

    private static final Limits ROOMY = new Limits(100, 10L << 20, 20L << 20);
    private static final Instant MTIME = Instant.parse("2025-01-02T03:04:05Z");

    private static byte[] written(List<ArchiveFile> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FragmentArchive.write(files, MTIME, out);
        return out.toByteArray();
    }

    /** A hand-made archive, for what write() never produces. */
    private interface Entries {
        void add(TarArchiveOutputStream tar) throws IOException;
    }

    private static byte[] raw(Entries entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            entries.add(tar);
        }
        return out.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void special(TarArchiveOutputStream tar, String name, byte flag) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
        if (flag == TarConstants.LF_SYMLINK || flag == TarConstants.LF_LINK) {
            e.setLinkName("../../etc/passwd");
        }
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static ProblemException refused(byte[] archive, Limits limits, int status, String inMessage) {
        ProblemException e = assertThrows(ProblemException.class,
                () -> FragmentArchive.read(new ByteArrayInputStream(archive), limits));
        assertEquals(status, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains(inMessage), e.getMessage());
        return e;
    }

    @Test
    void roundTripKeepsBytesNamesAndTheExecutableBit() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        String longName = "deep/" + "d".repeat(200) + "/" + "n".repeat(94);
        assertEquals(300, longName.length());
        List<ArchiveFile> files = List.of(new ArchiveFile("bin/all.bytes", all, false),
                new ArchiveFile("empty", new byte[0], false),
                new ArchiveFile("ünï/çødé \uD83D\uDE00 [id].tsx", "x".getBytes(StandardCharsets.UTF_8), false),
                new ArchiveFile(longName, "long".getBytes(StandardCharsets.UTF_8), false),
                new ArchiveFile("run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), true));
        List<ArchiveFile> back = FragmentArchive.read(new ByteArrayInputStream(written(files)), ROOMY);
        assertEquals(files.size(), back.size());
        for (int i = 0; i < files.size(); i++) {
            assertEquals(files.get(i).path(), back.get(i).path());
            assertArrayEquals(files.get(i).content(), back.get(i).content());
            assertEquals(files.get(i).executable(), back.get(i).executable(), files.get(i).path());
        }
    }

    @Test
    void writesModesAndMtime() throws IOException {
        byte[] archive = written(
                List.of(new ArchiveFile("a", new byte[1], false), new ArchiveFile("b", new byte[1], true)));
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GzipCompressorInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry a = tar.getNextEntry();
            assertEquals(0644, a.getMode() & 07777);
            assertEquals(MTIME, a.getLastModifiedTime().toInstant());
            assertEquals(0755, tar.getNextEntry().getMode() & 07777);
        }
    }

    @Test
    void acceptsDotSlashNamesAndSkipsDirectories() throws IOException {
        byte[] archive = raw(tar -> {
            tar.putArchiveEntry(new TarArchiveEntry("./", TarConstants.LF_DIR, true));
            tar.closeArchiveEntry();
            tar.putArchiveEntry(new TarArchiveEntry("./src/", TarConstants.LF_DIR, true));
            tar.closeArchiveEntry();
            file(tar, "./src/a.js", "a".getBytes(StandardCharsets.UTF_8));
            file(tar, "b.js", "b".getBytes(StandardCharsets.UTF_8));
        });
        List<ArchiveFile> files = FragmentArchive.read(new ByteArrayInputStream(archive), ROOMY);
        assertEquals(List.of("src/a.js", "b.js"), files.stream().map(ArchiveFile::path).toList());
        assertFalse(files.get(0).executable());
    }

    @Test
    void refusesLinksDevicesAndFifos() throws IOException {
        for (byte flag : new byte[] { TarConstants.LF_SYMLINK, TarConstants.LF_LINK, TarConstants.LF_CHR,
                TarConstants.LF_BLK, TarConstants.LF_FIFO }) {
            byte[] archive = raw(tar -> {
                file(tar, "ok.txt", new byte[1]);
                special(tar, "evil", flag);
            });
            refused(archive, ROOMY, 400, "'evil'");
        }
        refused(raw(tar -> special(tar, "link", TarConstants.LF_SYMLINK)), ROOMY, 400, "symbolic link");
    }

    @Test
    void refusesUnsafePathsAndDuplicates() throws IOException {
        refused(raw(tar -> file(tar, "../escape", new byte[1])), ROOMY, 400, "segments");
        refused(raw(tar -> file(tar, "a\\b", new byte[1])), ROOMY, 400, "backslash");
        refused(raw(tar -> {
            file(tar, "a.txt", new byte[1]);
            file(tar, "./a.txt", new byte[2]);
        }), ROOMY, 400, "twice");
        refused(raw(tar -> {
            file(tar, "a", new byte[1]);
            file(tar, "a/b", new byte[1]);
        }), ROOMY, 400, "both a file and a directory");
    }

    @Test
    void refusesWhatIsNotATarGz() throws IOException {
        refused("plain text".getBytes(StandardCharsets.UTF_8), ROOMY, 400, "not a .tar.gz");
        refused(new byte[0], ROOMY, 400, "not a .tar.gz");
        ByteArrayOutputStream notTar = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(notTar)) {
            gz.write("this is gzip but not a tar archive, ".repeat(40).getBytes(StandardCharsets.UTF_8));
        }
        refused(notTar.toByteArray(), ROOMY, 400, "not a .tar.gz");
        byte[] good = written(List.of(new ArchiveFile("a", new byte[100_000], false)));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        refused(truncated, ROOMY, 400, "not a .tar.gz");
    }

    @Test
    void limitsAre413() throws IOException {
        byte[] three = written(List.of(new ArchiveFile("a", new byte[10], false),
                new ArchiveFile("b", new byte[10], false), new ArchiveFile("c", new byte[10], false)));
        refused(three, new Limits(2, 100, 1000), 413, "at most 2 files");
        refused(three, new Limits(3, 9, 1000), 413, "'a'");
        refused(three, new Limits(3, 10, 29), 413, "29 bytes");
        assertEquals(3, FragmentArchive.read(new ByteArrayInputStream(three), new Limits(3, 10, 30)).size());
    }

    @Test
    void sourceFailureIsNotABadRequest() {
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
        assertThrows(UncheckedIOException.class, () -> FragmentArchive.read(failing, ROOMY));
    }

    /** 200 MiB of zeros in one entry: refused from the header, before any of it is inflated. */
    @Test
    void gzipBombInOneEntryIs413() throws IOException {
        byte[] bomb = raw(tar -> zeros(tar, "bomb", 200L << 20));
        assertTrue(bomb.length < 1 << 20, "bomb is " + bomb.length + " bytes");
        Limits limits = new Limits(100, 1L << 30, 20L << 20);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refused(bomb, limits, 413, "bytes"));
    }

    /** 40 entries of 5 MiB zeros: each within the file limit, the total counted as read stops it at 20 MiB. */
    @Test
    void gzipBombOverManyEntriesIs413() throws IOException {
        byte[] bomb = raw(tar -> {
            for (int i = 0; i < 40; i++) {
                zeros(tar, "z" + i, 5L << 20);
            }
        });
        assertTrue(bomb.length < 1 << 20, "bomb is " + bomb.length + " bytes");
        Limits limits = new Limits(100, 10L << 20, 20L << 20);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refused(bomb, limits, 413, "20971520 bytes"));
    }

    /** Thousands of empty directory entries carry no file bytes, but still cannot run unbounded. */
    @Test
    void tooManyEntriesIs413() throws IOException {
        byte[] archive = raw(tar -> {
            for (int i = 0; i < 1100; i++) {
                tar.putArchiveEntry(new TarArchiveEntry("d" + i + "/", TarConstants.LF_DIR, true));
                tar.closeArchiveEntry();
            }
        });
        refused(archive, new Limits(10, 100, 1000), 413, "entries");
    }

    private static void zeros(TarArchiveOutputStream tar, String name, long size) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(size);
        tar.putArchiveEntry(e);
        byte[] chunk = new byte[1 << 16];
        for (long left = size; left > 0; left -= chunk.length) {
            tar.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
        tar.closeArchiveEntry();
    }
}
