package dev.switchboard.mcp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.DatabaseOutage;
import dev.switchboard.common.Problem;
import dev.switchboard.common.ProblemException;
import dev.switchboard.common.ProviderErrors;
import dev.switchboard.provider.ProviderException;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.smallrye.mutiny.Uni;
import reactor.core.publisher.Mono;

/**
 * What the tools share: their declaration, the bridge from the services' {@code Uni} to the SDK's {@code Mono}, and
 * results. A failure is a tool error ({@code isError}) whose text is the problem+json the REST API would answer.
 */
@Singleton
class ToolKit {

    private static final Logger LOG = Logger.getLogger(ToolKit.class);

    /** The application's mapper, so tool results read exactly like the REST answers. */
    private final ObjectMapper mapper;

    ToolKit(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * A tool whose handler runs on the calling thread when the SDK subscribes: the request's event loop and its
     * Vert.x duplicated context, where the services' reactive SQL and provider calls belong. Nothing blocks.
     */
    AsyncToolSpecification tool(String name, String description, Map<String, Object> inputSchema,
            McpSchema.ToolAnnotations annotations, Function<ToolCall, Uni<CallToolResult>> handler) {
        McpSchema.Tool tool = McpSchema.Tool.builder(name, inputSchema).description(description)
                .annotations(annotations).build();
        return new AsyncToolSpecification(tool, (context, request) -> Mono.fromCompletionStage(() -> Uni.createFrom()
                .deferred(() -> handler.apply(ToolCall.of(context, request)))
                .onFailure().recoverWithItem(this::error)
                .subscribeAsCompletionStage()));
    }

    /** An object input schema; {@code properties} maps each name to its schema. */
    static Map<String, Object> schema(Map<String, Object> properties, String... required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        if (required.length > 0) {
            schema.put("required", List.of(required));
        }
        schema.put("additionalProperties", false);
        return schema;
    }

    static Map<String, Object> property(String type, String description) {
        return Map.of("type", type, "description", description);
    }

    static McpSchema.ToolAnnotations hints(String title, boolean readOnly, boolean destructive, boolean idempotent) {
        return McpSchema.ToolAnnotations.builder().title(title).readOnlyHint(readOnly).destructiveHint(destructive)
                .idempotentHint(idempotent).openWorldHint(false).build();
    }

    static CallToolResult text(String text) {
        return CallToolResult.builder().addTextContent(text).build();
    }

    /** The value as JSON text, written as the REST API writes it. */
    CallToolResult json(Object value) {
        return text(write(value));
    }

    CallToolResult error(Throwable failure) {
        return CallToolResult.builder().addTextContent(write(problem(failure))).isError(true).build();
    }

    private static Problem problem(Throwable failure) {
        ProblemException p;
        if (failure instanceof ProblemException e) {
            p = e;
        } else if (failure instanceof ProviderException e) {
            LOG.warnf("provider failure in an MCP tool (%s): %s", e.kind(), e.getMessage());
            p = ProviderErrors.toProblem(e);
        } else if (DatabaseOutage.is(failure)) {
            DatabaseOutage.warn("MCP tool", failure);
            p = DatabaseOutage.problem();
        } else {
            LOG.error("unexpected failure in an MCP tool", failure);
            p = new ProblemException(500, "Internal Server Error", "An unexpected error occurred");
        }
        return Problem.of(p.status(), p.title(), p.getMessage());
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a tool result", e);
        }
    }
}
