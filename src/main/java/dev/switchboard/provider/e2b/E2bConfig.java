package dev.switchboard.provider.e2b;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** E2B (https://e2b.dev). */
@ConfigMapping(prefix = "switchboard.e2b")
public interface E2bConfig {
    /** Control plane base URL. */
    @WithDefault("https://api.e2b.app")
    String apiUrl();

    /** API key ({@code X-API-Key}); environment variable {@code E2B_API_KEY}. */
    Optional<String> apiKey();

    /** Sandbox domain: sandbox hosts are {@code <port>-<sandboxId>.<domain>}. */
    @WithDefault("e2b.app")
    String domain();

    /**
     * Send every data-plane (envd) call to this URL instead of the per-sandbox host, naming the sandbox in the
     * {@code E2b-Sandbox-Id} and {@code E2b-Sandbox-Port} headers (self-hosted E2B, proxies).
     */
    Optional<String> envdUrl();

    /** The plan's maximum sandbox lifetime (Hobby 1h, Pro 24h): timeouts are clamped to it. */
    @WithDefault("1h")
    Duration maxLifetime();

    /** The template when no {@code switchboard.templates} are configured and {@code switchboard.sandbox.template} is unset. */
    @WithDefault("base")
    String template();

    /** Directory inside the sandbox that holds the project's files. */
    @WithDefault("/home/user/project")
    String projectRoot();

    /** The port whose public URL is the sandbox URL. */
    @WithDefault("3000")
    int port();

    /** Files per multipart upload request. */
    @WithDefault("500")
    int uploadBatchFiles();

    /** Bytes per multipart upload request. */
    @WithDefault("16M")
    MemorySize uploadBatchBytes();
}
