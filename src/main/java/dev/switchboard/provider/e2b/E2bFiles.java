package dev.switchboard.provider.e2b;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ParallelCalls;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.RemoteFiles;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;

/**
 * E2B's file data plane for save-back and restore: binary-safe writes with per-file skips, a one-command scan and a
 * one-archive read (scan, archive, download: three requests for a save-back). Blocking file work runs on a worker.
 */
final class E2bFiles {

    private static final Logger LOG = Logger.getLogger(E2bFiles.class);

    private static final Duration SCAN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CHMOD_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(5);
    /** Scan output budget per entry: a listing record (~600 bytes with a long path) plus its hash line. */
    private static final long SCAN_BYTES_PER_ENTRY = 1200;
    private static final long SCAN_BYTES_EXTRA = 64 * 1024;
    /** A download may exceed the content cap by tar headers and padding, not by a file that grew meanwhile. */
    private static final long DOWNLOAD_SLACK = 1024 * 1024;
    private static final int SMALL_OUTPUT = 8 * 1024;
    /** Well below the 128 KiB a single bash -c argument may hold. */
    private static final int MAX_CHMOD_CHARS = 64 * 1024;
    private static final int UPLOAD_PARALLELISM = 2;

    private final E2bEnvdClient envd;
    private final E2bDownloads downloads;
    private final Vertx vertx;
    private final String root;
    private final int batchFiles;
    private final long batchBytes;

    E2bFiles(E2bEnvdClient envd, Vertx vertx, String root, int batchFiles, long batchBytes) {
        this.envd = envd;
        this.downloads = new E2bDownloads(envd);
        this.vertx = vertx;
        this.root = root;
        this.batchFiles = Math.max(1, batchFiles);
        this.batchBytes = Math.max(1, batchBytes);
    }

    // ---- write ----

    /**
     * Plain names go in multipart batches, others one by one as octet-stream; a batch rejected with a 4xx is retried
     * file by file so one bad file costs only itself. Then one chmod for the executables that landed.
     */
    Uni<List<SkippedFile>> write(E2bEnvdClient.Target target, List<FileData> files) {
        List<SkippedFile> skipped = Collections.synchronizedList(new ArrayList<>());
        Map<String, FileData> byDestination = new LinkedHashMap<>();
        for (FileData f : files) {
            String destination = E2bMapping.destinationOrNull(root, f.path());
            if (destination == null || f.content() == null) {
                skipped.add(new SkippedFile(f.path(), "invalid path"));
            } else if (byDestination.putIfAbsent(destination, f) != null) {
                skipped.add(new SkippedFile(f.path(), "duplicate path"));
            }
        }
        List<E2bEnvdClient.Upload> plain = new ArrayList<>();
        List<List<E2bEnvdClient.Upload>> singles = new ArrayList<>();
        byDestination.forEach((destination, f) -> {
            E2bEnvdClient.Upload upload = new E2bEnvdClient.Upload(destination, f.content());
            if (E2bEnvdClient.isPlainName(destination)) {
                plain.add(upload);
            } else {
                singles.add(List.of(upload));
            }
        });
        List<List<E2bEnvdClient.Upload>> work = new ArrayList<>(E2bEnvdClient.batches(plain, batchFiles, batchBytes));
        int multipartBatches = work.size();
        work.addAll(singles);
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < work.size(); i++) {
            indexes.add(i);
        }
        Uni<Void> uploads = work.isEmpty() ? Uni.createFrom().voidItem()
                : ParallelCalls.all(indexes, UPLOAD_PARALLELISM, i -> send(target, work.get(i), i < multipartBatches, skipped))
                        .replaceWithVoid();
        return uploads.chain(() -> {
            Set<String> failed = new HashSet<>();
            skipped.forEach(s -> failed.add(s.path()));
            List<String> executables = new ArrayList<>();
            byDestination.forEach((destination, f) -> {
                if (f.executable() && !failed.contains(f.path())) {
                    executables.add(destination);
                }
            });
            return chmod(target, executables);
        }).map(v -> List.copyOf(skipped));
    }

    private Uni<Void> send(E2bEnvdClient.Target target, List<E2bEnvdClient.Upload> batch, boolean multipart,
            List<SkippedFile> skipped) {
        Uni<Void> first = multipart ? envd.writeBatch(target, batch) : envd.writeOne(target, batch.get(0));
        return first.onFailure(E2bFiles::perFile).recoverWithUni(e -> {
            if (!multipart) {
                skipped.add(skip(batch.get(0), e));
                return Uni.createFrom().voidItem();
            }
            LOG.debugf("e2b batch of %d files to %s rejected (%s); writing them one by one", batch.size(),
                    target.sandboxId(), e.getMessage());
            return Multi.createFrom().iterable(batch)
                    .onItem().transformToUniAndConcatenate(u -> envd.writeOne(target, u)
                            .onFailure(E2bFiles::perFile).recoverWithItem(e2 -> {
                                skipped.add(skip(u, e2));
                                return null;
                            }))
                    .collect().last().replaceWithVoid();
        });
    }

    /** A 4xx about the request itself (not auth, gone or rate limit): the file's fault, not the sandbox's. */
    private static boolean perFile(Throwable e) {
        return e instanceof ProviderException p && (p.kind() == Kind.BAD_REQUEST || p.kind() == Kind.CONFLICT);
    }

    private SkippedFile skip(E2bEnvdClient.Upload upload, Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        int answered = message.indexOf("answered ");
        String reason = "rejected by e2b: " + (answered >= 0 ? message.substring(answered + 9) : message);
        return new SkippedFile(E2bMapping.relativePath(root, upload.path()), E2bClient.abbreviate(reason));
    }

    private Uni<Void> chmod(E2bEnvdClient.Target target, List<String> paths) {
        List<String> commands = new ArrayList<>();
        StringBuilder command = new StringBuilder();
        for (String p : paths) {
            if (command.length() > MAX_CHMOD_CHARS) {
                commands.add(command.toString());
                command.setLength(0);
            }
            if (command.isEmpty()) {
                command.append("chmod +x --");
            }
            command.append(' ').append(RemoteFiles.quote(p));
        }
        if (!command.isEmpty()) {
            commands.add(command.toString());
        }
        return Multi.createFrom().iterable(commands)
                .onItem().transformToUniAndConcatenate(c -> envd.exec(target, c, "/", CHMOD_TIMEOUT, SMALL_OUTPUT)
                        .invoke(r -> {
                            if (r.exitCode() != 0) {
                                // The files are there; only their executable bit is missing, which is not worth a failure.
                                LOG.warnf("e2b chmod in %s exited %d: %s", target.sandboxId(), r.exitCode(),
                                        E2bClient.abbreviate(r.stderr()));
                            }
                        }))
                .collect().last().replaceWithVoid();
    }

    // ---- scan ----

    /**
     * One command lists and hashes the project root. Output past the budget fails the scan rather than answer a
     * listing whose last record may be a cut path; the budget is only reached with paths far beyond the path rules.
     */
    Uni<FileListing> list(E2bEnvdClient.Target target, ScanSpec scan) {
        long budget = Math.min(Integer.MAX_VALUE - 1024L, (scan.maxEntries() + 1L) * SCAN_BYTES_PER_ENTRY + SCAN_BYTES_EXTRA);
        return envd.exec(target, RemoteFiles.scanCommand(root, scan), "/", SCAN_TIMEOUT, (int) budget).chain(r -> {
            check(r, "file scan", target);
            if (r.truncated()) {
                return Uni.createFrom().failure(new ProviderException(Kind.FAILED, "e2b file scan of " + target.sandboxId()
                        + " answered more than " + budget + " bytes"));
            }
            return blocking(() -> RemoteFiles.parseScan(r.stdout(), scan.maxEntries()));
        });
    }

    // ---- read ----

    /** Archives the files in the sandbox, downloads the archive capped to a temporary file and reads it there. */
    Uni<Map<String, FileData>> read(E2bEnvdClient.Target target, List<String> paths, long maxFileBytes, long maxTotalBytes) {
        if (paths.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        String archive = RemoteFiles.newArchivePath();
        String command = RemoteFiles.archiveCommand(root, paths, archive);
        Uni<String> prepared;
        if (command != null) {
            prepared = Uni.createFrom().item(command);
        } else {
            String list = RemoteFiles.ARCHIVE_DIR + "/.switchboard-list-" + UUID.randomUUID();
            prepared = envd.writeOne(target, new E2bEnvdClient.Upload(list, RemoteFiles.listFile(paths)))
                    .replaceWith("trap 'rm -f -- " + list + "' EXIT\n" + RemoteFiles.archiveListCommand(root, list, archive));
        }
        return prepared.chain(c -> envd.exec(target, c, "/", ARCHIVE_TIMEOUT, SMALL_OUTPUT)).chain(r -> {
            if (r.exitCode() == 3 && !r.timedOut()) {
                return Uni.createFrom().item(Map.<String, FileData> of());
            }
            check(r, "archive", target);
            long cap = maxTotalBytes > Long.MAX_VALUE - DOWNLOAD_SLACK ? Long.MAX_VALUE : maxTotalBytes + DOWNLOAD_SLACK;
            return fetch(target, archive, paths, maxFileBytes, maxTotalBytes, cap);
        });
    }

    private Uni<Map<String, FileData>> fetch(E2bEnvdClient.Target target, String archive, List<String> paths,
            long maxFileBytes, long maxTotalBytes, long cap) {
        return blocking(() -> Files.createTempFile("switchboard-e2b-", ".tar.gz")).chain(tmp -> Uni.createFrom()
                .completionStage(() -> vertx.fileSystem().open(tmp.toString(), new OpenOptions().setWrite(true)).toCompletionStage())
                .chain(file -> downloads.download(target, archive, file, cap, DOWNLOAD_TIMEOUT)
                        .onTermination().call(() -> close(file)))
                .invoke(d -> {
                    if (d.cut()) {
                        LOG.infof("e2b archive of %s cut off at %d bytes", target.sandboxId(), d.bytes());
                    }
                })
                .chain(d -> blocking(() -> RemoteFiles.readArchive(tmp, paths, maxFileBytes, maxTotalBytes)))
                .onTermination().call(() -> blocking(() -> Files.deleteIfExists(tmp))
                        .onFailure().recoverWithItem(false)));
    }

    private static Uni<Void> close(AsyncFile file) {
        return Uni.createFrom().completionStage(() -> file.close().toCompletionStage())
                .onFailure().recoverWithNull();
    }

    private static void check(ExecResult r, String what, E2bEnvdClient.Target target) {
        if (r.timedOut()) {
            throw new ProviderException(Kind.TRANSIENT, "e2b " + what + " in " + target.sandboxId() + " timed out");
        }
        if (r.exitCode() != 0) {
            throw new ProviderException(Kind.FAILED, "e2b " + what + " in " + target.sandboxId() + " exited "
                    + r.exitCode() + ": " + E2bClient.abbreviate(r.stderr()));
        }
    }

    /** Runs blocking work on a worker; the result comes back on the caller's context. */
    private <T> Uni<T> blocking(Callable<T> work) {
        return Uni.createFrom().completionStage(() -> vertx.executeBlocking(() -> {
            try {
                return work.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, false).toCompletionStage());
    }
}
