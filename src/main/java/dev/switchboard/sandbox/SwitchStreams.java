package dev.switchboard.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.DatabaseOutage;
import dev.switchboard.common.Problem;
import dev.switchboard.common.ProblemException;
import dev.switchboard.common.ProviderErrors;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import dev.switchboard.sandbox.SwitchDtos.SwitchResult;
import dev.switchboard.sandbox.SwitchService.Target;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * A switch as a stream of progress events ({@code claimed}, {@code saved-back}, {@code acquired}, {@code restored},
 * {@code committed}, each with {@code ms} since the switch started), ending with {@code result} or {@code problem}.
 * The switch runs to its end whatever becomes of the stream: a client that goes away mid-switch leaves no half switch
 * (it commits, or fails and lets go as the pipeline does on any failure).
 */
@ApplicationScoped
public class SwitchStreams {

    private static final Logger LOG = Logger.getLogger(SwitchStreams.class);

    /** One event: its name and its JSON body. */
    public record Event(String name, Object data) {
    }

    private final SwitchService switches;

    public SwitchStreams(SwitchService switches) {
        this.switches = switches;
    }

    /**
     * The events of a switch of {@code userId} to an already resolved and authorised {@code target}; the switch starts
     * on subscription. {@code answer} turns the switch's result into the body of the final {@code result} event.
     */
    public Multi<Event> run(String userId, Target target, long startedNanos, Function<SwitchResult, Object> answer) {
        return Multi.createFrom().emitter(em -> {
            Listener listener = new Listener(em, startedNanos);
            switches.run(userId, target, null, listener).subscribe().with(
                    r -> {
                        Object body;
                        try {
                            body = answer.apply(r);
                        } catch (RuntimeException e) {
                            listener.end("problem", problem(e));
                            return;
                        }
                        listener.end("result", body);
                    },
                    e -> listener.end("problem", problem(e)));
        });
    }

    /** The problem+json body a failure gets, as the HTTP mappers would answer it. */
    static Problem problem(Throwable e) {
        ProblemException p = e instanceof ProblemException pe ? pe
                : e instanceof ProviderException pv ? ProviderErrors.toProblem(pv)
                : DatabaseOutage.is(e) ? DatabaseOutage.problem() : null;
        if (p == null) {
            LOG.error("unexpected failure of a streamed switch", e);
            return Problem.of(500, "Internal Server Error", "An unexpected error occurred");
        }
        return Problem.of(p.status(), p.title(), p.getMessage());
    }

    /** Emits the steps in the order they complete, with {@code ms} never decreasing (steps may end on two threads). */
    private static final class Listener implements SwitchProgress {
        private final MultiEmitter<? super Event> emitter;
        private final long started;
        private boolean ended;

        Listener(MultiEmitter<? super Event> emitter, long started) {
            this.emitter = emitter;
            this.started = started;
        }

        @Override
        public void claimed(UUID switchId) {
            step("claimed", "switchId", switchId);
        }

        @Override
        public void savedBack(SaveBackSummary saved) {
            step("saved-back", "fragmentId", saved == null ? null : saved.fragmentId(), "savedFiles",
                    saved == null ? 0 : saved.savedFiles(), "skippedCount", saved == null ? 0 : saved.skippedCount());
        }

        @Override
        public void acquired(String sandboxId, Launcher.Kind launch) {
            step("acquired", "launch", launch.tag(), "sandboxId", sandboxId);
        }

        @Override
        public void restored(int files, int skipped) {
            step("restored", "restoredFiles", files, "skippedFiles", skipped);
        }

        @Override
        public void committed(String sandboxId) {
            step("committed", "sandboxId", sandboxId);
        }

        private synchronized void step(String name, Object... fields) {
            if (ended) {
                return;
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("ms", (System.nanoTime() - started) / 1_000_000);
            for (int i = 0; i < fields.length; i += 2) {
                data.put((String) fields[i], fields[i + 1]);
            }
            emitter.emit(new Event(name, data));
        }

        synchronized void end(String name, Object body) {
            if (ended) {
                return;
            }
            ended = true;
            emitter.emit(new Event(name, body));
            emitter.complete();
        }
    }
}
