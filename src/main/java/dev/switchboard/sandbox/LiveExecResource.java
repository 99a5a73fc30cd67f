package dev.switchboard.sandbox;

import static dev.switchboard.common.OpenApiDefinition.BAD_REQUEST;
import static dev.switchboard.common.OpenApiDefinition.CONFLICT;
import static dev.switchboard.common.OpenApiDefinition.NOT_FOUND;
import static dev.switchboard.common.OpenApiDefinition.TOO_MANY;
import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;
import static dev.switchboard.common.OpenApiDefinition.UNAVAILABLE;

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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

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
@Tag(name = "sandbox commands")
public class LiveExecResource {

    private final LiveSandboxService live;
    private final UserService users;
    private final CurrentUser caller;

    public LiveExecResource(LiveSandboxService live, UserService users, CurrentUser caller) {
        this.live = live;
        this.users = users;
        this.caller = caller;
    }

    @Operation(summary = "Run a command in the live sandbox", description = "bash -c in the project root (cwd relative to it), with extra env. A timeout answers 200 with timedOut true and exitCode null, the command's process tree killed. Output beyond switchboard.exec.max-output-bytes per stream is cut (truncated). Counts as use.")
    @APIResponse(responseCode = "200", description = "The command's outcome", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ExecAnswer.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
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
    @Operation(summary = "Run a command in the live sandbox, streaming its output", description = "With Accept: text/event-stream: stdout and stderr events {\"data\"} while it runs, then exit {\"exitCode\",\"durationMs\",\"timedOut\",\"truncated\"}; a failure after the stream started is a problem event. A client that disconnects kills the command.")
    @APIResponse(responseCode = "200", description = "The event stream", content = @Content(mediaType = "text/event-stream", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("exec")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Uni<Void> execStream(ExecCommand command, @Context SseEventSink sink, @Context Sse sse) {
        long started = System.nanoTime();
        return users.ensure(caller).chain(live::user).chain(u -> live.startExec(u, command))
                .invoke(events -> ExecEventStream.send(events, sink, sse, started)).replaceWithVoid();
    }

    @Operation(summary = "The public URL of a port of the live sandbox", description = "Ports 1-65535. E2B's host form, a Blaxel preview, a loopback http:// URL for local. Counts as use.")
    @APIResponse(responseCode = "200", description = "{url}", content = @Content(mediaType = "application/json", schema = @Schema(implementation = PortUrl.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
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
