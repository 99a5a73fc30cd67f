package dev.switchboard.mcp;

import java.net.URI;
import java.util.Map;

import dev.switchboard.common.ProblemException;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.spec.McpSchema;

/** One tool call: the caller's user id (from {@link McpResource}, through the transport context) and its arguments. */
record ToolCall(String userId, URI base, Map<String, Object> arguments) {

    private static final String USER = "switchboard.user";
    private static final String BASE = "switchboard.base";

    /** The transport context of a call by {@code userId} that came in under the base URI {@code base}. */
    static McpTransportContext context(String userId, URI base) {
        return McpTransportContext.create(Map.of(USER, userId, BASE, base));
    }

    static ToolCall of(McpTransportContext context, McpSchema.CallToolRequest request) {
        if (!(context.get(USER) instanceof String userId)) {
            throw new ProblemException(401, "Unauthorized", "The call carries no user");
        }
        URI base = context.get(BASE) instanceof URI uri ? uri : null;
        return new ToolCall(userId, base, request.arguments() == null ? Map.of() : request.arguments());
    }

    /** A string argument that must be present. */
    String string(String name) {
        String value = optionalString(name);
        if (value == null) {
            throw ProblemException.badRequest("'" + name + "' is required");
        }
        return value;
    }

    String optionalString(String name) {
        Object value = arguments.get(name);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw ProblemException.badRequest("'" + name + "' must be a string");
    }

    Integer optionalInteger(String name) {
        Object value = arguments.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw ProblemException.badRequest("'" + name + "' must be an integer");
    }
}
