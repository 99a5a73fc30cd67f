package dev.switchboard.provider;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What to create: the template's name (the warm-pool key; null for the default), provider-side timeout (always
 * explicit), metadata that ties the sandbox to its owner and switch (see {@link SandboxMetadata}), environment
 * variables, and what the configured template asks of the provider ({@code runtime}; null: the name is the image).
 */
public record SandboxSpec(String template, Duration timeout, Map<String, String> metadata, Map<String, String> env,
        Runtime runtime) {

    public SandboxSpec {
        metadata = Map.copyOf(metadata);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public SandboxSpec(String template, Duration timeout, Map<String, String> metadata, Map<String, String> env) {
        this(template, timeout, metadata, env, null);
    }

    /** A configured template's provider template or image and resources; null resources: the provider's defaults. */
    public record Runtime(String image, Integer memoryMb, Integer cpu, List<Integer> ports) {
        public Runtime {
            ports = ports == null ? List.of() : List.copyOf(ports);
        }
    }

    /** The provider's template id or image: the runtime's, else the name, else {@code fallback}. */
    public String imageOr(String fallback) {
        if (runtime != null && runtime.image() != null && !runtime.image().isBlank()) {
            return runtime.image();
        }
        return template != null && !template.isBlank() ? template : fallback;
    }

    /** This spec with one more metadata entry (replacing one of the same key). */
    public SandboxSpec withMetadata(String key, String value) {
        Map<String, String> more = new HashMap<>(metadata);
        more.put(key, value);
        return new SandboxSpec(template, timeout, more, env, runtime);
    }
}
