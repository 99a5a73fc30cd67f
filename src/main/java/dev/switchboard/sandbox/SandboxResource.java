package dev.switchboard.sandbox;

import static dev.switchboard.common.OpenApiDefinition.CONFLICT;
import static dev.switchboard.common.OpenApiDefinition.NOT_FOUND;
import static dev.switchboard.common.OpenApiDefinition.TOO_MANY;
import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;
import static dev.switchboard.common.OpenApiDefinition.UNAVAILABLE;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import dev.switchboard.sandbox.SwitchDtos.InitResponse;
import dev.switchboard.sandbox.SwitchDtos.SandboxStatusResponse;
import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** The Blaxel seed's endpoints: get or create the user's sandbox, and keep it alive. */
@Path("/api/sandbox")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "sandbox")
public class SandboxResource {

    private final SandboxService sandboxes;
    private final UserService users;
    private final CurrentUser caller;
    private final McpUrls mcp;

    public SandboxResource(SandboxService sandboxes, UserService users, CurrentUser caller, McpUrls mcp) {
        this.sandboxes = sandboxes;
        this.users = users;
        this.caller = caller;
        this.mcp = mcp;
    }

    @Operation(summary = "Get or create the user's sandbox", description = "Idempotent: the live sandbox (marked as used), else a new one holding what the user last had open. Status active.")
    @APIResponse(responseCode = "200", description = "The user's sandbox", content = @Content(mediaType = "application/json", schema = @Schema(implementation = InitResponse.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("init")
    public Uni<InitResponse> init(@Context UriInfo uri) {
        return users.ensure(caller).chain(sandboxes::init).map(s -> new InitResponse(true, mcp.resolve(s, uri.getBaseUri())));
    }

    @Operation(summary = "The user's sandbox and its status", description = "status: active (running, used within the idle window), standby (running but idle, or paused), stopped (gone: the last sandbox's id and times). sandbox is null when the user never had one. Not a use.")
    @APIResponse(responseCode = "200", description = "The sandbox, or null", content = @Content(mediaType = "application/json", schema = @Schema(implementation = SandboxStatusResponse.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("init")
    public Uni<SandboxStatusResponse> current(@Context UriInfo uri) {
        return users.ensure(caller).chain(sandboxes::current).map(s -> new SandboxStatusResponse(mcp.resolve(s, uri.getBaseUri())));
    }

    /** Saves back the live sandbox now: {@code fragmentId} is null when nothing changed. */
    @Operation(summary = "Save the live sandbox's files now", description = "Stores what changed as a new fragment of the active project; fragmentId is null when nothing changed.")
    @APIResponse(responseCode = "200", description = "What was saved", content = @Content(mediaType = "application/json", schema = @Schema(implementation = SaveBackSummary.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("save")
    public Uni<SaveBackSummary> save() {
        return users.ensure(caller).chain(sandboxes::saveNow);
    }

    @Operation(summary = "Keep the live sandbox alive", description = "Marks use (resets the idle clock) and extends the provider's timeout, within the sandbox's maximum age.")
    @APIResponse(responseCode = "204", description = "Extended")
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("heartbeat")
    public Uni<Response> heartbeat() {
        return users.ensure(caller).chain(sandboxes::heartbeat).replaceWith(Response.noContent().build());
    }
}
