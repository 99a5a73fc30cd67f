package dev.switchboard.provider.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local data root is private to the service's user, and the sandbox server's class files are the ones it wrote. */
class DataRootTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingRootIsCreatedWithMode0700() throws IOException {
        Path root = DataRoot.secure(tmp.resolve("a/sandboxes"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    }

    @Test
    void aGroupOrWorldWritableRootIsRefused() throws IOException {
        for (String mode : List.of("rwxrwxrwx", "rwxrwx---", "rwx----w-")) {
            Path root = Files.createDirectories(tmp.resolve("open-" + mode.replace('-', '_')));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString(mode));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> DataRoot.secure(root));
            assertTrue(e.getMessage().contains("writable by group or others"), e.getMessage());
            // refused, not repaired: whatever someone planted there is not trusted
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        }
    }

    @Test
    void anOwnRootReadableByOthersIsMadePrivate() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("readable"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        DataRoot.secure(root);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    }

    /** Changing a directory's owner needs root; as another user this is skipped (the uid comparison is the same code). */
    @Test
    void aRootOwnedBySomeoneElseIsRefused() throws IOException {
        UserPrincipal nobody;
        try {
            nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        } catch (IOException e) {
            nobody = null;
        }
        assumeTrue(nobody != null && "root".equals(System.getProperty("user.name")), "needs root to chown");
        Path root = Files.createDirectories(tmp.resolve("theirs"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(root, nobody);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DataRoot.secure(root));
        assertTrue(e.getMessage().contains("owned by nobody"), e.getMessage());

        // A link someone else planted is refused even when it points to a directory of ours.
        Path ours = Files.createDirectories(tmp.resolve("ours"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), ours);
        Files.getFileAttributeView(link, java.nio.file.attribute.PosixFileAttributeView.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        assertThrows(IllegalStateException.class, () -> DataRoot.secure(link));
    }

    @Test
    void aTamperedServerClassFileIsReplacedBeforeTheNextLaunch() throws IOException {
        ServerRuntime runtime = new ServerRuntime();
        Path classes = runtime.classPath(tmp.resolve(".runtime"));
        Path serverClass = classes.resolve(SandboxServer.class.getName().replace('.', '/') + ".class");
        byte[] original = Files.readAllBytes(serverClass);
        Files.write(serverClass, "planted".getBytes());

        assertEquals(classes, runtime.classPath(tmp.resolve(".runtime")));
        assertArrayEquals(original, Files.readAllBytes(serverClass));

        // A file replaced by a link (to identical bytes) is not trusted either: links can change after the check.
        Path elsewhere = Files.write(tmp.resolve("copy.class"), original);
        Files.delete(serverClass);
        Files.createSymbolicLink(serverClass, elsewhere);
        runtime.classPath(tmp.resolve(".runtime"));
        assertFalse(Files.isSymbolicLink(serverClass));
        try (Stream<Path> files = Files.list(tmp.resolve(".runtime"))) {
            assertEquals(1, files.count(), "no staging directories left behind");
        }
    }
}
