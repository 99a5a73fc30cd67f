package dev.switchboard.provider.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;

/**
 * The files of a local sandbox, read and written directly on disk: never through a symlink, never outside the
 * sandbox's files directory, with every read capped. Blocking: callers run it on a worker thread.
 */
final class LocalFiles {

    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-r--r--");

    private LocalFiles() {
    }

    /** Writes each file on its own: one that cannot be written is answered as skipped, the others still land. */
    static List<SkippedFile> write(Path filesDir, List<FileData> files) throws IOException {
        List<SkippedFile> skipped = new ArrayList<>();
        for (FileData file : files) {
            try {
                Path target = resolveInside(filesDir, file.path());
                createParents(filesDir, target);
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    skipped.add(new SkippedFile(file.path(), "a directory of that name exists"));
                    continue;
                }
                // NOFOLLOW_LINKS: a symlink at the target is refused rather than written through.
                Files.write(target, file.content(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                Files.setPosixFilePermissions(target, file.executable() ? EXECUTABLE : REGULAR);
            } catch (ProviderException e) {
                if (e.kind() != Kind.BAD_REQUEST) {
                    throw e;
                }
                skipped.add(new SkippedFile(file.path(), e.getMessage()));
            } catch (NoSuchFileException e) {
                if (!Files.isDirectory(filesDir)) {
                    throw e;
                }
                skipped.add(new SkippedFile(file.path(), "cannot be written: " + e.getMessage()));
            } catch (IOException e) {
                skipped.add(new SkippedFile(file.path(), "cannot be written: " + e.getClass().getSimpleName()));
            }
        }
        return skipped;
    }

    /** Walks the files directory without following links, pruning as asked, hashing small regular files. */
    static FileListing list(Path filesDir, ScanSpec scan) throws IOException {
        if (!Files.isDirectory(filesDir, LinkOption.NOFOLLOW_LINKS)) {
            return new FileListing(List.of(), false);
        }
        List<PathMatcher> names = scan.pruneNames().stream()
                .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
        Set<String> paths = Set.copyOf(scan.prunePaths());
        List<FileEntry> entries = new ArrayList<>();
        boolean[] truncated = { false };
        Files.walkFileTree(filesDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(filesDir)) {
                    return FileVisitResult.CONTINUE;
                }
                Path name = dir.getFileName();
                boolean pruned = paths.contains(relativeName(filesDir, dir)) || names.stream().anyMatch(m -> m.matches(name));
                return pruned ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (entries.size() >= scan.maxEntries()) {
                    truncated[0] = true;
                    return FileVisitResult.TERMINATE;
                }
                String path = relativeName(filesDir, file);
                if (attrs.isSymbolicLink()) {
                    entries.add(new FileEntry(path, FileEntry.Type.SYMLINK, attrs.size(), false, null));
                } else if (!attrs.isRegularFile()) {
                    entries.add(new FileEntry(path, FileEntry.Type.OTHER, 0, false, null));
                } else {
                    try {
                        boolean executable = executable(file);
                        String hash = attrs.size() <= scan.hashMaxBytes() ? sha256(file, scan.hashMaxBytes()) : null;
                        entries.add(new FileEntry(path, FileEntry.Type.FILE, attrs.size(), executable, hash));
                    } catch (NoSuchFileException e) {
                        // Deleted while scanned: it is not there any more.
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException && !file.equals(filesDir)) {
                    return FileVisitResult.CONTINUE;
                }
                if (!file.equals(filesDir)) {
                    // Unreadable (permissions): listed, so save-back can report it rather than drop it silently.
                    entries.add(new FileEntry(relativeName(filesDir, file), FileEntry.Type.OTHER, 0, false, null));
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return new FileListing(entries, truncated[0]);
    }

    /** Reads regular files in the given order, each up to {@code maxFileBytes}, until the total would pass its cap. */
    static Map<String, FileData> read(Path filesDir, List<String> paths, long maxFileBytes, long maxTotalBytes) throws IOException {
        Map<String, FileData> files = new LinkedHashMap<>();
        long total = 0;
        for (String path : paths) {
            Path file;
            try {
                file = resolveInside(filesDir, path);
            } catch (ProviderException e) {
                continue;
            }
            PosixFileAttributes attrs;
            byte[] bytes;
            try {
                // Checked before opening: opening a FIFO for reading would block the worker until someone writes.
                attrs = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!attrs.isRegularFile() || attrs.size() > maxFileBytes) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                    // One byte over the limit is enough to tell that the file grew since it was listed.
                    bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8L, maxFileBytes + 1));
                }
            } catch (IOException e) {
                // Gone, swapped for a link (ELOOP) or unreadable: absent from the answer, and save-back reports it.
                continue;
            }
            if (bytes.length > maxFileBytes) {
                continue;
            }
            if (total + bytes.length > maxTotalBytes) {
                break;
            }
            total += bytes.length;
            files.put(path, new FileData(path, bytes, attrs.permissions().contains(PosixFilePermission.OWNER_EXECUTE)));
        }
        return files;
    }

    private static boolean executable(Path file) throws IOException {
        return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions()
                .contains(PosixFilePermission.OWNER_EXECUTE);
    }

    /** Streams the file through SHA-256; null when it grew past {@code max} meanwhile. */
    private static String sha256(Path file, long max) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        long read = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                read += n;
                if (read > max) {
                    return null;
                }
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Creates the directories between {@code filesDir} and {@code file} one level at a time, refusing symlinks and
     * files on the way: Files.createDirectories would follow a symlinked directory out of the root.
     */
    static void createParents(Path filesDir, Path file) throws IOException {
        Path current = filesDir;
        for (Path segment : filesDir.relativize(file.getParent())) {
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw new ProviderException(Kind.BAD_REQUEST, "path leads through a symlink: " + filesDir.relativize(file));
            }
            try {
                Files.createDirectory(current);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ProviderException(Kind.BAD_REQUEST,
                            "path leads through an existing file: " + filesDir.relativize(file), null, e);
                }
            }
        }
    }

    /** The target of a relative project path inside {@code filesDir}, or BAD_REQUEST for anything else. */
    static Path resolveInside(Path filesDir, String relative) {
        if (relative == null || relative.isEmpty() || relative.indexOf('\0') >= 0 || relative.indexOf('\\') >= 0
                || relative.startsWith("/")) {
            throw new ProviderException(Kind.BAD_REQUEST, "invalid file path: " + relative);
        }
        Path path = Path.of(relative);
        Path target = filesDir.resolve(path).normalize();
        if (path.isAbsolute() || !path.normalize().toString().equals(relative) || relative.endsWith("/")
                || !target.startsWith(filesDir) || target.equals(filesDir)) {
            throw new ProviderException(Kind.BAD_REQUEST, "invalid file path: " + relative);
        }
        for (Path segment : path) {
            if (segment.toString().equals("..") || segment.toString().equals(".")) {
                throw new ProviderException(Kind.BAD_REQUEST, "invalid file path: " + relative);
            }
        }
        return target;
    }

    static String relativeName(Path base, Path file) {
        StringBuilder name = new StringBuilder();
        for (Path segment : base.relativize(file)) {
            if (name.length() > 0) {
                name.append('/');
            }
            name.append(segment);
        }
        return name.toString();
    }
}
