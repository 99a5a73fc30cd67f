package dev.switchboard;

import java.io.PrintWriter;
import java.util.Arrays;

import dev.switchboard.admin.CliApplication;
import dev.switchboard.admin.DirectListing;
import dev.switchboard.provider.local.SandboxServer;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point. Without arguments it runs the service. {@code sandboxes ...} runs the operator CLI (no HTTP, no jobs);
 * {@code sandboxes --list} reads the database without booting the application at all.
 * {@code sandbox-server <dir>} runs one local sandbox's file server without booting Quarkus: the native binary
 * re-executes itself this way, as it has no JVM to launch the server class with.
 */
@QuarkusMain
public class SwitchboardMain {

    static final String CLI_COMMAND = "sandboxes";

    public static void main(String... args) {
        if (args.length > 0 && SandboxServer.COMMAND.equals(args[0])) {
            SandboxServer.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && CLI_COMMAND.equals(args[0])) {
            String[] cli = Arrays.copyOfRange(args, 1, args.length);
            if (DirectListing.handles(cli)) {
                // A listing needs only the database: answered before (and, unless the schema needs migrating, without)
                // booting the application.
                int exit = DirectListing.run(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
                if (exit != DirectListing.NEEDS_SERVICE) {
                    System.exit(exit);
                }
            }
            // The CLI shares the service's configuration, but must not open the HTTP port or sweep sandboxes.
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("switchboard.jobs.enabled", "false");
            System.setProperty("quarkus.log.console.level", System.getProperty("quarkus.log.console.level", "ERROR"));
            System.setProperty("quarkus.banner.enabled", "false");
            Quarkus.run(CliApplication.class, (exitCode, e) -> {
                if (e != null) {
                    // "Failed to start quarkus" alone does not say why: the root cause (a bad setting) does.
                    Throwable root = e;
                    while (root.getCause() != null && root.getCause() != root) {
                        root = root.getCause();
                    }
                    System.err.println("sandboxes: " + e.getMessage() + (root != e ? ": " + root.getMessage() : ""));
                }
                System.exit(exitCode);
            }, cli);
            return;
        }
        Quarkus.run(args);
    }
}
