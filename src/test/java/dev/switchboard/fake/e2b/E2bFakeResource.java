package dev.switchboard.fake.e2b;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts an {@link E2bFake} and points the {@code e2b} provider at it with short backoffs; tests get the fake through
 * {@link InjectE2bFake}, since a static field here could live in another class loader than the test.
 */
public class E2bFakeResource implements QuarkusTestResourceLifecycleManager {

    /** Init argument: with {@code true}, the circuit breakers keep their production timing (half-open after 5 s). */
    public static final String DEFAULT_BREAKER = "default-breaker";

    private E2bFake fake;
    private boolean defaultBreaker;

    @Override
    public void init(Map<String, String> initArgs) {
        defaultBreaker = Boolean.parseBoolean(initArgs.getOrDefault(DEFAULT_BREAKER, "false"));
    }

    @Override
    public Map<String, String> start() {
        fake = E2bFake.start("/home/user/project", 3000);
        Map<String, String> config = new java.util.HashMap<>(Map.ofEntries(
                Map.entry("switchboard.provider", "e2b"),
                Map.entry("switchboard.e2b.api-url", fake.url()),
                Map.entry("switchboard.e2b.envd-url", fake.url()),
                Map.entry("switchboard.e2b.api-key", E2bFake.API_KEY),
                Map.entry("switchboard.e2b.domain", "e2b.test"),
                Map.entry("switchboard.e2b.project-root", fake.projectRoot()),
                Map.entry("switchboard.e2b.port", Integer.toString(fake.userPort())),
                Map.entry("switchboard.provider-calls.initial-backoff", "20ms"),
                Map.entry("switchboard.provider-calls.max-backoff", "200ms"),
                Map.entry("switchboard.provider-calls.breaker-open-for", "1s"),
                Map.entry("switchboard.provider-calls.call-timeout", "3s"),
                Map.entry("switchboard.provider-calls.create-timeout", "10s")));
        if (defaultBreaker) {
            config.remove("switchboard.provider-calls.breaker-open-for");
        }
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(InjectE2bFake.class, E2bFake.class));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
