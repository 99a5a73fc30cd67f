package dev.switchboard.project;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.switchboard.project.ProjectDtos.AddMember;
import dev.switchboard.project.ProjectDtos.CreateFragment;
import dev.switchboard.project.ProjectDtos.CreateProject;
import dev.switchboard.project.ProjectDtos.FragmentSummary;
import dev.switchboard.project.ProjectDtos.FragmentView;
import dev.switchboard.project.ProjectDtos.ProjectView;
import dev.switchboard.user.CurrentUser;
import dev.switchboard.user.UserService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

/** Projects, their members and their fragments. */
@Path("/api/projects")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProjectResource {

    private final ProjectService projects;
    private final UserService users;
    private final CurrentUser caller;

    public ProjectResource(ProjectService projects, UserService users, CurrentUser caller) {
        this.projects = projects;
        this.users = users;
        this.caller = caller;
    }

    @POST
    public Uni<Response> create(@Valid @NotNull CreateProject req) {
        return users.ensure(caller).chain(uid -> projects.create(uid, req))
                .map(p -> Response.created(URI.create("/api/projects/" + p.id())).entity(p).build());
    }

    @GET
    public Uni<List<ProjectView>> list() {
        return users.ensure(caller).chain(projects::list);
    }

    @GET
    @Path("{projectId}")
    public Uni<ProjectView> get(@PathParam("projectId") String projectId) {
        return users.ensure(caller).chain(uid -> projects.get(uid, projectId));
    }

    @POST
    @Path("{projectId}/members")
    public Uni<Response> addMember(@PathParam("projectId") String projectId, @Valid @NotNull AddMember req) {
        return users.ensure(caller).chain(uid -> projects.addMember(uid, projectId, req))
                .replaceWith(Response.noContent().build());
    }

    @POST
    @Path("{projectId}/fragments")
    public Uni<Response> addFragment(@PathParam("projectId") String projectId, @Valid @NotNull CreateFragment req) {
        return users.ensure(caller).chain(uid -> projects.addFragment(uid, projectId, req))
                .map(f -> Response.created(URI.create("/api/projects/" + projectId + "/fragments/" + f.id())).entity(f).build());
    }

    @GET
    @Path("{projectId}/fragments")
    public Uni<List<FragmentSummary>> listFragments(@PathParam("projectId") String projectId) {
        return users.ensure(caller).chain(uid -> projects.listFragments(uid, projectId));
    }

    @GET
    @Path("{projectId}/fragments/{fragmentId}")
    public Uni<FragmentView> getFragment(@PathParam("projectId") String projectId,
            @PathParam("fragmentId") String fragmentId) {
        return users.ensure(caller).chain(uid -> projects.getFragment(uid, projectId, fragmentId)).map(FragmentView::of);
    }
}
