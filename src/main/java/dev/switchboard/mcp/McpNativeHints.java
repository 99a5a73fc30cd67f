package dev.switchboard.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Native image: Jackson reads and writes the MCP SDK's protocol records (every class nested in {@link McpSchema})
 * through reflection, and the SDK's anonymous {@code TypeRef}s are read for their generic type. The SDK ships no
 * native-image metadata of its own (json-schema-validator and Reactor do).
 */
@RegisterForReflection(targets = McpSchema.class, classNames = {
        "io.modelcontextprotocol.spec.McpSchema$1",
        "io.modelcontextprotocol.server.McpStatelessAsyncServer$1",
        "io.modelcontextprotocol.server.McpStatelessAsyncServer$2",
        "io.modelcontextprotocol.server.McpStatelessAsyncServer$3",
        "io.modelcontextprotocol.server.McpStatelessAsyncServer$4" })
final class McpNativeHints {

    private McpNativeHints() {
    }
}
