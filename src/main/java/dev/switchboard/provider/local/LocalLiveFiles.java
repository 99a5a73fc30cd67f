package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/**
 * One file or directory of a local sandbox at a time, for the live-sandbox API. Every step goes through directory
 * handles opened with O_NOFOLLOW ({@link SecureDirectoryStream}, openat), so a symlink planted anywhere on the path,
 * even swapped in while the call runs, is never followed out of the files directory. Blocking: run on a worker.
 */
final class LocalLiveFiles {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** Deeper trees are refused by delete: each level holds an open directory handle. */
    private static final int MAX_DELETE_DEPTH = 128;

    private LocalLiveFiles() {
    }

    /** One level of {@code dir} ("" for the root), sorted by path; NOT_FOUND unless it is a directory. */
    static List<DirEntry> list(Path filesDir, String dir, int maxEntries) throws IOException {
        List<String> segments = dir == null || dir.isEmpty() ? List.of() : segments(filesDir, dir);
        String prefix = segments.isEmpty() ? "" : dir + "/";
        try (SecureDirectoryStream<Path> d = walk(filesDir, segments, false, Kind.NOT_FOUND, dir)) {
            List<DirEntry> entries = new ArrayList<>();
            for (Path child : d) {
                Path name = child.getFileName();
                BasicFileAttributes a;
                try {
                    a = attributes(d, name);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (entries.size() >= maxEntries) {
                    throw new ProviderException(Kind.TOO_LARGE, "directory '" + dir + "' holds more than " + maxEntries + " entries");
                }
                boolean directory = a.isDirectory();
                entries.add(new DirEntry(prefix + name, directory, directory ? null : a.size(), a.lastModifiedTime().toInstant()));
            }
            entries.sort(Comparator.comparing(DirEntry::path));
            return entries;
        }
    }

    /** The bytes of a regular file; NOT_FOUND for anything else, TOO_LARGE past {@code maxBytes} (never read further). */
    static byte[] read(Path filesDir, String path, long maxBytes) throws IOException {
        List<String> segments = segments(filesDir, path);
        Path name = Path.of(segments.get(segments.size() - 1));
        try (SecureDirectoryStream<Path> d = walk(filesDir, segments.subList(0, segments.size() - 1), false, Kind.NOT_FOUND, path)) {
            BasicFileAttributes a;
            try {
                // Checked before opening: opening a FIFO would block the worker until someone writes to it.
                a = attributes(d, name);
            } catch (NoSuchFileException e) {
                throw notFound(path);
            }
            if (!a.isRegularFile()) {
                throw new ProviderException(Kind.NOT_FOUND, "'" + path + "' is not a regular file");
            }
            if (a.size() > maxBytes) {
                throw tooLarge(path, maxBytes);
            }
            try (SeekableByteChannel in = d.newByteChannel(name, Set.of(StandardOpenOption.READ, NOFOLLOW))) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8L));
                while (buffer.hasRemaining() && in.read(buffer) > 0) {
                    // one byte over the limit tells that the file grew since its size was read
                }
                if (buffer.position() > maxBytes) {
                    throw tooLarge(path, maxBytes);
                }
                byte[] bytes = new byte[buffer.position()];
                buffer.flip().get(bytes);
                return bytes;
            } catch (NoSuchFileException e) {
                throw notFound(path);
            } catch (FileSystemException e) {
                // ELOOP: swapped for a symlink since its attributes were read
                throw new ProviderException(Kind.NOT_FOUND, "'" + path + "' is not a regular file");
            }
        }
    }

    /** Creates or replaces a regular file, creating its parents; CONFLICT when a directory or link is in the way. */
    static void write(Path filesDir, String path, byte[] content) throws IOException {
        List<String> segments = segments(filesDir, path);
        Path name = Path.of(segments.get(segments.size() - 1));
        try (SecureDirectoryStream<Path> d = walk(filesDir, segments.subList(0, segments.size() - 1), true, Kind.CONFLICT, path)) {
            try {
                BasicFileAttributes a = attributes(d, name);
                if (!a.isRegularFile()) {
                    throw new ProviderException(Kind.CONFLICT, "'" + path + "' is a " + kind(a) + ", not a file");
                }
            } catch (NoSuchFileException e) {
                // a new file
            }
            Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, NOFOLLOW);
            try (SeekableByteChannel out = d.newByteChannel(name, options)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            } catch (NoSuchFileException e) {
                throw new ProviderException(Kind.CONFLICT, "the directory of '" + path + "' was removed meanwhile");
            } catch (FileSystemException e) {
                throw new ProviderException(Kind.CONFLICT, "'" + path + "' cannot be written: " + e.getReason());
            }
        }
    }

    /** Deletes a file, a link (not its target) or a directory tree; false when nothing was there. */
    static boolean delete(Path filesDir, String path) throws IOException {
        List<String> segments = segments(filesDir, path);
        Path name = Path.of(segments.get(segments.size() - 1));
        SecureDirectoryStream<Path> d;
        try {
            d = walk(filesDir, segments.subList(0, segments.size() - 1), false, Kind.NOT_FOUND, path);
        } catch (ProviderException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
        try (d) {
            return deleteEntry(d, name, 0);
        }
    }

    private static boolean deleteEntry(SecureDirectoryStream<Path> parent, Path name, int depth) throws IOException {
        BasicFileAttributes a;
        try {
            a = attributes(parent, name);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!a.isDirectory()) {
            try {
                parent.deleteFile(name);
                return true;
            } catch (NoSuchFileException e) {
                return false;
            }
        }
        if (depth >= MAX_DELETE_DEPTH) {
            throw new ProviderException(Kind.TOO_LARGE, "the directory tree is deeper than " + MAX_DELETE_DEPTH + " levels");
        }
        try (SecureDirectoryStream<Path> sub = parent.newDirectoryStream(name, NOFOLLOW)) {
            List<Path> children = new ArrayList<>();
            sub.forEach(c -> children.add(c.getFileName()));
            for (Path child : children) {
                deleteEntry(sub, child, depth + 1);
            }
        } catch (NoSuchFileException e) {
            return false;
        }
        try {
            parent.deleteDirectory(name);
        } catch (NoSuchFileException e) {
            return false;
        }
        return true;
    }

    /**
     * Opens the directory {@code segments} lead to, each level through the previous level's handle without following
     * links; a missing, non-directory or link level fails with {@code failure} (or, when {@code create}, a missing
     * level is made). The caller closes the answer.
     */
    private static SecureDirectoryStream<Path> walk(Path filesDir, List<String> segments, boolean create, Kind failure,
            String path) throws IOException {
        SecureDirectoryStream<Path> current = openRoot(filesDir);
        Path currentPath = filesDir;
        try {
            for (String segment : segments) {
                Path name = Path.of(segment);
                currentPath = currentPath.resolve(name);
                SecureDirectoryStream<Path> next = openChild(current, name, currentPath, create, failure, path);
                current.close();
                current = next;
            }
            return current;
        } catch (IOException | RuntimeException e) {
            current.close();
            throw e;
        }
    }

    private static SecureDirectoryStream<Path> openChild(SecureDirectoryStream<Path> parent, Path name, Path absolute,
            boolean create, Kind failure, String path) throws IOException {
        try {
            BasicFileAttributes a = attributes(parent, name);
            if (!a.isDirectory()) {
                throw new ProviderException(failure, "'" + path + "' leads through a " + kind(a));
            }
        } catch (NoSuchFileException e) {
            if (!create) {
                throw notFound(path);
            }
            try {
                // No mkdirat in Java: made by its absolute path, then opened (and checked) through the parent's handle.
                Files.createDirectory(absolute);
            } catch (FileAlreadyExistsException raced) {
                // made meanwhile: checked when opened below
            }
        }
        try {
            return parent.newDirectoryStream(name, NOFOLLOW);
        } catch (NoSuchFileException e) {
            throw new ProviderException(failure, "'" + path + "' changed while it was being reached");
        } catch (FileSystemException e) {
            // ELOOP or ENOTDIR: a link or file swapped in since it was checked
            throw new ProviderException(failure, "'" + path + "' leads through something that is not a directory");
        }
    }

    private static SecureDirectoryStream<Path> openRoot(Path filesDir) throws IOException {
        if (!Files.isDirectory(filesDir, NOFOLLOW)) {
            throw new ProviderException(Kind.GONE, "the sandbox's files directory is gone");
        }
        DirectoryStream<Path> root = Files.newDirectoryStream(filesDir);
        if (root instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        root.close();
        throw new ProviderException(Kind.FAILED, "the local file API needs a file system with openat (Linux or macOS)");
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
    }

    /** The path's segments, after the provider's own check that it is a plain relative path inside the root. */
    private static List<String> segments(Path filesDir, String path) {
        LocalFiles.resolveInside(filesDir, path);
        return List.of(path.split("/"));
    }

    private static String kind(BasicFileAttributes a) {
        return a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symbolic link" : a.isRegularFile() ? "file" : "special file";
    }

    private static ProviderException notFound(String path) {
        return new ProviderException(Kind.NOT_FOUND, "'" + path + "' does not exist");
    }

    private static ProviderException tooLarge(String path, long maxBytes) {
        return new ProviderException(Kind.TOO_LARGE, "'" + path + "' is larger than " + maxBytes + " bytes");
    }
}
