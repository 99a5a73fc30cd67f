package dev.switchboard.common;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Root of Switchboard's own configuration; the key names are the canonical ones of DESIGN.md. */
@ConfigMapping(prefix = "switchboard")
public interface SwitchboardConfig {

    /** Which sandbox backend to use: {@code local}, {@code e2b} or {@code blaxel}. */
    @WithDefault("local")
    String provider();

    /**
     * Identifies this replica in sandbox metadata, so a sandbox left behind by a crash can be traced.
     * Defaults to the host name (the pod name on Kubernetes).
     */
    Optional<String> instanceId();

    Sandbox sandbox();

    @WithName("switch")
    Switch switching();

    Limits limits();

    Local local();

    @WithName("dev-db")
    DevDb devDb();

    /** Sandbox lifetime settings. */
    interface Sandbox {
        /** Template or image for projects that name none; each provider has its own default. */
        Optional<String> template();

        /** TTL: a sandbox is killed this long after its creation. */
        @WithDefault("1h")
        Duration maxAge();

        /** A sandbox unused for this long is killed; before that it reports {@code active}, after it {@code standby}. */
        @WithDefault("15m")
        Duration idleTimeout();

        /** The timeout sent to the provider on create (the provider kills the sandbox after it unless extended). */
        @WithDefault("10m")
        Duration providerTimeout();
    }

    /** The switch pipeline. */
    interface Switch {
        /** {@code concurrent}: kill the old sandbox while creating the new; {@code kill-first}: kill, then create. */
        @WithDefault("concurrent")
        Order order();

        /** Store files changed inside the old sandbox as a new fragment before killing it (invariant 3). */
        @WithDefault("true")
        boolean saveBack();

        /** How many file-restore requests run at once for one switch. */
        @WithDefault("4")
        int restoreParallelism();

        enum Order {
            CONCURRENT,
            KILL_FIRST
        }
    }

    /** Fragment limits; requests beyond them are rejected with 400 or 413 and store nothing. */
    interface Limits {
        @WithDefault("2000")
        int maxFiles();

        @WithDefault("20M")
        MemorySize maxFragmentBytes();

        @WithDefault("5M")
        MemorySize maxFileBytes();

        @WithDefault("512")
        int maxPathLength();
    }

    /** The embedded local provider. */
    interface Local {
        /** Root directory of local sandboxes; defaults to {@code switchboard-sandboxes} under the system temp dir. */
        Optional<Path> dataDir();

        /** How long to wait for a sandbox's server process to listen. */
        @WithDefault("15s")
        Duration startTimeout();

        /** JVM options for each sandbox's server process (JVM mode only). */
        @WithDefault("-Xmx32m,-Xss512k,-XX:+UseSerialGC,-XX:TieredStopAtLevel=1,-Xshare:auto")
        List<String> jvmOptions();
    }

    /**
     * The embedded PostgreSQL of dev mode and tests (read early, by {@code EmbeddedPostgresConfigSourceFactory};
     * listed here so the keys are documented and validated). Never used by the prod profile.
     */
    interface DevDb {
        /** Start an embedded PostgreSQL when no datasource URL is configured (dev and test profiles only). */
        @WithDefault("true")
        boolean enabled();

        /** Its data directory; dev mode defaults to {@code target/dev-db}, tests to a temporary directory. */
        Optional<String> dataDir();
    }
}
