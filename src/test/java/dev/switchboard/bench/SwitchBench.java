package dev.switchboard.bench;

import java.net.http.HttpClient;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.switchboard.fake.e2b.E2bFake;
import io.smallrye.jwt.util.KeyUtils;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The switch benchmark (issue 8): the packaged service on provider e2b against the E2B fake with injected latencies,
 * U users switching concurrently between two projects, every restored file verified.
 */
public final class SwitchBench {

    static final String ISSUER = ServiceProcess.ISSUER;
    /** Production requires an audience; the bench's tokens carry this one. */
    static final String AUDIENCE = "switchboard";
    private static final int SETUP_CONCURRENCY = 8;

    private SwitchBench() {
    }

    public static void main(String[] args) {
        Commands.exitWith("the benchmark", () -> run(args).allGood());
    }

    /** Runs the benchmark, prints its figures and answers them; everything it started is stopped before it returns. */
    public static BenchReport run(String... args) throws Exception {
        BenchOptions o = BenchOptions.parse(args);
        long ticksPerSecond = ServiceProcess.clockTicksPerSecond();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        EmbeddedPostgres pg = null;
        E2bFake fake = null;
        ServiceProcess service = null;
        ExecutorService pool = Executors.newFixedThreadPool(o.users, r -> {
            Thread t = new Thread(r, "bench-user");
            t.setDaemon(true);
            return t;
        });
        // Ctrl-C must not leave the service behind: the hook runs only if the JVM exits before the finally below.
        List<AutoCloseable> started = Collections.synchronizedList(new ArrayList<>());
        Thread hook = new Thread(() -> Commands.closeAll(started));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            log(o, "starting PostgreSQL and the E2B fake");
            pg = EmbeddedPostgres.builder().start();
            started.add(pg);
            fake = E2bFake.start("/home/user/project", 3000);
            started.add(0, fake);
            o.latencies.applyTo(fake);
            log(o, "starting " + o.jar);
            service = ServiceProcess.start(o.jar, o.serviceOpts, serviceConfig(fake, o), ServiceProcess.database(pg), http);
            started.add(0, service);
            log(o, "ready in " + service.startupMillis + " ms; creating " + o.users + " users with 2 projects each");

            PrivateKey key = KeyUtils.readPrivateKey("test-jwt/private.pem");
            List<BenchUser> users = new ArrayList<>();
            for (int i = 0; i < o.users; i++) {
                users.add(new BenchUser(i, http, service.base, fake, o, key));
            }
            // Set-up is not measured; at 100 concurrent fragment uploads the service answers 500 (its database pool
            // times out), so set-up goes a few users at a time.
            all(pool, users, SETUP_CONCURRENCY, u -> u.setUp());
            List<String> errors = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger warmFailures = new AtomicInteger();
            // Warm-up switches are verified but not measured; the first only creates a sandbox (nothing to save or kill).
            all(pool, users, users.size(), u -> {
                for (int w = 0; w < o.warmup; w++) {
                    BenchUser.Outcome out = u.switchOver();
                    if (!out.ok()) {
                        warmFailures.incrementAndGet();
                        errors.add("warm-up: " + out.error());
                        return;
                    }
                    u.edit();
                }
            });
            if (warmFailures.get() > 0) {
                throw new IllegalStateException(warmFailures + " warm-up switches failed: " + errors.subList(0, Math.min(5, errors.size()))
                        + "\n" + service.tail(40));
            }
            log(o, "switching: " + o.users + " users x " + o.switches);

            Map<String, Integer> countsBefore = fake.requestCounts();
            long cpuBefore = service.cpuTicks();
            long[] machineBefore = ServiceProcess.machineTicks();
            if (o.pool > 0) {
                log(o, "waiting for the warm pool to hold " + o.pool + " sandboxes");
                service.awaitMetric("switchboard_pool_sandboxes{state=\"ready\"}", o.pool, Duration.ofMinutes(2));
            }
            long[] latencies = new long[o.users * o.switches];
            String[] launches = new String[o.users * o.switches];
            AtomicInteger recorded = new AtomicInteger();
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicLong verified = new AtomicLong();
            AtomicLong mismatched = new AtomicLong();
            AtomicInteger oldAlive = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> running = new ArrayList<>();
            for (BenchUser u : users) {
                running.add(pool.submit(() -> {
                    go.await();
                    for (int s = 0; s < o.switches; s++) {
                        BenchUser.Outcome out = u.switchOver();
                        verified.addAndGet(out.verified());
                        mismatched.addAndGet(out.mismatched());
                        if (out.oldSandboxAlive()) {
                            oldAlive.incrementAndGet();
                        }
                        if (!out.ok()) {
                            failed.incrementAndGet();
                            errors.add(out.error());
                            // The user's state is no longer known: the remaining switches of this user are not attempted.
                            return null;
                        }
                        int slot = recorded.getAndIncrement();
                        latencies[slot] = out.nanos();
                        launches[slot] = out.launch();
                        ok.incrementAndGet();
                        if (s + 1 < o.switches) {
                            u.edit();
                            if (o.thinkMillis > 0) {
                                Thread.sleep(o.thinkMillis);
                            }
                        }
                    }
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (Future<?> f : running) {
                f.get(30, TimeUnit.MINUTES);
            }
            long wall = System.nanoTime() - t0;
            long cpuTicks = service.cpuTicks() - cpuBefore;
            long[] machineAfter = ServiceProcess.machineTicks();
            double machineBusy = 100.0 * (machineAfter[0] - machineBefore[0]) / Math.max(1, machineAfter[1] - machineBefore[1]);
            Map<String, Integer> countsAfter = fake.requestCounts();
            int done = Math.max(1, ok.get() + failed.get());
            Map<String, Double> perSwitch = new LinkedHashMap<>();
            new TreeMap<>(countsAfter).forEach((op, n) -> {
                int d = n - countsBefore.getOrDefault(op, 0);
                if (d > 0) {
                    perSwitch.put(op, d / (double) done);
                }
            });
            BenchReport report = new BenchReport(o, service.startupMillis, o.users * o.switches, ok.get(), failed.get(),
                    verified.get(), mismatched.get(), oldAlive.get(), java.util.Arrays.copyOf(latencies, recorded.get()),
                    java.util.Arrays.copyOf(launches, recorded.get()), wall,
                    cpuTicks * 1000.0 / ticksPerSecond / done, machineBusy, service.peakRssKib(), perSwitch, List.copyOf(errors));
            report.print(System.out);
            if (!report.allGood()) {
                System.out.println("service log (tail), " + service.log() + ":\n" + service.tail(30));
            }
            return report;
        } catch (Exception e) {
            if (service != null) {
                System.out.println("service log (tail), " + service.log() + ":\n" + service.tail(30));
            }
            throw e;
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

    /** Provider e2b pointed at the fake, as E2bFakeResource does, with production call timeouts and backoffs. */
    private static Map<String, String> serviceConfig(E2bFake fake, BenchOptions o) {
        Map<String, String> c = new LinkedHashMap<>();
        ServiceProcess.e2bFake(c, fake.url(), fake.projectRoot(), fake.userPort());
        // The fake's plan (Hobby) allows 1 h; the service refuses a TTL plus margin that does not fit.
        c.put("switchboard.sandbox.max-age", "55m");
        if (o.pool > 0) {
            // A pool sandbox may wait up to the pool's max-age (10 m) before its claim; the TTL counts from the claim.
            c.put("switchboard.sandbox.max-age", "45m");
        }
        c.putAll(o.poolAndPark());
        c.putAll(o.config);
        return c;
    }

    private interface UserStep {
        void run(BenchUser u) throws Exception;
    }

    /** Runs the step for every user, at most {@code concurrency} at a time. */
    private static void all(ExecutorService pool, List<BenchUser> users, int concurrency, UserStep step) throws Exception {
        Semaphore permits = new Semaphore(concurrency);
        List<Future<?>> fs = new ArrayList<>();
        for (BenchUser u : users) {
            fs.add(pool.submit(() -> {
                permits.acquire();
                try {
                    step.run(u);
                } finally {
                    permits.release();
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get(10, TimeUnit.MINUTES);
        }
    }

    private static void log(BenchOptions o, String message) {
        if (!o.quiet) {
            System.out.println("[bench] " + message);
        }
    }
}
