package dev.switchboard.admin;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import dev.switchboard.common.Contexts;
import dev.switchboard.sandbox.SwitchDtos.CleanupResults;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sandboxes --list | <userId> | --all}: the operator CLI of the seed, over the same service the admin API
 * uses. Output follows the seed's sample. The packaged jar answers a plain {@code --list} without booting the
 * service ({@link DirectListing}); here it comes with the provider's view of each sandbox.
 */
@Command(name = "sandboxes", mixinStandardHelpOptions = true,
        description = "List users with live sandboxes, or kill one user's sandboxes, or all of them.")
public class SandboxesCommand implements Callable<Integer> {

    private static final Duration WAIT = Duration.ofMinutes(10);

    /** Where results go; tests replace it. */
    PrintWriter out = new PrintWriter(System.out, true);

    @Option(names = "--list", description = "List all users with active sandboxes.")
    boolean list;

    @Option(names = "--all", description = "Kill the sandboxes of ALL users.")
    boolean all;

    @Parameters(arity = "0..1", paramLabel = "<userId>", description = "Kill this user's sandboxes.")
    String userId;

    private final AdminService admin;
    private final Vertx vertx;

    public SandboxesCommand(AdminService admin, Vertx vertx) {
        this.admin = admin;
        this.vertx = vertx;
    }

    @Override
    public Integer call() throws Exception {
        int forms = (list ? 1 : 0) + (all ? 1 : 0) + (userId != null ? 1 : 0);
        if (forms != 1) {
            System.err.println("sandboxes: give exactly one of --list, <userId>, --all (see --help)");
            return 2;
        }
        if (list) {
            return list();
        }
        CleanupResults r = await(all ? admin.killAll() : admin.killUser(userId));
        out.printf("🧹 %s: %d sandboxes killed, %d failed%n", all ? "Cleaned up all users' sandboxes" : "Cleaned up sandboxes of " + userId,
                r.killed(), r.failed());
        r.killedSandboxes().forEach(id -> out.println("   killed: " + id));
        r.failedSandboxes().forEach(id -> out.println("   failed (queued for retry): " + id));
        out.flush();
        return r.failed() == 0 ? 0 : 1;
    }

    private int list() throws Exception {
        SandboxListing.print(out, SandboxListing.all((after, limit) -> await(admin.list(after, limit))));
        return 0;
    }

    private <T> T await(Uni<T> work) {
        // The CLI's own thread may block; the work itself runs on a Vert.x context as the services require.
        return Contexts.onDuplicatedContext(vertx, () -> work).await().atMost(WAIT);
    }
}
