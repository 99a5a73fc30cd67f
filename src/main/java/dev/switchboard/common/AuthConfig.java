package dev.switchboard.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Token checks beyond SmallRye JWT's own {@code mp.jwt.verify.*} keys. */
@ConfigMapping(prefix = "switchboard.auth")
public interface AuthConfig {

    /**
     * Accept tokens for any audience in production. Off: production refuses to start without
     * {@code mp.jwt.verify.audiences}, because any token of the same issuer (another app's, groups included) would pass.
     */
    @WithDefault("false")
    boolean anyAudience();
}
