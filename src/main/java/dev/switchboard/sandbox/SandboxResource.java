package dev.switchboard.sandbox;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

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

    public SandboxResource(SandboxService sandboxes, UserService users, CurrentUser caller) {
        this.sandboxes = sandboxes;
        this.users = users;
        this.caller = caller;
    }

    @POST
    @Path("init")
    public Uni<InitResponse> init() {
        return users.ensure(caller).chain(sandboxes::init).map(s -> new InitResponse(true, s));
    }

    @GET
    @Path("init")
    public Uni<SandboxStatusResponse> current() {
        return users.ensure(caller).chain(sandboxes::current).map(SandboxStatusResponse::new);
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
