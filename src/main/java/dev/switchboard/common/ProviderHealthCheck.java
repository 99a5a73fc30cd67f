package dev.switchboard.common;

import java.time.Duration;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxProvider;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness: the provider's control plane answers. One cheap lookup of a sandbox that does not exist; any answer from
 * the provider (found, not found, rejected id) means it is reachable, while timeouts, 5xx and an open control-plane
 * circuit mean it is not. Single sandboxes that stop answering (their own data-plane breakers) do not count. The
 * database has its own readiness check from the reactive client.
 */
@Readiness
@ApplicationScoped
public class ProviderHealthCheck implements AsyncHealthCheck {

    private final SandboxProvider provider;

    public ProviderHealthCheck(SandboxProvider provider) {
        this.provider = provider;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        String name = "sandbox provider " + provider.name();
        return provider.get("switchboard-readiness-probe")
                .ifNoItem().after(Duration.ofSeconds(5)).fail()
                .map(found -> HealthCheckResponse.up(name))
                .onFailure().recoverWithItem(e -> {
                    boolean answered = e instanceof ProviderException p && (p.kind() == ProviderException.Kind.GONE
                            || p.kind() == ProviderException.Kind.BAD_REQUEST || p.kind() == ProviderException.Kind.CONFLICT);
                    return answered ? HealthCheckResponse.up(name)
                            : HealthCheckResponse.named(name).down().withData("error", String.valueOf(e.getMessage())).build();
                });
    }
}
