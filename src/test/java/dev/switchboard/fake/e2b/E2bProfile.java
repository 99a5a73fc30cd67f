package dev.switchboard.fake.e2b;

import java.util.List;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Runs a {@code @QuarkusTest} on the {@code e2b} provider against an {@link E2bFake}. */
public class E2bProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(E2bFakeResource.class));
    }
}
