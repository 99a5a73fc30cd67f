package dev.switchboard.provider;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Provider calls run side by side, a bounded number at a time, failing as one: after the first failure no new call
 * starts, the ones in flight finish, and the whole fails with that first failure, later ones attached as suppressed.
 * Mutiny's {@code merge} alone fails at the first failure and drops every later one as an unhandled ERROR (a
 * sandbox lost half way through an upload fails each upload in flight).
 */
public final class ParallelCalls {

    private ParallelCalls() {
    }

    /** The results of {@code call} on each item (in completion order; null results left out). */
    public static <T, R> Uni<List<R>> all(List<T> items, int concurrency, Function<T, Uni<R>> call) {
        AtomicReference<Throwable> first = new AtomicReference<>();
        return Multi.createFrom().iterable(items)
                .onItem().transformToUni(item -> first.get() != null ? Uni.createFrom().item(Optional.<R> empty())
                        : call.apply(item).map(Optional::ofNullable).onFailure().recoverWithItem(e -> {
                            if (!first.compareAndSet(null, e)) {
                                Throwable f = first.get();
                                synchronized (f) {
                                    f.addSuppressed(e);
                                }
                            }
                            return Optional.empty();
                        }))
                .merge(Math.max(1, concurrency))
                .collect().asList()
                .chain(results -> first.get() != null ? Uni.createFrom().failure(first.get())
                        : Uni.createFrom().item(results.stream().flatMap(Optional::stream).toList()));
    }
}
