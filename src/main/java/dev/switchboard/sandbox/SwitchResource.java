package dev.switchboard.sandbox;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.switchboard.sandbox.SwitchDtos.CleanupResponse;
import dev.switchboard.sandbox.SwitchDtos.CleanupStatus;
import dev.switchboard.sandbox.SwitchDtos.SwitchRequest;
import dev.switchboard.sandbox.SwitchDtos.SwitchResponse;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** The seed's endpoints: switch the user's sandbox, see what it holds, clean it up. */
@Path("/api")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class SwitchResource {

    private final SwitchService switches;
    private final SandboxService sandboxes;
    private final CleanupService cleanup;
    private final UserService users;
    private final CurrentUser caller;

    public SwitchResource(SwitchService switches, SandboxService sandboxes, CleanupService cleanup, UserService users,
            CurrentUser caller) {
        this.cleanup = cleanup;
        this.switches = switches;
        this.sandboxes = sandboxes;
        this.users = users;
        this.caller = caller;
    }

    @POST
    @Path("switch-project")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<SwitchResponse> switchProject(@Valid @NotNull SwitchRequest req) {
        return users.ensure(caller)
                .chain(uid -> switches.switchUserToFragment(uid, req.projectId(), req.fragmentId()))
                .map(r -> new SwitchResponse(true, r.fragmentId() != null
                        ? "Successfully switched to fragment " + r.fragmentId()
                        : "Successfully switched to project " + r.activeProjectId() + " (no fragments: empty sandbox)", r));
    }

    @GET
    @Path("active-fragment")
    public Uni<Response> activeFragment() {
        return users.ensure(caller).chain(sandboxes::activeFragment)
                .map(a -> a == null ? Response.noContent().build() : Response.ok(a).build());
    }

    @POST
    @Path("cleanup-sandboxes")
    public Uni<CleanupResponse> cleanup() {
        return users.ensure(caller).chain(uid -> cleanup.killAllUserSandboxes(uid, "cleanup")
                .map(r -> new CleanupResponse(r.failed() == 0, "Sandbox cleanup completed for user " + uid, r)));
    }

    @GET
    @Path("cleanup-sandboxes")
    public Uni<CleanupStatus> cleanupStatus() {
        return users.ensure(caller).chain(cleanup::cleanupStatus);
    }
}
