package dev.switchboard.project;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A user's role in someone else's project: {@code editor} or {@code viewer}. */
@Entity
@Table(name = "project_members")
@IdClass(ProjectMember.Key.class)
public class ProjectMember extends PanacheEntityBase {

    @Id
    @Column(name = "project_id", nullable = false)
    public UUID projectId;
    @Id
    @Column(name = "user_id", nullable = false, columnDefinition = "text")
    public String userId;
    @Column(nullable = false, columnDefinition = "text")
    public String role;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** Composite primary key. */
    public static class Key implements Serializable {
        public UUID projectId;
        public String userId;

        public Key() {
        }

        public Key(UUID projectId, String userId) {
            this.projectId = projectId;
            this.userId = userId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(projectId, k.projectId) && Objects.equals(userId, k.userId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(projectId, userId);
        }
    }
}
