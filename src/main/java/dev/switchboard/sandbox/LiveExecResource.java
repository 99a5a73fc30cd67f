package dev.switchboard.sandbox;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import dev.switchboard.common.ProblemException;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecAnswer;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecCommand;
import dev.switchboard.sandbox.LiveSandboxDtos.PortUrl;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** Commands and ports of the caller's live sandbox. */
@Path("/api/sandbox")
@Authenticated
public class LiveExecResource {

    private final LiveSandboxService live;
    private final UserService users;
    private final CurrentUser caller;

    public LiveExecResource(LiveSandboxService live, UserService users, CurrentUser caller) {
        this.live = live;
        this.users = users;
        this.caller = caller;
    }

    @POST
    @Path("exec")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ExecAnswer> exec(ExecCommand command) {
        return users.ensure(caller).chain(live::user).chain(u -> live.exec(u, command));
    }

    /**
     * The same command with its output as events while it runs ({@code stdout}, {@code stderr}, then {@code exit}); bad
     * input, no live sandbox or a switch in flight are answered as problems before the stream starts. A client that
     * goes away kills the command.
     */
    @POST
    @Path("exec")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Uni<Void> execStream(ExecCommand command, @Context SseEventSink sink, @Context Sse sse) {
        long started = System.nanoTime();
        return users.ensure(caller).chain(live::user).chain(u -> live.startExec(u, command))
                .invoke(events -> ExecEventStream.send(events, sink, sse, started)).replaceWithVoid();
    }

    @GET
    @Path("ports/{port}")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<PortUrl> port(@PathParam("port") String port) {
        return users.ensure(caller).chain(live::user).chain(u -> live.portUrl(u, parsePort(port))).map(PortUrl::new);
    }

    private static int parsePort(String port) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("A port is a number between 1 and 65535");
        }
    }
}
