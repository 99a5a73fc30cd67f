package dev.switchboard.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** After the whole test run, stops every local sandbox process the tests left alive, so no run leaks processes. */
public class SandboxReaper implements LauncherSessionListener {

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (!Files.isDirectory(LocalSandboxes.ROOT)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(LocalSandboxes.ROOT)) {
            dirs.map(d -> d.resolve("server.pid")).filter(Files::isRegularFile).forEach(SandboxReaper::stop);
        } catch (IOException e) {
            System.err.println("sandbox reaper: " + e.getMessage());
        }
    }

    private static void stop(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid)
                    .filter(p -> p.info().commandLine().orElse("").contains(pidFile.getParent().getFileName().toString()))
                    .ifPresent(ProcessHandle::destroy);
        } catch (IOException | NumberFormatException e) {
            // A sandbox that vanished meanwhile needs no stopping.
        }
    }
}
