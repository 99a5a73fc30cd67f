package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.switchboard.project.ProjectDtos.FragmentView;
import dev.switchboard.provider.SkippedFile;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Bodies of the switch and sandbox API, in the shapes of the seed documents. */
public final class SwitchDtos {

    private SwitchDtos() {
    }

    @RegisterForReflection
    public record SwitchRequest(@NotBlank @Size(max = 64) String projectId, @Size(max = 64) String fragmentId) {
    }

    /** What {@code switchUserToFragment} answers. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SwitchResult(String sandboxId, String sandboxUrl, int restoredFiles, boolean hasRestoredFiles,
            UUID fragmentId, UUID activeProjectId, UUID activeFragmentId, SaveBackSummary saveBack,
            List<SkippedFile> restoreSkipped, String launch) {
    }

    /**
     * What a save-back stored: the new fragment (null when nothing changed), the files it holds, how many were read
     * because they were new or changed, how many were deleted in the sandbox, and the files not saved with the reason
     * (at most 100 listed; {@code skippedCount} counts them all).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SaveBackSummary(UUID fragmentId, int savedFiles, int changedFiles, int deletedFiles,
            List<SkippedFile> skippedFiles, int skippedCount) {
    }

    @RegisterForReflection
    public record SwitchResponse(boolean success, String message, SwitchResult result) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ActiveFragment(UUID projectId, UUID fragmentId, FragmentView fragment) {
    }

    @RegisterForReflection
    public record KillResult(boolean killed, String sandboxId) {
    }

    /** What a cleanup killed; {@code saveBack} is what the save-back of the recorded sandbox stored (null: nothing to save). */
    @RegisterForReflection
    public record CleanupResults(int totalProjects, int killed, int failed, List<String> killedSandboxes,
            List<String> failedSandboxes, SaveBackSummary saveBack) {
    }

    @RegisterForReflection
    public record CleanupResponse(boolean success, String message, CleanupResults results) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record CurrentSandbox(String sandboxId, UUID projectId, String projectName, Instant createdAt,
            Instant lastUsedAt) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record CleanupStatus(String userId, int activeSandboxes, CurrentSandbox currentSandbox,
            List<ParkedView> parkedSandboxes) {
    }

    /** A parked (paused) sandbox of the user: its files were saved; switching back to the project resumes it. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ParkedView(String sandboxId, UUID projectId, UUID fragmentId, Instant parkedAt) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SandboxView(String sandboxId, String sandboxUrl, String mcpServerUrl, Instant createdAt, String status) {
    }

    @RegisterForReflection
    public record InitResponse(boolean success, SandboxView sandbox) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SandboxStatusResponse(SandboxView sandbox) {
    }
}
