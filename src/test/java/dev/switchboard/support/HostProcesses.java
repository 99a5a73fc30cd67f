package dev.switchboard.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.SandboxProvider;

/**
 * Processes a sandbox started, seen from the host as tests see them: the local provider and the E2B fake run real
 * processes here, so a paused sandbox's processes are visibly stopped in {@code /proc}.
 */
public final class HostProcesses {

    private HostProcesses() {
    }

    /**
     * Starts {@code sleep 300} in the background of a command in the sandbox, as a dev server would run; answers its
     * (host) pid. Its output goes elsewhere: a background process holding the command's stdout would hold it open.
     */
    public static long startBackgroundSleep(SandboxProvider provider, String sandboxId, Duration wait) {
        ExecResult r = provider.exec(sandboxId, "sleep 300 >/dev/null 2>&1 & echo $!", Duration.ofSeconds(10), 100)
                .await().atMost(wait);
        assertEquals(0, r.exitCode(), r.stderr());
        long pid = Long.parseLong(r.stdout().strip());
        assertTrue(ProcessHandle.of(pid).isPresent(), "the background process outlives its command");
        return pid;
    }

    /** The state letter in {@code /proc/<pid>/stat} ({@code T} when stopped), or 0 when there is no such process. */
    public static char state(long pid) {
        try {
            String text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return text.charAt(text.lastIndexOf(')') + 2);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gone, or a zombie: killed, though an init that does not reap may keep its entry. */
    public static boolean gone(long pid) {
        char state = state(pid);
        return state == 0 || state == 'Z' || state == 'X';
    }
}
