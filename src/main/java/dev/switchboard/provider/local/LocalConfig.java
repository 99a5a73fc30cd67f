package dev.switchboard.provider.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
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

    /**
     * The network of sandbox commands: {@code none} (the default; a network namespace of their own with only a
     * loopback, so they reach neither the service's database nor anything else) or {@code host} (the host's network,
     * the default in dev mode; needed for a port URL of a local sandbox to reach a server it runs).
     */
    @WithDefault("none")
    Network network();

    /**
     * Whether commands may run without isolation where the host offers none (no user or mount namespaces): only for a
     * trusted single-user setup. Dev mode allows it anyway, with a warning; otherwise such an exec is refused (503).
     */
    @WithDefault("false")
    boolean allowUnisolatedExec();

    /**
     * The host user and group id a sandbox's commands run as when the service runs as root (root inside the sandbox's
     * user namespace maps to it). It must belong to no real user: it owns the sandboxes' project files.
     */
    @WithDefault("2000000000")
    long sandboxUid();

    /** Resource caps of a sandbox's commands. */
    Limits limits();

    enum Network {
        HOST,
        NONE
    }

    interface Limits {

        /** Processes (and threads) a sandbox may have at once, all its commands together. */
        @WithDefault("256")
        int processes();

        /** CPU seconds each process of a sandbox may use (RLIMIT_CPU); it is killed beyond them. */
        @WithDefault("600")
        long cpuSeconds();

        /** Virtual memory (address space, RLIMIT_AS) of each process of a sandbox. */
        @WithDefault("8G")
        MemorySize memory();

        /** Size of the sandbox's private {@code /tmp} (memory-backed). */
        @WithDefault("256M")
        MemorySize tmp();
    }
}
