package dev.switchboard.provider;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.switchboard.common.SwitchboardConfig;
import io.smallrye.common.annotation.Identifier;

/** Picks the provider named by {@code switchboard.provider}; each implementation is an {@code @Identifier} bean. */
@Singleton
public class ProviderProducer {

    @Produces
    @Default
    @Singleton
    SandboxProvider provider(SwitchboardConfig config, @Any Instance<SandboxProvider> all) {
        String name = config.provider().strip().toLowerCase();
        Instance<SandboxProvider> chosen = all.select(Identifier.Literal.of(name));
        if (!chosen.isResolvable()) {
            throw new IllegalStateException("switchboard.provider is '" + name + "'; expected one of: local, e2b, blaxel");
        }
        return new MeteredSandboxProvider(chosen.get());
    }
}
