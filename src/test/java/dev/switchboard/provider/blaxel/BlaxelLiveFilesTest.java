package dev.switchboard.provider.blaxel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.fake.blaxel.BlaxelFake;
import dev.switchboard.fake.blaxel.BlaxelFake.Recorded;
import dev.switchboard.fake.blaxel.BlaxelFakeResource;
import dev.switchboard.fake.blaxel.BlaxelProfile;
import dev.switchboard.fake.blaxel.InjectBlaxelFake;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.LiveSandboxContract;
import dev.switchboard.provider.SandboxProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.json.JsonObject;

/** The live-sandbox SPI on Blaxel against the fake's sandbox-api and previews, plus what went over the wire. */
@QuarkusTest
@TestProfile(BlaxelProfile.class)
class BlaxelLiveFilesTest implements LiveSandboxContract {

    private static final Duration WAIT = BlaxelTesting.WAIT;

    @InjectBlaxelFake
    BlaxelFake fake;

    @Inject
    @Identifier("blaxel")
    BlaxelSandboxProvider provider;

    @BeforeEach
    void reset() {
        fake.reset();
        BlaxelTesting.awaitBreakerClosed(provider);
    }

    @Override
    public SandboxProvider live() {
        return provider;
    }

    @Override
    public String newSandbox() {
        return provider.create(BlaxelTesting.spec("owner-" + UUID.randomUUID().toString().substring(0, 8))).await()
                .atMost(WAIT).id();
    }

    @Override
    public void vanishSandbox(String id) {
        fake.vanish(id);
    }

    @Override
    public void checkPortUrl(String id, int port, String url) {
        assertEquals(fake.previewUrl(id, port).orElseThrow(), url, "the URL of the port's preview");
    }

    @Test
    void aPortGetsOnePublicPreviewThatIsReused() {
        String id = newSandbox();
        String url = provider.portUrl(id, 3000).await().atMost(WAIT);
        assertTrue(url.matches("https://[a-z0-9]+\\.preview\\.bl\\.run"), url);
        assertEquals(url, provider.portUrl(id, 3000).await().atMost(WAIT), "the preview is reused");
        assertEquals(1, fake.requests(BlaxelFake.PREVIEW_CREATE));
        Recorded create = fake.lastRecorded(BlaxelFake.PREVIEW_CREATE);
        assertEquals("Bearer " + BlaxelFakeResource.API_KEY, create.header("Authorization"));
        assertEquals("/v0/sandboxes/" + id + "/previews", create.uri());
        JsonObject body = create.json();
        assertEquals("switchboard-port-3000", body.getJsonObject("metadata").getString("name"));
        assertEquals(3000, body.getJsonObject("spec").getInteger("port"));
        assertTrue(body.getJsonObject("spec").getBoolean("public"));
        assertFalse(url.equals(provider.portUrl(id, 8080).await().atMost(WAIT)), "another port, another preview");
    }

    @Test
    void execStreamsANamedProcessAndKillsItByNameOnTimeout() {
        String id = newSandbox();
        provider.writeFile(id, "x", "x".getBytes(StandardCharsets.UTF_8)).await().atMost(WAIT);
        var events = provider.exec(id, new ExecRequest("sleep 30", "", Map.of("K", "v"), Duration.ofMillis(500), 100))
                .collect().asList().await().atMost(WAIT);
        assertEquals(1, events.size());
        Recorded start = fake.lastRecorded(BlaxelFake.PROCESS);
        assertEquals("text/event-stream", start.header("Accept"));
        JsonObject body = start.json();
        assertEquals("/blaxel/app", body.getString("workingDir"));
        assertEquals("v", body.getJsonObject("env").getString("K"));
        assertFalse(body.getBoolean("waitForCompletion"));
        String name = body.getString("name");
        assertTrue(name.startsWith("switchboard-exec-"), name);
        BlaxelTesting.await("the kill", WAIT, () -> fake.requests(BlaxelFake.PROCESS_KILL) > 0);
        assertTrue(fake.lastRecorded(BlaxelFake.PROCESS_KILL).uri().endsWith("/process/" + name + "/kill"));
    }
}
