package dev.switchboard.admin;

import jakarta.inject.Inject;

import io.quarkus.runtime.QuarkusApplication;
import io.vertx.core.Vertx;
import picocli.CommandLine;

/** Runs the operator CLI inside the booted application (database, provider) without serving HTTP or running jobs. */
public class CliApplication implements QuarkusApplication {

    @Inject
    AdminService admin;
    @Inject
    Vertx vertx;

    @Override
    public int run(String... args) {
        return new CommandLine(new SandboxesCommand(admin, vertx))
                .setExecutionExceptionHandler((e, cli, parsed) -> {
                    // Operators get one line (an unknown user, the provider down), not a stack trace.
                    cli.getErr().println("sandboxes: " + e.getMessage());
                    return 1;
                })
                .execute(args);
    }
}
