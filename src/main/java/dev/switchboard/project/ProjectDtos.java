package dev.switchboard.project;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.databind.JsonNode;

import dev.switchboard.files.FileContent;
import dev.switchboard.files.Fragment;
import dev.switchboard.files.StoredFile;
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

    /** {@code files}: path to a UTF-8 string, or to {@code {"encoding":"base64","content":"..."}} for any bytes. */
    @RegisterForReflection
    public record CreateFragment(@Size(max = 500) String title, @NotNull Map<String, JsonNode> files) {
    }

    /** A fragment without its file bodies. */
    @RegisterForReflection
    public record FragmentSummary(UUID id, UUID projectId, String title, int fileCount, long totalBytes, Instant createdAt) {
        public static FragmentSummary of(Fragment f) {
            return new FragmentSummary(f.id(), f.projectId(), f.title(), f.fileCount(), f.totalBytes(), f.createdAt());
        }
    }

    /** A fragment with its files in the JSON form: a string for valid UTF-8, else the base64 object. */
    @RegisterForReflection
    public record FragmentView(UUID id, UUID projectId, String title, int fileCount, long totalBytes, Instant createdAt,
            Map<String, JsonNode> files) {
        public static FragmentView of(Fragment f, List<StoredFile> files) {
            Map<String, JsonNode> json = new TreeMap<>();
            files.forEach(file -> json.put(file.path(), FileContent.encode(file.content())));
            return new FragmentView(f.id(), f.projectId(), f.title(), f.fileCount(), f.totalBytes(), f.createdAt(), json);
        }
    }

    /** Paths that differ between two fragments of a project. */
    @RegisterForReflection
    public record FragmentDiff(List<String> added, List<String> changed, List<String> deleted) {
    }
}
