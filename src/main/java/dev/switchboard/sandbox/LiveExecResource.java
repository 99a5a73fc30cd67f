package dev.switchboard.sandbox;

import java.util.concurrent.TimeUnit;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import dev.switchboard.common.ProblemException;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecAnswer;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecCommand;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecExit;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecOutput;
import dev.switchboard.sandbox.LiveSandboxDtos.PortUrl;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
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

    /** The same command with its output as events while it runs; a client that goes away kills it. */
    @POST
    @Path("exec")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> execStream(ExecCommand command, @Context Sse sse) {
        return Multi.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return Multi.createFrom().uni(users.ensure(caller).chain(live::user))
                    .onItem().transformToMultiAndConcatenate(u -> live.execStream(u, command))
                    .map(e -> event(sse, e, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        });
    }

    @GET
    @Path("ports/{port}")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<PortUrl> port(@PathParam("port") String port) {
        return users.ensure(caller).chain(live::user).chain(u -> live.portUrl(u, parsePort(port))).map(PortUrl::new);
    }

    private static OutboundSseEvent event(Sse sse, ExecEvent e, long ms) {
        OutboundSseEvent.Builder b = sse.newEventBuilder().mediaType(MediaType.APPLICATION_JSON_TYPE);
        if (e instanceof ExecEvent.Output o) {
            return b.name(o.stream() == ExecEvent.Stream.STDOUT ? "stdout" : "stderr").data(new ExecOutput(o.data())).build();
        }
        ExecEvent.Exit x = (ExecEvent.Exit) e;
        return b.name("exit").data(new ExecExit(x.exitCode(), ms, x.timedOut(), x.truncated())).build();
    }

    private static int parsePort(String port) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("A port is a number between 1 and 65535");
        }
    }
}
