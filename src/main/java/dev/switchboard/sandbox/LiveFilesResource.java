package dev.switchboard.sandbox;

import static dev.switchboard.common.OpenApiDefinition.BAD_REQUEST;
import static dev.switchboard.common.OpenApiDefinition.CONFLICT;
import static dev.switchboard.common.OpenApiDefinition.NOT_FOUND;
import static dev.switchboard.common.OpenApiDefinition.TOO_LARGE;
import static dev.switchboard.common.OpenApiDefinition.TOO_MANY;
import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;
import static dev.switchboard.common.OpenApiDefinition.UNAVAILABLE;

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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.switchboard.sandbox.LiveSandboxDtos.SandboxFileEntry;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** The files of the caller's live sandbox: list a directory, read, write and delete a file (raw bytes). */
@Path("/api/sandbox/files")
@Authenticated
@Tag(name = "sandbox files")
public class LiveFilesResource {

    private final LiveSandboxService live;
    private final UserService users;
    private final CurrentUser caller;

    public LiveFilesResource(LiveSandboxService live, UserService users, CurrentUser caller) {
        this.live = live;
        this.users = users;
        this.caller = caller;
    }

    @Operation(summary = "List a directory of the live sandbox", description = "One level deep; ?path= empty or absent lists the project root. Entries: path (relative to the project root), type file|dir, size (null for a directory), modifiedAt. Symbolic links are listed as files, never followed. Counts as use.")
    @APIResponse(responseCode = "200", description = "The entries, sorted by path", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = SandboxFileEntry.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "413", ref = TOO_LARGE)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<SandboxFileEntry>> list(@QueryParam("path") String dir) {
        return users.ensure(caller).chain(live::user).chain(u -> live.list(u, dir));
    }

    /** The raw bytes; served inert ({@code nosniff}, a sandboxing CSP), since they are whatever the sandbox holds. */
    @Operation(summary = "Read a file of the live sandbox", description = "The raw bytes, content type from the file name, served with nosniff and a sandboxing Content-Security-Policy. Counts as use.")
    @APIResponse(responseCode = "200", description = "The file's bytes", content = @Content(mediaType = "*/*", schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "413", ref = TOO_LARGE)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("{path:.+}")
    @Produces(MediaType.WILDCARD)
    public Uni<Response> read(@PathParam("path") String path) {
        return users.ensure(caller).chain(live::user).chain(u -> live.read(u, path))
                .map(f -> Response.ok(f.content(), f.contentType()).header("X-Content-Type-Options", "nosniff")
                        .header("Content-Security-Policy", "default-src 'none'; sandbox").build());
    }

    @Operation(summary = "Write a file of the live sandbox", description = "Creates or replaces the file with the raw request body, creating its directories. Counts as use.")
    @APIResponse(responseCode = "204", description = "Written")
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "413", ref = TOO_LARGE)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @PUT
    @Path("{path:.+}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> write(@PathParam("path") String path, byte[] body) {
        return users.ensure(caller).chain(live::user).chain(u -> live.write(u, path, body == null ? new byte[0] : body))
                .replaceWith(Response.noContent().build());
    }

    @Operation(summary = "Delete a file or directory of the live sandbox", description = "A directory goes with everything in it; a symbolic link is deleted, not its target. Counts as use.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "409", ref = CONFLICT)
    @APIResponse(responseCode = "429", ref = TOO_MANY)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @DELETE
    @Path("{path:.+}")
    public Uni<Response> delete(@PathParam("path") String path) {
        return users.ensure(caller).chain(live::user).chain(u -> live.delete(u, path))
                .replaceWith(Response.noContent().build());
    }
}
