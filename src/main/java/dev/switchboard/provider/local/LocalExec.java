package dev.switchboard.provider.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/**
 * Commands in a local sandbox: {@code bash -c} in its project root (or {@code cwd} below it), with the sandbox's tag
 * and a tag of their own, so the sandbox's pause and kill reach them and the timeout reaches their whole tree.
 */
final class LocalExec {

    /** Names one command in the environment of every process it starts (see {@link SandboxProcesses}). */
    static final String EXEC_VARIABLE = "SWITCHBOARD_EXEC";
    /** Changes into {@code $1} (relative to the project root) and runs {@code $2}; a missing directory exits 1. */
    static final String WRAPPER = "cd -- \"$1\" && exec /bin/bash -c \"$2\"";

    private LocalExec() {
    }

    /**
     * Starts {@code request} in the live sandbox in {@code dir}, entering it as {@code isolation} says (unisolated:
     * in its files directory, as the service's user). Blocking.
     */
    static LocalExecStream.Started start(Path dir, IsolatedCommand isolation, ExecRequest request) throws IOException {
        String execId = UUID.randomUUID().toString();
        List<String> command = new ArrayList<>(isolation.prefix());
        command.addAll(List.of("/bin/bash", "-c", WRAPPER, "switchboard-exec",
                request.cwd().isEmpty() ? "." : request.cwd(), request.command()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.resolve(SandboxServer.FILES_DIR).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().retainAll(LocalProcesses.INHERITED_ENV);
        env.putAll(isolation.env());
        env.putAll(request.env());
        // The command and whatever it leaves running belong to the sandbox: paused, resumed and killed with it.
        env.put(EXEC_VARIABLE, execId);
        LocalProcesses.tag(env, dir);
        Process process = builder.start();
        SandboxProcesses tree = new SandboxProcesses(EXEC_VARIABLE, execId);
        LocalExecStream.Started started = new LocalExecStream.Started() {
            @Override
            public Process process() {
                return process;
            }

            @Override
            public boolean killTree(Duration within) {
                // Stopped first, so nothing in the tree forks while it is being killed.
                tree.stop(within.dividedBy(2));
                process.destroyForcibly();
                return tree.kill(within.dividedBy(2));
            }
        };
        if (LocalState.isPaused(dir)) {
            // Paused since the caller checked: the pause's scan may have missed this process, so it must not run.
            started.killTree(LocalExecStream.KILL_WITHIN);
            throw new ProviderException(Kind.CONFLICT, "local sandbox " + dir.getFileName() + " is paused: resume it first");
        }
        return started;
    }

    /** The answer of the one-shot exec from a command's events; {@code exitCode} -1 when it timed out. */
    static ExecResult result(List<ExecEvent> events) {
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        ExecEvent.Exit exit = null;
        for (ExecEvent event : events) {
            if (event instanceof ExecEvent.Output o) {
                (o.stream() == ExecEvent.Stream.STDOUT ? out : err).append(o.data());
            } else if (event instanceof ExecEvent.Exit e) {
                exit = e;
            }
        }
        if (exit == null) {
            throw new ProviderException(Kind.FAILED, "local command ended without an exit status");
        }
        return new ExecResult(exit.exitCode() == null ? -1 : exit.exitCode(), out.toString(), err.toString(),
                exit.truncated(), exit.timedOut());
    }
}
