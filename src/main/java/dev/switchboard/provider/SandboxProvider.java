package dev.switchboard.provider;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.mutiny.Multi;
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

    /**
     * Writes files (bytes, with their executable bit) into the sandbox's project root, creating directories, in as
     * few provider requests as the provider allows. Paths follow Switchboard's path rules (see {@code ProjectPath}):
     * quotes, spaces, brackets, parentheses, '@' and any Unicode must arrive as given. A file the provider cannot
     * write (a path through an existing file, a name it cannot represent, a per-file rejection) is not an error: it
     * is left out and answered as a {@link SkippedFile}, and the other files are still written. The Uni fails only
     * when the sandbox is gone ({@code GONE}) or the provider as a whole fails.
     */
    Uni<List<SkippedFile>> writeFiles(SandboxHandle sandbox, List<FileData> files);

    /**
     * Scans the sandbox's project root, without following symbolic links and without descending into the pruned
     * directories, for save-back. Answers every non-directory entry (regular files, symlinks, others) with its size,
     * executable bit and, for regular files up to {@link ScanSpec#hashMaxBytes()}, its SHA-256; at most
     * {@link ScanSpec#maxEntries()} entries, then {@code truncated}. An empty or missing project root is an empty
     * listing. Fails with {@code GONE} when the sandbox is gone. Memory and requests are bounded whatever the sandbox
     * holds (one or two provider requests on cloud providers).
     */
    Uni<FileListing> listFiles(String sandboxId, ScanSpec scan);

    /**
     * Reads the given regular files (project paths) for save-back, in as few provider requests as the provider allows
     * (one archive of all of them on cloud providers). Answers the files that exist, are regular files and are at
     * most {@code maxFileBytes}, keyed by path, with their executable bit; a file that is missing, not regular, or
     * larger is absent from the answer. Files are added in the order given until the next one would take the total
     * past {@code maxTotalBytes}; that one and later ones are absent. At no point does the call hold much more than
     * {@code maxTotalBytes} of file content in memory (a download is streamed to a temporary file first and read
     * from there, with the same caps). Fails with {@code GONE} when the sandbox is gone.
     */
    Uni<Map<String, FileData>> readFiles(String sandboxId, List<String> paths, long maxFileBytes, long maxTotalBytes);

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

    /**
     * Parks the sandbox: it stops running (and, where the provider bills by runtime, billing) but keeps its files and
     * processes, to be {@link #resume resumed} later. {@code keep} is how long it must stay resumable; providers whose
     * paused sandboxes do not expire (E2B, local) ignore it, others extend their expiry to cover it (Blaxel standby).
     * Answers false when the provider cannot park it (unsupported, or the sandbox is gone): the caller kills it instead.
     * Pausing an already paused sandbox answers true.
     */
    default Uni<Boolean> pause(String sandboxId, Duration keep) {
        return Uni.createFrom().item(false);
    }

    /**
     * Resumes a parked sandbox with a new provider timeout, answering it running with its processes and files as they
     * were; empty when it is gone or the provider cannot resume. Resuming a running sandbox only extends it.
     */
    default Uni<Optional<SandboxInfo>> resume(String sandboxId, Duration timeout) {
        return Uni.createFrom().item(Optional.empty());
    }

    // ---- the caller's live sandbox: files and commands (the agents' and the console's API) ----

    /**
     * Lists one directory of the project root, one level deep, without following symbolic links; {@code dir} is a
     * project path ({@code ""} for the root). Entries are sorted by path. Fails with {@code NOT_FOUND} when the
     * directory does not exist or is not a directory, {@code TOO_LARGE} when it holds more than {@code maxEntries}
     * entries, {@code GONE} when the sandbox is gone.
     */
    Uni<List<DirEntry>> listDirectory(String sandboxId, String dir, int maxEntries);

    /**
     * Reads one regular file of the project root. Fails with {@code NOT_FOUND} when it does not exist or is not a
     * regular file (a directory, or a symbolic link, which is not followed), {@code TOO_LARGE} when it is larger than
     * {@code maxBytes} (never reading more than that into memory), {@code GONE} when the sandbox is gone.
     */
    Uni<byte[]> readFile(String sandboxId, String path, long maxBytes);

    /**
     * Writes (creates or replaces) one file of the project root, creating its parent directories. Fails with
     * {@code CONFLICT} when a directory is at the path or a file is in the way of a parent directory, {@code GONE}
     * when the sandbox is gone.
     */
    Uni<Void> writeFile(String sandboxId, String path, byte[] content);

    /**
     * Deletes a file, symbolic link (not its target) or directory with everything in it from the project root.
     * Answers false when nothing was there; fails with {@code GONE} when the sandbox is gone.
     */
    Uni<Boolean> deleteFile(String sandboxId, String path);

    /**
     * Runs a command in the sandbox, streaming its output as it comes: {@link ExecEvent.Output} chunks, then one
     * {@link ExecEvent.Exit}. Cancelling the subscription (a client that went away) kills the command's whole process
     * tree, as the timeout does. Fails with {@code GONE} when the sandbox is gone.
     */
    Multi<ExecEvent> exec(String sandboxId, ExecRequest request);

    /**
     * The public URL of a port of the sandbox: E2B's host form, a Blaxel preview, a loopback {@code http://} URL for
     * local. {@code port} is 1-65535 (checked by the caller). Fails with {@code GONE} when the sandbox is gone.
     */
    Uni<String> portUrl(String sandboxId, int port);
}
