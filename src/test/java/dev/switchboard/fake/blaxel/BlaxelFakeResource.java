package dev.switchboard.fake.blaxel;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a {@link BlaxelFake} for a Quarkus test run, points the blaxel provider at it with short polls and backoffs,
 * and hands the fake to fields annotated {@link InjectBlaxelFake}.
 */
public class BlaxelFakeResource implements QuarkusTestResourceLifecycleManager {

    public static final String API_KEY = "bl_test_key";
    public static final String WORKSPACE = "test-ws";

    private BlaxelFake fake;

    @Override
    public Map<String, String> start() {
        fake = new BlaxelFake(API_KEY, WORKSPACE).start();
        return Map.ofEntries(
                Map.entry("switchboard.provider", "blaxel"),
                Map.entry("switchboard.blaxel.api-url", fake.apiUrl()),
                Map.entry("switchboard.blaxel.api-key", API_KEY),
                Map.entry("switchboard.blaxel.workspace", WORKSPACE),
                Map.entry("switchboard.blaxel.create-poll-interval", "50ms"),
                Map.entry("switchboard.blaxel.create-poll-timeout", "10s"),
                Map.entry("switchboard.provider-calls.initial-backoff", "20ms"),
                Map.entry("switchboard.provider-calls.max-backoff", "200ms"),
                Map.entry("switchboard.provider-calls.breaker-open-for", "1s"),
                Map.entry("switchboard.provider-calls.call-timeout", "10s"));
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(InjectBlaxelFake.class, BlaxelFake.class));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
