package dev.switchboard.project;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** An immutable snapshot of a project's files (path to UTF-8 content); a database trigger refuses updates. */
@Entity
@Immutable
@Table(name = "fragments")
public class Fragment extends PanacheEntityBase {

    @Id
    @Column(nullable = false)
    public UUID id;
    @Column(insertable = false, updatable = false, nullable = false)
    public Long seq;
    @Column(name = "project_id", nullable = false)
    public UUID projectId;
    @Column(columnDefinition = "text")
    public String title;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> files;
    @Column(name = "file_count", nullable = false)
    public int fileCount;
    @Column(name = "total_bytes", nullable = false)
    public long totalBytes;
    @Column(name = "created_by", columnDefinition = "text")
    public String createdBy;
    @Column(name = "saved_from_sandbox", columnDefinition = "text")
    public String savedFromSandbox;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
