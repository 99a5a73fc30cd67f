package dev.switchboard;

import java.util.Arrays;

import dev.switchboard.provider.local.SandboxServer;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point. Without arguments it runs the service. {@code sandbox-server <dir>} runs one local sandbox's
 * file server without booting Quarkus: the native binary re-executes itself this way, as it has no JVM to
 * launch the server class with.
 */
@QuarkusMain
public class SwitchboardMain {

    public static void main(String... args) {
        if (args.length > 0 && SandboxServer.COMMAND.equals(args[0])) {
            SandboxServer.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Quarkus.run(args);
    }
}
