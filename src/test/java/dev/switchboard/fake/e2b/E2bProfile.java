package dev.switchboard.fake.e2b;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Runs a {@code @QuarkusTest} on the {@code e2b} provider against an {@link E2bFake}. */
public class E2bProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(E2bFakeResource.class));
    }

    /** An E2B Hobby plan: sandboxes live 1 h at most, so the TTL stays the expiry margin below it. */
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("switchboard.sandbox.max-age", "55m");
    }
}
