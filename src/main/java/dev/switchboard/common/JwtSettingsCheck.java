package dev.switchboard.common;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.runtime.StartupEvent;

/**
 * Production refuses to start without a JWT verification key, issuer and audience: without them every call would be
 * a puzzling 401 (no key), or tokens from any issuer signed with the key (no issuer), or any token of the issuer,
 * another application's included (no audience), would be accepted.
 */
@UnlessBuildProfile(anyOf = { "dev", "test" })
public class JwtSettingsCheck {

    void check(@Observes StartupEvent event,
            @ConfigProperty(name = "mp.jwt.verify.publickey.location") Optional<String> keyLocation,
            @ConfigProperty(name = "mp.jwt.verify.publickey") Optional<String> key,
            @ConfigProperty(name = "mp.jwt.verify.issuer") Optional<String> issuer,
            @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<List<String>> audiences,
            @ConfigProperty(name = "quarkus.http.host-enabled", defaultValue = "true") boolean serving,
            AuthConfig auth) {
        verify(serving, keyLocation.isPresent() || key.isPresent(), issuer.isPresent(),
                audiences.map(a -> a.stream().anyMatch(s -> !s.isBlank())).orElse(false), auth.anyAudience());
    }

    /** Fails with the first missing setting; the CLI ({@code serving} false) verifies no tokens and needs none. */
    static void verify(boolean serving, boolean hasKey, boolean hasIssuer, boolean hasAudiences, boolean anyAudience) {
        if (!serving) {
            return;
        }
        if (!hasKey) {
            throw new IllegalStateException("No JWT verification key: set MP_JWT_VERIFY_PUBLICKEY_LOCATION "
                    + "(a PEM or JWKS file or URL) or MP_JWT_VERIFY_PUBLICKEY");
        }
        if (!hasIssuer) {
            throw new IllegalStateException("No JWT issuer: set MP_JWT_VERIFY_ISSUER to the iss claim your tokens carry");
        }
        if (!hasAudiences && !anyAudience) {
            throw new IllegalStateException("No JWT audience: set MP_JWT_VERIFY_AUDIENCES to the aud claim your tokens "
                    + "carry for Switchboard (comma-separated), or SWITCHBOARD_AUTH_ANY_AUDIENCE=true to accept any token "
                    + "of the issuer on purpose");
        }
    }
}
