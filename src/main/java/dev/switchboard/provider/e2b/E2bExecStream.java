package dev.switchboard.provider.e2b;

import java.io.IOException;
import java.time.Duration;
import java.util.Base64;

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
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

/**
 * A command on E2B as a stream: {@code process.Process/Start} with its events passed on as they arrive. The command
 * runs under {@code setsid}, so its pid is also its process group and session: a timeout or a cancelled subscription
 * kills all of it (a {@code kill}/{@code pkill} of the session, then {@code SendSignal} SIGKILL of the pid, which is
 * all envd itself would signal). envd does not end a command whose client went away, hence the explicit kill.
 */
final class E2bExecStream {

    private static final Logger LOG = Logger.getLogger(E2bExecStream.class);

    private static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;
    /** envd's own deadline comes this much after ours: a backstop should the kill below not arrive. */
    private static final Duration ENVD_GRACE = Duration.ofSeconds(10);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

    private final E2bEnvdClient envd;
    private final ProviderCalls calls;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final String root;

    E2bExecStream(E2bEnvdClient envd, ProviderCalls calls, ObjectMapper json, Vertx vertx, String root) {
        this.envd = envd;
        this.calls = calls;
        this.json = json;
        this.vertx = vertx;
        this.root = root.length() > 1 && root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    /** The response of a started command, paused until the subscriber's handlers are in place. */
    private record Started(HttpClientRequest request, HttpClientResponse response) {
    }

    Multi<ExecEvent> exec(E2bEnvdClient.Target target, ExecRequest command) {
        // Not idempotent: only an explicit refusal (429/502/503/504 before the stream began) is tried again.
        Uni<Started> start = calls.onSandbox(target.sandboxId(), "process.start", Idempotency.NOT_IDEMPOTENT,
                () -> Uni.createFrom().completionStage(() -> start(target, command).toCompletionStage()));
        // The timeout counts from the subscription, not from when the stream's headers arrive.
        return Multi.createFrom().deferred(() -> {
            long deadline = System.nanoTime() + command.timeout().toNanos();
            return start.onItem().transformToMulti(started -> Multi.createFrom().<ExecEvent> emitter(
                    em -> new Run(target, command, started, em).begin(deadline), BackPressureStrategy.BUFFER));
        });
    }

    private io.vertx.core.Future<Started> start(E2bEnvdClient.Target target, ExecRequest command) {
        byte[] message = startMessage(command);
        long envdTimeout = command.timeout().plus(ENVD_GRACE).toMillis();
        var options = envd.coreRequest(HttpMethod.POST, target, "/process.Process/Start")
                .putHeader("Content-Type", "application/connect+json")
                .putHeader("Connect-Protocol-Version", "1")
                .putHeader("Connect-Timeout-Ms", Long.toString(envdTimeout))
                .putHeader("Keepalive-Ping-Interval", "50")
                .putHeader("Authorization", E2bEnvdClient.BASIC_USER)
                .setIdleTimeout(envdTimeout + ENVD_GRACE.toMillis());
        return envd.http().request(options).compose(req -> req.send(Buffer.buffer(ConnectFrames.encode(0, message)))
                .compose(resp -> {
                    if (resp.statusCode() == 200) {
                        resp.pause();
                        return io.vertx.core.Future.succeededFuture(new Started(req, resp));
                    }
                    return resp.body().compose(body -> io.vertx.core.Future.failedFuture(envd.error("process.start", target,
                            resp.statusCode(), resp.getHeader("Retry-After"), io.vertx.mutiny.core.buffer.Buffer.newInstance(body))));
                }));
    }

    byte[] startMessage(ExecRequest command) {
        ObjectNode body = json.createObjectNode();
        ObjectNode process = body.putObject("process");
        process.put("cmd", "setsid");
        process.putArray("args").add("/bin/bash").add("-l").add("-c").add(command.command());
        ObjectNode envs = process.putObject("envs");
        command.env().forEach(envs::put);
        process.put("cwd", command.cwd().isEmpty() ? root : root + "/" + command.cwd());
        body.put("stdin", false);
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a process request", e);
        }
    }

    /** Kills the command's session and process group, then its pid through envd; failures are only logged. */
    private void kill(E2bEnvdClient.Target target, long pid) {
        String tree = "kill -KILL -- -" + pid + " 2>/dev/null; pkill -KILL -s " + pid + " 2>/dev/null; exit 0";
        ObjectNode signal = json.createObjectNode();
        signal.putObject("process").put("pid", pid);
        signal.put("signal", "SIGNAL_SIGKILL");
        envd.exec(target, tree, "/", KILL_TIMEOUT, 1024).replaceWithVoid()
                .onFailure().recoverWithNull()
                .chain(() -> calls.onSandbox(target.sandboxId(), "process.signal", Idempotency.IDEMPOTENT,
                        () -> envd.rpc(target, "/process.Process/SendSignal", signal)))
                .subscribe().with(r -> LOG.debugf("e2b kill of %s in %s: signal answered %s", Long.toString(pid), target.sandboxId(),
                        r.statusCode()),
                        e -> LOG.debugf("e2b kill of %s in %s: %s", Long.toString(pid), target.sandboxId(), e.getMessage()));
    }

    /** One running command: its stream, its deadline and what a cancellation must do. Synchronized on itself. */
    private final class Run {
        private final E2bEnvdClient.Target target;
        private final ExecRequest command;
        private final Started started;
        private final MultiEmitter<? super ExecEvent> em;
        private final ConnectFrames.Decoder decoder = new ConnectFrames.Decoder(MAX_FRAME_BYTES);
        private final ExecOutput stdout;
        private final ExecOutput stderr;
        private long pid = -1;
        private Integer exitCode;
        private String errorCode;
        private String errorMessage;
        /** Set when the subscriber has what it gets: completed, failed, timed out or cancelled. */
        private boolean over;
        /** Cancelled or timed out: the command must be killed as soon as its pid is known. */
        private boolean killWanted;
        private long timer = -1;

        Run(E2bEnvdClient.Target target, ExecRequest command, Started started, MultiEmitter<? super ExecEvent> em) {
            this.target = target;
            this.command = command;
            this.started = started;
            this.em = em;
            this.stdout = new ExecOutput(command.maxOutputBytes());
            this.stderr = new ExecOutput(command.maxOutputBytes());
        }

        void begin(long deadline) {
            em.onCancellation(this::cancelled);
            HttpClientResponse resp = started.response();
            resp.handler(this::chunk);
            resp.exceptionHandler(this::broken);
            resp.endHandler(v -> ended());
            timer = vertx.setTimer(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), id -> timedOut());
            resp.resume();
        }

        private synchronized void chunk(Buffer data) {
            if (over && !killWanted) {
                return;
            }
            try {
                for (ConnectFrames.Frame frame : decoder.feed(data.getBytes())) {
                    frame(json.readTree(frame.payload()), frame.endStream());
                }
            } catch (IOException | RuntimeException e) {
                fail(new ProviderException(Kind.FAILED, "e2b process.start: malformed stream: " + e.getMessage(), null, e));
            }
        }

        private void frame(JsonNode message, boolean endStream) {
            if (endStream) {
                JsonNode error = message == null ? null : message.get("error");
                if (error != null && !error.isNull()) {
                    errorCode = error.path("code").asText("unknown");
                    errorMessage = error.path("message").asText("");
                }
                return;
            }
            JsonNode event = message == null ? null : message.get("event");
            if (event == null) {
                return;
            }
            if (event.has("start")) {
                pid = event.path("start").path("pid").asLong(-1);
                if (killWanted && pid > 0) {
                    killNow();
                }
            }
            JsonNode data = event.get("data");
            if (data != null && !over) {
                emit(ExecEvent.Stream.STDOUT, stdout, data.get("stdout"));
                emit(ExecEvent.Stream.STDERR, stderr, data.get("stderr"));
            }
            if (event.has("end")) {
                // proto3 JSON leaves a zero exit code out.
                exitCode = event.path("end").path("exitCode").asInt(0);
            }
        }

        private void emit(ExecEvent.Stream stream, ExecOutput output, JsonNode base64) {
            if (base64 != null && !base64.isNull()) {
                String text = output.accept(Base64.getDecoder().decode(base64.asText()));
                if (!text.isEmpty()) {
                    em.emit(new ExecEvent.Output(stream, text));
                }
            }
        }

        private synchronized void ended() {
            if (over) {
                return;
            }
            flush();
            if (errorCode != null) {
                switch (errorCode) {
                    case "deadline_exceeded" -> exit(null, true);
                    case "unavailable" -> fail(new ProviderException(Kind.GONE, "e2b sandbox " + target.sandboxId()
                            + " is gone (process stream: unavailable: " + errorMessage + ")"));
                    case "resource_exhausted" -> fail(new ProviderException(Kind.RATE_LIMITED,
                            "e2b process.start: resource_exhausted: " + errorMessage));
                    case "invalid_argument", "not_found", "failed_precondition" -> fail(new ProviderException(
                            Kind.BAD_REQUEST, "e2b process.start: " + errorCode + ": " + errorMessage));
                    default -> fail(new ProviderException(Kind.FAILED, "e2b process.start: " + errorCode + ": " + errorMessage));
                }
            } else if (exitCode != null) {
                exit(exitCode, false);
            } else {
                fail(new ProviderException(Kind.FAILED, "e2b process.start: the stream ended without an end event"));
            }
        }

        private synchronized void broken(Throwable e) {
            if (!over) {
                fail(new ProviderException(Kind.TRANSIENT, "e2b process stream of " + target.sandboxId() + " broke: " + e, null, e));
            }
        }

        private synchronized void timedOut() {
            if (over) {
                return;
            }
            flush();
            exit(null, true);
            killWanted = true;
            if (pid > 0) {
                killNow();
            }
        }

        private synchronized void cancelled() {
            vertx.cancelTimer(timer);
            if (over) {
                return;
            }
            over = true;
            killWanted = true;
            if (pid > 0) {
                killNow();
            }
        }

        private void killNow() {
            killWanted = false;
            kill(target, pid);
            started.request().reset();
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
            started.request().reset();
        }
    }

}
