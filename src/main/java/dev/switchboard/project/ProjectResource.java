package dev.switchboard.project;

import static dev.switchboard.common.OpenApiDefinition.BAD_REQUEST;
import static dev.switchboard.common.OpenApiDefinition.FORBIDDEN;
import static dev.switchboard.common.OpenApiDefinition.NOT_FOUND;
import static dev.switchboard.common.OpenApiDefinition.TOO_LARGE;
import static dev.switchboard.common.OpenApiDefinition.UNAUTHORIZED;
import static dev.switchboard.common.OpenApiDefinition.UNAVAILABLE;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import dev.switchboard.files.FragmentArchive;
import dev.switchboard.files.StoredFile;
import dev.switchboard.project.ProjectDtos.AddMember;
import dev.switchboard.project.ProjectDtos.FragmentDiff;
import dev.switchboard.project.ProjectDtos.CreateFragment;
import dev.switchboard.project.ProjectDtos.CreateProject;
import dev.switchboard.project.ProjectDtos.FragmentSummary;
import dev.switchboard.project.ProjectDtos.FragmentView;
import dev.switchboard.project.ProjectDtos.ProjectView;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/** Projects, their members and their fragments. */
@Path("/api/projects")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "projects")
public class ProjectResource {

    static final String GZIP = "application/gzip";

    private final ProjectService projects;
    private final FragmentRules rules;
    private final UserService users;
    private final CurrentUser caller;
    private final Vertx vertx;

    public ProjectResource(ProjectService projects, FragmentRules rules, UserService users, CurrentUser caller, Vertx vertx) {
        this.projects = projects;
        this.rules = rules;
        this.users = users;
        this.caller = caller;
        this.vertx = vertx;
    }

    @Operation(summary = "Create a project", description = "The template, when given, must be one of GET /api/templates.")
    @APIResponse(responseCode = "201", description = "Created", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProjectView.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    public Uni<Response> create(@Valid @NotNull CreateProject req) {
        return users.ensure(caller).chain(uid -> projects.create(uid, req))
                .map(p -> Response.created(URI.create("/api/projects/" + p.id())).entity(p).build());
    }

    @Operation(summary = "The caller's projects", description = "Owned or shared with the caller.")
    @APIResponse(responseCode = "200", description = "The projects", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = ProjectView.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    public Uni<List<ProjectView>> list() {
        return users.ensure(caller).chain(projects::list);
    }

    @Operation(summary = "A project")
    @APIResponse(responseCode = "200", description = "The project", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProjectView.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("{projectId}")
    public Uni<ProjectView> get(@PathParam("projectId") String projectId) {
        return users.ensure(caller).chain(uid -> projects.get(uid, projectId));
    }

    @Operation(summary = "Share a project", description = "Owner only: adds a member as editor or viewer.")
    @APIResponse(responseCode = "204", description = "Added")
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("{projectId}/members")
    public Uni<Response> addMember(@PathParam("projectId") String projectId, @Valid @NotNull AddMember req) {
        return users.ensure(caller).chain(uid -> projects.addMember(uid, projectId, req))
                .replaceWith(Response.noContent().build());
    }

    /**
     * {@code {title?, files}}. The body is read as it streams through the parser, every limit applied per file, on a
     * worker thread; checked before the database is touched, so bad input stores nothing.
     */
    @Operation(summary = "Add a fragment", description = "The project's files as JSON {title?, files} (a string value is UTF-8 text, {encoding: base64, content} any bytes), or a .tar.gz body (Content-Type application/gzip, ?title=). Owners and editors.")
    @APIResponse(responseCode = "201", description = "Stored", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FragmentSummary.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "413", ref = TOO_LARGE)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @POST
    @Path("{projectId}/fragments")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreateFragment.class)))
    public Uni<Response> addFragment(@PathParam("projectId") String projectId, byte[] body) {
        Uni<FragmentBody.Parsed> parsed = vertx.executeBlocking(Uni.createFrom()
                .item(() -> rules.read(new ByteArrayInputStream(body == null ? new byte[0] : body))), false);
        return parsed.chain(req -> users.ensure(caller).chain(uid -> projects.addFragment(uid, projectId, req.title(), req.files())))
                .map(f -> created(projectId, f));
    }

    /** A {@code .tar.gz} of the project's files; links and devices are refused, the same limits apply. */
    @Operation(hidden = true) // described with the JSON form above: one operation, two request types
    @POST
    @Path("{projectId}/fragments")
    @Consumes({ GZIP, "application/x-gzip", "application/x-tar+gzip" })
    public Uni<Response> uploadFragment(@PathParam("projectId") String projectId, @QueryParam("title") @Size(max = 500) String title,
            byte[] body) {
        // Inflating and checking is CPU work on attacker-chosen input: a worker thread, not the event loop.
        Uni<List<StoredFile>> files = vertx.executeBlocking(Uni.createFrom().item(() -> FragmentArchive
                .read(new ByteArrayInputStream(body == null ? new byte[0] : body), rules.archiveLimits()).stream()
                .map(f -> new StoredFile(f.path(), f.content(), f.executable())).toList()), false);
        return files.chain(checked -> users.ensure(caller).chain(uid -> projects.addFragment(uid, projectId, title, checked)))
                .map(f -> created(projectId, f));
    }

    private static Response created(String projectId, FragmentSummary f) {
        return Response.created(URI.create("/api/projects/" + projectId + "/fragments/" + f.id())).entity(f).build();
    }

    @Operation(summary = "A project's fragments", description = "Newest first, without their files.")
    @APIResponse(responseCode = "200", description = "The fragments", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = FragmentSummary.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("{projectId}/fragments")
    public Uni<List<FragmentSummary>> listFragments(@PathParam("projectId") String projectId) {
        return users.ensure(caller).chain(uid -> projects.listFragments(uid, projectId));
    }

    @Operation(summary = "A fragment with its files")
    @APIResponse(responseCode = "200", description = "The fragment", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FragmentView.class)))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("{projectId}/fragments/{fragmentId}")
    public Uni<FragmentView> getFragment(@PathParam("projectId") String projectId,
            @PathParam("fragmentId") String fragmentId) {
        return users.ensure(caller).chain(uid -> projects.getFragmentFiles(uid, projectId, fragmentId))
                .map(ff -> FragmentView.of(ff.fragment(), ff.files()));
    }

    /** The fragment as a {@code .tar.gz} (POSIX tar, UTF-8 names, executable bits kept). */
    @Operation(summary = "A fragment as a .tar.gz")
    @APIResponse(responseCode = "200", description = "POSIX tar, gzipped", content = @Content(mediaType = GZIP, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("{projectId}/fragments/{fragmentId}/archive")
    @Produces(GZIP)
    public Uni<Response> archive(@PathParam("projectId") String projectId, @PathParam("fragmentId") String fragmentId) {
        return users.ensure(caller).chain(uid -> projects.getFragmentFiles(uid, projectId, fragmentId))
                .chain(ff -> vertx.executeBlocking(Uni.createFrom().item(() -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    FragmentArchive.write(ff.files().stream()
                            .map(f -> new FragmentArchive.ArchiveFile(f.path(), f.content(), f.executable())).toList(),
                            ff.fragment().createdAt(), out);
                    return out.toByteArray();
                }), false).map(bytes -> Response.ok(bytes, GZIP)
                        .header("Content-Disposition", "attachment; filename=\"" + ff.fragment().id() + ".tar.gz\"").build()));
    }

    @Operation(summary = "What changed between two fragments", description = "Paths added, changed and deleted since the fragment ?from= (else the previous one).")
    @APIResponse(responseCode = "200", description = "The paths", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FragmentDiff.class)))
    @APIResponse(responseCode = "400", ref = BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = FORBIDDEN)
    @APIResponse(responseCode = "404", ref = NOT_FOUND)
    @APIResponse(responseCode = "503", ref = UNAVAILABLE)
    @GET
    @Path("{projectId}/fragments/{fragmentId}/diff")
    public Uni<FragmentDiff> diff(@PathParam("projectId") String projectId, @PathParam("fragmentId") String fragmentId,
            @QueryParam("from") String from) {
        return users.ensure(caller).chain(uid -> projects.diff(uid, projectId, fragmentId, from))
                .map(d -> new FragmentDiff(d.added(), d.changed(), d.deleted()));
    }
}
