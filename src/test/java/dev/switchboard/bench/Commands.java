package dev.switchboard.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** What the bench and chaos commands share: their exit rules and how their child processes are stopped. */
public final class Commands {

    private Commands() {
    }

    /**
     * Runs a command's body and exits: 0 when its checks passed, 1 when they did not or it failed, 2 on bad options
     * (an {@link IllegalArgumentException}, its message printed).
     */
    public static void exitWith(String what, Callable<Boolean> body) {
        // Vert.x and the JWT builder log through JBoss Logging: the manager must be chosen before anything logs.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        boolean good;
        try {
            good = body.call();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println(what + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        System.exit(good ? 0 : 1);
    }

    /** Closes what a command started, in the order started (services before what they talk to), each once. */
    public static void closeAll(java.util.List<AutoCloseable> started) {
        synchronized (started) {
            for (AutoCloseable c : started) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("could not stop " + c + ": " + e);
                }
            }
            started.clear();
        }
    }

    /** Stops a child process: SIGTERM, then after 20 s SIGKILL. */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
