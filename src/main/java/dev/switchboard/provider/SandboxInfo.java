package dev.switchboard.provider;

import java.time.Instant;
import java.util.Map;

/** A live sandbox as the provider reports it. */
public record SandboxInfo(String id, String url, String mcpServerUrl, State state, Instant createdAt,
        Instant expiresAt, Map<String, String> metadata) {

    /** Provider-side state of a live sandbox; a gone sandbox has no {@code SandboxInfo} at all. */
    public enum State {
        RUNNING,
        /** Paused (E2B) or in standby (Blaxel): alive, resumes on the next request. */
        PAUSED
    }

    public SandboxInfo {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
