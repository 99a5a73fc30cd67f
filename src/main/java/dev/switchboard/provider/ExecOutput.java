package dev.switchboard.provider;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * One output stream of a streamed command: passes on at most {@code maxBytes} bytes, decoded as UTF-8 as they arrive,
 * never splitting a multi-byte character between two chunks (its first bytes wait for the rest). Not thread-safe: one
 * stream's chunks arrive in order on one thread at a time.
 */
public final class ExecOutput {

    private final int maxBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes of a character that has not been completed yet (at most 3). */
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private long passed;
    private boolean truncated;

    public ExecOutput(int maxBytes) {
        this.maxBytes = Math.max(0, maxBytes);
    }

    /** The text of this chunk that fits under the cap (possibly empty); what does not fit is dropped. */
    public String accept(byte[] chunk) {
        int room = (int) Math.max(0, Math.min(Integer.MAX_VALUE, maxBytes - passed));
        int take = Math.min(room, chunk.length);
        if (take < chunk.length) {
            truncated = true;
        }
        if (take == 0) {
            return "";
        }
        passed += take;
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + take);
        in.put(pending).put(chunk, 0, take).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = in.slice();
        return out.flip().toString();
    }

    /** {@link #accept} for text that arrived already decoded: capped by its UTF-8 length. */
    public String accept(String text) {
        return text == null || text.isEmpty() ? "" : accept(text.getBytes(StandardCharsets.UTF_8));
    }

    /** What is left at the end of the stream: an incomplete character becomes U+FFFD. */
    public String finish() {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        pending = ByteBuffer.allocate(0);
        return out.flip().toString();
    }

    /** Whether some output went past the cap and was dropped. */
    public boolean truncated() {
        return truncated;
    }

    /** Passes on what the two streams still hold (an incomplete trailing character), as output events. */
    public static void flush(MultiEmitter<? super ExecEvent> em, ExecOutput stdout, ExecOutput stderr) {
        emit(em, ExecEvent.Stream.STDOUT, stdout.finish());
        emit(em, ExecEvent.Stream.STDERR, stderr.finish());
    }

    /** Ends the command's events: the exit event, truncated when either stream was cut, then completion. */
    public static void exit(MultiEmitter<? super ExecEvent> em, ExecOutput stdout, ExecOutput stderr, Integer code,
            boolean timedOut) {
        em.emit(new ExecEvent.Exit(code, timedOut, stdout.truncated() || stderr.truncated()));
        em.complete();
    }

    /** An output event, unless there is no text. */
    public static void emit(MultiEmitter<? super ExecEvent> em, ExecEvent.Stream stream, String text) {
        if (!text.isEmpty()) {
            em.emit(new ExecEvent.Output(stream, text));
        }
    }
}
