package dev.switchboard.common;

import java.util.function.Supplier;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs reactive work on a Vert.x duplicated context, as request handling does, so each job run has its own context
 * data: jobs and start-up tasks are not always called from one (a start-up observer runs on the main thread).
 */
public final class Contexts {

    private Contexts() {
    }

    public static <T> Uni<T> onDuplicatedContext(Vertx vertx, Supplier<Uni<T>> work) {
        Context current = Vertx.currentContext();
        if (current != null && VertxContext.isDuplicatedContext(current)) {
            return Uni.createFrom().<T> deferred(work::get);
        }
        return Uni.createFrom().emitter(emitter -> {
            Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(v -> work.get().subscribe().with(emitter::complete, emitter::fail));
        });
    }
}
