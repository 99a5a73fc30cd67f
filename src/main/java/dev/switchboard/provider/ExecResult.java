package dev.switchboard.provider;

/** The outcome of a command run in a sandbox. {@code exitCode} is -1 when it was killed by the timeout. */
public record ExecResult(int exitCode, String stdout, String stderr, boolean truncated, boolean timedOut) {
}
