package dev.switchboard.common;

import java.util.UUID;

import jakarta.inject.Singleton;

/** This replica's identity, written into every sandbox's metadata so a crashed replica's sandboxes can be traced. */
@Singleton
public class Instance {

    private final String id;

    public Instance(SwitchboardConfig config) {
        String host = System.getenv("HOSTNAME");
        this.id = config.instanceId().orElse(host != null && !host.isBlank() ? host : "sb-" + UUID.randomUUID().toString().substring(0, 8));
    }

    public String id() {
        return id;
    }
}
