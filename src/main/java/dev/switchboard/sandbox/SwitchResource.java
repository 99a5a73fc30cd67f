package dev.switchboard.sandbox;

import static dev.switchboard.common.OpenApiDefinition.BAD_REQUEST;
import static dev.switchboard.common.OpenApiDefinition.CONFLICT;
import static dev.switchboard.common.OpenApiDefinition.FORBIDDEN;
import static dev.switchboard.common.OpenApiDefinition.NOT_FOUND;
import static dev.switchboard.common.OpenApiDefinition.TOO_MANY;
import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;
import static dev.switchboard.common.OpenApiDefinition.UNAVAILABLE;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import dev.switchboard.sandbox.SwitchDtos.ActiveFragment;
import dev.switchboard.sandbox.SwitchDtos.CleanupResponse;
import dev.switchboard.sandbox.SwitchDtos.CleanupStatus;
import dev.switchboard.sandbox.SwitchDtos.SwitchRequest;
import dev.switchboard.sandbox.SwitchDtos.SwitchResponse;
import dev.switchboard.sandbox.SwitchDtos.SwitchResult;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** The seed's endpoints: switch the user's sandbox, see what it holds, clean it up. */
@Path("/api")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "switch")
public class SwitchResource {

    private final SwitchService switches;
    private final SwitchStreams streams;
    private final SandboxService sandboxes;
    private final CleanupService cleanup;
    private final UserService users;
    private final CurrentUser caller;
    private final McpUrls mcp;

    public SwitchResource(SwitchService switches, SwitchStreams streams, SandboxService sandboxes, CleanupService cleanup,
            UserService users, CurrentUser caller, McpUrls mcp) {
        this.cleanup = cleanup;
        this.switches = switches;
        this.streams = streams;
        this.sandboxes = sandboxes;
        this.users = users;
        this.caller = caller;
        this.mcp = mcp;
    }

    @Operation(summary = "Switch the user's sandbox to a project's fragment", description = "Saves the old sandbox's changes, gets a sandbox (resumed, warm or new), restores the fragment (the project's latest when fragmentId is absent), retires the old one. With Accept: text/event-stream the answer is a stream of events claimed, saved-back, acquired (launch cold|warm|resumed), restored, committed (each with ms since the start), then result (this 200 body) or problem (a problem+json body). Access is checked before streaming: 403/404 stay plain answers.")
    @APIResponse(responseCode = "200", description = "Switched (JSON), or the progress events (text/event-stream)", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SwitchResponse.class)),
            @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)) })
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("switch-project")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<SwitchResponse> switchProject(@Valid @NotNull SwitchRequest req, @Context UriInfo uri) {
        return users.ensure(caller)
                .chain(uid -> switches.switchUserToFragment(uid, req.projectId(), req.fragmentId()))
                .map(r -> answer(r, uri));
    }

    /**
     * The same switch with its progress as server-sent events. Access is checked first, so a project the caller may
     * not see is a plain 403/404 problem; the events start only once the switch is allowed.
     */
    @Operation(hidden = true) // described with the JSON form above: one operation, two answer types
    @POST
    @Path("switch-project")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Uni<Void> switchProjectEvents(@Valid @NotNull SwitchRequest req, @Context UriInfo uri, @Context SseEventSink sink,
            @Context Sse sse) {
        long started = System.nanoTime();
        return users.ensure(caller).chain(uid -> switches.target(uid, req.projectId(), req.fragmentId())
                .invoke(target -> streams.run(uid, target, started, r -> answer(r, uri))
                        .onItem().transformToUniAndConcatenate(e -> send(sink, sse, e))
                        .onTermination().invoke(sink::close)
                        .subscribe().with(ignored -> {
                        }, ignored -> sink.close())))
                .replaceWithVoid();
    }

    private SwitchResponse answer(SwitchResult r, UriInfo uri) {
        return SwitchResponse.of(r.withMcpServerUrl(mcp.of(r.mcpServerUrl(), uri.getBaseUri())));
    }

    /** Sends one event; a client that went away gets nothing more (the switch goes on without it). */
    private static Uni<Void> send(SseEventSink sink, Sse sse, SwitchStreams.Event e) {
        if (sink.isClosed()) {
            return Uni.createFrom().voidItem();
        }
        OutboundSseEvent event = sse.newEventBuilder().name(e.name()).mediaType(MediaType.APPLICATION_JSON_TYPE).data(e.data())
                .build();
        return Uni.createFrom().completionStage(() -> sink.send(event)).replaceWithVoid().onFailure().recoverWithNull();
    }

    @Operation(summary = "What the live sandbox holds", description = "The active project and fragment with its files; 204 when the user has no live sandbox.")
    @APIResponse(responseCode = "200", description = "The active fragment", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ActiveFragment.class)))
    @APIResponse(responseCode = "204", description = "No live sandbox")
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("active-fragment")
    public Uni<Response> activeFragment() {
        return users.ensure(caller).chain(sandboxes::activeFragment)
                .map(a -> a == null ? Response.noContent().build() : Response.ok(a).build());
    }

    @Operation(summary = "Kill the user's sandboxes", description = "Saves back the live sandbox's changes first, then kills it and any parked ones.")
    @APIResponse(responseCode = "200", description = "What was killed", content = @Content(mediaType = "application/json", schema = @Schema(implementation = CleanupResponse.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("cleanup-sandboxes")
    public Uni<CleanupResponse> cleanup() {
        return users.ensure(caller).chain(uid -> cleanup.killAllUserSandboxes(uid, "cleanup")
                .map(r -> new CleanupResponse(r.failed() == 0, "Sandbox cleanup completed for user " + uid, r)));
    }

    @Operation(summary = "The user's sandboxes", description = "The live sandbox and the parked ones.")
    @APIResponse(responseCode = "200", description = "The user's sandboxes", content = @Content(mediaType = "application/json", schema = @Schema(implementation = CleanupStatus.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("cleanup-sandboxes")
    public Uni<CleanupStatus> cleanupStatus() {
        return users.ensure(caller).chain(cleanup::cleanupStatus);
    }
}
