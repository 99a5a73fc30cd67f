package dev.switchboard.web;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.mutiny.Uni;

/**
 * The web console's shell page at {@code /}. It needs no token: the page signs in from the browser (the token stays in
 * {@code sessionStorage}) and everything else is the public API, called by {@code /console/console.js}.
 */
@Path("/")
@Tag(name = "console")
public class ConsoleResource {

    /**
     * Scripts, styles and API calls only from this origin, no inline script and no plugins: a value that slipped
     * through unescaped still could not run. Images may be data URLs; frames are refused.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            + "form-action 'self'";

    @CheckedTemplate
    static class Templates {
        /** @param devSignIn whether {@code POST /dev/token} exists (dev mode and tests), for the "dev sign-in" button */
        static native TemplateInstance console(boolean devSignIn);
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The web console", description = "An HTML page; it signs in from the browser, so it needs no token.")
    @APIResponse(responseCode = "200", description = "The console's page")
    public Uni<RestResponse<String>> page() {
        return Templates.console(LaunchMode.current().isDevOrTest()).createUni()
                .map(html -> RestResponse.ResponseBuilder.ok(html, MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                        .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                        .header("X-Content-Type-Options", "nosniff")
                        .header("Referrer-Policy", "no-referrer")
                        .header("Cache-Control", "no-store")
                        .build());
    }
}
