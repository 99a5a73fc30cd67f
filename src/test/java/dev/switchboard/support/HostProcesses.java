package dev.switchboard.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

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
     * host pid, found by a unique argument: inside an isolated sandbox {@code $!} is a pid of the sandbox's own pid
     * namespace. Its output goes elsewhere: a background process holding the command's stdout would hold it open.
     */
    public static long startBackgroundSleep(SandboxProvider provider, String sandboxId, Duration wait) {
        String seconds = "300." + (100000 + new Random().nextInt(900000));
        ExecResult r = provider.exec(sandboxId, "sleep " + seconds + " >/dev/null 2>&1 &", Duration.ofSeconds(10), 100)
                .await().atMost(wait);
        assertEquals(0, r.exitCode(), r.stderr());
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Optional<ProcessHandle> sleep = ProcessHandle.allProcesses()
                    .filter(p -> commandLine(p.pid()).equals("sleep\0" + seconds + "\0")).findFirst();
            if (sleep.isPresent()) {
                return sleep.get().pid();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        throw new AssertionError("the background process outlives its command: no sleep " + seconds + " found");
    }

    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
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
