package dev.switchboard.common;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The production start-up check of the JWT settings (the class is absent from the dev and test profiles). */
class JwtSettingsCheckTest {

    @Test
    void productionWithoutAnAudienceRefusesToStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> JwtSettingsCheck.verify(true, true, true, false, false));
        assertTrue(e.getMessage().contains("MP_JWT_VERIFY_AUDIENCES"), e.getMessage());
        assertTrue(e.getMessage().contains("SWITCHBOARD_AUTH_ANY_AUDIENCE"), e.getMessage());
    }

    @Test
    void anAudienceOrAnyAudienceOnPurposeStarts() {
        assertDoesNotThrow(() -> JwtSettingsCheck.verify(true, true, true, true, false));
        assertDoesNotThrow(() -> JwtSettingsCheck.verify(true, true, true, false, true));
    }

    @Test
    void keyAndIssuerAreStillRequired() {
        assertThrows(IllegalStateException.class, () -> JwtSettingsCheck.verify(true, false, true, true, false));
        assertThrows(IllegalStateException.class, () -> JwtSettingsCheck.verify(true, true, false, true, false));
    }

    @Test
    void theCliVerifiesNoTokens() {
        assertDoesNotThrow(() -> JwtSettingsCheck.verify(false, false, false, false, false));
    }
}
