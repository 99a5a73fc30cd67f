package dev.switchboard.provider.blaxel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The expiry rules of parking on Blaxel, as pure functions on the sandbox document. */
class BlaxelParkingTest {

    @Test
    void parkingOnlyLengthensAndKeepsEveryOtherField() {
        ObjectNode sandbox = (ObjectNode) new ObjectMapper().valueToTree(Map.of(
                "metadata", Map.of("name", "n", "createdAt", "2026-01-01T00:00:00Z", "unknownField", "kept"),
                "spec", Map.of("runtime", Map.of("image", "img", "envs", List.of(Map.of("name", "S", "value", "v",
                        "secret", true))), "lifecycle", Map.of("expirationPolicies", List.of(
                                Map.of("type", "ttl-idle", "value", "5h", "action", "delete"),
                                Map.of("type", "ttl-max-age", "value", "1h30m", "action", "delete"),
                                Map.of("type", "date", "value", "2026-02-01T00:00:00Z", "action", "delete"))))));
        Instant now = Instant.parse("2026-01-01T01:00:00Z");

        ObjectNode parked = BlaxelParking.withExpiry(sandbox, Duration.ofHours(2), false, Duration.ofHours(2), now)
                .orElseThrow();
        assertEquals("5h", parked.at("/spec/lifecycle/expirationPolicies/0/value").asText(), "a longer idle policy stays");
        assertEquals("3h", parked.at("/spec/lifecycle/expirationPolicies/1/value").asText(), "1 h old + 2 h");
        assertEquals("2026-02-01T00:00:00Z", parked.at("/spec/lifecycle/expirationPolicies/2/value").asText());
        assertEquals("kept", parked.at("/metadata/unknownField").asText());
        assertTrue(parked.at("/spec/runtime/envs/0/secret").asBoolean(), "fields the model does not know survive");
        assertEquals(Optional.empty(), BlaxelParking.withExpiry(parked, Duration.ofHours(2), false, Duration.ofHours(2), now));

        ObjectNode reset = BlaxelParking.withExpiry(parked, Duration.ofMinutes(40), true, Duration.ofMinutes(100), now)
                .orElseThrow();
        assertEquals("40m", reset.at("/spec/lifecycle/expirationPolicies/0/value").asText());
        assertEquals("3h", reset.at("/spec/lifecycle/expirationPolicies/1/value").asText(), "max age never shrinks");
        assertEquals(Duration.ofMinutes(90), BlaxelParking.parseDuration("1h30m"));
        assertNull(BlaxelParking.parseDuration("soon"));
    }
}
