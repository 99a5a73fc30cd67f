package dev.switchboard.provider;

/**
 * What a running command reports, in order: any number of {@link Output} chunks, then exactly one {@link Exit}.
 */
public sealed interface ExecEvent {

    /** Which output stream a chunk came from. */
    enum Stream {
        STDOUT,
        STDERR
    }

    /**
     * A chunk of a stream's output as it arrived, decoded as UTF-8 (a multi-byte character is never split between
     * two chunks; undecodable bytes become U+FFFD).
     */
    record Output(Stream stream, String data) implements ExecEvent {
    }

    /**
     * The end of the command. {@code exitCode} is null when it was killed by the timeout ({@code timedOut}).
     * {@code truncated} when some output went past the per-stream cap and was dropped.
     */
    record Exit(Integer exitCode, boolean timedOut, boolean truncated) implements ExecEvent {
    }
}
