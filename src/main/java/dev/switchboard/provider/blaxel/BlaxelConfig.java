package dev.switchboard.provider.blaxel;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Blaxel (https://blaxel.ai). */
@ConfigMapping(prefix = "switchboard.blaxel")
public interface BlaxelConfig {
    /** Control plane base URL. */
    @WithDefault("https://api.blaxel.ai/v0")
    String apiUrl();

    /** API key ({@code Authorization: Bearer}); environment variable {@code BL_API_KEY}. */
    Optional<String> apiKey();

    /** Workspace ({@code X-Blaxel-Workspace}); environment variable {@code BL_WORKSPACE}. */
    Optional<String> workspace();

    /** The image when no {@code switchboard.templates} are configured and {@code switchboard.sandbox.template} is unset. */
    @WithDefault("blaxel/prod-base:latest")
    String image();

    /** Memory in MB (CPUs = memory / 2048). */
    @WithDefault("4096")
    int memory();

    /** Exposed HTTP port. */
    @WithDefault("3000")
    int port();

    /** Region, or the workspace default. */
    Optional<String> region();

    /** Directory inside the sandbox that holds the project's files. */
    @WithDefault("/blaxel/app")
    String projectRoot();

    /** Bytes per tree-write request. */
    @WithDefault("8M")
    MemorySize treeWriteBytes();

    /** After a create answered 504, how often to poll for the sandbox. */
    @WithDefault("2s")
    Duration createPollInterval();

    /** After a create answered 504, how long to poll before giving up (Blaxel deploys can take 300 s). */
    @WithDefault("300s")
    Duration createPollTimeout();
}
