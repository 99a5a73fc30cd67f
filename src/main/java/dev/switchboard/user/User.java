package dev.switchboard.user;

import java.time.Instant;
import java.util.UUID;

/**
 * A user's row of {@code users} (id = JWT subject) and the one sandbox Switchboard keeps for them, as read by
 * {@code SandboxStateRepository.find}. Immutable: every change is an SQL statement on the row.
 */
public final class User {

    public final String id;
    public final String name;
    public final String email;
    public final Instant createdAt;

    public final UUID activeProjectId;
    public final UUID activeFragmentId;
    public final String activeSandboxId;
    public final String sandboxProvider;
    public final String sandboxUrl;
    public final String sandboxMcpUrl;
    public final Instant sandboxCreatedAt;
    public final Instant sandboxLastUsedAt;
    public final Instant sandboxExpiresAt;
    public final Instant sandboxProviderExpiresAt;

    public final UUID switchId;
    public final Instant switchStartedAt;

    /** The last sandbox that stopped (killed, expired, cleaned up, found dead), or null if the user never had one. */
    public final LastSandbox lastSandbox;

    /** A sandbox the user had: what a panel shows as {@code stopped}. */
    public record LastSandbox(String sandboxId, Instant createdAt, Instant lastUsedAt, Instant stoppedAt) {
    }

    /** The columns in the table's order. */
    public User(String id, String name, String email, Instant createdAt, UUID activeProjectId, UUID activeFragmentId,
            String activeSandboxId, String sandboxProvider, String sandboxUrl, String sandboxMcpUrl,
            Instant sandboxCreatedAt, Instant sandboxLastUsedAt, Instant sandboxExpiresAt,
            Instant sandboxProviderExpiresAt, UUID switchId, Instant switchStartedAt) {
        this(id, name, email, createdAt, activeProjectId, activeFragmentId, activeSandboxId, sandboxProvider, sandboxUrl,
                sandboxMcpUrl, sandboxCreatedAt, sandboxLastUsedAt, sandboxExpiresAt, sandboxProviderExpiresAt, switchId,
                switchStartedAt, null);
    }

    /** The columns in the table's order, and the last stopped sandbox. */
    public User(String id, String name, String email, Instant createdAt, UUID activeProjectId, UUID activeFragmentId,
            String activeSandboxId, String sandboxProvider, String sandboxUrl, String sandboxMcpUrl,
            Instant sandboxCreatedAt, Instant sandboxLastUsedAt, Instant sandboxExpiresAt,
            Instant sandboxProviderExpiresAt, UUID switchId, Instant switchStartedAt, LastSandbox lastSandbox) {
        this.id = id;
        this.name = name;
        this.email = email;
        this.createdAt = createdAt;
        this.activeProjectId = activeProjectId;
        this.activeFragmentId = activeFragmentId;
        this.activeSandboxId = activeSandboxId;
        this.sandboxProvider = sandboxProvider;
        this.sandboxUrl = sandboxUrl;
        this.sandboxMcpUrl = sandboxMcpUrl;
        this.sandboxCreatedAt = sandboxCreatedAt;
        this.sandboxLastUsedAt = sandboxLastUsedAt;
        this.sandboxExpiresAt = sandboxExpiresAt;
        this.sandboxProviderExpiresAt = sandboxProviderExpiresAt;
        this.switchId = switchId;
        this.switchStartedAt = switchStartedAt;
        this.lastSandbox = lastSandbox;
    }

    public boolean hasSandbox() {
        return activeSandboxId != null;
    }

    /** The name to show: the display name, else the id. */
    public String displayName() {
        return name != null ? name : id;
    }
}
