package dev.switchboard.sandbox;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.switchboard.sandbox.LiveSandboxDtos.SandboxFileEntry;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** The files of the caller's live sandbox: list a directory, read, write and delete a file (raw bytes). */
@Path("/api/sandbox/files")
@Authenticated
public class LiveFilesResource {

    private final LiveSandboxService live;
    private final UserService users;
    private final CurrentUser caller;

    public LiveFilesResource(LiveSandboxService live, UserService users, CurrentUser caller) {
        this.live = live;
        this.users = users;
        this.caller = caller;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<SandboxFileEntry>> list(@QueryParam("path") String dir) {
        return users.ensure(caller).chain(live::user).chain(u -> live.list(u, dir));
    }

    /** The raw bytes; served inert ({@code nosniff}, a sandboxing CSP), since they are whatever the sandbox holds. */
    @GET
    @Path("{path:.+}")
    @Produces(MediaType.WILDCARD)
    public Uni<Response> read(@PathParam("path") String path) {
        return users.ensure(caller).chain(live::user).chain(u -> live.read(u, path))
                .map(f -> Response.ok(f.content(), f.contentType()).header("X-Content-Type-Options", "nosniff")
                        .header("Content-Security-Policy", "default-src 'none'; sandbox").build());
    }

    @PUT
    @Path("{path:.+}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> write(@PathParam("path") String path, byte[] body) {
        return users.ensure(caller).chain(live::user).chain(u -> live.write(u, path, body == null ? new byte[0] : body))
                .replaceWith(Response.noContent().build());
    }

    @DELETE
    @Path("{path:.+}")
    public Uni<Response> delete(@PathParam("path") String path) {
        return users.ensure(caller).chain(live::user).chain(u -> live.delete(u, path))
                .replaceWith(Response.noContent().build());
    }
}
