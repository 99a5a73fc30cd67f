package dev.switchboard.sandbox;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Commands run in the live sandbox through the API and MCP. */
@ConfigMapping(prefix = "switchboard.exec")
public interface ExecConfig {

    /** Timeout of a command that gives no {@code timeoutSeconds}. */
    @WithDefault("60s")
    Duration defaultTimeout();

    /** The longest {@code timeoutSeconds} a caller may ask for (400 beyond it). */
    @WithDefault("10m")
    Duration maxTimeout();

    /** Output kept per stream (stdout, stderr); the rest is dropped and the answer says {@code truncated}. */
    @WithDefault("1M")
    MemorySize maxOutputBytes();
}
