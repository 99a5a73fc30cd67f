package dev.switchboard.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.switchboard.bench.ServiceProcess;

/**
 * N packaged replicas of the service on fixed ports, one database, one provider. A replica can be killed with
 * {@code kill -9} and restarted on its port; while it is down it takes no requests (as a load balancer would
 * route around it), and each life of a replica has a generation number, so a request cut by the kill can be told
 * from one that failed on a healthy replica.
 */
final class Replicas implements AutoCloseable {

    /** One replica's current life. */
    private static final class Slot {
        final int port;
        volatile ServiceProcess process;
        volatile HttpClient http;
        volatile boolean up;
        final AtomicInteger generation = new AtomicInteger();
        final List<Path> logs = new ArrayList<>();

        Slot(int port) {
            this.port = port;
        }
    }

    /** Where a request goes: the replica, its base URL and client, and the life it was sent to. */
    record Target(int index, String base, HttpClient http, int generation) {
    }

    private final List<Slot> slots = new ArrayList<>();
    private final Path jar;
    private final List<String> jvmOpts;
    private final Map<String, String> env;
    private final List<Map<String, String>> configs;

    Replicas(Path jar, List<String> jvmOpts, List<Map<String, String>> configs, Map<String, String> env) throws IOException {
        this.jar = jar;
        this.jvmOpts = jvmOpts;
        this.configs = configs;
        this.env = env;
        for (int i = 0; i < configs.size(); i++) {
            slots.add(new Slot(ServiceProcess.freePort()));
        }
    }

    int size() {
        return slots.size();
    }

    /** Starts every replica at once and waits until each is ready; answers each one's start-up to ready in ms. */
    long[] startAll() throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(slots.size());
        try {
            List<Future<Long>> started = new ArrayList<>();
            for (int i = 0; i < slots.size(); i++) {
                int index = i;
                started.add(ex.submit(() -> start(index)));
            }
            long[] millis = new long[slots.size()];
            for (int i = 0; i < millis.length; i++) {
                millis[i] = started.get(i).get(5, TimeUnit.MINUTES);
            }
            return millis;
        } finally {
            ex.shutdownNow();
        }
    }

    /** Starts (or restarts) replica {@code i} on its port and waits until it is ready. */
    long start(int i) throws IOException, InterruptedException {
        Slot s = slots.get(i);
        HttpClient http = client();
        ServiceProcess p = ServiceProcess.start(jar, jvmOpts, configs.get(i), env, http, s.port);
        s.process = p;
        s.http = http;
        synchronized (s.logs) {
            s.logs.add(p.log());
        }
        s.generation.incrementAndGet();
        s.up = true;
        return p.startupMillis;
    }

    /** {@code kill -9} of replica {@code i}: no shutdown hook, no graceful stop. */
    void kill(int i) throws InterruptedException {
        Slot s = slots.get(i);
        s.up = false;
        s.generation.incrementAndGet();
        s.process.kill();
    }

    /** A replica that is up, picked with {@code pick} (an index among the replicas up); null when none is. */
    Target pick(java.util.function.IntUnaryOperator pick) {
        List<Integer> up = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).up) {
                up.add(i);
            }
        }
        if (up.isEmpty()) {
            return null;
        }
        int i = up.get(pick.applyAsInt(up.size()));
        Slot s = slots.get(i);
        return new Target(i, "http://127.0.0.1:" + s.port, s.http, s.generation.get());
    }

    /** Whether the life a request was sent to has ended since (the request was cut by a kill). */
    boolean endedSince(Target t) {
        Slot s = slots.get(t.index());
        return s.generation.get() != t.generation() || !s.up;
    }

    /** {@code GET /q/health/ready} of replica {@code i}: its status, or -1 when it does not answer. */
    int readiness(int i) {
        Slot s = slots.get(i);
        try {
            return client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    List<Path> logs(int i) {
        Slot s = slots.get(i);
        synchronized (s.logs) {
            return List.copyOf(s.logs);
        }
    }

    /** Lines of these logs (every life of a replica) that contain {@code text}. */
    static long count(List<Path> logs, String text) {
        long n = 0;
        for (Path log : logs) {
            try {
                n += Files.readAllLines(log).stream().filter(l -> l.contains(text)).count();
            } catch (IOException e) {
                // gone: nothing to count
            }
        }
        return n;
    }

    /** Stops every replica gracefully (SIGTERM), at once, as a rolling update or a scale-down does. */
    @Override
    public void close() {
        List<Thread> stopping = new ArrayList<>();
        for (Slot s : slots) {
            ServiceProcess p = s.process;
            s.up = false;
            if (p != null) {
                Thread t = new Thread(p::close, "chaos-stop");
                t.start();
                stopping.add(t);
            }
        }
        for (Thread t : stopping) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(40));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
