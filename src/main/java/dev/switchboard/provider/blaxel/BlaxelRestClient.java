package dev.switchboard.provider.blaxel;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/**
 * Blaxel's control plane, answering raw responses: {@link BlaxelClient} needs every status and body as sent (a 504
 * from the edge carries HTML, not JSON), so the default error mapper is off.
 */
@Path("/sandboxes")
@Produces(MediaType.APPLICATION_JSON)
interface BlaxelRestClient {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> create(BlaxelModel.Sandbox sandbox);

    @GET
    @Path("/{name}")
    Uni<Response> get(@PathParam("name") String name);

    /** The whole sandbox, as GET answered it with some fields changed (the SDK's updateLifecycle does the same). */
    @PUT
    @Path("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> update(@PathParam("name") String name, String sandbox);

    @DELETE
    @Path("/{name}")
    Uni<Response> delete(@PathParam("name") String name);

    /** {@code cursor} is null for the first page; {@code limit} is at most 200. */
    @GET
    Uni<Response> list(@QueryParam("cursor") String cursor, @QueryParam("limit") int limit);
}
