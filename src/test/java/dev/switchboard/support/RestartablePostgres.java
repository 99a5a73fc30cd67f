package dev.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL of the test's own (not the JVM's shared one) that the test can stop and start again on the same port
 * with the same data, to play a database outage. Tests get it through {@link Inject}.
 */
public final class RestartablePostgres {

    /** Marks a test field of type {@link RestartablePostgres} to receive the server started by {@link Resource}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    private final Path dir;
    private int port;
    private EmbeddedPostgres pg;

    private RestartablePostgres(Path dir) {
        this.dir = dir;
    }

    /** Stops the server (every connection is cut); the data stays. */
    public synchronized void stop() {
        try {
            if (pg != null) {
                pg.close();
                pg = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts it on its port (the first time on a free one) over the same data directory. */
    public synchronized void start() {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                    .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off");
            if (port != 0) {
                b.setPort(port);
            }
            pg = b.start();
            port = pg.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized boolean running() {
        return pg != null;
    }

    /** Starts a {@link RestartablePostgres} and points both the reactive client and Flyway at it. */
    public static class Resource implements QuarkusTestResourceLifecycleManager {

        private RestartablePostgres server;

        @Override
        public Map<String, String> start() {
            try {
                server = new RestartablePostgres(Files.createTempDirectory("switchboard-restartable-db"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.start();
            return Map.of(
                    "quarkus.datasource.reactive.url", "postgresql://localhost:" + server.port + "/postgres",
                    "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + server.port + "/postgres",
                    "quarkus.datasource.username", "postgres",
                    "quarkus.datasource.password", "postgres");
        }

        @Override
        public void inject(TestInjector injector) {
            injector.injectIntoFields(server, new TestInjector.AnnotatedAndMatchesType(Inject.class, RestartablePostgres.class));
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop();
            }
        }
    }
}
