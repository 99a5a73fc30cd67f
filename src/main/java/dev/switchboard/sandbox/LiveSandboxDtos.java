package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Bodies of the live-sandbox API (files, commands, ports), shared by REST, MCP and the console. */
public final class LiveSandboxDtos {

    private LiveSandboxDtos() {
    }

    /** One listing entry: {@code path} relative to the project root, {@code type} {@code file} or {@code dir}, size null for a dir. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SandboxFileEntry(String path, String type, Long size, Instant modifiedAt) {
    }

    /** A file read from the live sandbox, with the content type its name suggests. */
    public record SandboxFile(String path, byte[] content, String contentType) {
    }

    /** A command to run: {@code cwd} relative to the project root (null: the root), timeout null: the default. */
    @RegisterForReflection
    public record ExecCommand(String command, String cwd, Integer timeoutSeconds, Map<String, String> env) {
    }

    /** A finished command; {@code exitCode} is null when it timed out. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ExecAnswer(Integer exitCode, String stdout, String stderr, boolean truncated, boolean timedOut,
            long durationMs) {
    }

    /** The public URL of a port of the live sandbox. */
    @RegisterForReflection
    public record PortUrl(String url) {
    }

    /** A chunk of a command's output, the data of a {@code stdout} or {@code stderr} event. */
    @RegisterForReflection
    public record ExecOutput(String data) {
    }

    /** The data of the {@code exit} event that ends a streamed command. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ExecExit(Integer exitCode, long durationMs, boolean timedOut, boolean truncated) {
    }
}
