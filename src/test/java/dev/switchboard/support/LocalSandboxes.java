package dev.switchboard.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reaches into the local provider's sandboxes from outside, as a user's process or a crash would. */
public final class LocalSandboxes {

    /** The test profile's {@code switchboard.local.data-dir}. */
    public static final Path ROOT = Path.of("target", "test-sandboxes", "sandboxes");

    private LocalSandboxes() {
    }

    public static Path dir(String sandboxId) {
        return ROOT.resolve(sandboxId);
    }

    /** Writes a file inside the sandbox, as an agent or the user's code running in it would. */
    public static void write(String sandboxId, String path, String content) throws IOException {
        Path file = dir(sandboxId).resolve("files").resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** Kills the sandbox's server process behind the service's back (a crash, an OOM kill, a provider timeout). */
    public static void killProcess(String sandboxId) throws Exception {
        long pid = Long.parseLong(Files.readString(dir(sandboxId).resolve("server.pid")).strip());
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().get();
    }
}
