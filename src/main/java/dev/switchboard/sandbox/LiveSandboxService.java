package dev.switchboard.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.ProjectPath;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecAnswer;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecCommand;
import dev.switchboard.sandbox.LiveSandboxDtos.SandboxFile;
import dev.switchboard.sandbox.LiveSandboxDtos.SandboxFileEntry;
import dev.switchboard.user.User;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Files, commands and ports of the user's live sandbox, for REST, MCP and the console. Each call counts as use; no
 * live sandbox is 404, a switch in flight 409, and a sandbox found dead is cleared (invariant 2) and answered 404.
 */
@ApplicationScoped
public class LiveSandboxService {

    private final SandboxProvider provider;
    private final SandboxService sandboxes;
    private final SandboxStateRepository state;
    private final SwitchboardConfig config;
    private final ExecCommands commands;

    public LiveSandboxService(SandboxProvider provider, SandboxService sandboxes, SandboxStateRepository state,
            SwitchboardConfig config, ExecConfig exec) {
        this.provider = provider;
        this.sandboxes = sandboxes;
        this.state = state;
        this.config = config;
        this.commands = new ExecCommands(exec);
    }

    /** The user's row as the live-sandbox calls take it; callers get the id from {@code UserService.ensure}. */
    public Uni<User> user(String userId) {
        return state.find(userId).onItem().ifNull().failWith(() -> ProblemException.notFound("You have no live sandbox"));
    }

    /** One level of a directory of the project root ({@code ""} or null: the root), sorted by path. */
    public Uni<List<SandboxFileEntry>> list(User user, String dir) {
        String d = dir == null ? "" : dir;
        return checked(() -> {
            if (!d.isEmpty()) {
                ProjectPath.check(d);
            }
        }).chain(() -> onSandbox(user, id -> provider.listDirectory(id, d, config.limits().maxFiles())))
                .map(entries -> entries.stream().map(e -> new SandboxFileEntry(e.path(), e.directory() ? "dir" : "file",
                        e.directory() ? null : e.size(), e.modifiedAt())).toList());
    }

    /** A regular file's bytes, with the content type its name suggests; 404 when missing, 413 over max-file-bytes. */
    public Uni<SandboxFile> read(User user, String path) {
        return checked(() -> ProjectPath.check(path))
                .chain(() -> onSandbox(user, id -> provider.readFile(id, path, config.limits().maxFileBytes().asLongValue())))
                .map(bytes -> new SandboxFile(path, bytes, ContentTypes.of(path)));
    }

    /** Creates or replaces a file, creating its directories; 413 over max-file-bytes, 409 when a directory is in the way. */
    public Uni<Void> write(User user, String path, byte[] content) {
        long max = config.limits().maxFileBytes().asLongValue();
        return checked(() -> {
            ProjectPath.check(path);
            if (content.length > max) {
                throw ProblemException.tooLarge("The file has " + content.length + " bytes; the limit is " + max);
            }
        }).chain(() -> onSandbox(user, id -> provider.writeFile(id, path, content)));
    }

    /** Deletes a file, a link or a directory with its contents; 404 when nothing was there. */
    public Uni<Void> delete(User user, String path) {
        return checked(() -> ProjectPath.check(path))
                .chain(() -> onSandbox(user, id -> provider.deleteFile(id, path)))
                .map(deleted -> {
                    if (!deleted) {
                        throw ProblemException.notFound("'" + ProjectPath.printable(path) + "' does not exist");
                    }
                    return null;
                });
    }

    /**
     * Runs a command, streaming its output, then one exit event. Cancelling the subscription kills the command. A
     * bad command, no live sandbox or a switch in flight fail the stream before its first event.
     */
    public Multi<ExecEvent> execStream(User user, ExecCommand command) {
        return Multi.createFrom().uni(startExec(user, command)).onItem().transformToMultiAndConcatenate(events -> events);
    }

    /**
     * Checks the command and finds the live sandbox (counting the use) first, so those failures can be answered before
     * a stream starts; the answer runs the command when subscribed to, as {@link #execStream} does.
     */
    public Uni<Multi<ExecEvent>> startExec(User user, ExecCommand command) {
        return validated(() -> commands.request(command)).chain(request -> sandboxOf(user.id)
                .map(id -> Multi.createFrom().deferred(() -> provider.exec(id, request))
                        .onFailure(UnsupportedOperationException.class).transform(LiveSandboxService::unsupported)
                        .onFailure(ProviderException.class)
                        .recoverWithMulti(e -> Multi.createFrom().uni(failed(user.id, id, (ProviderException) e)))));
    }

    /** Runs a command to its end (or its timeout), answering its output up to the per-stream cap. */
    public Uni<ExecAnswer> exec(User user, ExecCommand command) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return execStream(user, command).collect().in(ExecCommands.Collected::new, ExecCommands.Collected::add)
                    .map(c -> c.answer(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        });
    }

    /** The public URL of a port of the live sandbox; ports 1-65535, else 400. */
    public Uni<String> portUrl(User user, int port) {
        return checked(() -> {
            if (port < 1 || port > 65535) {
                throw ProblemException.badRequest("A port is between 1 and 65535, not " + port);
            }
        }).chain(() -> onSandbox(user, id -> provider.portUrl(id, port)));
    }

    // ---- the live sandbox of a call ----

    /** Runs {@code op} on the user's live sandbox, turning the provider's failures into clear problems. */
    private <T> Uni<T> onSandbox(User user, Function<String, Uni<T>> op) {
        return sandboxOf(user.id).chain(id -> Uni.createFrom().deferred(() -> op.apply(id))
                .onFailure(UnsupportedOperationException.class).transform(LiveSandboxService::unsupported)
                .onFailure(ProviderException.class).recoverWithUni(e -> failed(user.id, id, (ProviderException) e)));
    }

    /** The id of the user's live sandbox, the call counted as its use; 409 while a switch is in flight, else 404 without one. */
    private Uni<String> sandboxOf(String userId) {
        return state.find(userId).chain(u -> {
            if (u != null && switchInFlight(u)) {
                return Uni.createFrom().failure(ProblemException.conflict(
                        "A switch of your sandbox is in progress; retry when it is done"));
            }
            if (u == null || !u.hasSandbox()) {
                return Uni.createFrom().failure(noSandbox());
            }
            if (u.sandboxProvider != null && !u.sandboxProvider.equals(provider.name())) {
                // Recorded under another provider: SandboxService.live clears it, as any status read does.
                return sandboxes.live(userId).chain(l -> Uni.createFrom().failure(noSandbox()));
            }
            return state.markUsed(userId, u.activeSandboxId).map(marked -> {
                if (!marked) {
                    throw ProblemException.conflict("Your sandbox was replaced or cleaned up meanwhile; retry");
                }
                return u.activeSandboxId;
            });
        });
    }

    private boolean switchInFlight(User u) {
        return u.switchId != null && (u.switchStartedAt == null
                || u.switchStartedAt.isAfter(Instant.now().minus(config.jobs().staleSwitch())));
    }

    private <T> Uni<T> failed(String userId, String sandboxId, ProviderException e) {
        return switch (e.kind()) {
            case GONE -> sandboxes.clearGone(userId, sandboxId, "found on access")
                    .chain(() -> Uni.createFrom().failure(ProblemException.notFound("Your sandbox has stopped; you have no live sandbox")));
            case NOT_FOUND -> Uni.createFrom().failure(ProblemException.notFound(e.getMessage()));
            case TOO_LARGE -> Uni.createFrom().failure(ProblemException.tooLarge(e.getMessage()));
            case CONFLICT -> Uni.createFrom().failure(ProblemException.conflict(e.getMessage()));
            default -> Uni.createFrom().failure(e);
        };
    }

    private static ProblemException noSandbox() {
        return ProblemException.notFound("You have no live sandbox; switch to a project or call POST /api/sandbox/init");
    }

    private static Throwable unsupported(Throwable e) {
        return new ProblemException(501, "Not Implemented", "The sandbox provider does not support this yet");
    }

    /** Runs a check, turning what it throws into the failure of the answer (callers may not expect a throw). */
    private static <T> Uni<T> validated(Supplier<T> check) {
        return Uni.createFrom().item(check);
    }

    private static Uni<Void> checked(Runnable check) {
        return Uni.createFrom().item(() -> {
            check.run();
            return null;
        });
    }
}
