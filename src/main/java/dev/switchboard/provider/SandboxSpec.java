package dev.switchboard.provider;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What to create: template or image, provider-side timeout (always explicit), metadata that ties the sandbox
 * to its owner and switch (see {@link SandboxMetadata}), and environment variables.
 */
public record SandboxSpec(String template, Duration timeout, Map<String, String> metadata, Map<String, String> env) {

    public SandboxSpec {
        metadata = Map.copyOf(metadata);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** This spec with one more metadata entry (replacing one of the same key). */
    public SandboxSpec withMetadata(String key, String value) {
        Map<String, String> more = new HashMap<>(metadata);
        more.put(key, value);
        return new SandboxSpec(template, timeout, more, env);
    }
}
