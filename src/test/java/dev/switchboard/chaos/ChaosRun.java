package dev.switchboard.chaos;

import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.switchboard.bench.Commands;
import dev.switchboard.bench.ServiceProcess;
import io.smallrye.jwt.util.KeyUtils;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The chaos command (issue 9): N packaged replicas of the service (jobs on, short intervals) on one embedded
 * PostgreSQL and one E2B fake in its own process; users act at random against random replicas while the script
 * plants an orphan, makes creates and kills fail for a while and kills a replica with {@code kill -9}; then the
 * jobs get a bounded time to settle and the invariants are checked (see {@link ChaosChecks}).
 */
public final class ChaosRun {

    private ChaosRun() {
    }

    public static void main(String[] args) {
        Commands.exitWith("the chaos run", () -> run(args).allGood());
    }

    /** Runs, prints the figures and answers them; everything it started is stopped before it returns. */
    static ChaosReport run(String... args) throws Exception {
        ChaosOptions o = ChaosOptions.parse(args);
        List<AutoCloseable> started = Collections.synchronizedList(new ArrayList<>());
        Thread hook = new Thread(() -> Commands.closeAll(started));
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "chaos");
            t.setDaemon(true);
            return t;
        });
        try {
            log(o, "starting PostgreSQL and the E2B fake (its own JVM)");
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            started.add(pg);
            FakeProcess fake = FakeProcess.start();
            started.add(0, fake);
            List<Map<String, String>> configs = new ArrayList<>();
            for (int i = 0; i < o.replicas; i++) {
                configs.add(serviceConfig(fake, o, i));
            }
            Replicas replicas = new Replicas(o.jar, jvmOptions(o), configs, ServiceProcess.database(pg));
            started.add(0, replicas);
            log(o, "starting " + o.replicas + " replicas of " + o.jar);
            long[] startup = replicas.startAll();
            log(o, "ready in " + java.util.Arrays.toString(startup) + " ms; setting up " + o.users + " users");

            ChaosStats stats = new ChaosStats();
            PrivateKey key = KeyUtils.readPrivateKey("test-jwt/private.pem");
            Duration doze = Duration.ofSeconds(15);
            List<ChaosUser> users = new ArrayList<>();
            for (int i = 0; i < o.users; i++) {
                users.add(new ChaosUser(i, key, replicas, fake, stats, doze));
            }
            Random setupRandom = new Random(o.seed);
            Semaphore permits = new Semaphore(6);
            List<Future<?>> setUps = new ArrayList<>();
            for (ChaosUser u : users) {
                Random r = new Random(setupRandom.nextLong());
                setUps.add(pool.submit(() -> {
                    permits.acquire();
                    try {
                        u.setUp(o.projects, o.files, r);
                    } finally {
                        permits.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : setUps) {
                f.get(5, TimeUnit.MINUTES);
            }

            ChaosChecks checks = new ChaosChecks(pg.getPostgresDatabase(), fake, users, replicas);
            ChaosScript script = new ChaosScript(o, fake, replicas, stats, checks);
            log(o, "acting for " + o.seconds + " s");
            stats.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.seconds);
            List<Future<?>> acting = new ArrayList<>();
            Random seeds = new Random(o.seed + 1);
            for (ChaosUser u : users) {
                for (int tab = 0; tab < o.tabs; tab++) {
                    Random r = new Random(seeds.nextLong());
                    int t = tab;
                    acting.add(pool.submit(() -> {
                        u.run(deadline, r, t);
                        return null;
                    }));
                }
            }
            Future<?> scripted = pool.submit(script);
            Future<?> watching = pool.submit(script::watchOrphan);
            for (Future<?> f : acting) {
                f.get(o.seconds + 300L, TimeUnit.SECONDS);
            }
            // The users' sandboxes before the idle job takes them: every recorded one must hold its project's files.
            ChaosChecks.Snapshot atStop = checks.snapshot();
            log(o, "activity over; waiting for the restarted replica, then for the jobs to settle");
            scripted.get(5, TimeUnit.MINUTES);

            long settleStart = System.nanoTime();
            long settleDeadline = settleStart + TimeUnit.SECONDS.toNanos(o.settleSeconds);
            ChaosChecks.Snapshot end = checks.snapshot();
            while (!(end.ok() && script.orphanReaped >= 0) && System.nanoTime() < settleDeadline) {
                Thread.sleep(2000);
                end = checks.snapshot();
            }
            long settleMillis = (System.nanoTime() - settleStart) / 1_000_000;
            script.stop();
            watching.get(30, TimeUnit.SECONDS);
            Map<String, Integer> faults = fake.injectedFaults();
            Map<String, Integer> providerRequests = fake.requestCounts();

            long[] errorsRunning = new long[o.replicas];
            for (int i = 0; i < o.replicas; i++) {
                errorsRunning[i] = Replicas.count(replicas.logs(i), " ERROR ");
            }
            log(o, "stopping the replicas (SIGTERM)");
            replicas.close();
            List<ChaosReport.ReplicaLog> logs = new ArrayList<>();
            for (int i = 0; i < o.replicas; i++) {
                List<java.nio.file.Path> files = replicas.logs(i);
                logs.add(new ChaosReport.ReplicaLog(i, errorsRunning[i], Replicas.count(files, " ERROR ") - errorsRunning[i],
                        Replicas.count(files, "has been blocked for"), files.stream().map(Object::toString).toList()));
            }
            ChaosReport.Orphan orphan = script.orphanId == null ? null
                    : new ChaosReport.Orphan(script.orphanId, script.orphanPlanted, script.orphanReaped);
            ChaosReport report = new ChaosReport(o, startup, stats, faults, script.faultStart, script.faultEnd, script.kill,
                    orphan, settleMillis, atStop, end, providerRequests, logs);
            report.print(System.out);
            return report;
        } finally {
            pool.shutdownNow();
            Commands.closeAll(started);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook does the same
            }
        }
    }

    /**
     * Provider e2b on the fake, as the switch bench configures it, plus the jobs at short intervals and short
     * lifetimes, so that TTL, idle, keep-alive, pool and reconcile all act during a one-minute run.
     */
    static Map<String, String> serviceConfig(FakeProcess fake, ChaosOptions o, int replica) {
        Map<String, String> c = new LinkedHashMap<>();
        ServiceProcess.e2bFake(c, fake.url, fake.projectRoot, fake.userPort);
        c.put("switchboard.instance-id", "chaos-replica-" + (replica + 1));
        // Tokens carry this audience: valid also where production requires mp.jwt.verify.audiences.
        c.put("mp.jwt.verify.audiences", ChaosUser.AUDIENCE);
        c.put("switchboard.jobs.enabled", "true");
        c.put("switchboard.sandbox.max-age", "30s");
        c.put("switchboard.sandbox.idle-timeout", "12s");
        c.put("switchboard.jobs.expiry-every", "3s");
        c.put("switchboard.jobs.idle-every", "3s");
        c.put("switchboard.jobs.keepalive-every", "5s");
        c.put("switchboard.jobs.reconcile-every", "5s");
        c.put("switchboard.reconcile.grace", "10s");
        // A switch cut by the kill -9 protects its sandbox this long; then the reconciler may reap it.
        c.put("switchboard.jobs.stale-switch", "30s");
        c.put("switchboard.pool.size", "2");
        c.put("switchboard.pool.refill-every", "5s");
        c.putAll(o.config);
        return c;
    }

    private static List<String> jvmOptions(ChaosOptions o) {
        List<String> opts = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        opts.addAll(o.serviceOpts);
        return opts;
    }

    private static void log(ChaosOptions o, String message) {
        if (!o.quiet) {
            System.out.println("[chaos] " + message);
        }
    }
}
