package dev.switchboard.admin;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A user with a recorded or parked sandbox, as operators see it; {@code status} is {@code live}, {@code stopped} (a
 * record the reconciler will clear) or {@code none} (only parked sandboxes). {@code parked}: newest first.
 */
@RegisterForReflection
public record UserSandbox(String userId, String name, String email, String sandboxId, String sandboxUrl, UUID projectId,
        String projectName, Instant createdAt, Instant lastUsedAt, Instant expiresAt, String status, List<Parked> parked) {

    /** A parked (paused) sandbox of the user, holding {@code fragmentId} of {@code projectId}. */
    @RegisterForReflection
    public record Parked(String sandboxId, UUID projectId, UUID fragmentId, Instant parkedAt) {
    }
}
