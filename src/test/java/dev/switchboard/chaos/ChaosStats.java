package dev.switchboard.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Every request the users made, with its outcome, and the counters of what happened around them. */
final class ChaosStats {

    /** No HTTP answer: the replica was killed while the request was in flight. */
    static final int CUT_BY_KILL = -1;
    /** No HTTP answer from a replica that was up: a violation. */
    static final int IO_ERROR = -2;
    /** No answer within the request timeout: a violation. */
    static final int TIMEOUT = -3;

    /**
     * What each kind of request may answer under chaos: success, 409 (a concurrent request of the same user won),
     * 429 and 503 (the provider's trouble, with Retry-After), and 404 for a heartbeat without a live sandbox.
     * Any other 4xx is unexpected (reported; a failure with {@code --strict}); a 5xx other than 503, a 400/401/403 (a
     * broken driver or token) or no answer from a live replica is a violation.
     */
    private static final Map<String, Set<Integer>> EXPECTED = Map.of(
            "switch", Set.of(200, 409, 429, 503),
            "init", Set.of(200, 409, 429, 503),
            "status", Set.of(200, 429, 503),
            "heartbeat", Set.of(204, 404, 409, 429, 503),
            "cleanup", Set.of(200, 409, 429, 503));

    /** One request: its kind (switch, init, ...), status or one of the codes above, when it started, how long it took. */
    record Request(String kind, int status, long startedMillis, long nanos) {
        boolean violation() {
            return status == IO_ERROR || status == TIMEOUT || status >= 500 && status != 503
                    || status == 400 || status == 401 || status == 403;
        }

        boolean unexpected() {
            return status != CUT_BY_KILL && !violation() && !EXPECTED.getOrDefault(kind, Set.of()).contains(status);
        }
    }

    private volatile long t0 = System.nanoTime();
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final List<String> examples = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unexpectedExamples = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger rerouted = new AtomicInteger();
    final AtomicInteger edits = new AtomicInteger();
    final AtomicInteger editsOnGoneSandbox = new AtomicInteger();
    final AtomicInteger sleeps = new AtomicInteger();

    /** Times count from now on: the users start acting. */
    void start() {
        t0 = System.nanoTime();
    }

    long nowMillis() {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Records a request that started at {@code startedNanos} (System.nanoTime); {@code detail} explains a violation. */
    void record(String kind, int status, long startedNanos, String detail) {
        Request r = new Request(kind, status, (startedNanos - t0) / 1_000_000, System.nanoTime() - startedNanos);
        requests.add(r);
        List<String> to = r.violation() ? examples : r.unexpected() ? unexpectedExamples : null;
        if (to != null && to.size() < 20) {
            to.add(kind + " at +" + r.startedMillis() + " ms: " + label(status) + (detail == null ? "" : ": " + detail));
        }
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<String> examples() {
        synchronized (examples) {
            return List.copyOf(examples);
        }
    }

    List<String> unexpectedExamples() {
        synchronized (unexpectedExamples) {
            return List.copyOf(unexpectedExamples);
        }
    }

    static String label(int status) {
        return switch (status) {
            case CUT_BY_KILL -> "cut-by-kill";
            case IO_ERROR -> "io-error";
            case TIMEOUT -> "timeout";
            default -> Integer.toString(status);
        };
    }

    /** Status counts per kind, kinds and statuses sorted. */
    Map<String, Map<String, Integer>> statusesByKind() {
        Map<String, Map<String, Integer>> m = new TreeMap<>();
        for (Request r : requests) {
            m.computeIfAbsent(r.kind(), k -> new TreeMap<>()).merge(label(r.status()), 1, Integer::sum);
        }
        return m;
    }

    /** p50 and p95 in ms of the requests of one kind that got an answer. */
    long[] percentiles(String kind) {
        long[] ms = requests.stream().filter(r -> r.kind().equals(kind) && r.status() > 0)
                .mapToLong(r -> r.nanos() / 1_000_000).sorted().toArray();
        if (ms.length == 0) {
            return new long[] {0, 0};
        }
        return new long[] {ms[(int) Math.ceil(ms.length * 0.50) - 1], ms[(int) Math.ceil(ms.length * 0.95) - 1]};
    }

    long violations() {
        return requests.stream().filter(Request::violation).count();
    }

    long unexpected() {
        return requests.stream().filter(Request::unexpected).count();
    }

    long count(int status) {
        return requests.stream().filter(r -> r.status() == status).count();
    }
}
