package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.switchboard.provider.local.LocalSandboxFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The packaged jar as operators run it: {@code java -jar quarkus-run.jar sandboxes ...} in the prod profile against
 * a running PostgreSQL, with no HTTP port and no token. Runs in {@code verify}, after {@code package}. Kills boot the
 * service (they save back first); a listing reads the database and nothing else.
 */
class CliIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Path SANDBOXES = Path.of("target", "it-sandboxes").toAbsolutePath();
    private static final String DEPLOYMENT = "it-deployment";
    private static EmbeddedPostgres pg;
    private static LocalSandboxFixture sandboxes;

    private record Run(int exit, String out) {
    }

    @BeforeAll
    static void database() throws IOException {
        pg = EmbeddedPostgres.builder().start();
        sandboxes = new LocalSandboxFixture(SANDBOXES);
    }

    @AfterAll
    static void stop() throws IOException {
        sandboxes.close();
        pg.close();
    }

    private static Run cli(String... args) throws Exception {
        return cli(Map.of(), null, args);
    }

    /** The CLI with extra environment variables, run in {@code dir} (the project directory when null). */
    private static Run cli(Map<String, String> env, Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString(), "sandboxes"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DB_HOST", "localhost");
        pb.environment().put("DB_PORT", String.valueOf(pg.getPort()));
        pb.environment().put("DB_NAME", "postgres");
        pb.environment().put("DB_USER", "postgres");
        pb.environment().put("DB_PASSWORD", "postgres");
        pb.environment().put("SWITCHBOARD_LOCAL_DATA_DIR", SANDBOXES.toString());
        pb.environment().put("SWITCHBOARD_DEPLOYMENT", DEPLOYMENT);
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CLI finished");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres")); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private static void userWithSandbox(String id, String name, String sandbox) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
                PreparedStatement st = c.prepareStatement("""
                        INSERT INTO users (id, name, email, active_sandbox_id, sandbox_provider, sandbox_url,
                                           sandbox_created_at, sandbox_last_used_at, sandbox_expires_at)
                        VALUES (?, ?, ?, ?, 'local', 'http://127.0.0.1:1', now(), now(), now() + interval '1 hour')""")) {
            st.setString(1, id);
            st.setString(2, name);
            st.setString(3, id + "@example.com");
            st.setString(4, sandbox);
            st.executeUpdate();
        }
    }

    @Test
    void listKillOneKillAllWithThePackagedJar() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run after package");
        // The first run finds no schema, so it boots the service, which migrates the empty database.
        Run empty = cli("--list");
        assertEquals(0, empty.exit(), empty.out());
        assertTrue(empty.out().contains("📊 Found 0 users with active sandboxes:"), empty.out());

        // Real local sandboxes, as switches would have left them, and one orphan the database never heard of. Beside
        // them, in the same data root: another deployment's sandbox of the same user, and an unstamped one from
        // before deployment ids that this database never knew.
        String johns = sandboxes.create("john", DEPLOYMENT);
        String janes = sandboxes.create("jane", DEPLOYMENT);
        String orphan = sandboxes.create("jim", DEPLOYMENT);
        String theirs = sandboxes.create("john", "other-deployment");
        String legacy = sandboxes.create("jim");
        userWithSandbox("john", "John Doe", johns);
        userWithSandbox("jane", "Jane Roe", janes);

        Run list = cli("--list");
        assertEquals(0, list.exit(), list.out());
        assertTrue(list.out().contains("📊 Found 2 users with active sandboxes:"), list.out());
        assertTrue(list.out().contains("👤 John Doe (john@example.com)"), list.out());
        assertTrue(list.out().contains("   User ID: john"), list.out());
        assertTrue(list.out().contains("   Active sandbox: " + johns + "\n"), list.out());

        // A listing boots nothing: it needs no provider (a bogus one would fail the service's start), no Flyway (this
        // role may not even read the migration history) and no write access, only SELECT on the tables it lists. The
        // role comes from config/application.properties in the working directory, as the service would read it.
        sql("CREATE ROLE cli_reader LOGIN PASSWORD 'reader'", "GRANT SELECT ON users, projects, parked_sandboxes TO cli_reader");
        Path workDir = Files.createTempDirectory("switchboard-cli");
        Files.createDirectories(workDir.resolve("config"));
        Files.writeString(workDir.resolve("config").resolve("application.properties"),
                "%prod.quarkus.datasource.username=cli_reader\n%prod.quarkus.datasource.password=reader\n");
        // DB_USER names a role that does not exist: the run succeeds only if the config file is read.
        Run lean = cli(Map.of("SWITCHBOARD_PROVIDER", "no-such-provider", "DB_USER", "no_such_role"), workDir, "--list");
        assertEquals(0, lean.exit(), lean.out());
        assertEquals(list.out(), lean.out());

        Run one = cli("john");
        assertEquals(0, one.exit(), one.out());
        assertTrue(one.out().contains("Cleaned up sandboxes of john: 1 sandboxes killed, 0 failed"), one.out());
        assertFalse(sandboxes.alive(johns));
        assertTrue(sandboxes.alive(janes), "only john's sandbox was killed");
        assertFalse(cli("--list").out().contains("User ID: john"));

        Run all = cli("--all");
        assertEquals(0, all.exit(), all.out());
        assertTrue(all.out().contains("2 sandboxes killed, 0 failed"), all.out());
        assertTrue(all.out().contains("killed: " + orphan), "--all also kills Switchboard sandboxes nobody references");
        assertFalse(sandboxes.alive(janes));
        assertFalse(sandboxes.alive(orphan));
        assertTrue(cli("--list").out().contains("Found 0 users"));
        assertTrue(sandboxes.alive(theirs), "another deployment's sandbox is not this CLI's to kill");
        assertTrue(sandboxes.alive(legacy), "nor an unstamped one this database never knew");
        assertFalse(all.out().contains(theirs) || all.out().contains(legacy), all.out());
        sandboxes.kill(theirs);
        sandboxes.kill(legacy);

        // A deployment id no provider can hold as metadata stops the start, saying why.
        Run badId = cli(Map.of("SWITCHBOARD_DEPLOYMENT", "prod eu"), null, "john");
        assertTrue(badId.exit() != 0, badId.out());
        assertTrue(badId.out().contains("switchboard.deployment 'prod eu' is not a valid deployment id"), badId.out());

        Run usage = cli();
        assertEquals(2, usage.exit(), usage.out());
        Run unknown = cli("nobody");
        assertEquals(1, unknown.exit(), unknown.out());
        assertTrue(unknown.out().contains("sandboxes: No user nobody"), unknown.out());
        assertFalse(unknown.out().contains("Exception"), "operators get one line, not a stack trace: " + unknown.out());
    }
}
