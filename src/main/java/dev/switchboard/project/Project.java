package dev.switchboard.project;

import java.time.Instant;
import java.util.UUID;

/**
 * A user's project (a row of {@code projects}); its files live in immutable fragments. Read and written only by
 * {@link ProjectRepository}.
 */
public final class Project {

    public final UUID id;
    public final String name;
    public final String ownerId;
    /** The template its sandboxes start from, or null for the provider's default. */
    public final String template;
    public final Instant createdAt;

    public Project(UUID id, String name, String ownerId, String template, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.ownerId = ownerId;
        this.template = template;
        this.createdAt = createdAt;
    }

    @Override
    public String toString() {
        return "Project[" + id + " '" + name + "' of " + ownerId + "]";
    }
}
