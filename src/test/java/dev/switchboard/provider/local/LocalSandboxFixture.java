package dev.switchboard.provider.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import io.vertx.mutiny.core.Vertx;

/** Real local sandboxes for tests that run outside Quarkus (the packaged-jar integration tests). */
public final class LocalSandboxFixture implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final LocalSandboxProvider provider;

    public LocalSandboxFixture(Path dataRoot) {
        provider = new LocalSandboxProvider(dataRoot, Duration.ofSeconds(15),
                List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), vertx);
    }

    /** A live sandbox owned by {@code userId}, as a switch before deployment ids existed would have created it. */
    public String create(String userId) {
        return create(Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.OWNER, userId));
    }

    /** A live sandbox owned by {@code userId}, as a switch of deployment {@code deployment} would have created it. */
    public String create(String userId, String deployment) {
        return create(Map.of(SandboxMetadata.MANAGED, "true", SandboxMetadata.OWNER, userId, SandboxMetadata.DEPLOYMENT, deployment));
    }

    private String create(Map<String, String> metadata) {
        return provider.create(new SandboxSpec(null, Duration.ofMinutes(5), metadata, Map.of()))
                .await().atMost(Duration.ofSeconds(30)).id();
    }

    public boolean alive(String sandboxId) {
        Optional<?> info = provider.get(sandboxId).await().atMost(Duration.ofSeconds(10));
        return info.isPresent();
    }

    public void kill(String sandboxId) {
        provider.kill(sandboxId).await().atMost(Duration.ofSeconds(10));
    }

    /** Kills every sandbox under the data root, so a test leaves no process behind. */
    public void killAll() {
        provider.list(Map.of()).await().atMost(Duration.ofSeconds(30))
                .forEach(s -> provider.kill(s.id()).await().atMost(Duration.ofSeconds(10)));
    }

    @Override
    public void close() {
        vertx.closeAndAwait();
    }
}
