package dev.switchboard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.switchboard.fake.e2b.E2bFakeMain.Latencies;

/** The switch benchmark's command line: workload, provider latencies and what is passed through to the service. */
final class BenchOptions {

    int users = 20;
    int switches = 10;
    int files = 50;
    int bytes = 2048;
    /** Files each user changes in the sandbox before switching away, so save-back has work. */
    int changed = 2;
    /** Unmeasured switches per user first (the first one only creates a sandbox); more of them let the JIT settle. */
    int warmup = 1;
    Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
    final Latencies latencies = Latencies.benchmarkDefaults();
    /** JVM options of the service, e.g. {@code -Xmx256m}. */
    final List<String> serviceOpts = new ArrayList<>();
    /** Service configuration, passed as {@code -Dkey=value}; wins over the bench's own settings. */
    final Map<String, String> config = new LinkedHashMap<>();
    boolean quiet;
    /** Warm-pool size ({@code switchboard.pool.size}); 0: no pool. */
    int pool;
    /** Pause of each user between two switches, not measured (a user reads, types, runs things). */
    int thinkMillis;
    /** Park the old sandbox ({@code switchboard.switch.park=pause}) instead of killing it. */
    boolean park;

    static final String USAGE = """
            usage: bench/switch.sh [options]
              --users U            concurrent users (20)
              --switches S         measured switches per user, alternating between two projects (10)
              --files F            files per project (50)
              --bytes B            bytes per file (2048)
              --changed N          files changed in the sandbox before each switch away (2)
              --warmup W           unmeasured switches per user before the measured ones (1)
              --create-ms, --kill-ms, --write-ms MS   provider latencies (150, 50, 20 per write request)
              --latency OP=MS      latency of any other fake operation (get, timeout, process.start, files.read, ...)
              --global-ms MS       added to every provider answer (0)
              --service-opt OPT    a JVM option of the service, repeatable (e.g. -Xmx256m)
              --config KEY=VALUE   service configuration as a -D system property, repeatable
              --pool N             a warm pool of N sandboxes (switchboard.pool.size), filled before measuring (0)
              --think-ms MS        each user's pause between switches, not measured (0)
              --park               park the old sandbox (switchboard.switch.park=pause): switching back resumes it
              --jar PATH           the packaged service (target/quarkus-app/quarkus-run.jar)
            """;

    static BenchOptions parse(String... args) {
        BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (a.equals("--quiet")) {
                o.quiet = true;
                continue;
            }
            if (a.equals("--park")) {
                o.park = true;
                continue;
            }
            int used = o.latencies.parse(args, i);
            if (used > 0) {
                i += used - 1;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown or incomplete option " + a + "\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--users" -> o.users = positive(a, v);
                case "--switches" -> o.switches = positive(a, v);
                case "--files" -> o.files = positive(a, v);
                case "--bytes" -> o.bytes = positive(a, v);
                case "--changed" -> o.changed = Integer.parseInt(v);
                case "--warmup" -> o.warmup = positive(a, v);
                case "--pool" -> o.pool = Integer.parseInt(v);
                case "--think-ms" -> o.thinkMillis = Integer.parseInt(v);
                case "--jar" -> o.jar = Path.of(v);
                case "--service-opt" -> o.serviceOpts.add(v);
                case "--config" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--config wants key=value, got " + v);
                    }
                    o.config.put(v.substring(0, eq), v.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        return o;
    }

    private static int positive(String option, String value) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return n;
    }

    /** The provider's critical path of one switch: create, then one write request (the kill runs beside them). */
    long criticalPathMillis() {
        return latencies.of("create").plus(latencies.of("files.write")).toMillis();
    }

    /** The provider's latency on the path of a switch by how its sandbox came: cold create + write, warm claim, resume. */
    long providerPathMillis(String launch) {
        return switch (launch) {
            case "warm" -> latencies.of("timeout").plus(latencies.of("files.write")).toMillis();
            case "resumed" -> latencies.of("connect").toMillis();
            default -> criticalPathMillis();
        };
    }

    /** The service configuration the pool and park options stand for (explicit --config entries win). */
    Map<String, String> poolAndPark() {
        Map<String, String> c = new LinkedHashMap<>();
        if (pool > 0) {
            c.put("switchboard.pool.size", Integer.toString(pool));
            c.put("switchboard.pool.create-concurrency", "8");
            // The pool is filled and refilled by the lifecycle jobs, which the bench otherwise leaves off.
            c.put("switchboard.jobs.enabled", "true");
        }
        if (park) {
            c.put("switchboard.switch.park", "pause");
        }
        return c;
    }
}
