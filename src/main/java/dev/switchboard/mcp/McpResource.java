package dev.switchboard.mcp;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/**
 * The MCP endpoint (Streamable HTTP, stateless): one JSON-RPC message per POST, answered in the response, acting for
 * the bearer token's user. The token is checked as on {@code /api}; there is no GET stream (405), as the transport
 * allows for a server that sends nothing unasked.
 */
@Path("/mcp")
@Authenticated
@Tag(name = "MCP")
public class McpResource {

    private final McpDispatcher dispatcher;
    private final UserService users;
    private final CurrentUser caller;

    public McpResource(McpDispatcher dispatcher, UserService users, CurrentUser caller) {
        this.dispatcher = dispatcher;
        this.users = users;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send one MCP JSON-RPC message",
            description = "Model Context Protocol over Streamable HTTP, stateless: initialize, tools/list, tools/call "
                    + "(list_projects, switch_project, sandbox_status, list_files, read_file, write_file, exec, save). "
                    + "A request is answered with its JSON-RPC response; a notification with 202.")
    @APIResponse(responseCode = "200", description = "The JSON-RPC response (tool failures are results with isError)")
    @APIResponse(responseCode = "202", description = "A notification or response was accepted")
    @APIResponse(responseCode = "400", description = "Not a single JSON-RPC message (a JSON-RPC parse error)")
    @APIResponse(responseCode = "401", description = "No, or no valid, bearer token")
    public Uni<Response> post(String body, @Context UriInfo uri) {
        McpSchema.JSONRPCMessage message;
        try {
            message = dispatcher.parse(body);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(json(Response.status(400),
                    dispatcher.error(McpSchema.ErrorCodes.PARSE_ERROR, "The body is not one JSON-RPC 2.0 message")));
        }
        if (message instanceof McpSchema.JSONRPCRequest request) {
            // Only tool calls act for the user: they create the user's row on first use, as /api calls do.
            Uni<McpTransportContext> context = McpSchema.METHOD_TOOLS_CALL.equals(request.method())
                    ? users.ensure(caller).map(userId -> ToolCall.context(userId, uri.getBaseUri()))
                    : Uni.createFrom().item(McpTransportContext.EMPTY);
            return context.chain(c -> dispatcher.answer(request, c)).map(answer -> json(Response.ok(), answer));
        }
        // A notification (initialized, cancelled) needs nothing from a stateless server, and a response answers a
        // server request, of which this server sends none: both are accepted and dropped.
        return Uni.createFrom().item(Response.accepted().build());
    }

    private static Response json(Response.ResponseBuilder status, String body) {
        return status.type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
