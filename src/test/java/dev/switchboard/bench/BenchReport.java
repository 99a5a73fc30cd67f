package dev.switchboard.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The figures of one benchmark run, and how they are printed. */
record BenchReport(BenchOptions options, long startupMillis, int attempted, int ok, int failed, long filesVerified,
        long filesMismatched, int oldSandboxesAlive, long[] latencyNanos, String[] launches, long wallNanos, double cpuMillisPerSwitch,
        double machineBusyPercent, long rssPeakKib, Map<String, Double> requestsPerSwitch, List<String> errors) {

    /** Every switch answered 200, every restored file matched and every replaced sandbox was gone. */
    boolean allGood() {
        return failed == 0 && filesMismatched == 0 && oldSandboxesAlive == 0 && ok == attempted && attempted > 0;
    }

    /** Nearest-rank percentile in milliseconds. */
    double percentileMillis(double p) {
        return percentileMillis(latencyNanos, p);
    }

    /** Latencies of the switches whose sandbox came this way ({@code cold}, {@code warm}, {@code resumed}). */
    long[] latencies(String launch) {
        return java.util.stream.IntStream.range(0, latencyNanos.length).filter(i -> launch.equals(launches[i]))
                .mapToLong(i -> latencyNanos[i]).toArray();
    }

    static double percentileMillis(long[] latencyNanos, double p) {
        if (latencyNanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = latencyNanos.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    double switchesPerSecond() {
        return wallNanos == 0 ? 0 : ok / (wallNanos / 1e9);
    }

    void print(PrintStream out) {
        long critical = options.criticalPathMillis();
        out.println();
        out.printf("Switch benchmark: %d users x %d switches, 2 projects each of %d files x %d B, %d files changed before each switch%n",
                options.users, options.switches, options.files, options.bytes, options.changed);
        out.printf("provider: E2B fake, %s; critical path (create + one write) %d ms%n", options.latencies, critical);
        out.printf("service: %s%s%n", options.serviceOpts.isEmpty() ? "default JVM options" : String.join(" ", options.serviceOpts),
                options.config.isEmpty() ? "" : ", " + options.config.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
        out.printf("start-up to ready     %d ms%n", startupMillis);
        out.printf("switches              %d ok, %d failed (of %d; warm-up switches per user before them, not counted: %d)%n",
                ok, failed, attempted, options.warmup);
        out.printf("verified              %d files restored as expected, %d mismatched; %d replaced sandboxes still alive%n",
                filesVerified, filesMismatched, oldSandboxesAlive);
        double p50 = percentileMillis(50);
        double p95 = percentileMillis(95);
        double p99 = percentileMillis(99);
        out.printf("latency p50/p95/p99   %.0f / %.0f / %.0f ms (max %.0f)%n", p50, p95, p99, percentileMillis(100));
        if (critical > 0) {
            out.printf("x critical path       %.2f / %.2f / %.2f%n", p50 / critical, p95 / critical, p99 / critical);
        }
        for (String launch : List.of("cold", "warm", "resumed")) {
            long[] l = latencies(launch);
            if (l.length > 0 && l.length < latencyNanos.length || !launch.equals("cold") && l.length > 0) {
                long path = options.providerPathMillis(launch);
                double lp50 = percentileMillis(l, 50);
                out.printf("  %-8s %4d switches, p50/p99 %.0f / %.0f ms; provider path %d ms (%s); p50 x provider path %.2f, x cold critical path %.2f%n",
                        launch, l.length, lp50, percentileMillis(l, 99), path, switch (launch) {
                            case "warm" -> "set timeout + one write";
                            case "resumed" -> "connect";
                            default -> "create + one write";
                        }, path > 0 ? lp50 / path : Double.NaN, critical > 0 ? lp50 / critical : Double.NaN);
            }
        }
        out.printf("throughput            %.1f switches/s (%d switches in %.1f s)%n", switchesPerSecond(), ok, wallNanos / 1e9);
        out.printf("service CPU           %.1f ms per switch (machine %.0f %% busy over %d CPUs: service, bench, fake and its commands)%n",
                cpuMillisPerSwitch, machineBusyPercent, Runtime.getRuntime().availableProcessors());
        out.printf("service RSS peak      %d MiB%n", rssPeakKib / 1024);
        out.printf("provider requests per switch: %s%n", requestsPerSwitch.entrySet().stream()
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
        if (!errors.isEmpty()) {
            out.printf("first errors (%d):%n", errors.size());
            errors.stream().limit(10).forEach(e -> out.println("  " + e));
        }
    }
}
