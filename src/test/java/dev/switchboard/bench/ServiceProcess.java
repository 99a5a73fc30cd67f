package dev.switchboard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged service in its own JVM (prod profile), with its CPU time and peak RSS read from /proc. */
public final class ServiceProcess implements AutoCloseable {

    /** The {@code iss} the service is told to trust; tokens are signed with {@code test-jwt/private.pem}. */
    public static final String ISSUER = "switchboard-test";

    private final Process process;
    private final Path log;
    private final Path publicKey;
    public final String base;
    public final long startupMillis;

    private ServiceProcess(Process process, Path log, Path publicKey, String base, long startupMillis) {
        this.process = process;
        this.log = log;
        this.publicKey = publicKey;
        this.base = base;
        this.startupMillis = startupMillis;
    }

    /** Starts the jar on a free port and waits for readiness; {@code config} becomes -D system properties. */
    static ServiceProcess start(Path jar, List<String> jvmOpts, Map<String, String> config, Map<String, String> env,
            HttpClient http) throws IOException, InterruptedException {
        return start(Path.of(System.getProperty("java.home"), "bin", "java"), null, jar, jvmOpts, config, env, http);
    }

    /** As above on a given HTTP port (0: a free one), e.g. a replica restarted where it was. */
    public static ServiceProcess start(Path jar, List<String> jvmOpts, Map<String, String> config, Map<String, String> env,
            HttpClient http, int port) throws IOException, InterruptedException {
        return start(Path.of(System.getProperty("java.home"), "bin", "java"), null, jar, jvmOpts, config, env, http, port);
    }

    /** A free loopback port (free when asked; another process may take it before it is used). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * As above with another {@code java} executable (e.g. a second JDK), run from {@code workDir} when it is not null;
     * {@code jar} is then passed as given (relative to {@code workDir}), as a CDS archive or AOT cache wants it.
     */
    static ServiceProcess start(Path java, Path workDir, Path jar, List<String> jvmOpts, Map<String, String> config,
            Map<String, String> env, HttpClient http) throws IOException, InterruptedException {
        return start(java, workDir, jar, jvmOpts, config, env, http, 0);
    }

    private static ServiceProcess start(Path java, Path workDir, Path jar, List<String> jvmOpts, Map<String, String> config,
            Map<String, String> env, HttpClient http, int fixedPort) throws IOException, InterruptedException {
        Path jarFile = workDir == null ? jar : workDir.resolve(jar);
        if (!Files.isRegularFile(jarFile)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw package -DskipTests (bench/switch.sh does)");
        }
        int port = fixedPort > 0 ? fixedPort : freePort();
        Path log = Files.createTempFile("switchboard-bench-service", ".log");
        Path key = Files.createTempFile("switchboard-bench-jwt", ".pem");
        // The verification key comes from the test class path, so the bench does not depend on the working directory.
        try (InputStream in = ServiceProcess.class.getClassLoader().getResourceAsStream("test-jwt/public.pem")) {
            if (in == null) {
                throw new IllegalStateException("test-jwt/public.pem is not on the class path (compile the test classes)");
            }
            Files.copy(in, key, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvmOpts);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("mp.jwt.verify.publickey.location", key.toString());
        props.put("mp.jwt.verify.issuer", ISSUER);
        props.put("mp.jwt.verify.audiences", SwitchBench.AUDIENCE);
        props.put("switchboard.jobs.enabled", "false");
        props.putAll(config);
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(workDir == null ? jar.toAbsolutePath().toString() : jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(env);
        String base = "http://127.0.0.1:" + port;
        long started = System.nanoTime();
        Process p = pb.start();
        ServiceProcess service = new ServiceProcess(p, log, key, base, 0);
        try {
            long deadline = started + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the service exited at start:\n" + service.tail(60));
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the service was not ready within 120 s:\n" + service.tail(60));
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException | RuntimeException e) {
            service.close();
            throw e;
        }
        return new ServiceProcess(p, log, key, base, (System.nanoTime() - started) / 1_000_000);
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until the Prometheus sample {@code series} (name and labels as printed) is at least {@code atLeast}. */
    void awaitMetric(String series, double atLeast, Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        double last = Double.NaN;
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(series + " ")) {
                    last = Double.parseDouble(line.substring(series.length() + 1).strip());
                }
            }
            if (last >= atLeast) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(series + " stayed at " + last + ", below " + atLeast + ", for " + timeout);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** utime + stime of the service so far, in clock ticks (fields 14 and 15 of /proc/pid/stat). */
    long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
        // The command name in parentheses may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The peak resident set size in KiB (VmHWM). */
    long peakRssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmHWM in /proc/" + pid() + "/status");
    }

    /** Busy and total clock ticks of the whole machine so far (the {@code cpu} line of /proc/stat). */
    static long[] machineTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        // user nice system idle iowait irq softirq steal: guest time is already counted in user and nice.
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100; // Linux's USER_HZ everywhere it matters.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public Path log() {
        return log;
    }

    /**
     * Stops the service (SIGTERM) and waits up to {@code timeout} for the JVM to exit, as a training run must: a CDS
     * archive or AOT cache is written while the JVM exits. Answers the exit code, or -1 if it had to be killed.
     */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -1;
        } finally {
            try {
                Files.deleteIfExists(publicKey);
            } catch (IOException e) {
                // a temp file: left to the OS
            }
        }
    }

    /** {@code kill -9}: the JVM gets no chance to stop anything (on Linux {@code destroyForcibly} sends SIGKILL). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(publicKey);
        } catch (IOException e) {
            // a temp file: left to the OS
        }
    }

    /** The database environment of a replica on an embedded PostgreSQL. */
    public static Map<String, String> database(io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg) {
        return Map.of("DB_HOST", "localhost", "DB_PORT", Integer.toString(pg.getPort()), "DB_NAME", "postgres",
                "DB_USER", "postgres", "DB_PASSWORD", "postgres");
    }

    /** Provider {@code e2b} pointed at an E2B fake (as {@code E2bFakeResource} does), into {@code c}. */
    public static Map<String, String> e2bFake(Map<String, String> c, String url, String projectRoot, int userPort) {
        c.put("switchboard.provider", "e2b");
        c.put("switchboard.e2b.api-url", url);
        c.put("switchboard.e2b.envd-url", url);
        c.put("switchboard.e2b.api-key", dev.switchboard.fake.e2b.E2bFake.API_KEY);
        c.put("switchboard.e2b.domain", "e2b.test");
        c.put("switchboard.e2b.project-root", projectRoot);
        c.put("switchboard.e2b.port", Integer.toString(userPort));
        return c;
    }

    @Override
    public void close() {
        Commands.stop(process);
        try {
            Files.deleteIfExists(publicKey);
        } catch (IOException e) {
            // a temp file: left to the OS
        }
    }
}
