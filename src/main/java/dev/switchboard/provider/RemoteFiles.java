package dev.switchboard.provider;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.jboss.logging.Logger;

/**
 * Save-back on providers whose sandboxes are Linux machines reached by commands (E2B, Blaxel): one command scans the
 * project root (GNU find, sha256sum), one command archives the changed files (GNU tar), one download fetches the
 * archive. This class writes those commands and reads their answers; the providers only transport them.
 */
public final class RemoteFiles {

    private static final Logger LOG = Logger.getLogger(RemoteFiles.class);

    /** Marks the start of the hash section in a scan's output (a listing record always holds spaces). */
    private static final String HASH_MARK = "HASH";
    private static final String LIST_MARK = "LIST";
    /** A single argument to bash -c may be at most 128 KiB (MAX_ARG_STRLEN); stay well below it. */
    static final int MAX_COMMAND_CHARS = 96 * 1024;
    /** Where archives are made; removed again by the next archive command of the same sandbox. */
    public static final String ARCHIVE_DIR = "/tmp";
    private static final String ARCHIVE_PREFIX = ".switchboard-save-";

    private RemoteFiles() {
    }

    /**
     * The scan command: prints {@code LIST\0}, then one {@code <type> <size> <mode> <path>\0} record per
     * non-directory entry (at most {@code maxEntries + 1}), then {@code HASH\0} and one sha256sum line per regular
     * file up to {@code hashMaxBytes}, each ended by NUL. A missing project root prints nothing.
     */
    public static String scanCommand(String root, ScanSpec scan) {
        String prune = prune(scan);
        int limit = scan.maxEntries() + 1;
        return "cd -- " + quote(root) + " 2>/dev/null || exit 0\n"
                + "printf '" + LIST_MARK + "\\0'\n"
                + "find . " + prune + "! -type d -printf '%y %s %m %P\\0' 2>/dev/null | head -z -n " + limit + "\n"
                + "printf '" + HASH_MARK + "\\0'\n"
                + "find . " + prune + "-type f -size -" + (scan.hashMaxBytes() + 1) + "c -printf '%P\\0' 2>/dev/null"
                + " | head -z -n " + limit + " | xargs -0 -r sha256sum -b -- 2>/dev/null | tr '\\n' '\\0'\n"
                + "exit 0\n";
    }

    private static String prune(ScanSpec scan) {
        List<String> tests = new ArrayList<>();
        scan.pruneNames().forEach(n -> tests.add("-name " + quote(n)));
        scan.prunePaths().forEach(p -> tests.add("-path " + quote("./" + p)));
        if (tests.isEmpty()) {
            return "";
        }
        return "\\( -type d \\( " + String.join(" -o ", tests) + " \\) -prune \\) -o ";
    }

    /** Parses a scan command's standard output; fails when it is not a scan's output. */
    public static FileListing parseScan(String stdout, int maxEntries) {
        if (stdout == null || stdout.isEmpty()) {
            return new FileListing(List.of(), false);
        }
        String[] tokens = stdout.split("\0", -1);
        if (!LIST_MARK.equals(tokens[0])) {
            throw new ProviderException(ProviderException.Kind.FAILED, "the file scan answered unexpected output");
        }
        Map<String, String> hashes = new HashMap<>();
        List<String[]> records = new ArrayList<>();
        boolean inHashes = false;
        for (int i = 1; i < tokens.length; i++) {
            String token = tokens[i];
            if (token.isEmpty()) {
                continue;
            }
            if (!inHashes && token.equals(HASH_MARK)) {
                inHashes = true;
            } else if (inHashes) {
                // "<64 hex> *<path>"; sha256sum escapes names holding '\' or a newline with a leading '\': such
                // names break the path rules anyway and go unhashed.
                if (token.length() > 66 && token.charAt(64) == ' ' && token.charAt(65) == '*' && token.charAt(0) != '\\') {
                    hashes.put(token.substring(66), token.substring(0, 64));
                }
            } else {
                String[] parts = token.split(" ", 4);
                if (parts.length == 4) {
                    records.add(parts);
                }
            }
        }
        boolean truncated = records.size() > maxEntries;
        List<FileEntry> entries = new ArrayList<>(Math.min(records.size(), maxEntries));
        for (String[] r : records.subList(0, Math.min(records.size(), maxEntries))) {
            FileEntry.Type type = switch (r[0]) {
                case "f" -> FileEntry.Type.FILE;
                case "l" -> FileEntry.Type.SYMLINK;
                default -> FileEntry.Type.OTHER;
            };
            long size;
            int mode;
            try {
                size = Long.parseLong(r[1]);
                mode = Integer.parseInt(r[2], 8);
            } catch (NumberFormatException e) {
                continue;
            }
            String path = r[3];
            entries.add(new FileEntry(path, type, size, (mode & 0100) != 0,
                    type == FileEntry.Type.FILE ? hashes.get(path) : null));
        }
        return new FileListing(entries, truncated);
    }

    /** A fresh path for an archive in the sandbox; {@link #archiveCommand} removes older ones. */
    public static String newArchivePath() {
        return ARCHIVE_DIR + "/" + ARCHIVE_PREFIX + java.util.UUID.randomUUID() + ".tar.gz";
    }

    /**
     * The command that archives the given project paths (in that order, regular files as they are, nothing
     * followed or descended into) into {@code archive}; missing or unreadable files are left out. Null when the
     * paths do not fit in one command: upload them as a NUL-separated list file and use {@link #archiveListCommand}.
     */
    public static String archiveCommand(String root, List<String> paths, String archive) {
        StringBuilder list = new StringBuilder("printf '%s\\0'");
        for (String p : paths) {
            list.append(' ').append(quote(p));
            if (list.length() > MAX_COMMAND_CHARS) {
                return null;
            }
        }
        return archive(root, list + " | ", "-", archive);
    }

    /** Like {@link #archiveCommand}, with the paths read from a NUL-separated file already in the sandbox. */
    public static String archiveListCommand(String root, String listFile, String archive) {
        return archive(root, "", listFile, archive);
    }

    /** The NUL-separated list file {@link #archiveListCommand} reads. */
    public static byte[] listFile(List<String> paths) {
        StringBuilder b = new StringBuilder();
        paths.forEach(p -> b.append(p).append('\0'));
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String archive(String root, String feed, String listFile, String archive) {
        return "rm -f " + ARCHIVE_DIR + "/" + ARCHIVE_PREFIX + "*.tar.gz\n"
                + "cd -- " + quote(root) + " || exit 3\n"
                + feed + "tar --null --no-recursion --ignore-failed-read -czf " + quote(archive) + " -T " + quote(listFile)
                + " 2>/dev/null\n"
                + "test -f " + quote(archive) + "\n";
    }

    /**
     * Reads a downloaded archive (tar, gzip'd or not) into files: only regular files named in {@code wanted}, each at
     * most {@code maxFileBytes}, added in the archive's order until the next one would take the total past
     * {@code maxTotalBytes}. A cut-off or corrupt archive yields the files read before the damage. Blocking.
     */
    public static Map<String, FileData> readArchive(Path archive, List<String> wanted, long maxFileBytes, long maxTotalBytes)
            throws IOException {
        Set<String> want = new LinkedHashSet<>(wanted);
        Map<String, FileData> files = new LinkedHashMap<>();
        long total = 0;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                TarArchiveInputStream tar = new TarArchiveInputStream(maybeGunzip(raw), "UTF-8")) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (!entry.isFile() || entry.isLink() || !want.remove(name) || entry.getSize() > maxFileBytes) {
                    continue;
                }
                if (total + entry.getSize() > maxTotalBytes) {
                    break;
                }
                byte[] content = tar.readNBytes((int) entry.getSize());
                if (content.length != entry.getSize()) {
                    break;
                }
                total += content.length;
                files.put(name, new FileData(name, content, (entry.getMode() & 0100) != 0));
            }
        } catch (IOException | RuntimeException e) {
            // A download cut at its cap, or a damaged archive: what was read whole is still good.
            LOG.debugf("archive %s ended early: %s", archive.getFileName(), e.toString());
        }
        return files;
    }

    private static InputStream maybeGunzip(InputStream in) throws IOException {
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GzipCompressorInputStream(in) : in;
    }

    /** A shell word holding {@code s} exactly. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
