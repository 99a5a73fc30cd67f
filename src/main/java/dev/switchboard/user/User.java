package dev.switchboard.user;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A user (id = JWT subject) and the one sandbox Switchboard keeps for them. */
@Entity
@Table(name = "users")
public class User extends PanacheEntityBase {

    @Id
    @Column(nullable = false, columnDefinition = "text")
    public String id;
    @Column(columnDefinition = "text")
    public String name;
    @Column(columnDefinition = "text")
    public String email;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "active_project_id")
    public UUID activeProjectId;
    @Column(name = "active_fragment_id")
    public UUID activeFragmentId;
    @Column(name = "active_sandbox_id", columnDefinition = "text")
    public String activeSandboxId;
    @Column(name = "sandbox_provider", columnDefinition = "text")
    public String sandboxProvider;
    @Column(name = "sandbox_url", columnDefinition = "text")
    public String sandboxUrl;
    @Column(name = "sandbox_mcp_url", columnDefinition = "text")
    public String sandboxMcpUrl;
    @Column(name = "sandbox_created_at")
    public Instant sandboxCreatedAt;
    @Column(name = "sandbox_last_used_at")
    public Instant sandboxLastUsedAt;
    @Column(name = "sandbox_expires_at")
    public Instant sandboxExpiresAt;

    @Column(name = "sandbox_provider_expires_at")
    public Instant sandboxProviderExpiresAt;

    @Column(name = "switch_id")
    public UUID switchId;
    @Column(name = "switch_started_at")
    public Instant switchStartedAt;

    public boolean hasSandbox() {
        return activeSandboxId != null;
    }

    /** The name to show: the display name, else the id. */
    public String displayName() {
        return name != null ? name : id;
    }
}
