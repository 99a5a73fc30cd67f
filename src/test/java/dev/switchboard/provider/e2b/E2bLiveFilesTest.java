package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.E2bFake.Recorded;
import dev.switchboard.fake.e2b.E2bProfile;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.LiveSandboxContract;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The live-sandbox SPI on E2B against the fake's envd, plus what went over the wire. */
@QuarkusTest
@TestProfile(E2bProfile.class)
class E2bLiveFilesTest extends E2bTestSupport implements LiveSandboxContract {

    @Override
    public SandboxProvider live() {
        return provider;
    }

    @Override
    public String newSandbox() {
        return create(owner()).id();
    }

    @Override
    public void vanishSandbox(String id) {
        fake.vanish(id);
    }

    @Override
    public void checkPortUrl(String id, int port, String url) {
        assertEquals("https://" + port + "-" + id + ".e2b.test", url);
    }

    @Test
    void filesGoThroughEnvdRpcsWithTheUserAndToken() {
        SandboxHandle h = create(owner());
        provider.writeFile(h.id(), "a b/ü.txt", "x".getBytes(StandardCharsets.UTF_8)).await().atMost(E2bTestSupport.WAIT);
        provider.readFile(h.id(), "a b/ü.txt", 10).await().atMost(E2bTestSupport.WAIT);
        provider.listDirectory(h.id(), "a b", 10).await().atMost(E2bTestSupport.WAIT);
        provider.deleteFile(h.id(), "a b").await().atMost(E2bTestSupport.WAIT);

        Recorded write = fake.recorded("files.write").get(fake.recorded("files.write").size() - 1);
        assertTrue(write.query().contains("username=user"), write.query());
        assertEquals("application/octet-stream", write.header("Content-Type"));
        Recorded stat = fake.recorded("stat").get(0);
        assertEquals(h.accessToken(), stat.header("X-Access-Token"));
        assertEquals(E2bEnvdClient.BASIC_USER, stat.header("Authorization"));
        assertEquals("/home/user/project/a b/ü.txt", stat.json().get("path").asText());
        JsonNode list = fake.recorded("listdir").get(0).json();
        assertEquals("/home/user/project/a b", list.get("path").asText());
        assertEquals(1, list.get("depth").asInt());
        assertEquals("/home/user/project/a b", fake.recorded("remove").get(0).json().get("path").asText());
    }

    @Test
    void execStartsASessionInTheProjectRootAndSignalsThePidOnTimeout() {
        SandboxHandle h = create(owner());
        var s = provider.exec(h.id(), new ExecRequest("sleep 30", "", Map.of("K", "v"), Duration.ofMillis(500), 100))
                .collect().asList().await().atMost(E2bTestSupport.WAIT);
        assertEquals(1, s.size());
        JsonNode start = fake.recorded("process.start").get(0).json().get("process");
        assertEquals("setsid", start.get("cmd").asText(), "its own session, so the whole tree can be killed");
        assertEquals(List.of("/bin/bash", "-l", "-c", "sleep 30"), List.of(start.get("args").get(0).asText(),
                start.get("args").get(1).asText(), start.get("args").get(2).asText(), start.get("args").get(3).asText()));
        assertEquals("/home/user/project", start.get("cwd").asText());
        assertEquals("v", start.get("envs").get("K").asText());
        long deadline = System.nanoTime() + E2bTestSupport.WAIT.toNanos();
        while (fake.recorded("process.signal").isEmpty() && System.nanoTime() < deadline) {
            pause(20);
        }
        JsonNode signal = fake.recorded("process.signal").get(0).json();
        assertEquals("SIGNAL_SIGKILL", signal.get("signal").asText());
        assertTrue(signal.get("process").get("pid").asLong() > 0);
    }

    @Test
    void aPausedSandboxsDataPlaneIsGone() {
        SandboxHandle h = create(owner());
        assertTrue(provider.pause(h.id(), Duration.ofMinutes(5)).await().atMost(E2bTestSupport.WAIT));
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.readFile(h.id(), "x", 10).await().atMost(E2bTestSupport.WAIT));
        assertEquals(ProviderException.Kind.GONE, e.kind(), "envd of a paused sandbox answers 502, as today");
        assertEquals(E2bFake.API_KEY, fake.recorded("pause").get(0).header("X-API-Key"));
    }
}
