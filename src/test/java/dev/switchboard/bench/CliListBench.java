package dev.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.switchboard.provider.local.LocalSandboxFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Times {@code java -jar quarkus-run.jar sandboxes --list} (issue 8) for one or more packaged jars, side by side in
 * one run against one embedded PostgreSQL: runs alternate between the jars, so a busy machine slows them alike.
 * Users hold real local sandboxes, so every jar prints the same listing, which is checked.
 */
public final class CliListBench {

    static final String USAGE = """
            usage: bench/cli-list.sh [options]
              --jar LABEL=PATH   a packaged jar to time, repeatable (new=target/quarkus-app/quarkus-run.jar)
              --java PATH        the java launcher (this JVM's)
              --runs N           measured runs per jar (5)
              --users N          users holding a real local sandbox (3)
            """;

    private record Run(long millis, int exit, String out) {
    }

    public static void main(String... args) throws Exception {
        Map<String, Path> jars = new LinkedHashMap<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int runs = 5;
        int users = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> {
                    String[] kv = args[++i].split("=", 2);
                    jars.put(kv[0], Path.of(kv[1]).toAbsolutePath());
                }
                case "--java" -> java = args[++i];
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--users" -> users = Integer.parseInt(args[++i]);
                default -> {
                    System.err.print(USAGE);
                    System.exit(2);
                }
            }
        }
        if (jars.isEmpty()) {
            jars.put("new", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath());
        }
        for (Path jar : jars.values()) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException(jar + " is missing: package it first");
            }
        }
        Path data = Files.createTempDirectory("switchboard-cli-bench");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data.resolve("db")).setCleanDataDirectory(true).start();
                LocalSandboxFixture sandboxes = new LocalSandboxFixture(data.resolve("sandboxes"))) {
            Map<String, String> env = Map.of("DB_HOST", "localhost", "DB_PORT", String.valueOf(pg.getPort()), "DB_NAME", "postgres",
                    "DB_USER", "postgres", "DB_PASSWORD", "postgres", "SWITCHBOARD_LOCAL_DATA_DIR", data.resolve("sandboxes").toString());
            // The first run boots a service, which migrates the empty database; each jar runs once unmeasured.
            for (Path jar : jars.values()) {
                check(cli(java, jar, env), jar);
            }
            try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
                    PreparedStatement st = c.prepareStatement("""
                            INSERT INTO users (id, name, email, active_sandbox_id, sandbox_provider, sandbox_url, sandbox_created_at,
                                               sandbox_last_used_at, sandbox_expires_at, sandbox_provider_expires_at)
                            VALUES (?, ?, ?, ?, 'local', 'http://127.0.0.1:1', now(), now(), now() + interval '1 hour',
                                    now() + interval '70 minutes')""")) {
                for (int u = 0; u < users; u++) {
                    String id = String.format("bench-user-%03d", u);
                    st.setString(1, id);
                    st.setString(2, "Bench User " + u);
                    st.setString(3, id + "@example.com");
                    st.setString(4, sandboxes.create(id));
                    st.executeUpdate();
                }
            }
            Map<String, List<Long>> times = new LinkedHashMap<>();
            Map<String, String> outputs = new LinkedHashMap<>();
            jars.keySet().forEach(k -> times.put(k, new ArrayList<>()));
            for (int r = 0; r < runs; r++) {
                for (Map.Entry<String, Path> jar : jars.entrySet()) {
                    Run run = check(cli(java, jar.getValue(), env), jar.getValue());
                    times.get(jar.getKey()).add(run.millis());
                    outputs.put(jar.getKey(), run.out());
                }
            }
            if (outputs.values().stream().distinct().count() > 1) {
                outputs.forEach((k, v) -> System.out.println("--- " + k + " printed:\n" + v));
                throw new IllegalStateException("the jars printed different listings");
            }
            System.out.printf("sandboxes --list, %d users, %d runs per jar, %s%n", users, runs, javaVersion(java));
            System.out.printf("%-8s %8s %8s %8s   %s%n", "jar", "min ms", "median", "max ms", "all (ms, in run order)");
            times.forEach((k, v) -> {
                List<Long> sorted = v.stream().sorted().toList();
                System.out.printf("%-8s %8d %8d %8d   %s%n", k, sorted.get(0), sorted.get(sorted.size() / 2),
                        sorted.get(sorted.size() - 1), v);
            });
            System.out.println("every jar printed the same listing (" + users + " users)");
            sandboxes.killAll();
        }
    }

    private static Run check(Run run, Path jar) {
        if (run.exit() != 0 || !run.out().contains("Found")) {
            throw new IllegalStateException(jar + " exited " + run.exit() + ":\n" + run.out());
        }
        return run;
    }

    private static Run cli(String java, Path jar, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar.toString(), "sandboxes", "--list").redirectErrorStream(true);
        pb.environment().putAll(env);
        long started = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(jar + " did not finish in 120 s");
        }
        return new Run(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), p.exitValue(),
                new String(out, StandardCharsets.UTF_8));
    }

    private static String javaVersion(String java) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
        p.waitFor();
        return first;
    }
}
