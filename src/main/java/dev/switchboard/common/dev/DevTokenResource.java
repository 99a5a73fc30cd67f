package dev.switchboard.common.dev;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import java.time.Duration;
import java.util.Set;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import io.quarkus.arc.profile.IfBuildProfile;
import io.smallrye.jwt.build.Jwt;

/**
 * Dev mode only: mints a token signed with the dev key pair under {@code src/dev/jwt}, so a newcomer can call the
 * API with one command (and the web console's "dev sign-in" button works). Tests get it too, signed with the test key,
 * for the console's browser test. The bean does not exist in the prod build, and prod never trusts the dev key.
 */
@Path("/dev/token")
@IfBuildProfile(anyOf = { "dev", "test" })
@Tag(name = "dev")
public class DevTokenResource {

    @Operation(summary = "Mint a token (dev mode only)", description = "A JWT signed with the dev key for ?sub= (name, email, admin optional).")
    @APIResponse(responseCode = "200", description = "The token")
    @POST
    @Produces(MediaType.TEXT_PLAIN)
    public String token(@QueryParam("sub") @DefaultValue("dev-user") String sub, @QueryParam("name") String name,
            @QueryParam("email") String email, @QueryParam("admin") @DefaultValue("false") boolean admin) {
        // aud "switchboard": what the compose file and the examples require in the prod profile.
        var claims = Jwt.subject(sub).audience("switchboard").expiresIn(Duration.ofHours(12));
        if (name != null) {
            claims.claim("name", name);
        }
        if (email != null) {
            claims.claim("email", email);
        }
        return claims.groups(admin ? Set.of("user", "admin") : Set.of("user")).sign();
    }
}
