package dev.switchboard.provider;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * The provider SPI: everything Switchboard needs from a sandbox backend (local, E2B, Blaxel).
 * Implementations never block the event loop and report failures as {@link ProviderException}.
 */
public interface SandboxProvider {

    /** Short name used in configuration, metrics and sandbox records: {@code local}, {@code e2b}, {@code blaxel}. */
    String name();

    /** Creates a sandbox and waits until it serves requests. */
    Uni<SandboxHandle> create(SandboxSpec spec);

    /** Writes all files into the sandbox's project root in as few provider requests as the provider allows. */
    Uni<Void> writeFiles(SandboxHandle sandbox, Map<String, String> files);

    /**
     * Reads the regular UTF-8 text files under the sandbox's project root, for save-back.
     * Files larger than {@code maxFileBytes} or not valid UTF-8 are skipped; at most {@code maxFiles} are read.
     */
    Uni<Map<String, String>> readFiles(String sandboxId, int maxFiles, long maxFileBytes);

    /** Kills the sandbox. Idempotent: answers {@code false} when it was already gone. */
    Uni<Boolean> kill(String sandboxId);

    /** The sandbox if the provider still has it alive (running or paused), else empty. */
    Uni<Optional<SandboxInfo>> get(String sandboxId);

    /** Live sandboxes whose metadata contains every given entry (an empty filter lists all of Switchboard's). */
    Uni<List<SandboxInfo>> list(Map<String, String> metadataFilter);

    /** Moves the provider-side expiry to now + {@code timeout}; empty when the sandbox is gone. */
    Uni<Optional<SandboxInfo>> extendTimeout(String sandboxId, Duration timeout);

    /**
     * Runs a shell command in the sandbox's project root and waits for it, up to {@code timeout}. Output beyond
     * {@code maxOutputBytes} per stream is cut off ({@link ExecResult#truncated()}).
     */
    Uni<ExecResult> exec(String sandboxId, String command, Duration timeout, int maxOutputBytes);

    /** Optional capability: pause (E2B) so the sandbox stops billing but can resume. Answers false if unsupported. */
    default Uni<Boolean> pause(String sandboxId) {
        return Uni.createFrom().item(false);
    }

    /** Optional capability: resume a paused sandbox with a new timeout; empty when it is gone or unsupported. */
    default Uni<Optional<SandboxInfo>> resume(String sandboxId, Duration timeout) {
        return get(sandboxId);
    }
}
