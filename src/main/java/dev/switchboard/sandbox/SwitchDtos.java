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

    /**
     * What {@code switchUserToFragment} answers. {@code mcpServerUrl} is the sandbox's own MCP URL as the pipeline
     * returns it; the resource replaces it with the one handed out ({@link McpUrls}).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SwitchResult(String sandboxId, String sandboxUrl, int restoredFiles, boolean hasRestoredFiles,
            UUID fragmentId, UUID activeProjectId, UUID activeFragmentId, SaveBackSummary saveBack,
            List<SkippedFile> restoreSkipped, String launch, String mcpServerUrl) {

        public SwitchResult withMcpServerUrl(String url) {
            return new SwitchResult(sandboxId, sandboxUrl, restoredFiles, hasRestoredFiles, fragmentId, activeProjectId,
                    activeFragmentId, saveBack, restoreSkipped, launch, url);
        }
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

        /** The seed's 200 answer of a switch. */
        public static SwitchResponse of(SwitchResult r) {
            return new SwitchResponse(true, r.fragmentId() != null
                    ? "Successfully switched to fragment " + r.fragmentId()
                    : "Successfully switched to project " + r.activeProjectId() + " (no fragments: empty sandbox)", r);
        }
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

    /**
     * The user's sandbox: {@code active} (running, used within the idle window), {@code standby} (running but idle, or
     * paused) or {@code stopped} (gone: the last one's id and times, no URLs, {@code stoppedAt} when it went).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SandboxView(String sandboxId, String sandboxUrl, String mcpServerUrl, Instant createdAt, Instant lastUsedAt,
            Instant stoppedAt, String status) {

        public SandboxView withMcpServerUrl(String url) {
            return new SandboxView(sandboxId, sandboxUrl, url, createdAt, lastUsedAt, stoppedAt, status);
        }
    }

    @RegisterForReflection
    public record InitResponse(boolean success, SandboxView sandbox) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SandboxStatusResponse(SandboxView sandbox) {
    }
}
