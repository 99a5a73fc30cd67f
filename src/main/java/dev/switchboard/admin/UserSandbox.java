package dev.switchboard.admin;

import java.time.Instant;
import java.util.UUID;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A user with a recorded sandbox, as operators see it; {@code status} is {@code live} or {@code stopped}. */
@RegisterForReflection
public record UserSandbox(String userId, String name, String email, String sandboxId, String sandboxUrl, UUID projectId,
        String projectName, Instant createdAt, Instant lastUsedAt, Instant expiresAt, String status) {
}
