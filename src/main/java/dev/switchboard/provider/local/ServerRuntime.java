package dev.switchboard.provider.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
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
     * so a new service version never runs old server code and concurrent creators share one copy.
     */
    Path classPath(Path runtime) throws IOException {
        ServerClasses server = serverClasses;
        if (server == null) {
            server = loadServerClasses();
            serverClasses = server;
        }
        Map<String, byte[]> classes = server.bytes();
        Path target = runtime.resolve(server.hash());
        if (isComplete(target, classes)) {
            return target;
        }
        Files.createDirectories(runtime);
        // Built in a private directory and renamed into place in one step, so no creator sees a half-written copy.
        Path staging = Files.createTempDirectory(runtime, "." + server.hash() + ".");
        try {
            for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
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
                if (!isComplete(target, classes)) {
                    throw e;
                }
            }
        } finally {
            SandboxServer.deleteRecursively(staging);
        }
        if (!isComplete(target, classes)) {
            throw new ProviderException(Kind.FAILED, "incomplete sandbox server runtime in " + target);
        }
        return target;
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
        return new ServerClasses(HexFormat.of().formatHex(digest.digest()).substring(0, 16), classes);
    }

    private record ServerClasses(String hash, Map<String, byte[]> bytes) {
    }

    private static boolean isComplete(Path dir, Map<String, byte[]> classes) {
        return classes.keySet().stream().allMatch(resource -> Files.isRegularFile(dir.resolve(resource)));
    }
}
