package dev.switchboard.provider.blaxel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecOutput;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * A command on Blaxel as a stream: {@code POST /process} with {@code Accept: text/event-stream}, which sandbox-api
 * answers with NDJSON events ({@code stdout}, {@code stderr}, {@code keepalive}, then {@code result} or {@code error}).
 * The process gets a unique name, so a timeout or a client that went away can kill it at once with
 * {@code DELETE /process/{name}/kill} (its whole process group): sandbox-api keeps it running otherwise.
 */
final class BlaxelExecStream {

    private static final Logger LOG = Logger.getLogger(BlaxelExecStream.class);

    /** One NDJSON event longer than this is refused rather than buffered. */
    private static final int MAX_LINE_BYTES = 8 * 1024 * 1024;
    /** sandbox-api may answer before it has registered the process: a kill that finds none is tried a few times. */
    private static final int KILL_ATTEMPTS = 10;
    private static final long KILL_RETRY_MILLIS = 200;

    private final BlaxelDataClient data;
    private final ProviderCalls calls;
    private final Map<String, String> headers;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final Duration callTimeout;

    BlaxelExecStream(BlaxelDataClient data, ProviderCalls calls, Map<String, String> headers, HttpClient http,
            ObjectMapper json, Vertx vertx, Duration callTimeout) {
        this.data = data;
        this.calls = calls;
        this.headers = Map.copyOf(headers);
        this.http = http;
        this.json = json;
        this.vertx = vertx;
        this.callTimeout = callTimeout;
    }

    /** A stream that began (its response paused until the subscriber is ready), or the error answer instead. */
    private record Started(HttpClientResponse response, int status, String error, String retryAfter) {
    }

    Multi<ExecEvent> exec(String name, String baseUrl, String root, ExecRequest command) {
        String process = "switchboard-exec-" + UUID.randomUUID();
        ObjectNode body = json.createObjectNode();
        body.put("command", command.command());
        body.put("name", process);
        body.put("workingDir", command.cwd().isEmpty() ? root : root.equals("/") ? "/" + command.cwd() : root + "/" + command.cwd());
        ObjectNode env = body.putObject("env");
        command.env().forEach(env::put);
        body.put("waitForCompletion", false);
        body.put("timeout", BlaxelMapping.timeoutSeconds(command.timeout()));
        // Not idempotent: only an explicit refusal (429/502/503/504 before the process started) is tried again.
        Uni<Started> start = calls.onSandbox(name, "process", Idempotency.NOT_IDEMPOTENT,
                () -> Uni.createFrom().completionStage(() -> start(baseUrl, body).toCompletionStage()).chain(s -> {
                    if (s.response() != null) {
                        return Uni.createFrom().item(s);
                    }
                    return s.status() == 400 || s.status() == 422
                            ? Uni.createFrom().failure(new ProviderException(Kind.BAD_REQUEST, "blaxel process answered "
                                    + s.status() + ": " + BlaxelMapping.errorBody(s.error()).message()))
                            : data.<Started> failure("process", name, s.status(), s.error(), s.retryAfter());
                }));
        // The timeout counts from the subscription, not from when the stream's headers arrive.
        return Multi.createFrom().deferred(() -> {
            long deadline = System.nanoTime() + command.timeout().toNanos();
            return start.onItem().transformToMulti(started -> Multi.createFrom().<ExecEvent> emitter(
                    em -> new Run(name, baseUrl, process, command, started.response(), em).begin(deadline),
                    BackPressureStrategy.BUFFER));
        });
    }

    private Future<Started> start(String baseUrl, ObjectNode body) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(baseUrl + "/process")
                .setIdleTimeout(0);
        headers.forEach(options::putHeader);
        options.putHeader("Accept", "text/event-stream").putHeader("Content-Type", "application/json");
        return http.request(options).compose(req -> req.send(Buffer.buffer(body.toString())).compose(resp -> {
            if (resp.statusCode() == 200) {
                resp.pause();
                return Future.succeededFuture(new Started(resp, 200, null, null));
            }
            return resp.body().map(b -> new Started(null, resp.statusCode(), b.toString(), resp.getHeader("Retry-After")));
        }));
    }

    /** {@code DELETE /process/{name}/kill}, again while sandbox-api does not know the process yet; only logged. */
    private void kill(String name, String baseUrl, String process, int attempt) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.DELETE)
                .setAbsoluteURI(baseUrl + "/process/" + BlaxelMapping.encodePath(process) + "/kill")
                .setIdleTimeout(callTimeout.toMillis());
        headers.forEach(options::putHeader);
        calls.onSandbox(name, "process.kill", Idempotency.IDEMPOTENT, () -> Uni.createFrom().completionStage(
                () -> http.request(options).compose(HttpClientRequest::send)
                        .compose(r -> r.body().map(b -> r.statusCode())).toCompletionStage()))
                .subscribe().with(status -> {
                    if (status == 404 && attempt < KILL_ATTEMPTS) {
                        vertx.setTimer(KILL_RETRY_MILLIS, id -> kill(name, baseUrl, process, attempt + 1));
                    } else {
                        LOG.debugf("blaxel kill of %s in %s answered %s", process, name, status);
                    }
                }, e -> LOG.debugf("blaxel kill of %s in %s failed: %s", process, name, e.getMessage()));
    }

    /** One running command. Synchronized on itself: the response and the deadline timer run on different threads. */
    private final class Run {
        private final String name;
        private final String baseUrl;
        private final String process;
        private final ExecRequest command;
        private final HttpClientResponse response;
        private final MultiEmitter<? super ExecEvent> em;
        private final ExecOutput stdout;
        private final ExecOutput stderr;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private JsonNode result;
        private String error;
        private boolean over;
        private long timer = -1;

        Run(String name, String baseUrl, String process, ExecRequest command, HttpClientResponse response,
                MultiEmitter<? super ExecEvent> em) {
            this.name = name;
            this.baseUrl = baseUrl;
            this.process = process;
            this.command = command;
            this.response = response;
            this.em = em;
            this.stdout = new ExecOutput(command.maxOutputBytes());
            this.stderr = new ExecOutput(command.maxOutputBytes());
        }

        void begin(long deadline) {
            em.onCancellation(this::cancelled);
            response.handler(this::chunk);
            response.exceptionHandler(this::broken);
            response.endHandler(v -> ended());
            timer = vertx.setTimer(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), id -> timedOut());
            response.resume();
        }

        private synchronized void chunk(Buffer buffer) {
            if (over) {
                return;
            }
            byte[] bytes = buffer.getBytes();
            int from = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    line.write(bytes, from, i - from);
                    event(line.toByteArray());
                    line.reset();
                    from = i + 1;
                }
            }
            line.write(bytes, from, bytes.length - from);
            if (line.size() > MAX_LINE_BYTES) {
                fail(new ProviderException(Kind.FAILED, "blaxel process stream: an event longer than " + MAX_LINE_BYTES + " bytes"));
            }
        }

        private void event(byte[] text) {
            if (over || text.length == 0) {
                return;
            }
            JsonNode event;
            try {
                event = json.readTree(text);
            } catch (IOException e) {
                fail(new ProviderException(Kind.FAILED, "blaxel process stream: not JSON: " + e.getMessage(), null, e));
                return;
            }
            String data = event.path("data").asText("");
            switch (event.path("type").asText("")) {
                case "stdout" -> emit(ExecEvent.Stream.STDOUT, stdout.accept(data));
                case "stderr" -> emit(ExecEvent.Stream.STDERR, stderr.accept(data));
                case "result" -> {
                    try {
                        result = json.readTree(data);
                    } catch (IOException e) {
                        fail(new ProviderException(Kind.FAILED, "blaxel process result is not JSON", null, e));
                    }
                }
                case "error" -> error = data;
                default -> {
                    // keepalive
                }
            }
        }

        private void emit(ExecEvent.Stream stream, String text) {
            ExecOutput.emit(em, stream, text);
        }

        private synchronized void ended() {
            if (over) {
                return;
            }
            if (line.size() > 0) {
                event(line.toByteArray());
                line.reset();
            }
            if (over) {
                return;
            }
            flush();
            if (error != null) {
                fail(new ProviderException(Kind.BAD_REQUEST, "blaxel process could not start: " + error));
            } else if (result != null) {
                JsonNode code = result.get("exitCode");
                exit(code == null || code.isNull() ? -1 : code.asInt(), false);
            } else {
                fail(new ProviderException(Kind.FAILED, "blaxel process stream ended without a result"));
            }
        }

        private synchronized void broken(Throwable e) {
            if (!over) {
                fail(new ProviderException(Kind.TRANSIENT, "blaxel process stream of " + name + " broke: " + e, null, e));
            }
        }

        private synchronized void timedOut() {
            if (!over) {
                flush();
                exit(null, true);
                stop();
            }
        }

        private synchronized void cancelled() {
            vertx.cancelTimer(timer);
            if (!over) {
                over = true;
                stop();
            }
        }

        private void stop() {
            kill(name, baseUrl, process, 1);
            response.request().reset();
        }

        private void flush() {
            ExecOutput.flush(em, stdout, stderr);
        }

        private void exit(Integer code, boolean timedOut) {
            over = true;
            vertx.cancelTimer(timer);
            ExecOutput.exit(em, stdout, stderr, code, timedOut);
        }

        private void fail(Throwable e) {
            over = true;
            vertx.cancelTimer(timer);
            em.fail(e);
            response.request().reset();
        }
    }
}
