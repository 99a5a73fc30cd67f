package dev.switchboard.provider.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import dev.switchboard.fake.e2b.E2bFake;
import dev.switchboard.fake.e2b.InjectE2bFake;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileEntry;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SandboxMetadata;
import dev.switchboard.provider.SandboxSpec;
import io.smallrye.common.annotation.Identifier;

/** What the E2B tests share: the fake, the provider, and a clean fake and closed breaker after each test. */
abstract class E2bTestSupport {

    static final Duration WAIT = Duration.ofSeconds(15);

    @InjectE2bFake
    E2bFake fake;

    @Inject
    @Identifier("e2b")
    E2bSandboxProvider provider;

    /** Another test class on the same fake (same profile, same application) may have left requests counted. */
    @BeforeEach
    void startOnACleanFake() {
        fake.clearFaults();
        fake.reset();
    }

    @AfterEach
    void resetFakeAndBreaker() {
        fake.clearFaults();
        awaitBreakerClosed();
        fake.reset();
    }

    /** After a test that opened the breaker, waits (polling, bounded) until a trial call has closed it again. */
    void awaitBreakerClosed() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (provider.calls().breaker().isOpen() || !listWorks()) {
            if (System.nanoTime() > deadline) {
                fail("the E2B circuit breaker did not close again");
            }
            pause(50);
        }
    }

    private boolean listWorks() {
        try {
            provider.list(Map.of("switchboard-test", "breaker-probe")).await().atMost(WAIT);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Metadata like the switch pipeline's, with a unique owner so tests can list their own sandboxes. */
    static Map<String, String> metadata(String owner) {
        Map<String, String> m = new HashMap<>();
        m.put(SandboxMetadata.MANAGED, "true");
        m.put(SandboxMetadata.OWNER, owner);
        m.put(SandboxMetadata.SWITCH, UUID.randomUUID().toString());
        return m;
    }

    SandboxHandle create(String owner) {
        return create(owner, Duration.ofMinutes(10));
    }

    SandboxHandle create(String owner, Duration timeout) {
        return provider.create(new SandboxSpec(null, timeout, metadata(owner), Map.of())).await().atMost(WAIT);
    }

    /** Writes text files through the binary SPI and insists that none was skipped. */
    void write(SandboxHandle h, Map<String, String> files) {
        List<FileData> data = new ArrayList<>();
        new TreeMap<>(files).forEach((path, text) -> data.add(new FileData(path, text.getBytes(StandardCharsets.UTF_8), false)));
        assertEquals(List.of(), provider.writeFiles(h, data).await().atMost(WAIT));
    }

    /** Every regular file of the project root as text, as save-back would see it: one scan, one archive read. */
    Map<String, String> readAll(String sandboxId) {
        FileListing listing = provider.listFiles(sandboxId, SCAN).await().atMost(WAIT);
        List<String> paths = listing.entries().stream().filter(e -> e.type() == FileEntry.Type.FILE)
                .map(FileEntry::path).toList();
        Map<String, String> texts = new TreeMap<>();
        provider.readFiles(sandboxId, paths, 1 << 20, 64 << 20).await().atMost(WAIT)
                .forEach((path, f) -> texts.put(path, new String(f.content(), StandardCharsets.UTF_8)));
        return texts;
    }

    static final ScanSpec SCAN = new ScanSpec(List.of("node_modules", ".git"), List.of(), 10_000, 1 << 20);

    static String owner() {
        return "owner-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
