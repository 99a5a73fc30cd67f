package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.switchboard.provider.SandboxInfo;

/**
 * Pausing and resuming a local sandbox: every process of it (its server, its namespace holder, whatever its commands
 * left running) is stopped with SIGSTOP and continued with SIGCONT. Blocking; callers run it on worker threads.
 */
final class LocalPause {

    private static final Logger LOG = Logger.getLogger(LocalPause.class);

    private LocalPause() {
    }

    /**
     * Marks the sandbox paused first, so no file or exec call starts while its processes are being stopped; when
     * some cannot be stopped, everything is continued again and false answered (the caller kills it instead).
     */
    static boolean pause(LocalState state, LocalProcesses processes, String id) throws IOException {
        Path dir = state.sandboxDir(id);
        Optional<SandboxInfo> info = state.inspect(dir);
        if (info.isEmpty()) {
            return false;
        }
        try {
            if (info.get().state() != SandboxInfo.State.PAUSED) {
                LocalState.markPaused(dir, true);
            }
        } catch (NoSuchFileException e) {
            return false;
        }
        if (processes.stopAll(id)) {
            return true;
        }
        LOG.warnf("Local sandbox %s cannot be paused: some of its processes keep running", id);
        processes.continueAll(id);
        LocalState.markPaused(dir, false);
        return false;
    }

    /**
     * The new expiry is written before anything is continued, or the server's own expiry check would remove the
     * sandbox at once. The marker goes last, so a resume cut short is completed by the next one.
     */
    static Optional<SandboxInfo> resume(LocalState state, LocalProcesses processes, String id, Duration timeout) throws IOException {
        Path dir = state.sandboxDir(id);
        boolean paused = LocalState.isPaused(dir);
        Optional<SandboxInfo> extended = state.extend(id, timeout);
        if (extended.isEmpty() || !paused) {
            return extended;
        }
        processes.continueAll(id);
        LocalState.markPaused(dir, false);
        return state.inspect(dir);
    }
}
