package dev.switchboard.provider.e2b;

import java.io.Closeable;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/**
 * E2B's control plane as an HTTP contract. Methods answer the raw response because statuses carry meaning (404 on
 * kill is done, 409 on pause is already paused); {@link E2bClient} reads them and adds {@code X-API-Key}.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface E2bRestClient extends Closeable {

    @POST
    @Path("sandboxes")
    Uni<Response> create(E2bDtos.NewSandbox body);

    @GET
    @Path("sandboxes/{id}")
    Uni<Response> get(@PathParam("id") String id);

    @DELETE
    @Path("sandboxes/{id}")
    Uni<Response> kill(@PathParam("id") String id);

    /**
     * One page of live sandboxes. {@code metadata} arrives already encoded (see {@link E2bClient#metadataQuery}):
     * it is a query string inside a query parameter, and the client's own encoding keeps {@code %XX} sequences as
     * they are, which would make the server decode the inner values one time too many.
     */
    @GET
    @Path("v2/sandboxes")
    Uni<Response> list(@QueryParam("metadata") @Encoded String metadata, @QueryParam("state") String state,
            @QueryParam("limit") int limit, @QueryParam("nextToken") String nextToken);

    @POST
    @Path("sandboxes/{id}/timeout")
    Uni<Response> setTimeout(@PathParam("id") String id, E2bDtos.Timeout body);

    @POST
    @Path("sandboxes/{id}/pause")
    Uni<Response> pause(@PathParam("id") String id);

    @POST
    @Path("sandboxes/{id}/connect")
    Uni<Response> connect(@PathParam("id") String id, E2bDtos.Timeout body);
}
