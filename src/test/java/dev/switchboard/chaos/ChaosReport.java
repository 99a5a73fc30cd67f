package dev.switchboard.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The figures of one chaos run and its verdict. */
record ChaosReport(ChaosOptions options, long[] startupMillis, ChaosStats stats, Map<String, Integer> faults,
        long faultStartMillis, long faultEndMillis, Kill kill, Orphan orphan, long settleMillis, ChaosChecks.Snapshot atStop,
        ChaosChecks.Snapshot end,
        Map<String, Integer> providerRequests, List<ReplicaLog> logs) {

    /** The kill -9: which replica, when, and when it was ready again (-1: never). */
    record Kill(int replica, long atMillis, long readyAtMillis, String error) {
    }

    /** The planted orphan: when it was planted and when the provider no longer had it (-1: never). */
    record Orphan(String id, long plantedAtMillis, long reapedAtMillis) {
    }

    /** Lines of one replica's logs: ERRORs while running and while stopping (SIGTERM), blocked event-loop warnings. */
    record ReplicaLog(int replica, long errorsRunning, long errorsAtStop, long blockedWarnings, List<String> files) {
    }

    long violations() {
        return stats.violations();
    }

    boolean orphanReaped() {
        return orphan != null && orphan.reapedAtMillis() >= 0;
    }

    /** Why the run failed; empty when every check passed. */
    List<String> failures() {
        List<String> f = new ArrayList<>();
        if (violations() > 0) {
            f.add(violations() + " requests answered a status that is never right (500 above all) or no answer from a live replica");
        }
        if (options.strict && stats.unexpected() > 0) {
            f.add(stats.unexpected() + " requests answered an unexpected status (--strict)");
        }
        if (!end.leaks().isEmpty()) {
            f.add(end.leaks().size() + " leaked sandboxes");
        }
        if (!end.poolLeaks().isEmpty()) {
            f.add(end.poolLeaks().size() + " pool sandboxes in no pool row");
        }
        if (!end.deadPointers().isEmpty()) {
            f.add(end.deadPointers().size() + " dead pointers");
        }
        if (!end.wrongFiles().isEmpty()) {
            f.add(end.wrongFiles().size() + " wrong files or records");
        }
        if (!end.unsettled().isEmpty()) {
            f.add("still changing at the end: " + end.unsettled());
        }
        if (!orphanReaped()) {
            f.add(orphan == null ? "no orphan could be planted" : "the planted orphan " + orphan.id() + " was not reaped");
        }
        if (!end.allReady()) {
            f.add("not every replica is ready: " + Arrays.toString(end.readiness()));
        }
        if (kill != null && kill.readyAtMillis() < 0) {
            f.add("the killed replica did not come back: " + kill.error());
        }
        return f;
    }

    boolean allGood() {
        return failures().isEmpty();
    }

    void print(PrintStream out) {
        ChaosOptions o = options;
        out.printf("chaos: %d users x %d tabs, %d s, %d replicas, seed %d, faults %.0f %% of creates and kills for %d ms, kill -9 %s%n",
                o.users, o.tabs, o.seconds, o.replicas, o.seed, o.faultRate * 100, faultEndMillis - faultStartMillis,
                o.kill ? "on" : "off");
        out.println("replicas ready in (ms): " + Arrays.toString(startupMillis));
        out.println("requests by kind and status:");
        long total = 0;
        for (Map.Entry<String, Map<String, Integer>> e : stats.statusesByKind().entrySet()) {
            int n = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            total += n;
            long[] p = stats.percentiles(e.getKey());
            out.printf("  %-9s %5d  p50 %5d ms  p95 %5d ms  %s%n", e.getKey(), n, p[0], p[1], e.getValue());
        }
        out.printf("  total     %5d; sent elsewhere after a refused connection: %d%n", total, stats.rerouted.get());
        out.printf("edits in sandboxes: %d (and %d aimed at a sandbox already gone); users dozing off: %d%n",
                stats.edits.get(), stats.editsOnGoneSandbox.get(), stats.sleeps.get());
        long late503 = stats.requests().stream().filter(r -> r.status() == 503 && r.startedMillis() >= faultEndMillis).count();
        long last503 = stats.requests().stream().filter(r -> r.status() == 503 && r.startedMillis() >= faultEndMillis)
                .mapToLong(ChaosStats.Request::startedMillis).max().orElse(faultEndMillis);
        out.printf("faults: window +%d..+%d ms, answered by the fake %s; 503s after the window: %d (last at +%d ms after it)%n",
                faultStartMillis, faultEndMillis, faults, late503, last503 - faultEndMillis);
        if (kill != null) {
            out.printf("kill -9: replica %d at +%d ms, ready again at %s; requests cut by it: %d%n", kill.replica() + 1,
                    kill.atMillis(), kill.readyAtMillis() < 0 ? "never (" + kill.error() + ")" : "+" + kill.readyAtMillis() + " ms",
                    stats.count(ChaosStats.CUT_BY_KILL));
        }
        if (orphan != null) {
            out.printf("planted orphan %s at +%d ms: %s%n", orphan.id(), orphan.plantedAtMillis(),
                    orphanReaped() ? "reaped at +" + orphan.reapedAtMillis() + " ms" : "NOT reaped");
        }
        out.printf("when the users stopped: %d users with a sandbox (%d empty), %d files verified%n", atStop.usersWithSandbox(),
                atStop.emptySandboxes(), atStop.filesVerified());
        out.printf("settled after %d ms; at the end: %d users with a sandbox (%d empty), %d files verified, %d pool sandboxes, "
                + "%d switches in flight, %d pending kills%n", settleMillis, end.usersWithSandbox(), end.emptySandboxes(),
                end.filesVerified(), end.poolSandboxes(), end.switchesInFlight(), end.pendingKills());
        out.printf("leaks: %d, dead pointers: %d, wrong files: %d, pool leaks: %d, orphan reaped: %s, readiness: %s%n",
                end.leaks().size(), end.deadPointers().size(), end.wrongFiles().size(), end.poolLeaks().size(),
                orphanReaped() ? "yes" : "NO", Arrays.toString(end.readiness()));
        printList(out, "leak", end.leaks());
        printList(out, "pool leak", end.poolLeaks());
        printList(out, "dead pointer", end.deadPointers());
        printList(out, "wrong", end.wrongFiles());
        out.printf("violating requests: %d (500s: %d)%n", violations(), stats.count(500));
        printList(out, "request", stats.examples());
        out.printf("unexpected statuses: %d%s%n", stats.unexpected(), options.strict ? " (failures with --strict)" : "");
        printList(out, "request", stats.unexpectedExamples());
        out.println("provider requests by operation: " + providerRequests);
        for (ReplicaLog l : logs) {
            out.printf("replica %d log: %d ERROR lines while running, %d at SIGTERM, %d blocked-thread warnings; %s%n",
                    l.replica() + 1, l.errorsRunning(), l.errorsAtStop(), l.blockedWarnings(), l.files());
        }
        List<String> f = failures();
        out.println(f.isEmpty() ? "chaos: PASS" : "chaos: FAIL: " + String.join("; ", f));
    }

    private static void printList(PrintStream out, String label, List<String> items) {
        items.stream().limit(20).forEach(i -> out.println("  " + label + ": " + i));
        if (items.size() > 20) {
            out.println("  ... and " + (items.size() - 20) + " more");
        }
    }
}
