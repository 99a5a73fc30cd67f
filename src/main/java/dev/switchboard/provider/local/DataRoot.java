package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.jboss.logging.Logger;

/**
 * Makes the local data root private: created with mode 0700, and refused when someone else owns it or could write
 * into it, since whoever controls it can read every sandbox and plant the class files the service runs.
 */
final class DataRoot {

    private static final Logger LOG = Logger.getLogger(DataRoot.class);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private DataRoot() {
    }

    /** The root's real path, created private when missing; fails with the reason when it cannot be trusted. */
    static Path secure(Path configured) throws IOException {
        if (!isPosix(configured)) {
            Files.createDirectories(configured);
            return configured.toRealPath();
        }
        if (!Files.exists(configured, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = configured.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(configured, PosixFilePermissions.asFileAttribute(PRIVATE));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created by someone else meanwhile: checked below like any existing directory
            }
        }
        int me = currentUid();
        if (Files.isSymbolicLink(configured)) {
            // A link someone else planted could point anywhere we can write; only our own links are followed.
            requireOwner(configured, configured, me, LinkOption.NOFOLLOW_LINKS);
        }
        Path real = configured.toRealPath();
        if (!Files.isDirectory(real)) {
            throw untrusted(configured, "it is not a directory");
        }
        requireOwner(configured, real, me);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(real);
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw untrusted(configured, "it is writable by group or others (mode "
                    + PosixFilePermissions.toString(perms) + "); make it mode 0700 or use another directory");
        }
        if (!perms.equals(PRIVATE)) {
            // Ours and not writable by others, but maybe readable by them: sandboxes hold users' files.
            LOG.infof("Making the local data root %s private (mode 0700; it was %s)", real, PosixFilePermissions.toString(perms));
            Files.setPosixFilePermissions(real, PRIVATE);
        }
        return real;
    }

    private static void requireOwner(Path configured, Path path, int me, LinkOption... options) throws IOException {
        int owner = (Integer) Files.getAttribute(path, "unix:uid", options);
        if (owner != me) {
            throw untrusted(configured, "it is owned by " + Files.getOwner(path, options).getName() + " (uid " + owner
                    + "), not by the user running Switchboard (uid " + me + ")");
        }
    }

    /** This process's uid: the owner of a file it just created (portable across JDKs and native images). */
    private static int currentUid() throws IOException {
        Path probe = Files.createTempFile("switchboard-uid", ".probe");
        try {
            return (Integer) Files.getAttribute(probe, "unix:uid");
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("unix");
    }

    private static IllegalStateException untrusted(Path root, String why) {
        return new IllegalStateException("Refusing the local data root " + root + " (switchboard.local.data-dir): " + why);
    }
}
