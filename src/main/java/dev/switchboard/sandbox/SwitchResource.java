package dev.switchboard.sandbox;

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
