package dev.switchboard.admin;

import static dev.switchboard.common.OpenApiDefinition.BAD_REQUEST;
import static dev.switchboard.common.OpenApiDefinition.FORBIDDEN;
import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;
import static dev.switchboard.common.OpenApiDefinition.UNAVAILABLE;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
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
@Tag(name = "admin")
public class AdminResource {

    private final AdminService admin;
    private final SandboxEvents events;

    public AdminResource(AdminService admin, SandboxEvents events) {
        this.admin = admin;
        this.events = events;
    }

    @Operation(summary = "Every user's sandboxes", description = "Live and parked, paged by user id (?after=, ?limit=).")
    @APIResponse(responseCode = "200", description = "The users' sandboxes", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = UserSandbox.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("sandboxes")
    public Uni<List<UserSandbox>> sandboxes(@QueryParam("after") @Size(max = 255) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return admin.list(after, limit);
    }

    @Operation(summary = "Kill one user's sandboxes", description = "Saved back first unless ?force=true.")
    @APIResponse(responseCode = "200", description = "What was killed", content = @Content(mediaType = "application/json", schema = @Schema(implementation = CleanupResponse.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @DELETE
    @Path("users/{userId}/sandbox")
    public Uni<CleanupResponse> killUser(@PathParam("userId") @Size(max = 255) String userId,
            @QueryParam("force") @DefaultValue("false") boolean force) {
        return admin.killUser(userId, force).map(r -> new CleanupResponse(r.failed() == 0,
                "Sandbox cleanup completed for user " + userId, r));
    }

    @Operation(summary = "Kill every sandbox of this deployment", description = "Saved back first unless ?force=true.")
    @APIResponse(responseCode = "200", description = "What was killed", content = @Content(mediaType = "application/json", schema = @Schema(implementation = CleanupResponse.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @DELETE
    @Path("sandboxes")
    public Uni<CleanupResponse> killAll(@QueryParam("force") @DefaultValue("false") boolean force) {
        return admin.killAll(force).map(r -> new CleanupResponse(r.failed() == 0,
                "Killed " + r.killed() + " sandboxes" + (r.failed() > 0 ? ", " + r.failed()
                        + " not killed (save-back failed: kept alive; or the kill failed: queued)" : ""), r));
    }

    @Operation(summary = "The audit trail", description = "Newest first, optionally of one user (?userId=), paged by id (?before=).")
    @APIResponse(responseCode = "200", description = "The events", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = Event.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("events")
    public Uni<List<Event>> events(@QueryParam("userId") @Size(max = 255) String userId,
            @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(500) int limit,
            @QueryParam("before") @Min(1) Long before) {
        return events.list(userId, before, limit);
    }
}
