package dev.switchboard.fake.e2b;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The E2B fake as a standalone process with injected provider latencies; its admin port ({@link E2bFakeAdmin})
 * answers the requests per operation ({@code GET /counts}), injects faults and reads or writes sandbox files; the
 * counters are printed again on exit.
 */
public final class E2bFakeMain {

    /** Injected provider latencies: one for every answer plus one per operation as the fake names them. */
    public static final class Latencies {
        private Duration global = Duration.ZERO;
        private final Map<String, Duration> perOperation = new LinkedHashMap<>();

        /** The benchmark's provider: create 150 ms, kill 50 ms, 20 ms per write request, every other answer at once. */
        public static Latencies benchmarkDefaults() {
            Latencies l = new Latencies();
            l.perOperation.put("create", Duration.ofMillis(150));
            l.perOperation.put("kill", Duration.ofMillis(50));
            l.perOperation.put("files.write", Duration.ofMillis(20));
            return l;
        }

        /**
         * Consumes one latency option at {@code args[i]} ({@code --create-ms}, {@code --kill-ms}, {@code --write-ms},
         * {@code --global-ms}, {@code --latency op=ms}) and answers how many arguments it took, 0 if it is not one.
         */
        public int parse(String[] args, int i) {
            if (i + 1 >= args.length) {
                return 0;
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--create-ms" -> perOperation.put("create", millis(v));
                case "--kill-ms" -> perOperation.put("kill", millis(v));
                case "--write-ms" -> perOperation.put("files.write", millis(v));
                case "--global-ms" -> global = millis(v);
                case "--latency" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--latency wants operation=ms, got " + v);
                    }
                    perOperation.put(v.substring(0, eq), millis(v.substring(eq + 1)));
                }
                default -> {
                    return 0;
                }
            }
            return 2;
        }

        private static Duration millis(String v) {
            return Duration.ofMillis(Long.parseLong(v));
        }

        public Duration of(String operation) {
            return global.plus(perOperation.getOrDefault(operation, Duration.ZERO));
        }

        public void applyTo(E2bFake fake) {
            fake.latency(global);
            perOperation.forEach(fake::latency);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            perOperation.forEach((op, d) -> b.append(op).append(' ').append(d.toMillis()).append(" ms, "));
            return b.append("every answer +").append(global.toMillis()).append(" ms").toString();
        }
    }

    private E2bFakeMain() {
    }

    public static void main(String[] args) throws Exception {
        // Vert.x and the JWT builder log through JBoss Logging: the manager must be chosen before anything logs.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        Latencies latencies = Latencies.benchmarkDefaults();
        int adminPort = 0;
        String root = "/home/user/project";
        int userPort = 3000;
        for (int i = 0; i < args.length; i++) {
            int used = latencies.parse(args, i);
            if (used > 0) {
                i += used - 1;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown or incomplete option " + args[i]);
            }
            switch (args[i]) {
                case "--admin-port" -> adminPort = Integer.parseInt(args[i + 1]);
                case "--project-root" -> root = args[i + 1];
                case "--user-port" -> userPort = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        E2bFake fake = E2bFake.start(root, userPort);
        latencies.applyTo(fake);
        E2bFakeAdmin admin = E2bFakeAdmin.start(fake, adminPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("requests by operation: " + fake.requestCounts());
            System.out.println("faults answered by operation: " + fake.injectedFaults());
            admin.close();
            fake.close();
            stopped.countDown();
        }));
        System.out.println("E2B fake: " + fake.url() + " (api key " + E2bFake.API_KEY + ", project root " + root + ")");
        // The chaos command reads this line: the admin base URL is what precedes /counts.
        System.out.println("admin: " + admin.url() + "/counts (also /faults, /sandboxes, /files: see E2bFakeAdmin)");
        System.out.println("latencies: " + latencies);
        System.out.flush();
        // Runs until killed: SIGTERM or Ctrl-C run the hook, which prints the counters and stops the fake.
        stopped.await();
    }
}
