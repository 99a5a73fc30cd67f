package dev.switchboard.provider;

import java.time.Duration;
import java.util.Map;

/**
 * A command to run in a sandbox through {@link SandboxProvider#exec(String, ExecRequest)}.
 *
 * @param command the shell command, run by {@code bash -c} (or the provider's shell)
 * @param cwd the working directory as a project path relative to the project root; empty for the root itself. Already
 *        checked against Switchboard's path rules by the caller.
 * @param env extra environment variables for the command
 * @param timeout after this the command's whole process tree is killed and the exit event says {@code timedOut}
 * @param maxOutputBytes bytes of output per stream (stdout, stderr) passed on; the rest is dropped and the exit event
 *        says {@code truncated}
 */
public record ExecRequest(String command, String cwd, Map<String, String> env, Duration timeout, int maxOutputBytes) {

    public ExecRequest {
        cwd = cwd == null ? "" : cwd;
        env = env == null ? Map.of() : Map.copyOf(env);
    }
}
