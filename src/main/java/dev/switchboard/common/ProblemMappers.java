package dev.switchboard.common;

import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import dev.switchboard.provider.ProviderException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/** Maps every failure to problem+json: no stack traces, no class names, the right 4xx/5xx. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder b = build(e.status(), e.title(), e.getMessage());
        if (e.retryAfter() != null) {
            b.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        }
        return b.build();
    }

    @ServerExceptionMapper
    public Response provider(ProviderException e) {
        ProblemException p = ProviderErrors.toProblem(e);
        LOG.warnf("provider failure (%s): %s", e.kind(), e.getMessage());
        return problem(p);
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e) {
        String detail = e.getConstraintViolations().stream()
                .map(v -> leaf(v.getPropertyPath().toString()) + ": " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return build(400, "Bad Request", detail).build();
    }

    @ServerExceptionMapper
    public Response unreadableJson(MismatchedInputException e) {
        return build(400, "Bad Request", "The request body does not have the expected shape"
                + (e.getPath().isEmpty() ? "" : " at '" + e.getPathReference().replaceAll(".*\\[\"?|\"?\\]", "") + "'")).build();
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return build(400, "Bad Request", "The request body is not valid JSON").build();
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return build(401, "Unauthorized", "A valid bearer token is required").header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return build(401, "Unauthorized", "The bearer token is missing, invalid or expired")
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\"").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return build(403, "Forbidden", "You do not have access to this resource").build();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return build(404, "Not Found", "No such resource").build();
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return build(405, "Method Not Allowed", "This method is not allowed here").build();
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return build(415, "Unsupported Media Type", "Send application/json").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 413) {
            return build(413, "Payload Too Large", "The request body is larger than allowed").build();
        }
        Response.Status s = Response.Status.fromStatusCode(status);
        return build(status, s != null ? s.getReasonPhrase() : "Error", s != null ? s.getReasonPhrase() : "Error").build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (DatabaseOutage.is(e)) {
            // Expected while the database is down or restarting: a 503 the caller retries, not a 500 with a trace.
            DatabaseOutage.warn("request", e);
            return problem(DatabaseOutage.problem());
        }
        LOG.error("unexpected failure", e);
        return build(500, "Internal Server Error", "An unexpected error occurred").build();
    }

    static Response.ResponseBuilder build(int status, String title, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(status, title, detail));
    }

    private static String leaf(String path) {
        int dot = path.lastIndexOf('.');
        return dot >= 0 ? path.substring(dot + 1) : path;
    }
}
