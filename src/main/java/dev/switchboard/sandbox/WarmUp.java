package dev.switchboard.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.Contexts;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.project.ProjectService;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.SwitchDtos.SwitchResult;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;

/**
 * Warm-up at start, so the first burst of requests never blocks the event loop: on a worker thread, one token
 * verification (the JOSE algorithm registry and the verification key are built on first use, seconds on a cold JVM)
 * and one JSON answer; then, non-blocking, the switch path's statements on a few pool connections (each connection's
 * first use builds its TLS context) and one provider lookup. Readiness stays down until it is done.
 */
@ApplicationScoped
@Readiness
public class WarmUp implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(WarmUp.class);
    /** The statements only read, or update nothing (no sandbox is named "none"), whoever this user may be. */
    private static final String NOBODY = "switchboard-warm-up";
    private static final int CONNECTIONS = 4;

    private final JWTParser jwt;
    private final ObjectMapper json;
    private final SandboxStateRepository state;
    private final ProjectService projects;
    private final SandboxProvider provider;
    private final Vertx vertx;
    private final boolean enabled;
    private volatile boolean done;

    public WarmUp(JWTParser jwt, ObjectMapper json, SandboxStateRepository state, ProjectService projects,
            SandboxProvider provider, Vertx vertx, SwitchboardConfig config) {
        this.enabled = config.warmUp();
        this.jwt = jwt;
        this.json = json;
        this.state = state;
        this.projects = projects;
        this.provider = provider;
        this.vertx = vertx;
    }

    void atStartup(@Observes StartupEvent event) {
        if (!enabled) {
            done = true;
            return;
        }
        long started = System.nanoTime();
        Uni.createFrom().item(this::offTheEventLoop).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(() -> Contexts.onDuplicatedContext(vertx, this::statements))
                .subscribe().with(v -> finish(started, null), e -> finish(started, e));
    }

    private void finish(long started, Throwable e) {
        done = true;
        if (e != null) {
            LOG.infof("warm-up ended early after %d ms: %s", (System.nanoTime() - started) / 1_000_000, e.getMessage());
        } else {
            LOG.infof("warm-up done in %d ms", (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** Blocking class loading and key parsing, on a worker thread. */
    private Void offTheEventLoop() {
        try {
            // A well-formed RS256 token with a wrong signature: parsing resolves the key and verifies, then refuses.
            jwt.parse(token());
        } catch (Exception expected) {
            // refused, as it must be
        }
        try {
            json.writeValueAsString(new SwitchResult("s", "u", 1, true, UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
                    null, List.of(), "cold", null));
            json.readValue("{\"projectId\":\"p\",\"fragmentId\":null}", SwitchDtos.SwitchRequest.class);
        } catch (Exception e) {
            LOG.debugf("warm-up JSON: %s", e.getMessage());
        }
        return null;
    }

    /** The switch path's statements, against a user that does not exist (nothing is written). */
    private Uni<Void> statements() {
        List<Uni<Void>> runs = new java.util.ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            runs.add(state.find(NOBODY).replaceWithVoid()
                    .chain(() -> state.isCurrent(NOBODY, UUID.randomUUID())).replaceWithVoid()
                    .chain(() -> state.markUsed(NOBODY, "none")).replaceWithVoid()
                    .chain(() -> projects.access(NOBODY, UUID.randomUUID().toString()).replaceWithVoid()
                            .onFailure().recoverWithNull()));
        }
        Uni<Void> probe = provider.get("switchboard-warm-up").replaceWithVoid().onFailure().recoverWithNull();
        return Uni.join().all(runs).andCollectFailures().replaceWithVoid().chain(() -> probe);
    }

    private static String token() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"sub\":\"warm-up\",\"iat\":" + Instant.now().getEpochSecond() + ",\"exp\":"
                + Instant.now().plusSeconds(60).getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + b64.encodeToString(new byte[256]);
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("warm-up").status(done).build();
    }
}
