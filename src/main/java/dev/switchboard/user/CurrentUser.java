package dev.switchboard.user;

import java.util.Set;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

/** The authenticated caller, read from the verified JWT: id = {@code sub}, display name, email, groups. */
@RequestScoped
public class CurrentUser {

    @Inject
    JsonWebToken jwt;

    public String id() {
        return jwt.getSubject();
    }

    /** {@code name}, else {@code preferred_username}, else {@code upn}; may be null. */
    public String name() {
        for (String claim : new String[] { "name", "preferred_username", "upn" }) {
            Object v = jwt.getClaim(claim);
            if (v != null && !v.toString().isBlank()) {
                return v.toString();
            }
        }
        return null;
    }

    public String email() {
        Object v = jwt.getClaim("email");
        return v != null && !v.toString().isBlank() ? v.toString() : null;
    }

    public Set<String> groups() {
        return jwt.getGroups();
    }
}
