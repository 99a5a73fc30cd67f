package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxSpec;

/**
 * Creating and killing a local sandbox: its directory, its server process, and every process its commands left.
 * Blocking; callers run it on worker threads.
 */
final class LocalLifecycle {

    private static final Logger LOG = Logger.getLogger(LocalLifecycle.class);

    private LocalLifecycle() {
    }

    /** Creates the sandbox's directory and starts its server, answering once it serves; cleans up after a failure. */
    static SandboxHandle create(LocalState state, LocalProcesses processes, SandboxSpec spec) throws IOException {
        Path sandboxes = state.sandboxesDir();
        Files.createDirectories(sandboxes);
        List<String> command = processes.serverCommand(state.runtimeDir());

        String id = state.newId();
        Path dir = sandboxes.resolve(id);
        Files.createDirectory(dir);
        Instant createdAt = Instant.ofEpochMilli(System.currentTimeMillis());
        Instant expiresAt = createdAt.plusMillis(spec.timeout().toMillis());
        Process process = null;
        try {
            LocalState.prepare(dir, id, createdAt, expiresAt, spec);
            long started = System.nanoTime();
            process = processes.launch(command, dir, spec.env());
            int port = processes.awaitPort(dir, process);
            LOG.debugf("Local sandbox %s ready on port %d after %d ms", id, port,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return new SandboxHandle(id, LocalState.url(port), null, createdAt, expiresAt, null);
        } catch (IOException | RuntimeException e) {
            String log = LocalProcesses.logTail(dir);
            processes.abortStart(dir, process);
            if (e instanceof ProviderException p) {
                throw new ProviderException(p.kind(), p.getMessage() + LocalProcesses.logSuffix(log), null, e);
            }
            throw new ProviderException(Kind.FAILED, "local sandbox " + id + " failed to start: " + e
                    + LocalProcesses.logSuffix(log), null, e);
        }
    }

    /** Kills every process of the sandbox and deletes its directory; false when it was already gone. */
    static boolean kill(LocalState state, LocalProcesses processes, String id) throws IOException {
        Path dir = state.sandboxDir(id);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Optional<ProcessHandle> server = LocalProcesses.verifiedServer(dir);
        // SIGKILL, because SIGTERM would wait for a paused sandbox to be continued; nothing in it needs a clean exit.
        if (!processes.killAll(id)) {
            LOG.warnf("Some processes of local sandbox %s outlived SIGKILL", id);
        }
        // Only an untagged server (started by an older version) can still be alive here: SIGTERM, then SIGKILL. Without
        // a verified process (none started yet, died, or pid reused) there is nothing to signal; a server still
        // starting exits by itself once its directory is gone.
        server.filter(p -> SandboxProcesses.alive(p.pid())).ifPresent(LocalProcesses::terminate);
        SandboxServer.deleteRecursively(dir);
        return true;
    }
}
