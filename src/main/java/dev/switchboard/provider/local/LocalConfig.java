package dev.switchboard.provider.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The embedded local provider. */
@ConfigMapping(prefix = "switchboard.local")
public interface LocalConfig {

    /**
     * Root directory of local sandboxes; defaults to {@code switchboard-sandboxes} under the system temp dir. Created
     * with mode 0700; refused at start when another user owns it or group or others can write into it.
     */
    Optional<Path> dataDir();

    /** How long to wait for a sandbox's server process to listen. */
    @WithDefault("15s")
    Duration startTimeout();

    /** JVM options for each sandbox's server process (JVM mode only). */
    @WithDefault("-Xmx32m,-Xss512k,-XX:+UseSerialGC,-XX:TieredStopAtLevel=1,-Xshare:auto")
    List<String> jvmOptions();
}
