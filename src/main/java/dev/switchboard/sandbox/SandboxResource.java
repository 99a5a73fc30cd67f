package dev.switchboard.sandbox;

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

    @POST
    @Path("init")
    public Uni<InitResponse> init(@Context UriInfo uri) {
        return users.ensure(caller).chain(sandboxes::init).map(s -> new InitResponse(true, mcp.resolve(s, uri.getBaseUri())));
    }

    @GET
    @Path("init")
    public Uni<SandboxStatusResponse> current(@Context UriInfo uri) {
        return users.ensure(caller).chain(sandboxes::current).map(s -> new SandboxStatusResponse(mcp.resolve(s, uri.getBaseUri())));
    }

    /** Saves back the live sandbox now: {@code fragmentId} is null when nothing changed. */
    @POST
    @Path("save")
    public Uni<SaveBackSummary> save() {
        return users.ensure(caller).chain(sandboxes::saveNow);
    }

    @POST
    @Path("heartbeat")
    public Uni<Response> heartbeat() {
        return users.ensure(caller).chain(sandboxes::heartbeat).replaceWith(Response.noContent().build());
    }
}
