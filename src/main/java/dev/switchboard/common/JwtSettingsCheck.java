package dev.switchboard.common;

import java.util.Optional;

import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.runtime.StartupEvent;

/**
 * Production refuses to start without a JWT verification key and issuer: without them every call would be a
 * puzzling 401 (no key), or tokens from any issuer signed with the key would be accepted (no issuer).
 */
@UnlessBuildProfile(anyOf = { "dev", "test" })
public class JwtSettingsCheck {

    void check(@Observes StartupEvent event,
            @ConfigProperty(name = "mp.jwt.verify.publickey.location") Optional<String> keyLocation,
            @ConfigProperty(name = "mp.jwt.verify.publickey") Optional<String> key,
            @ConfigProperty(name = "mp.jwt.verify.issuer") Optional<String> issuer,
            @ConfigProperty(name = "quarkus.http.host-enabled", defaultValue = "true") boolean serving) {
        if (!serving) {
            return; // the CLI: no HTTP, no tokens to verify
        }
        if (keyLocation.isEmpty() && key.isEmpty()) {
            throw new IllegalStateException("No JWT verification key: set MP_JWT_VERIFY_PUBLICKEY_LOCATION "
                    + "(a PEM or JWKS file or URL) or MP_JWT_VERIFY_PUBLICKEY");
        }
        if (issuer.isEmpty()) {
            throw new IllegalStateException("No JWT issuer: set MP_JWT_VERIFY_ISSUER to the iss claim your tokens carry");
        }
    }
}
