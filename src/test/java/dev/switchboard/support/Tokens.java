package dev.switchboard.support;

import java.security.PrivateKey;
import java.time.Instant;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;

/** Mints RS256 tokens with the test-only key pair under {@code src/test/resources/test-jwt}. */
public final class Tokens {

    public static final String ISSUER = "switchboard-test";

    private Tokens() {
    }

    public static String user(String sub) {
        return Jwt.issuer(ISSUER).subject(sub).claim("name", "User " + sub).claim("email", sub + "@example.com")
                .groups(Set.of("user")).expiresIn(3600).sign();
    }

    public static String admin(String sub) {
        return Jwt.issuer(ISSUER).subject(sub).groups(Set.of("user", "admin")).expiresIn(3600).sign();
    }

    public static String expired(String sub) {
        Instant past = Instant.now().minusSeconds(7200);
        return Jwt.issuer(ISSUER).subject(sub).issuedAt(past).expiresAt(past.plusSeconds(600)).sign();
    }

    /** A user's token carrying {@code aud}. */
    public static String withAudience(String sub, String aud) {
        return Jwt.issuer(ISSUER).audience(aud).subject(sub).groups(Set.of("user")).expiresIn(3600).sign();
    }

    public static String wrongIssuer(String sub) {
        return Jwt.issuer("https://evil.example.com").subject(sub).expiresIn(3600).sign();
    }

    /** Signed by a key the service does not trust. */
    public static String foreignKey(String sub) {
        try {
            PrivateKey key = KeyUtils.readPrivateKey("test-jwt/other-private.pem");
            return Jwt.issuer(ISSUER).subject(sub).expiresIn(3600).sign(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid token whose payload was changed after signing (a different subject). */
    public static String tampered(String sub, String otherSub) {
        String[] parts = user(sub).split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]));
        String forged = payload.replace("\"sub\":\"" + sub + "\"", "\"sub\":\"" + otherSub + "\"");
        if (forged.equals(payload)) {
            throw new IllegalStateException("could not forge the payload " + payload);
        }
        return parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(forged.getBytes()) + "." + parts[2];
    }
}
