package dev.switchboard.provider.blaxel;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Blaxel's wire model (control plane {@code Sandbox} of {@code @blaxel/core} types.gen.ts, data plane of sandbox-api),
 * reduced to the fields Switchboard sends or reads.
 */
public final class BlaxelModel {

    private BlaxelModel() {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Sandbox(Metadata metadata, Spec spec, String status, String state, String lastUsedAt) {
    }

    /** {@code url}, {@code workspace} and {@code createdAt} are read-only: set by Blaxel, never sent. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metadata(String name, String displayName, Map<String, String> labels, String url, String workspace,
            String createdAt) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(String region, Runtime runtime, Lifecycle lifecycle) {
    }

    /** {@code memory} in MB; Blaxel derives the CPU count from it. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Runtime(String image, Integer memory, List<Port> ports, List<Env> envs) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Port(String name, Integer target, String protocol) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Env(String name, String value) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Lifecycle(List<ExpirationPolicy> expirationPolicies) {
    }

    /** {@code type} is {@code ttl-idle}, {@code ttl-max-age} or {@code date}; {@code value} a duration such as {@code 15m}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExpirationPolicy(String type, String value, String action) {
    }

    /** {@code GET /sandboxes} from Blaxel-Version 2026-04-28 on; older versions answer a bare array. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SandboxPage(List<Sandbox> data, PageMeta meta) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PageMeta(Boolean hasMore, String nextCursor, Long total) {
    }

    /** Body of {@code PUT /filesystem/tree/{root}}: relative path to UTF-8 content. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TreeRequest(Map<String, String> files) {
    }

    /** Body of {@code PUT /filesystem/{path}}; used here only to create a directory. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileRequest(String content, Boolean isDirectory, String permissions) {
    }

    /** {@code GET /filesystem/{dir}}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Directory(String name, String path, List<FileEntry> files, List<Subdirectory> subdirectories) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileEntry(String name, String path, Long size) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Subdirectory(String name, String path) {
    }

    /** {@code POST /process}; {@code timeout} in seconds, 0 meaning none (so never send 0). */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProcessRequest(String command, String workingDir, Boolean waitForCompletion, Integer timeout) {
    }

    /** {@code status}: running, completed, failed (non-zero exit), killed or stopped. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProcessResponse(String pid, String name, String status, Integer exitCode, String stdout, String stderr,
            String logs) {
    }
}
