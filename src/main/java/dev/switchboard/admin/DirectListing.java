package dev.switchboard.admin;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.config.Config;

import io.quarkus.runtime.configuration.RuntimeConfigBuilder;
import io.smallrye.config.PropertiesLocationConfigSourceFactory;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@code sandboxes --list} without booting the service (issue 8): the configuration the service would read, one
 * JDBC connection, the shared {@link SandboxListing}. Kills still boot the service, as they save back first.
 * Status here is the database's: a sandbox is marked stopped once its provider deadline has passed; the provider is
 * not asked (the admin API asks it).
 */
public final class DirectListing {

    /** Returned when the listing must come from the booted service instead. */
    public static final int NEEDS_SERVICE = -1;

    private static final String JDBC = "quarkus.datasource.jdbc.";
    private static final String EXTRA_PROPERTIES = JDBC + "additional-jdbc-properties.";
    /** undefined_table, undefined_column: the schema is missing or older than this build, and booting migrates it. */
    private static final Set<String> SCHEMA_BEHIND = Set.of("42P01", "42703");
    private static final int QUERY_TIMEOUT_SECONDS = 60;

    private DirectListing() {
    }

    /** Whether these CLI arguments are a plain listing, which this class answers. */
    public static boolean handles(String... args) {
        return args.length == 1 && "--list".equals(args[0]);
    }

    /** Lists with the configuration the service would read at start. */
    public static int run(PrintWriter out, PrintWriter err) {
        Config config;
        try {
            config = serviceConfig();
        } catch (RuntimeException e) {
            err.println("sandboxes: " + e.getMessage());
            return 1;
        }
        return list(config, out, err);
    }

    /** Prints the listing from the database {@code config} names; 1 with a one-line message when that fails. */
    public static int list(Config config, PrintWriter out, PrintWriter err) {
        try (Connection db = connect(config)) {
            SandboxListing.print(out, SandboxListing.all((after, limit) -> page(db, after, limit)));
            return 0;
        } catch (SQLException e) {
            if (SCHEMA_BEHIND.contains(e.getSQLState())) {
                return NEEDS_SERVICE;
            }
            err.println("sandboxes: " + e.getMessage());
        } catch (Exception e) {
            err.println("sandboxes: " + e.getMessage());
        }
        err.flush();
        return 1;
    }

    /**
     * The sources the service reads at start, with Quarkus' own builder: system properties, environment, {@code .env},
     * {@code config/application.properties}, the jar's {@code application.properties}, {@code quarkus.config.locations},
     * the launch mode's profile ({@code prod} for the packaged jar). Without the application's config mappings, which
     * a listing does not need and which would double its start-up time.
     */
    static Config serviceConfig() {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder();
        new RuntimeConfigBuilder().configBuilder(builder);
        return builder.withSources(new PropertiesLocationConfigSourceFactory()).build();
    }

    /** The connection Flyway makes at the service's start: the same URL, user, password and extra properties. */
    private static Connection connect(Config config) throws SQLException {
        String url = value(config, JDBC + "url").orElseThrow(() -> new SQLException(
                JDBC + "url is not set (the service's migrations need it too)"));
        Properties props = new Properties();
        props.setProperty("ApplicationName", "switchboard sandboxes --list");
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(EXTRA_PROPERTIES)) {
                value(config, name).ifPresent(v -> props.setProperty(name.substring(EXTRA_PROPERTIES.length()), v));
            }
        }
        value(config, "quarkus.datasource.username").ifPresent(v -> props.setProperty("user", v));
        value(config, "quarkus.datasource.password").ifPresent(v -> props.setProperty("password", v));
        // The driver itself rather than DriverManager: no service loading, which a native image may not carry.
        Connection c = new org.postgresql.Driver().connect(url, props);
        if (c == null) {
            throw new SQLException(JDBC + "url is not a PostgreSQL JDBC URL: " + url);
        }
        return c;
    }

    /**
     * A set key's value, empty for an unset one. Like the service, refuses a value it cannot expand (the prod
     * password is {@code ${DB_PASSWORD}} with no default), where {@code getOptionalValue} would say "unset".
     */
    private static Optional<String> value(Config config, String name) {
        if (config.getConfigValue(name).getRawValue() == null) {
            return Optional.empty();
        }
        return Optional.of(config.getValue(name, String.class));
    }

    private static List<UserSandbox> page(Connection db, String after, int limit) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(SandboxListing.jdbcSql())) {
            st.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            List<Object> params = SandboxListing.params(after, limit);
            for (int i = 0; i < params.size(); i++) {
                st.setObject(i + 1, params.get(i));
            }
            List<UserSandbox> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                SandboxListing.Columns columns = columns(rs);
                while (rs.next()) {
                    rows.add(SandboxListing.row(columns, null));
                }
            }
            return rows;
        }
    }

    private static SandboxListing.Columns columns(ResultSet rs) {
        return new SandboxListing.Columns() {
            @Override
            public String text(String column) {
                return get(column, String.class);
            }

            @Override
            public UUID uuid(String column) {
                return get(column, UUID.class);
            }

            @Override
            public Instant instant(String column) {
                OffsetDateTime v = get(column, OffsetDateTime.class);
                return v == null ? null : v.toInstant();
            }

            @Override
            public boolean flag(String column) {
                return Boolean.TRUE.equals(get(column, Boolean.class));
            }

            @Override
            public List<String> texts(String column) {
                try {
                    java.sql.Array array = rs.getArray(column);
                    return array == null ? List.of() : List.of((String[]) array.getArray());
                } catch (SQLException e) {
                    throw new IllegalStateException("reading " + column + ": " + e.getMessage(), e);
                }
            }

            private <T> T get(String column, Class<T> type) {
                try {
                    return rs.getObject(column, type);
                } catch (SQLException e) {
                    throw new IllegalStateException("reading " + column + ": " + e.getMessage(), e);
                }
            }
        };
    }
}
