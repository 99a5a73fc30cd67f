package dev.switchboard.sandbox;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.Instance;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import dev.switchboard.provider.Templates;
import dev.switchboard.sandbox.SwitchService.Target;

/** What a switch asks the provider for: the template and the metadata every sandbox carries (invariant 5). */
@ApplicationScoped
public class SandboxSpecs {

    private final SwitchboardConfig config;
    private final Instance instance;
    private final Templates templates;

    public SandboxSpecs(SwitchboardConfig config, Instance instance, Templates templates) {
        this.config = config;
        this.instance = instance;
        this.templates = templates;
    }

    /** The spec of a switch's new sandbox for {@code target}. */
    public SandboxSpec spec(String userId, UUID switchId, Target target) {
        Map<String, String> metadata = new HashMap<>();
        metadata.put(SandboxMetadata.MANAGED, "true");
        metadata.put(SandboxMetadata.OWNER, userId);
        metadata.put(SandboxMetadata.SWITCH, switchId.toString());
        metadata.put(SandboxMetadata.INSTANCE, instance.id());
        if (target.projectId() != null) {
            metadata.put(SandboxMetadata.PROJECT, target.projectId().toString());
        }
        if (target.fragment() != null) {
            metadata.put(SandboxMetadata.FRAGMENT, target.fragment().id().toString());
        }
        String template = target.template() != null ? target.template() : config.sandbox().template().orElse(null);
        return templates.apply(new SandboxSpec(template, providerTimeout(config), metadata, Map.of()));
    }

    /**
     * The provider-side timeout of a new sandbox: the configured provider timeout, or the TTL plus the expiry margin
     * when that is shorter; never the TTL alone (invariant 3: the TTL sweep must save the files first).
     */
    static Duration providerTimeout(SwitchboardConfig config) {
        Duration untilExpiry = config.sandbox().maxAge().plus(config.sandbox().expiryMargin());
        Duration timeout = config.sandbox().providerTimeout();
        return timeout.compareTo(untilExpiry) < 0 ? timeout : untilExpiry;
    }
}
