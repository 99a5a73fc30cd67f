package dev.switchboard.common;

/**
 * Names of the problem+json error answers defined once in {@code META-INF/openapi.yaml} (the document's frame), for
 * resources to refer to: {@code @APIResponse(responseCode = "404", ref = OpenApiDefinition.NOT_FOUND)}.
 */
public final class OpenApiDefinition {

    public static final String BAD_REQUEST = "BadRequest";
    public static final String UNAUTHORIZED = "Unauthorized";
    public static final String FORBIDDEN = "Forbidden";
    public static final String NOT_FOUND = "NotFound";
    public static final String CONFLICT = "Conflict";
    public static final String TOO_LARGE = "TooLarge";
    public static final String TOO_MANY = "TooManyRequests";
    public static final String UNAVAILABLE = "Unavailable";

    private OpenApiDefinition() {
    }
}
