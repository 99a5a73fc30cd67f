package dev.switchboard.project;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A user's project; its files live in immutable {@link Fragment}s. */
@Entity
@Table(name = "projects")
public class Project extends PanacheEntityBase {

    @Id
    @Column(nullable = false)
    public UUID id;
    @Column(nullable = false, columnDefinition = "text")
    public String name;
    @Column(name = "owner_id", nullable = false, columnDefinition = "text")
    public String ownerId;
    @Column(columnDefinition = "text")
    public String template;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
