package dev.switchboard.common;

import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /**
     * Names this deployment (staging, production...) in every sandbox's metadata; reconcile, admin kill-all, the CLI
     * and cleanup touch only sandboxes stamped with it, so deployments can share one provider account. At most 63
     * letters, digits, '-', '_' and '.', starting and ending with a letter or digit. Default: an id generated on
     * the first start and kept in the database.
     */
    Optional<String> deployment();

    Sandbox sandbox();

    @WithName("switch")
    Switch switching();

    Limits limits();

    WarmPool pool();

    @WithName("save-back")
    SaveBack saveBack();

    Jobs jobs();

    /** Warm the switch path up at start, readiness waiting for it (tests turn it off so readiness answers at once). */
    @WithName("warm-up")
    @WithDefault("true")
    boolean warmUp();

    Reconcile reconcile();

    /** How every call to a cloud provider is guarded: timeouts, retries, circuit breakers. */
    @WithName("provider-calls")
    ProviderCalls providerCalls();

    /**
     * The service's public base URL (scheme, host, port and root path, e.g. {@code https://switchboard.example.com}),
     * used for the URLs the API hands out ({@code mcpServerUrl}). Unset: derived from each request, behind a proxy
     * only correct with {@code quarkus.http.proxy.proxy-address-forwarding} (and the forwarded-host settings) on.
     */
    @WithName("public-url")
    Optional<java.net.URI> publicUrl();

    /** The MCP URL handed out in sandbox and switch answers. */
    Mcp mcp();

    /** MCP settings. */
    interface Mcp {
        /**
         * A sandbox that serves its own MCP endpoint (Blaxel) keeps that URL as {@code mcpServerUrl}; false gives
         * Switchboard's own {@code /mcp} for every provider.
         */
        @WithName("prefer-own")
        @WithDefault("true")
        boolean preferOwn();
    }



    /** Sandbox lifetime settings. */
    interface Sandbox {
        /**
         * The default template's name, for projects that name none: one of {@code switchboard.templates}, or with none
         * configured the one implicit template (see {@code provider/Templates}); each provider has its own default.
         */
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

        /**
         * The provider's own expiry of a sandbox is always this much past Switchboard's deadline for it (TTL, extensions
         * included), so the expiry sweep saves its files back before the provider deletes it (invariant 3).
         */
        @WithDefault("2m")
        Duration expiryMargin();
    }

    /** Save-back: what changed in a sandbox is stored as a new fragment before the sandbox is killed (invariant 3). */
    interface SaveBack {
        /** Save back at all (off: a killed sandbox's changes are lost; for throwaway deployments only). */
        @WithDefault("true")
        boolean enabled();

        /** Never stored, never counted (gitignore patterns); a {@code .gitignore} at the project root adds its own. */
        @WithDefault("node_modules/,.git/,.next/,dist/,build/,.cache/,__pycache__/,.venv/,target/")
        List<String> ignore();

        /** A scan of a sandbox stops after this many files (beyond it, files are reported, not saved). */
        @WithDefault("20000")
        int maxScannedFiles();
    }

    /** The switch pipeline. */
    interface Switch {
        /** {@code concurrent}: kill the old sandbox while creating the new; {@code kill-first}: kill, then create. */
        @WithDefault("concurrent")
        Order order();

        /**
         * What happens to the old sandbox once its files are saved back: {@code kill} it, or {@code pause} it and keep
         * it as the user's parked sandbox for its project, resumed when the user switches back.
         */
        @WithDefault("kill")
        Park park();

        /** Parked sandboxes a user may have beside the running one; the oldest is killed first. */
        @WithDefault("2")
        int parkedPerUser();

        /** A parked sandbox is killed this long after it was parked (its files were saved when it was parked). */
        @WithDefault("1h")
        Duration parkedTtl();

        enum Order {
            CONCURRENT,
            KILL_FIRST
        }

        enum Park {
            KILL,
            PAUSE
        }
    }

    /** The warm pool: sandboxes created ahead per template, claimed by switches instead of a create. */
    interface WarmPool {
        /** Sandboxes kept ready for projects on the default template; 0 turns the pool off for it. */
        @WithDefault("0")
        int size();

        /** Per template (the project's template name): {@code switchboard.pool.templates."<name>".size}. */
        Map<String, PoolTemplate> templates();

        /**
         * A pool sandbox unclaimed for this long is recycled (killed and replaced); its provider timeout is this plus
         * the expiry margin, so a pool left behind by a crash expires by itself.
         */
        @WithDefault("10m")
        Duration maxAge();

        /** Pool sandboxes created at once by one refill. */
        @WithDefault("4")
        int createConcurrency();

        /** How often the pool job recycles and refills (a claim also triggers a refill at once). */
        @WithDefault("15s")
        Duration refillEvery();
    }

    interface PoolTemplate {
        @WithDefault("0")
        int size();
    }

    /** Fragment limits; requests beyond them are rejected with 400 or 413 and store nothing. */
    interface Limits {
        @WithDefault("2000")
        int maxFiles();

        @WithDefault("20M")
        MemorySize maxFragmentBytes();

        @WithDefault("5M")
        MemorySize maxFileBytes();
    }

    /**
     * Fault tolerance of provider HTTP calls. Timeouts here are per HTTP call and independent of a sandbox's lifetime
     * ({@code switchboard.sandbox.provider-timeout}); mixing the two up is a classic way to lose sandboxes.
     */
    interface ProviderCalls {
        /** Timeout of one provider HTTP call. */
        @WithDefault("30s")
        Duration callTimeout();

        /** Timeout of one create call, which waits for the sandbox to boot. */
        @WithDefault("120s")
        Duration createTimeout();

        /** Attempts per call, the first included; retries happen only for idempotent calls or explicit 429/502/503/504. */
        @WithDefault("4")
        int maxAttempts();

        /** First backoff; doubles per attempt, with full jitter. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Longest backoff between two attempts. */
        @WithDefault("5s")
        Duration maxBackoff();

        /** A Retry-After longer than this is not waited for: the caller gets a 429/503 with it instead. */
        @WithDefault("30s")
        Duration maxRetryAfter();

        /**
         * Consecutive failures (timeouts, broken connections, 5xx, 429) that open a circuit breaker: the provider's
         * control-plane breaker, or one sandbox's data-plane breaker. Any other answer counts as a success.
         */
        @WithDefault("5")
        int breakerFailureThreshold();

        /** How long an open breaker fails calls fast before it lets a trial call through (half-open). */
        @WithDefault("5s")
        Duration breakerOpenFor();
    }



    /** The scheduled lifecycle jobs; each is safe to run on many replicas at once. */
    interface Jobs {
        /** Run the jobs at all (the CLI and some tests turn them off). */
        @WithDefault("true")
        boolean enabled();

        /** TTL expiry interval: kills sandboxes older than {@code switchboard.sandbox.max-age}. */
        @WithDefault("30s")
        Duration expiryEvery();

        /** Idle cleanup interval: kills sandboxes unused for {@code switchboard.sandbox.idle-timeout}. */
        @WithDefault("30s")
        Duration idleEvery();

        /** Keep-alive interval: extends the provider timeout of sandboxes in use. */
        @WithDefault("60s")
        Duration keepaliveEvery();

        /** Reconciliation interval: orphans, dead pointers, failed kills. */
        @WithDefault("60s")
        Duration reconcileEvery();

        /** Rows one job run claims at a time. */
        @WithDefault("50")
        int batchSize();

        /** A switch in flight for longer than this is considered crashed and no longer protects its user's sandbox. */
        @WithDefault("10m")
        Duration staleSwitch();

        /** On shutdown, how long job runs in flight may take to finish before the SQL pool closes under them. */
        @WithDefault("5s")
        Duration shutdownGrace();
    }

    /** Orphan reconciliation (invariants 2 and 5). */
    interface Reconcile {
        /** Age before a sandbox the database does not reference counts as an orphan (protects switches in flight). */
        @WithDefault("2m")
        Duration grace();

        /** Run a reconciliation once at start-up. */
        @WithDefault("true")
        boolean atStartup();
    }
}
