package dev.switchboard.files;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import dev.switchboard.common.ProblemException;

/**
 * A fragment as a {@code .tar.gz}: written as POSIX tar for any name and size, read with every limit enforced on the
 * bytes actually decompressed, so an upload cannot escape the project root or exhaust memory.
 */
public final class FragmentArchive {

    /** One regular file; {@code executable} is the owner-execute bit. */
    public record ArchiveFile(String path, byte[] content, boolean executable) {
    }

    /** Bounds on an uploaded archive: 413 beyond them. */
    public record Limits(int maxFiles, long maxFileBytes, long maxTotalBytes) {
    }

    // Room for headers, pax records and padding per entry, so a bomb of empty entries is bounded too.
    private static final long OVERHEAD_PER_ENTRY = 16 * 1024;
    private static final int BUFFER = 8192;

    private FragmentArchive() {
    }

    /** Writes the files as a gzip'd POSIX tar, each with the given mtime; {@code out} is left open. */
    public static void write(List<ArchiveFile> files, Instant mtime, OutputStream out) {
        FileTime time = FileTime.from(mtime);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                new GzipCompressorOutputStream(new NonClosing(out)), StandardCharsets.UTF_8.name())) {
            // POSIX (pax) headers carry names past 100 bytes, non-ASCII names and sizes past 8 GiB portably.
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            for (ArchiveFile f : files) {
                ProjectPath.check(f.path());
                TarArchiveEntry entry = new TarArchiveEntry(f.path());
                entry.setSize(f.content().length);
                entry.setMode(f.executable() ? 0100755 : 0100644);
                entry.setModTime(time);
                // Neutral owner: the server's account name has no business in a user's download.
                entry.setIds(0, 0);
                entry.setNames("", "");
                tar.putArchiveEntry(entry);
                tar.write(f.content());
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads an uploaded {@code .tar.gz}: regular files only, every path checked with {@link ProjectPath}, 400 for
     * anything malformed or unsafe, 413 past the limits. A failure of {@code in} itself is an UncheckedIOException.
     */
    public static List<ArchiveFile> read(InputStream in, Limits limits) {
        long maxEntries = 2L * limits.maxFiles() + 1024;
        Bounded source = new Bounded(in);
        List<ArchiveFile> files = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long total = 0;
        long entries = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new Counting(new GzipCompressorInputStream(source, true),
                        limits.maxTotalBytes() + (maxEntries + 4) * OVERHEAD_PER_ENTRY),
                StandardCharsets.UTF_8.name())) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (++entries > maxEntries) {
                    throw ProblemException.tooLarge("The archive has more than " + maxEntries + " entries");
                }
                if (e.isDirectory()) {
                    continue; // directories follow from the file paths
                }
                String name = e.getName();
                String path = name.startsWith("./") ? name.substring(2) : name;
                refuseSpecial(e, name);
                ProjectPath.check(path);
                if (!seen.add(path)) {
                    throw ProblemException.badRequest("The archive holds '" + ProjectPath.printable(path) + "' twice");
                }
                if (files.size() >= limits.maxFiles()) {
                    throw ProblemException.tooLarge("An archive holds at most " + limits.maxFiles() + " files");
                }
                // The header is checked first only to fail fast; the bytes actually read are what count.
                checkFileSize(path, e.getSize(), limits);
                checkTotal(total + e.getSize(), limits);
                byte[] content = readAtMost(tar, Math.min(limits.maxFileBytes(), limits.maxTotalBytes() - total));
                checkFileSize(path, content.length, limits);
                total += content.length;
                checkTotal(total, limits);
                files.add(new ArchiveFile(path, content, (e.getMode() & 0100) != 0));
            }
        } catch (IOException | IllegalArgumentException e) {
            if (source.failure != null) {
                throw new UncheckedIOException(source.failure);
            }
            throw ProblemException.badRequest("The upload is not a .tar.gz: " + e.getMessage());
        }
        ProjectPath.checkNoFileIsAlsoADirectory(seen);
        return files;
    }

    private static void refuseSpecial(TarArchiveEntry e, String name) {
        String kind = e.isSymbolicLink() ? "a symbolic link"
                : e.isLink() ? "a hard link"
                : e.isCharacterDevice() ? "a character device"
                : e.isBlockDevice() ? "a block device"
                : e.isFIFO() ? "a FIFO"
                : e.isSparse() ? "a sparse file"
                : isRegular(e.getLinkFlag()) ? null
                : "of unsupported type '" + (char) e.getLinkFlag() + "'";
        if (kind != null) {
            // Links could point outside the project root; only plain files are stored.
            throw ProblemException.badRequest("Archive entry '" + ProjectPath.printable(name) + "' is " + kind
                    + "; only regular files and directories are accepted");
        }
    }

    private static boolean isRegular(byte flag) {
        return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
    }

    private static void checkFileSize(String path, long bytes, Limits limits) {
        if (bytes > limits.maxFileBytes()) {
            throw ProblemException.tooLarge("File '" + ProjectPath.printable(path) + "' has more than "
                    + limits.maxFileBytes() + " bytes");
        }
    }

    private static void checkTotal(long bytes, Limits limits) {
        if (bytes > limits.maxTotalBytes()) {
            throw ProblemException.tooLarge("The archive's files have more than " + limits.maxTotalBytes() + " bytes");
        }
    }

    /** Reads to the entry's end but never holds more than {@code max + 1} bytes, so the caller sees an overflow. */
    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[BUFFER];
        long left = max + 1;
        int n;
        while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
            out.write(buf, 0, n);
            left -= n;
        }
        return out.toByteArray();
    }

    /** Tells the caller's own I/O failures apart from a malformed upload. */
    private static final class Bounded extends FilterInputStream {
        IOException failure;

        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void close() {
            // The caller owns the stream.
        }
    }

    /** Bounds all decompressed bytes, including what tar skips (directory data, padding) without handing it to us. */
    private static final class Counting extends FilterInputStream {
        private final long max;
        private long count;

        Counting(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipping still inflates; read instead so the bytes are counted.
            byte[] buf = new byte[(int) Math.min(BUFFER, Math.max(n, 1))];
            int r = read(buf, 0, (int) Math.min(buf.length, n));
            return Math.max(r, 0);
        }

        private void add(long n) {
            count += n;
            if (count > max) {
                throw ProblemException.tooLarge("The archive expands to more than " + max + " bytes");
            }
        }
    }

    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush(); // the caller owns the stream
        }
    }
}
