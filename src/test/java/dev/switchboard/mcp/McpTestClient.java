package dev.switchboard.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

/** The MCP Java SDK's own client over Streamable HTTP, sending a bearer token (or none) with every request. */
final class McpTestClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final McpSyncClient client;

    private McpTestClient(McpSyncClient client) {
        this.client = client;
    }

    /** A client of {@code <root>/mcp}; {@code token} null sends no Authorization header. */
    static McpTestClient of(URI root, String token) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(root.toString())
                .endpoint("/mcp")
                .httpRequestCustomizer((request, method, uri, body, context) -> {
                    if (token != null) {
                        request.header("Authorization", "Bearer " + token);
                    }
                })
                .build();
        return new McpTestClient(McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(20))
                .clientInfo(new McpSchema.Implementation("switchboard-test", "1")).build());
    }

    CallToolResult call(String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    /** The text of a successful call. */
    String text(String tool, Map<String, Object> arguments) {
        CallToolResult result = call(tool, arguments);
        assertFalse(Boolean.TRUE.equals(result.isError()), () -> tool + " failed: " + textOf(result));
        return textOf(result);
    }

    /** The JSON text of a successful call, parsed. */
    JsonNode json(String tool, Map<String, Object> arguments) {
        return parse(text(tool, arguments));
    }

    /** The problem+json of a failed call. */
    JsonNode problem(String tool, Map<String, Object> arguments) {
        CallToolResult result = call(tool, arguments);
        assertTrue(Boolean.TRUE.equals(result.isError()), () -> tool + " should have failed: " + textOf(result));
        return parse(textOf(result));
    }

    static String textOf(CallToolResult result) {
        assertEquals(1, result.content().size(), () -> "one content item: " + result.content());
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    @Override
    public void close() {
        client.closeGracefully();
    }
}
