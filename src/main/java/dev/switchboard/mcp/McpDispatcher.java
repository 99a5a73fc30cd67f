package dev.switchboard.mcp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import io.smallrye.mutiny.Uni;
import reactor.core.publisher.Mono;

/**
 * The MCP SDK's stateless server behind {@link McpResource}: this class is its transport. Each POST carries one
 * JSON-RPC message and gets its answer in the HTTP response, so there is no session to keep and any replica can
 * serve any call. The SDK's handlers answer Reactor {@code Mono}s; they are subscribed on the calling (request)
 * thread and complete where the services' {@code Uni}s complete, so nothing blocks.
 */
@Singleton
public class McpDispatcher implements McpStatelessServerTransport {

    private static final Logger LOG = Logger.getLogger(McpDispatcher.class);

    static final String INSTRUCTIONS = """
            Switchboard keeps one live code sandbox per user and switches it between the user's projects. \
            list_projects shows your projects; switch_project loads one (its latest or a given fragment) into your \
            sandbox; sandbox_status says whether it is running; list_files, read_file, write_file and exec work on \
            the live sandbox's project tree (paths relative to the project root); save stores its files as a new fragment.""";

    /** The protocol's own mapper, as the SDK builds it, apart from the application's JSON settings. */
    private final McpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
    private volatile McpStatelessServerHandler handler;

    public McpDispatcher(ProjectTools projectTools, SandboxTools sandboxTools,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        // The server registers its handler with this transport (setMcpHandler), which keeps it.
        McpServer.async(this)
                .jsonMapper(json)
                .jsonSchemaValidator(new DefaultJsonSchemaValidator())
                .serverInfo("switchboard", version)
                .instructions(INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(tools(projectTools, sandboxTools))
                .build();
    }

    private static List<AsyncToolSpecification> tools(ProjectTools projectTools, SandboxTools sandboxTools) {
        List<AsyncToolSpecification> all = new ArrayList<>(projectTools.specifications());
        all.addAll(sandboxTools.specifications());
        return all;
    }

    @Override
    public void setMcpHandler(McpStatelessServerHandler mcpHandler) {
        this.handler = mcpHandler;
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.empty();
    }

    /** Reads one JSON-RPC message; batches and anything else fail with {@link IllegalArgumentException}. */
    public McpSchema.JSONRPCMessage parse(String body) {
        try {
            return McpSchema.deserializeJsonRpcMessage(json, body == null ? "" : body);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a JSON-RPC message", e);
        }
    }

    /** The JSON text of the answer to a request; failures inside are already JSON-RPC errors. */
    public Uni<String> answer(McpSchema.JSONRPCRequest request, McpTransportContext context) {
        return toUni(Mono.defer(() -> handler.handleRequest(context, request))
                .contextWrite(c -> c.put(McpTransportContext.KEY, context)))
                .onFailure().recoverWithItem(e -> failure(request, e))
                .map(this::write);
    }

    /**
     * The SDK answers an unknown method with a failed {@code Mono}, and reads a request's params before its own error
     * handling starts, so malformed ones fail out here too.
     */
    private static McpSchema.JSONRPCResponse failure(McpSchema.JSONRPCRequest request, Throwable failure) {
        Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (e instanceof McpError mcp && mcp.getJsonRpcError() != null) {
            return McpSchema.JSONRPCResponse.error(request.id(), mcp.getJsonRpcError());
        }
        boolean invalid = e instanceof IllegalArgumentException;
        if (!invalid) {
            LOG.error("MCP request " + request.method() + " failed", e);
        }
        return McpSchema.JSONRPCResponse.error(request.id(), new McpSchema.JSONRPCResponse.JSONRPCError(
                invalid ? McpSchema.ErrorCodes.INVALID_PARAMS : McpSchema.ErrorCodes.INTERNAL_ERROR,
                invalid ? "Invalid params for " + request.method() : "Internal error", null));
    }

    /** A JSON-RPC error answer to a message that could not be read (the id is unknown, so null). */
    public String error(int code, String message) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        answer.put("id", null);
        answer.put("error", new McpSchema.JSONRPCResponse.JSONRPCError(code, message, null));
        return write(answer);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write an MCP message", e);
        }
    }

    private static <T> Uni<T> toUni(Mono<T> mono) {
        return Uni.createFrom().completionStage(mono::toFuture);
    }
}
