package dev.switchboard.files;

import java.time.Instant;
import java.util.UUID;

/**
 * An immutable snapshot of a project's files; its files are the rows of its manifest ({@link ManifestEntry}).
 * {@code savedFromSandbox} is set when save-back made it.
 */
public record Fragment(UUID id, long seq, UUID projectId, String title, int fileCount, long totalBytes, String createdBy,
        String savedFromSandbox, Instant createdAt) {
}
