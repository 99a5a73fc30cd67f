package dev.switchboard.provider;

import java.time.Instant;

/**
 * A freshly created sandbox. {@code accessToken} is the data-plane credential some providers return on create
 * (E2B's envd token); it is never stored or shown to callers.
 */
public record SandboxHandle(String id, String url, String mcpServerUrl, Instant createdAt, Instant expiresAt,
        String accessToken) {

    @Override
    public String toString() {
        return "SandboxHandle[id=" + id + ", url=" + url + ", createdAt=" + createdAt + ", expiresAt=" + expiresAt + "]";
    }
}
