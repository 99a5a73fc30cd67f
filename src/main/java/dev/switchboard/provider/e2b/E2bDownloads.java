package dev.switchboard.provider.e2b;

import java.time.Duration;

import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.buffer.Buffer;

/** Capped, streamed downloads of one file from envd's {@code /files} into a local file (save-back's archive). */
final class E2bDownloads {

    private final E2bEnvdClient envd;

    E2bDownloads(E2bEnvdClient envd) {
        this.envd = envd;
    }

    /**
     * Streams a file's bytes into {@code file}, cutting the connection once more than {@code maxBytes} arrived (so a
     * file that grows meanwhile fills neither disk nor memory). Answers the bytes written and whether it was cut.
     */
    Uni<Download> download(E2bEnvdClient.Target target, String path, AsyncFile file, long maxBytes, Duration timeout) {
        if (envd.http() == null) {
            return Uni.createFrom().failure(new IllegalStateException("no HTTP client for downloads"));
        }
        return envd.calls().onSandbox(target.sandboxId(), "files.read", Idempotency.IDEMPOTENT, timeout,
                () -> Uni.createFrom().completionStage(() -> startDownload(target, path, file, maxBytes, timeout)
                        .toCompletionStage()));
    }

    /** What {@link #download} wrote. */
    record Download(long bytes, boolean cut) {
    }

    private Future<Download> startDownload(E2bEnvdClient.Target target, String path, AsyncFile file, long maxBytes, Duration timeout) {
        RequestOptions options = envd.fileRequest(target, path, timeout);
        // A retried attempt writes from the start again; a shorter second answer leaves junk after the archive's end,
        // which the archive reader never reaches.
        file.setWritePos(0);
        return envd.http().request(options).compose(req -> req.send().compose(resp -> {
            if (resp.statusCode() == 404) {
                // The file is missing, not the sandbox (that would be the proxy's 502).
                return resp.body().compose(body -> Future.failedFuture(new ProviderException(Kind.FAILED,
                        "e2b files.read of " + target.sandboxId() + ": " + path + " does not exist")));
            }
            if (resp.statusCode() != 200) {
                return resp.body().compose(body -> Future.failedFuture(envd.error("files.read", target, resp.statusCode(),
                        resp.getHeader("Retry-After"), Buffer.newInstance(body))));
            }
            Promise<Download> done = Promise.promise();
            long[] total = { 0 };
            resp.exceptionHandler(done::tryFail);
            resp.handler(chunk -> {
                if (done.future().isComplete()) {
                    return;
                }
                total[0] += chunk.length();
                if (total[0] > maxBytes) {
                    // Completed first: the reset also reports itself to the exception handler.
                    done.tryComplete(new Download(total[0] - chunk.length(), true));
                    req.reset();
                    return;
                }
                file.write(chunk);
                if (file.writeQueueFull()) {
                    resp.pause();
                    file.drainHandler(d -> resp.resume());
                }
            });
            resp.endHandler(e -> done.tryComplete(new Download(total[0], false)));
            return done.future();
        })).compose(d -> file.flush().map(d));
    }
}
