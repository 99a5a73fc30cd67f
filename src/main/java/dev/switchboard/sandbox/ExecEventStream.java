package dev.switchboard.sandbox;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;

import org.jboss.logging.Logger;

import dev.switchboard.common.Problem;
import dev.switchboard.common.ProblemException;
import dev.switchboard.common.ProviderErrors;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecExit;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecOutput;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * Sends a command's events to an SSE client, one at a time ({@code stdout}, {@code stderr}, then {@code exit}; a
 * failure mid-stream is a {@code problem} event). A client that goes away cancels the events, which kills the command.
 */
final class ExecEventStream {

    private static final Logger LOG = Logger.getLogger(ExecEventStream.class);

    private ExecEventStream() {
    }

    static void send(Multi<ExecEvent> events, SseEventSink sink, Sse sse, long startedNanos) {
        AtomicReference<Cancellable> run = new AtomicReference<>();
        // The JAX-RS way to hear of a closed connection: a broadcaster's close callback.
        SseBroadcaster closing = sse.newBroadcaster();
        closing.register(sink);
        closing.onClose(s -> cancel(run));
        run.set(events.onItem().transformToUniAndConcatenate(e -> Uni.createFrom()
                .completionStage(() -> sink.send(event(sse, e, startedNanos))).replaceWithVoid())
                .subscribe().with(sent -> {
                }, failure -> fail(sink, sse, failure), sink::close));
        if (sink.isClosed()) {
            cancel(run);
        }
    }

    private static void cancel(AtomicReference<Cancellable> run) {
        Cancellable c = run.get();
        if (c != null) {
            c.cancel();
        }
    }

    private static void fail(SseEventSink sink, Sse sse, Throwable failure) {
        if (sink.isClosed()) {
            return;
        }
        Problem problem;
        if (failure instanceof ProblemException p) {
            problem = Problem.of(p.status(), p.title(), p.getMessage());
        } else if (failure instanceof ProviderException p) {
            ProblemException mapped = ProviderErrors.toProblem(p);
            problem = Problem.of(mapped.status(), mapped.title(), mapped.getMessage());
        } else {
            LOG.error("a streamed command failed", failure);
            problem = Problem.of(500, "Internal Server Error", "An unexpected error occurred");
        }
        sink.send(sse.newEventBuilder().name("problem").mediaType(MediaType.APPLICATION_JSON_TYPE).data(Problem.class, problem)
                .build()).whenComplete((v, t) -> sink.close());
    }

    private static OutboundSseEvent event(Sse sse, ExecEvent e, long startedNanos) {
        OutboundSseEvent.Builder b = sse.newEventBuilder().mediaType(MediaType.APPLICATION_JSON_TYPE);
        if (e instanceof ExecEvent.Output o) {
            return b.name(o.stream() == ExecEvent.Stream.STDOUT ? "stdout" : "stderr").data(ExecOutput.class,
                    new ExecOutput(o.data())).build();
        }
        ExecEvent.Exit x = (ExecEvent.Exit) e;
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        return b.name("exit").data(ExecExit.class, new ExecExit(x.exitCode(), ms, x.timedOut(), x.truncated())).build();
    }
}
