package dev.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

class ParallelCallsTest {

    private final List<Throwable> dropped = Collections.synchronizedList(new ArrayList<>());
    @BeforeEach
    void captureDropped() {
        Infrastructure.setDroppedExceptionHandler(dropped::add);
    }

    @AfterEach
    void restore() {
        Infrastructure.resetDroppedExceptionHandler();
    }

    @Test
    void twoCallsFailingInFlightFailAsOneAndNothingIsDropped() {
        RuntimeException first = new RuntimeException("sandbox gone (1)");
        RuntimeException second = new RuntimeException("sandbox gone (2)");
        AtomicInteger started = new AtomicInteger();
        Uni<List<Integer>> all = ParallelCalls.all(List.of(1, 2, 3, 4, 5, 6), 2, i -> {
            started.incrementAndGet();
            return switch (i) {
                case 1 -> Uni.createFrom().item(i).onItem().delayIt().by(Duration.ofMillis(20))
                        .onItem().failWith(() -> first);
                case 2 -> Uni.createFrom().item(i).onItem().delayIt().by(Duration.ofMillis(60))
                        .onItem().failWith(() -> second);
                default -> Uni.createFrom().item(i);
            };
        });

        RuntimeException failure = assertThrows(RuntimeException.class, () -> all.await().atMost(Duration.ofSeconds(5)));

        assertSame(first, failure, "the first failure");
        assertEquals(List.of(second), List.of(failure.getSuppressed()), "the later one attached, not dropped");
        assertEquals(List.of(), dropped, "Mutiny dropped nothing");
        assertEquals(2, started.get(), "no call started after the first failure");
    }

    @Test
    void allSucceedingGiveEveryResult() {
        List<Integer> results = ParallelCalls.all(List.of(1, 2, 3), 2, i -> Uni.createFrom().item(i * 10))
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of(10, 20, 30), results.stream().sorted().toList());
    }
}
