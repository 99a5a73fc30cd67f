package dev.switchboard.provider;

/**
 * One non-directory entry under a sandbox's project root, as a scan found it. {@code path} is relative to the project
 * root, '/'-separated, exactly as the file system spells it (it may break Switchboard's path rules: save-back decides).
 * {@code sha256} is the lower-case hex digest of a regular file's content when the scan hashed it, else null.
 */
public record FileEntry(String path, Type type, long size, boolean executable, String sha256) {

    /** What the entry is; only regular files are saved. */
    public enum Type {
        FILE,
        SYMLINK,
        /** A device, socket or pipe. */
        OTHER
    }
}
