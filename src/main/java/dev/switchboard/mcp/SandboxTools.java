package dev.switchboard.mcp;

import static dev.switchboard.mcp.ToolKit.hints;
import static dev.switchboard.mcp.ToolKit.property;
import static dev.switchboard.mcp.ToolKit.schema;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import dev.switchboard.files.FileContent;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecCommand;
import dev.switchboard.sandbox.LiveSandboxDtos.SandboxFile;
import dev.switchboard.sandbox.LiveSandboxService;
import dev.switchboard.user.User;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.smallrye.mutiny.Uni;

/**
 * The tools on the live sandbox's project tree: list, read, write, exec, through {@link LiveSandboxService} (its
 * path rules, limits, 404 without a sandbox, 409 during a switch, and the use each call counts as).
 */
@Singleton
class SandboxTools {

    private static final Map<String, Object> PATH = property("string",
            "Relative to the project root, '/'-separated, no '..' (for example src/app.js)");

    private final ToolKit kit;
    private final LiveSandboxService live;

    SandboxTools(ToolKit kit, LiveSandboxService live) {
        this.kit = kit;
        this.live = live;
    }

    List<AsyncToolSpecification> specifications() {
        return List.of(
                kit.tool("list_files",
                        "Lists one directory of your live sandbox's project tree (the root when path is empty or absent): "
                                + "path, type (file or dir), size, modifiedAt.",
                        schema(Map.of("path", property("string", "A directory relative to the project root; empty: the root"))),
                        hints("List files", true, false, true),
                        call -> user(call).chain(u -> live.list(u, call.optionalString("path"))).map(kit::json)),
                kit.tool("read_file", "Reads a file of your live sandbox: its text (a binary file comes as a base64 blob).",
                        schema(Map.of("path", PATH), "path"), hints("Read file", true, false, true),
                        call -> user(call).chain(u -> live.read(u, call.string("path"))).map(SandboxTools::content)),
                kit.tool("write_file",
                        "Creates or replaces a file of your live sandbox with the given text (UTF-8), creating its directories.",
                        schema(Map.of("path", PATH, "content", property("string", "The file's whole new text")),
                                "path", "content"),
                        hints("Write file", false, true, true),
                        call -> write(call, call.string("path"), call.string("content"))),
                kit.tool("exec",
                        "Runs a shell command in your live sandbox, in the project root, and answers exitCode, stdout, "
                                + "stderr, truncated, timedOut (exitCode null then) and durationMs.",
                        schema(Map.of("command", property("string", "A shell command line (run with sh -c)"),
                                "timeoutSeconds", Map.of("type", "integer", "minimum", 1,
                                        "description", "Kill the command after this many seconds; the service's default when absent")),
                                "command"),
                        hints("Run command", false, true, false),
                        call -> user(call).chain(u -> live.exec(u, new ExecCommand(call.string("command"), null,
                                call.optionalInteger("timeoutSeconds"), null))).map(kit::json)));
    }

    private Uni<User> user(ToolCall call) {
        return live.user(call.userId());
    }

    private Uni<CallToolResult> write(ToolCall call, String path, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return user(call).chain(u -> live.write(u, path, bytes)).map(v -> kit.json(Map.of("path", path, "size", bytes.length)));
    }

    /** The file's text; bytes that are not UTF-8 come as an embedded blob, so nothing is garbled. */
    private static CallToolResult content(SandboxFile file) {
        if (FileContent.isUtf8(file.content())) {
            return ToolKit.text(new String(file.content(), StandardCharsets.UTF_8));
        }
        McpSchema.BlobResourceContents blob = new McpSchema.BlobResourceContents("sandbox:///" + file.path(),
                file.contentType(), Base64.getEncoder().encodeToString(file.content()));
        return CallToolResult.builder().addContent(new McpSchema.EmbeddedResource(null, blob)).build();
    }
}
