package dev.switchboard.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The chaos command's options ({@code --help} lists them). */
final class ChaosOptions {

    static final String USAGE = """
            bench/chaos.sh [options]: three packaged replicas on one PostgreSQL and the E2B fake; users act at random
            against random replicas while creates and kills fail for a while and one replica is killed (kill -9) and
            restarted; afterwards the provider's sandboxes must be exactly the recorded ones, holding the right files.
              --seconds N          how long the users act (60)
              --users N            users (24), each with --projects projects of --files files
              --replicas N         service replicas (3)
              --seed N             seeds every random choice (1)
              --no-kill            no kill -9 of a replica
              --fault-rate F       fraction of creates and kills that fail during the fault window (0.2; 0 for none)
              --fault-seconds N    length of the fault window (10, at most a third of --seconds)
              --tabs N             concurrent request loops per user, as two browser tabs (2)
              --projects N         projects per user (2)
              --files N            files per project (6)
              --settle-seconds N   longest wait for the jobs to settle before the checks fail (60)
              --jar PATH           the packaged service (target/quarkus-app/quarkus-run.jar)
              --service-opt OPT    a JVM option of every replica, repeatable
              --config KEY=VALUE   service configuration as -DKEY=VALUE, repeatable
              --strict             an unexpected status (e.g. a 404 answering init) fails the run too
              --quiet              print only the figures
            """;

    int seconds = 60;
    int users = 24;
    int replicas = 3;
    long seed = 1;
    boolean kill = true;
    double faultRate = 0.2;
    int faultSeconds = 10;
    int tabs = 2;
    int projects = 2;
    int files = 6;
    int settleSeconds = 60;
    boolean quiet;
    boolean strict;
    Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
    final List<String> serviceOpts = new ArrayList<>();
    final Map<String, String> config = new LinkedHashMap<>();

    private ChaosOptions() {
    }

    static ChaosOptions parse(String... args) {
        ChaosOptions o = new ChaosOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--no-kill" -> {
                    o.kill = false;
                    continue;
                }
                case "--quiet" -> {
                    o.quiet = true;
                    continue;
                }
                case "--strict" -> {
                    o.strict = true;
                    continue;
                }
                case "--help", "-h" -> throw new IllegalArgumentException(USAGE);
                default -> {
                }
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown or incomplete option " + a + "\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--seconds" -> o.seconds = positive(a, v);
                case "--users" -> o.users = positive(a, v);
                case "--replicas" -> o.replicas = positive(a, v);
                case "--seed" -> o.seed = Long.parseLong(v);
                case "--fault-rate" -> {
                    o.faultRate = Double.parseDouble(v);
                    if (o.faultRate < 0 || o.faultRate > 1) {
                        throw new IllegalArgumentException("--fault-rate is a fraction between 0 and 1");
                    }
                }
                case "--fault-seconds" -> o.faultSeconds = positive(a, v);
                case "--tabs" -> o.tabs = positive(a, v);
                case "--projects" -> o.projects = positive(a, v);
                case "--files" -> o.files = positive(a, v);
                case "--settle-seconds" -> o.settleSeconds = positive(a, v);
                case "--jar" -> o.jar = Path.of(v);
                case "--service-opt" -> o.serviceOpts.add(v);
                case "--config" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--config wants KEY=VALUE, got " + v);
                    }
                    o.config.put(v.substring(0, eq), v.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (o.kill && o.replicas < 2) {
            throw new IllegalArgumentException("killing a replica needs at least 2 (or --no-kill)");
        }
        return o;
    }

    private static int positive(String name, String v) {
        int n = Integer.parseInt(v);
        if (n <= 0) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return n;
    }

    /** The fault window: a quarter into the run, at most a third of it long. */
    long faultStartMillis() {
        return seconds * 1000L / 4;
    }

    long faultMillis() {
        return Math.min(faultSeconds * 1000L, seconds * 1000L / 3);
    }

    /** The kill -9: half way through. */
    long killAtMillis() {
        return seconds * 1000L / 2;
    }
}
