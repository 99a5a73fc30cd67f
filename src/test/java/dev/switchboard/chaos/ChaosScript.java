package dev.switchboard.chaos;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import dev.switchboard.provider.SandboxMetadata;

/**
 * What happens to the service during a run, on its own thread: an orphan is planted at the provider, creates and
 * kills fail for a while, one replica is killed with {@code kill -9} and restarted; meanwhile it watches for the
 * orphan to be reaped.
 */
final class ChaosScript implements Runnable {

    /** The planted orphan's owner: no user of the run, so nothing references it. */
    static final String ORPHAN_OWNER = "chaos-orphan";

    private final ChaosOptions options;
    private final FakeProcess fake;
    private final Replicas replicas;
    private final ChaosStats stats;
    private final ChaosChecks checks;
    private final Random random;
    volatile long faultStart = -1;
    volatile long faultEnd = -1;
    volatile ChaosReport.Kill kill;
    volatile String orphanId;
    volatile long orphanPlanted = -1;
    volatile long orphanReaped = -1;
    private volatile boolean stop;

    ChaosScript(ChaosOptions options, FakeProcess fake, Replicas replicas, ChaosStats stats, ChaosChecks checks) {
        this.options = options;
        this.fake = fake;
        this.replicas = replicas;
        this.stats = stats;
        this.checks = checks;
        this.random = new Random(options.seed * 31 + 7);
    }

    @Override
    public void run() {
        try {
            plantOrphan();
            waitUntil(options.faultStartMillis());
            if (options.faultRate > 0) {
                fake.failCreatesAndKills(options.faultRate, Duration.ofMillis(options.faultMillis()), options.seed);
            }
            faultStart = stats.nowMillis();
            faultEnd = faultStart + options.faultMillis();
            if (options.kill) {
                waitUntil(options.killAtMillis());
                int victim = random.nextInt(replicas.size());
                long at = stats.nowMillis();
                replicas.kill(victim);
                try {
                    replicas.start(victim);
                    kill = new ChaosReport.Kill(victim, at, stats.nowMillis(), null);
                } catch (Exception e) {
                    kill = new ChaosReport.Kill(victim, at, -1, e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("[chaos] the script failed: " + e);
            e.printStackTrace();
        }
    }

    /** Watches, once a second until stopped, whether the provider still has the orphan. */
    void watchOrphan() {
        while (!stop && orphanReaped < 0) {
            try {
                String id = orphanId;
                if (id != null && fake.sandboxes().stream().noneMatch(s -> s.id().equals(id))) {
                    orphanReaped = stats.nowMillis();
                    return;
                }
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // The fake is busy: look again.
            }
        }
    }

    void stop() {
        stop = true;
    }

    /**
     * Plants a sandbox that looks like Switchboard's (the metadata of one of the run's own sandboxes, a user's or else
     * a pool's, so whatever keys the service stamps, a deployment included, are there) but that no user, switch, pool
     * or parking row references. It is created through E2B's API, as a crash right after a create would leave it; a
     * create refused by a fault is tried again.
     */
    private void plantOrphan() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMillis(Math.max(10_000, options.killAtMillis())).toNanos();
        while (System.nanoTime() < deadline) {
            List<FakeProcess.Listed> all = fake.sandboxes();
            Optional<FakeProcess.Listed> model = all.stream()
                    .filter(s -> s.metadata().getOrDefault(SandboxMetadata.OWNER, "").startsWith("chaos-user-")).findFirst()
                    .or(() -> all.stream().filter(s -> s.metadata().containsKey(SandboxMetadata.POOL)).findFirst());
            if (model.isPresent()) {
                Map<String, String> metadata = new HashMap<>(model.get().metadata());
                metadata.remove(SandboxMetadata.POOL);
                metadata.put(SandboxMetadata.OWNER, ORPHAN_OWNER);
                metadata.put(SandboxMetadata.SWITCH, UUID.randomUUID().toString());
                metadata.put(SandboxMetadata.INSTANCE, "chaos-planted");
                HttpResponse<byte[]> r = fake.create(model.get().templateID(), metadata);
                if (r.statusCode() == 201) {
                    orphanId = FakeProcess.idOf(r);
                    checks.orphanId = orphanId;
                    orphanPlanted = stats.nowMillis();
                    return;
                }
            }
            Thread.sleep(250);
        }
        System.err.println("[chaos] no orphan planted: no sandbox of the service to model it on in time");
    }

    private void waitUntil(long millis) throws InterruptedException {
        long left = millis - stats.nowMillis();
        if (left > 0) {
            Thread.sleep(left);
        }
    }
}
