package dev.switchboard.provider.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/**
 * The class files a sandbox server runs from in JVM mode, installed once per version under the data root: the server
 * is launched without the service's class path, so it may use only the JDK and the classes copied here.
 */
final class ServerRuntime {

    private static final Logger LOG = Logger.getLogger(ServerRuntime.class);

    private volatile ServerClasses serverClasses;

    /**
     * The class path directory holding {@link SandboxServer} and its nested classes, keyed by a hash of their bytes
     * so a new service version never runs old server code and concurrent creators share one copy. Called before each
     * launch: every file is checked against the hash of the bytes this service wrote, and a copy that does not match
     * (changed or planted by someone else) is replaced, or the launch refused.
     */
    Path classPath(Path runtime) throws IOException {
        ServerClasses server = serverClasses;
        if (server == null) {
            server = loadServerClasses();
            serverClasses = server;
        }
        Path target = runtime.resolve(server.hash());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (matches(target, server)) {
                return target;
            }
            LOG.warnf("The sandbox server's class files in %s are not the ones Switchboard wrote; replacing them", target);
            SandboxServer.deleteRecursively(target);
        }
        install(runtime, target, server);
        if (!matches(target, server)) {
            throw new ProviderException(Kind.FAILED, "the sandbox server's class files in " + target
                    + " do not match what Switchboard wrote; refusing to run them");
        }
        return target;
    }

    private static void install(Path runtime, Path target, ServerClasses server) throws IOException {
        Files.createDirectories(runtime);
        // Built in a private directory and renamed into place in one step, so no creator sees a half-written copy.
        Path staging = Files.createTempDirectory(runtime, "." + server.hash() + ".");
        try {
            for (Map.Entry<String, byte[]> entry : server.bytes().entrySet()) {
                Path file = staging.resolve(entry.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, entry.getValue());
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                LOG.debugf("Another process installed %s first", target);
            } catch (FileSystemException e) {
                // rename(2) onto a non-empty directory is reported as a plain FileSystemException (ENOTEMPTY).
                if (!matches(target, server)) {
                    throw e;
                }
            }
        } finally {
            SandboxServer.deleteRecursively(staging);
        }
    }

    /**
     * The class files of the server's whole nest (nested and anonymous classes) and of the classes it uses besides the
     * JDK's, with theirs; lambdas need no class files.
     */
    private static ServerClasses loadServerClasses() throws IOException {
        Map<String, byte[]> classes = new TreeMap<>();
        for (Class<?> top : List.of(SandboxServer.class, SandboxProcesses.class)) {
            for (Class<?> member : top.getNestMembers()) {
                String resource = member.getName().replace('.', '/') + ".class";
                try (InputStream in = SandboxServer.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new ProviderException(Kind.FAILED, "class file not found: " + resource);
                    }
                    classes.put(resource, in.readAllBytes());
                }
            }
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        classes.forEach((name, bytes) -> {
            digest.update(name.getBytes(StandardCharsets.UTF_8));
            digest.update(bytes);
        });
        Map<String, String> sha256 = new TreeMap<>();
        classes.forEach((name, bytes) -> sha256.put(name, sha256(bytes)));
        return new ServerClasses(HexFormat.of().formatHex(digest.digest()).substring(0, 16), classes, sha256);
    }

    /** The class bytes and, per file, the SHA-256 of what this service writes (kept in memory, never read back). */
    private record ServerClasses(String hash, Map<String, byte[]> bytes, Map<String, String> sha256) {
    }

    /** Every class file is a regular file (no link) whose content hashes to what this service wrote. */
    private static boolean matches(Path dir, ServerClasses server) throws IOException {
        for (Map.Entry<String, String> entry : server.sha256().entrySet()) {
            Path file = dir.resolve(entry.getKey());
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    || !sha256(Files.readAllBytes(file)).equals(entry.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
