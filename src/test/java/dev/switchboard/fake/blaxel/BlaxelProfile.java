package dev.switchboard.fake.blaxel;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The blaxel provider against {@link BlaxelFake}. The sandbox TTLs differ from the defaults, and 90 minutes is not a
 * whole number of hours, so a test can tell that the expiration policies are derived from them.
 */
public class BlaxelProfile implements QuarkusTestProfile {

    public static final String IDLE_TIMEOUT = "20m";
    public static final String MAX_AGE = "90m";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("switchboard.sandbox.idle-timeout", IDLE_TIMEOUT, "switchboard.sandbox.max-age", MAX_AGE);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(BlaxelFakeResource.class));
    }
}
