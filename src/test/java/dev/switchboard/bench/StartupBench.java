package dev.switchboard.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Start-up to ready of the packaged service (issue 8), side by side for several set-ups in one run: JDK 17 plain, JDK
 * 17 with an AppCDS archive, JDK 25 plain and JDK 25 with an AOT cache (JEP 483/514/515), each for two packages: the
 * default fast-jar ({@code fast:}, target/quarkus-app) and the uber-jar of {@code -Pjvm-image} ({@code uber:},
 * target/jvm-image, what docker/Dockerfile.jvm runs). Each archive is trained here, in one of three ways: plain
 * {@code -appcds}/{@code -aot} run docker/jvm-training.sh, the image build's training run without a database;
 * {@code -full} starts the service against the embedded PostgreSQL until it is ready, then stops it (the best a
 * training run can do); {@code -static} runs only Quarkus' static init, as {@code quarkus.package.jar.appcds.enabled}
 * does (opt-in: the fast-jar must be packaged with that option, which adds the exit point). Runs are interleaved (one
 * of each variant per round) so a change in the machine's load hits them all alike. "ready" is the first 200 from
 * {@code /q/health/ready} (database and provider), timed from the moment the JVM process is spawned.
 */
public final class StartupBench {

    private enum Training {
        NONE, NO_DB, STATIC, FULL
    }

    private record Variant(String name, String app, String jdk, Training training, boolean aot) {

        /** The archive or cache this variant trains and uses, in the work directory. */
        Path archive(Path work) {
            return work.resolve(name.replace(':', '-') + (aot ? ".aot" : ".jsa"));
        }

        /** Options of the training run. */
        List<String> trainingOpts(Path work) {
            String file = archive(work).toString();
            List<String> opts = new ArrayList<>();
            opts.add(aot ? "-XX:AOTCacheOutput=" + file : "-XX:ArchiveClassesAtExit=" + file);
            if (training == Training.STATIC) {
                opts.add("-Dquarkus.appcds.generate=true");
            }
            return opts;
        }

        /** Options of a measured run: the archive must be used, or the JVM refuses to start (no silent fallback). */
        List<String> runOpts(Path work) {
            if (training == Training.NONE) {
                return List.of();
            }
            String file = archive(work).toString();
            return aot ? List.of("-XX:AOTMode=on", "-XX:AOTCache=" + file) : List.of("-Xshare:on", "-XX:SharedArchiveFile=" + file);
        }
    }

    /** The packages: directory and jar, as bench/startup.sh leaves them. */
    private static final Map<String, Path[]> APPS = Map.of(
            "fast", new Path[] {Path.of("target", "quarkus-app"), Path.of("quarkus-run.jar")},
            "uber", new Path[] {Path.of("target", "jvm-image"), Path.of("switchboard-runner.jar")});

    private static final List<Variant> ALL = new ArrayList<>();

    static {
        for (String app : List.of("fast", "uber")) {
            for (String jdk : List.of("17", "25")) {
                boolean aot = jdk.equals("25");
                String base = app + ":jdk" + jdk;
                String archive = base + (aot ? "-aot" : "-appcds");
                ALL.add(new Variant(base, app, jdk, Training.NONE, false));
                ALL.add(new Variant(archive, app, jdk, Training.NO_DB, aot));
                ALL.add(new Variant(archive + "-full", app, jdk, Training.FULL, aot));
                ALL.add(new Variant(archive + "-static", app, jdk, Training.STATIC, aot));
            }
        }
    }

    /** Without --variants: today's start, the image's, and what each JDK and package gets at best. */
    private static final List<String> DEFAULT_VARIANTS = List.of("fast:jdk17", "fast:jdk17-appcds-full", "fast:jdk25",
            "fast:jdk25-aot-full", "uber:jdk17", "uber:jdk17-appcds", "uber:jdk17-appcds-full", "uber:jdk25",
            "uber:jdk25-aot", "uber:jdk25-aot-full");

    static final String USAGE = """
            usage: bench/startup.sh [options]
              --runs N             measured starts per variant (5)
              --variants A,B,...   PACKAGE:jdkN[-ARCHIVE[-TRAINING]] with PACKAGE fast (target/quarkus-app) or uber
                                   (target/jvm-image, -Pjvm-image), N 17 or 25, ARCHIVE appcds (17) or aot (25),
                                   TRAINING none (docker/jvm-training.sh, no database), full (against the database)
                                   or static (Quarkus' static init; needs the fast-jar packaged with
                                   -Dquarkus.package.jar.appcds.enabled=true -Dquarkus.package.jar.appcds.use-container=false)
                                   default: %s
              --jdk17 PATH         the JDK 17 home (the JDK running the bench)
              --jdk25 PATH         the JDK 25 home ($JAVA25_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64)
              --service-opt OPT    a JVM option of every measured run, repeatable (e.g. -XX:TieredStopAtLevel=1)
              --config KEY=VALUE   service configuration as a -D system property, repeatable
            """.formatted(String.join(",", DEFAULT_VARIANTS));

    private static final Pattern STARTED_IN = Pattern.compile("started in ([0-9.]+)s");

    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        try {
            System.exit(run(args) ? 0 : 1);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    static boolean run(String... args) throws Exception {
        int runs = 5;
        List<String> names = null;
        Path jdk17 = Path.of(System.getProperty("java.home"));
        String env25 = System.getenv("JAVA25_HOME");
        Path jdk25 = Path.of(env25 != null && !env25.isBlank() ? env25 : "/usr/lib/jvm/temurin-25-jdk-amd64");
        List<String> serviceOpts = new ArrayList<>();
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h") || i + 1 >= args.length) {
                throw new IllegalArgumentException((a.startsWith("-h") || a.equals("--help") ? "" : "incomplete option " + a + "\n") + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--runs" -> runs = Integer.parseInt(v);
                case "--variants" -> names = Arrays.asList(v.split(","));
                case "--jdk17" -> jdk17 = Path.of(v);
                case "--jdk25" -> jdk25 = Path.of(v);
                case "--service-opt" -> serviceOpts.add(v);
                case "--config" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--config wants key=value, got " + v);
                    }
                    config.put(v.substring(0, eq), v.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        boolean have25 = Files.isExecutable(jdk25.resolve("bin/java"));
        List<Variant> variants = new ArrayList<>();
        for (String name : names == null ? DEFAULT_VARIANTS : names) {
            Variant v = ALL.stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown variant " + name + "\n" + USAGE));
            if (v.jdk().equals("25") && !have25) {
                System.out.println("[startup] skipping " + v.name() + ": no JDK 25 at " + jdk25 + " (set --jdk25 or JAVA25_HOME)");
                continue;
            }
            Path jarFile = APPS.get(v.app())[0].resolve(APPS.get(v.app())[1]);
            if (!Files.isRegularFile(jarFile)) {
                throw new IllegalStateException(jarFile + " is missing: package it (bench/startup.sh does)");
            }
            variants.add(v);
        }
        Map<String, Path> javas = Map.of("17", jdk17.resolve("bin/java"), "25", jdk25.resolve("bin/java"));
        Path work = Files.createDirectories(Path.of("target", "startup-bench").toAbsolutePath());
        Path training = Path.of("docker", "jvm-training.sh").toAbsolutePath();

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            Map<String, String> env = Map.of("DB_HOST", "localhost", "DB_PORT", Integer.toString(pg.getPort()),
                    "DB_NAME", "postgres", "DB_USER", "postgres", "DB_PASSWORD", "postgres");
            Map<String, String> cfg = new LinkedHashMap<>();
            // Production runs the lifecycle jobs (the start-up reconciliation among them); the local provider.
            cfg.put("switchboard.jobs.enabled", "true");
            cfg.put("switchboard.provider", "local");
            cfg.put("switchboard.local.data-dir", work.resolve("sandboxes").toString());
            cfg.putAll(config);

            // An unmeasured start of each package applies the migrations and warms the page cache.
            for (String app : variants.stream().map(Variant::app).distinct().toList()) {
                try (ServiceProcess s = ServiceProcess.start(javas.get("17"), appDir(app), jar(app), serviceOpts, cfg, env, http)) {
                    System.out.println("[startup] warm-up start of " + app + ": ready in " + s.startupMillis + " ms");
                }
            }

            Map<String, String> trainingNotes = new LinkedHashMap<>();
            for (Variant v : variants) {
                if (v.training() == Training.NONE) {
                    continue;
                }
                Files.deleteIfExists(v.archive(work));
                long t0 = System.nanoTime();
                Path appDir = appDir(v.app());
                Path jar = jar(v.app());
                if (v.training() == Training.STATIC) {
                    trainStatic(javas.get(v.jdk()), appDir, jar, v.trainingOpts(work), cfg, env);
                } else if (v.training() == Training.NO_DB) {
                    trainWithoutDatabase(training, javas.get(v.jdk()), appDir, jar, v.archive(work), v.trainingOpts(work));
                } else {
                    try (ServiceProcess s = ServiceProcess.start(javas.get(v.jdk()), appDir, jar, v.trainingOpts(work), cfg, env, http)) {
                        int code = s.stop(Duration.ofMinutes(5));
                        if (!Files.isRegularFile(v.archive(work))) {
                            throw new IllegalStateException(v.name() + ": the training run (exit " + code + ") wrote no "
                                    + v.archive(work) + "\n" + s.tail(30));
                        }
                    }
                }
                String note = String.format(Locale.ROOT, "trained in %.1f s, %d MiB", (System.nanoTime() - t0) / 1e9,
                        Files.size(v.archive(work)) >> 20);
                trainingNotes.put(v.name(), note);
                System.out.println("[startup] " + v.name() + ": " + note);
            }

            Map<String, List<long[]>> results = new LinkedHashMap<>();
            variants.forEach(v -> results.put(v.name(), new ArrayList<>()));
            long ticks = ServiceProcess.clockTicksPerSecond();
            for (int round = 1; round <= runs; round++) {
                for (Variant v : variants) {
                    List<String> opts = new ArrayList<>(v.runOpts(work));
                    opts.addAll(serviceOpts);
                    try (ServiceProcess s = ServiceProcess.start(javas.get(v.jdk()), appDir(v.app()), jar(v.app()), opts, cfg, env, http)) {
                        long cpuMs = s.cpuTicks() * 1000 / ticks;
                        long quarkusMs = startedIn(s);
                        results.get(v.name()).add(new long[] {s.startupMillis, cpuMs, quarkusMs});
                        System.out.printf(Locale.ROOT, "[startup] round %d %-26s ready %5d ms  cpu %5d ms  quarkus %5d ms%n",
                                round, v.name(), s.startupMillis, cpuMs, quarkusMs);
                    }
                }
            }

            System.out.println();
            System.out.printf(Locale.ROOT, "Start-up to ready, %d runs each, interleaved (%d cores, %s)%n", runs,
                    Runtime.getRuntime().availableProcessors(), String.join(" ", serviceOpts.isEmpty() ? List.of("default JVM options") : serviceOpts));
            System.out.printf(Locale.ROOT, "%-26s %8s %8s %8s %10s %12s  %s%n", "variant", "min ms", "median", "max", "cpu med", "quarkus med", "archive");
            for (Variant v : variants) {
                List<long[]> r = results.get(v.name());
                System.out.printf(Locale.ROOT, "%-26s %8d %8d %8d %10d %12d  %s%n", v.name(), stat(r, 0, 0), stat(r, 0, 50),
                        stat(r, 0, 100), stat(r, 1, 50), stat(r, 2, 50), trainingNotes.getOrDefault(v.name(), "-"));
            }
            System.out.println("java 17: " + javas.get("17") + (have25 ? "; java 25: " + javas.get("25") : ""));
            System.out.println("cpu = user+system CPU time of the service at ready; quarkus = its own \"started in\" figure");
            return true;
        }
    }

    private static Path appDir(String app) {
        return APPS.get(app)[0].toAbsolutePath();
    }

    private static Path jar(String app) {
        return APPS.get(app)[1];
    }

    /** What the image build does: docker/jvm-training.sh, the service without a database. */
    private static void trainWithoutDatabase(Path script, Path java, Path appDir, Path jar, Path archive, List<String> opts)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), archive.toString(), java.toString()));
        cmd.addAll(opts);
        cmd.add("-jar");
        cmd.add(jar.toString());
        Path log = Files.createTempFile("switchboard-startup-training", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(appDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        pb.environment().put("TRAINING_PORT", Integer.toString(port));
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("docker/jvm-training.sh failed:\n" + Files.readString(log));
        }
    }

    /** A static-init training run exits by itself (Quarkus' AppCDS exit point); anything else is a wrong package. */
    private static void trainStatic(Path java, Path appDir, Path jar, List<String> opts, Map<String, String> config,
            Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(opts);
        // Port 0: if the package lacks the exit point, the service would really start; it must not take a port in use.
        cmd.add("-Dquarkus.http.port=0");
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        Path log = Files.createTempFile("switchboard-startup-training", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(appDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the static training run did not exit by itself: package the service with "
                    + "-Dquarkus.package.jar.appcds.enabled=true (see " + log + ")");
        }
    }

    /** Quarkus' own start-up figure from the log, in ms, or -1. */
    private static long startedIn(ServiceProcess s) throws IOException {
        Matcher m = STARTED_IN.matcher(Files.readString(s.log()));
        return m.find() ? Math.round(Double.parseDouble(m.group(1)) * 1000) : -1;
    }

    /** Nearest-rank percentile of one column. */
    private static long stat(List<long[]> rows, int column, int percentile) {
        long[] v = rows.stream().mapToLong(r -> r[column]).sorted().toArray();
        if (v.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * v.length);
        return v[Math.max(0, rank - 1)];
    }
}
