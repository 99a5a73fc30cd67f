package dev.switchboard.provider.e2b;

import java.io.ByteArrayOutputStream;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.WriteStream;

/**
 * Receives the streamed body as it arrives: feeds the envelope decoder and keeps the first bytes raw, because
 * the status (and with it whether the body is a stream or an error document) is known only at the end.
 */
final class ConnectStreamSink implements WriteStream<io.vertx.core.buffer.Buffer> {

    private final ConnectFrames.Decoder decoder;
    private final ProcessOutput output;
    private final int errorBodyBytes;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private RuntimeException failure;

    ConnectStreamSink(ProcessOutput output, int maxFrameBytes, int errorBodyBytes) {
        this.decoder = new ConnectFrames.Decoder(maxFrameBytes);
        this.output = output;
        this.errorBodyBytes = errorBodyBytes;
    }

    RuntimeException failure() {
        return failure;
    }

    byte[] rawPrefix() {
        return raw.toByteArray();
    }

    @Override
    public Future<Void> write(io.vertx.core.buffer.Buffer data) {
        byte[] bytes = data.getBytes();
        if (raw.size() < errorBodyBytes) {
            raw.write(bytes, 0, Math.min(bytes.length, errorBodyBytes - raw.size()));
        }
        if (failure == null) {
            try {
                for (ConnectFrames.Frame frame : decoder.feed(bytes)) {
                    output.accept(frame);
                }
            } catch (RuntimeException e) {
                // Kept for the caller: an error document (non-200) also lands here and is not a stream at all.
                failure = e;
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public void write(io.vertx.core.buffer.Buffer data, Handler<AsyncResult<Void>> handler) {
        Future<Void> result = write(data);
        if (handler != null) {
            handler.handle(result);
        }
    }

    @Override
    public void end(Handler<AsyncResult<Void>> handler) {
        if (handler != null) {
            handler.handle(Future.succeededFuture());
        }
    }

    @Override
    public WriteStream<io.vertx.core.buffer.Buffer> exceptionHandler(Handler<Throwable> handler) {
        return this;
    }

    @Override
    public WriteStream<io.vertx.core.buffer.Buffer> setWriteQueueMaxSize(int maxSize) {
        return this;
    }

    @Override
    public boolean writeQueueFull() {
        return false;
    }

    @Override
    public WriteStream<io.vertx.core.buffer.Buffer> drainHandler(Handler<Void> handler) {
        return this;
    }
}
