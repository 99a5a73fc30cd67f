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
    public UUID id;
    public String name;
    @Column(name = "owner_id")
    public String ownerId;
    public String template;
    @Column(name = "created_at")
    public Instant createdAt;
}
