package dev.switchboard.provider.e2b;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Connect streaming envelopes (connect.build/docs/protocol): one flag byte, a 4-byte big-endian length, the message.
 * Flag {@code 0x02} marks the end-of-stream message; {@code 0x01} (compressed) is never negotiated by this client.
 */
final class ConnectFrames {

    static final int FLAG_COMPRESSED = 0x01;
    static final int FLAG_END_STREAM = 0x02;
    private static final int HEADER_BYTES = 5;

    private ConnectFrames() {
    }

    /** One envelope as received. */
    record Frame(int flags, byte[] payload) {

        boolean endStream() {
            return (flags & FLAG_END_STREAM) != 0;
        }

        @Override
        public String toString() {
            return "Frame[flags=" + flags + ", " + payload.length + " bytes]";
        }
    }

    /** A request or response message in its envelope. */
    static byte[] encode(int flags, byte[] message) {
        byte[] out = new byte[HEADER_BYTES + message.length];
        out[0] = (byte) flags;
        out[1] = (byte) (message.length >>> 24);
        out[2] = (byte) (message.length >>> 16);
        out[3] = (byte) (message.length >>> 8);
        out[4] = (byte) message.length;
        System.arraycopy(message, 0, out, HEADER_BYTES, message.length);
        return out;
    }

    /**
     * Splits a byte stream into envelopes as chunks arrive; an envelope may span chunks. A declared length above
     * {@code maxFrameBytes} is refused before anything is buffered for it, so a garbled or hostile stream cannot
     * make the client allocate gigabytes.
     */
    static final class Decoder {

        private final int maxFrameBytes;
        /** Received bytes not yet returned as frames live in {@code buffer[start, end)}. */
        private byte[] buffer = new byte[8192];
        private int start;
        private int end;

        Decoder(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
        }

        /** The envelopes completed by this chunk, in order. */
        List<Frame> feed(byte[] chunk) {
            append(chunk);
            List<Frame> frames = new ArrayList<>();
            while (end - start >= HEADER_BYTES) {
                int flags = buffer[start] & 0xff;
                long length = ((buffer[start + 1] & 0xffL) << 24) | ((buffer[start + 2] & 0xff) << 16)
                        | ((buffer[start + 3] & 0xff) << 8) | (buffer[start + 4] & 0xff);
                if (length > maxFrameBytes) {
                    throw new IllegalStateException("Connect envelope of " + length + " bytes exceeds " + maxFrameBytes);
                }
                if (end - start - HEADER_BYTES < length) {
                    break;
                }
                int from = start + HEADER_BYTES;
                frames.add(new Frame(flags, Arrays.copyOfRange(buffer, from, from + (int) length)));
                start = from + (int) length;
            }
            if (start == end) {
                start = 0;
                end = 0;
            }
            return frames;
        }

        /** Bytes of an envelope that has not been completed yet. */
        int pendingBytes() {
            return end - start;
        }

        private void append(byte[] chunk) {
            if (end + chunk.length > buffer.length) {
                int pending = end - start;
                // Grow by doubling so a large envelope arriving in small chunks costs linear, not quadratic, copying.
                byte[] target = pending + chunk.length > buffer.length
                        ? new byte[Math.max(pending + chunk.length, buffer.length * 2)]
                        : buffer;
                System.arraycopy(buffer, start, target, 0, pending);
                buffer = target;
                start = 0;
                end = pending;
            }
            System.arraycopy(chunk, 0, buffer, end, chunk.length);
            end += chunk.length;
        }
    }
}
