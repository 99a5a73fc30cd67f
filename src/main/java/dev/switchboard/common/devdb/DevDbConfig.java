package dev.switchboard.common.devdb;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The embedded PostgreSQL of dev mode and tests (read early, by {@code EmbeddedPostgresConfigSourceFactory}; mapped
 * here so the keys are documented and validated). Never used by the prod profile.
 */
@ConfigMapping(prefix = "switchboard.dev-db")
public interface DevDbConfig {

    /** Start an embedded PostgreSQL when no datasource URL is configured (dev and test profiles only). */
    @WithDefault("true")
    boolean enabled();

    /** Its data directory; dev mode defaults to {@code target/dev-db}, tests to a temporary directory. */
    Optional<String> dataDir();
}
