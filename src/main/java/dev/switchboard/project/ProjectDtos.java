package dev.switchboard.project;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Request and answer bodies of the project API. */
public final class ProjectDtos {

    private ProjectDtos() {
    }

    @RegisterForReflection
    public record CreateProject(@NotBlank @Size(max = 200) String name, @Size(max = 200) String template) {
    }

    @RegisterForReflection
    public record ProjectView(UUID id, String name, String ownerId, String template, Instant createdAt) {
        static ProjectView of(Project p) {
            return new ProjectView(p.id, p.name, p.ownerId, p.template, p.createdAt);
        }
    }

    @RegisterForReflection
    public record AddMember(@NotBlank @Size(max = 255) String userId,
            @NotNull @Pattern(regexp = "editor|viewer", message = "must be editor or viewer") String role) {
    }

    @RegisterForReflection
    public record CreateFragment(@Size(max = 500) String title, @NotNull Map<String, String> files) {
    }

    /** A fragment without its file bodies. */
    @RegisterForReflection
    public record FragmentSummary(UUID id, UUID projectId, String title, int fileCount, Instant createdAt) {
        static FragmentSummary of(Fragment f) {
            return new FragmentSummary(f.id, f.projectId, f.title, f.fileCount, f.createdAt);
        }
    }

    @RegisterForReflection
    public record FragmentView(UUID id, UUID projectId, String title, int fileCount, long totalBytes, Instant createdAt,
            Map<String, String> files) {
        public static FragmentView of(Fragment f) {
            return new FragmentView(f.id, f.projectId, f.title, f.fileCount, f.totalBytes, f.createdAt, f.files);
        }
    }
}
