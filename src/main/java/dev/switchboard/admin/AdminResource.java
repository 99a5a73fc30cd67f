package dev.switchboard.admin;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.switchboard.sandbox.SandboxEvents;
import dev.switchboard.sandbox.SandboxEvents.Event;
import dev.switchboard.sandbox.SwitchDtos.CleanupResponse;
import io.smallrye.mutiny.Uni;

/** Operators' API: every live sandbox, killing one user's or all, and the audit trail. Role {@code admin} only. */
@Path("/api/admin")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    private final AdminService admin;
    private final SandboxEvents events;

    public AdminResource(AdminService admin, SandboxEvents events) {
        this.admin = admin;
        this.events = events;
    }

    @GET
    @Path("sandboxes")
    public Uni<List<UserSandbox>> sandboxes(@QueryParam("after") @Size(max = 255) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return admin.list(after, limit);
    }

    @DELETE
    @Path("users/{userId}/sandbox")
    public Uni<CleanupResponse> killUser(@PathParam("userId") @Size(max = 255) String userId,
            @QueryParam("force") @DefaultValue("false") boolean force) {
        return admin.killUser(userId, force).map(r -> new CleanupResponse(r.failed() == 0,
                "Sandbox cleanup completed for user " + userId, r));
    }

    @DELETE
    @Path("sandboxes")
    public Uni<CleanupResponse> killAll(@QueryParam("force") @DefaultValue("false") boolean force) {
        return admin.killAll(force).map(r -> new CleanupResponse(r.failed() == 0,
                "Killed " + r.killed() + " sandboxes" + (r.failed() > 0 ? ", " + r.failed()
                        + " not killed (save-back failed: kept alive; or the kill failed: queued)" : ""), r));
    }

    @GET
    @Path("events")
    public Uni<List<Event>> events(@QueryParam("userId") @Size(max = 255) String userId,
            @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(500) int limit,
            @QueryParam("before") @Min(1) Long before) {
        return events.list(userId, before, limit);
    }
}
