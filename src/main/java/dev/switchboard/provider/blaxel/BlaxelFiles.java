package dev.switchboard.provider.blaxel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import org.jboss.logging.Logger;

import dev.switchboard.provider.FileData;
import dev.switchboard.provider.FileListing;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ParallelCalls;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.RemoteFiles;
import dev.switchboard.provider.ScanSpec;
import dev.switchboard.provider.SkippedFile;
import dev.switchboard.provider.blaxel.BlaxelModel.ProcessResponse;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Restore and save-back on Blaxel: binary-safe writes (tree writes for text, multipart for the rest), a scan in one
 * command, and reads as one archive made by a command and fetched by one streamed download.
 */
final class BlaxelFiles {

    private static final Logger LOG = Logger.getLogger(BlaxelFiles.class);

    /** Scans and archives of a large project take a while; a single HTTP call timeout would cut them short. */
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    /** An archive is the files plus tar headers and gzip framing; past this much more the download is cut off. */
    static final long DOWNLOAD_SLACK = 1024 * 1024;
    /** Requests in flight at once for one restore; a 20 MiB fragment is three 8 MiB tree writes. */
    static final int WRITE_CONCURRENCY = 4;

    private record Outcome(List<SkippedFile> skipped, List<String> needChmod) {
    }

    private record StatusFailure(int status, String body, String retryAfter) {
    }

    private final BlaxelDataClient data;
    private final ProviderCalls calls;
    private final Map<String, String> headers;
    private final Vertx vertx;
    private final HttpClient http;

    BlaxelFiles(BlaxelDataClient data, ProviderCalls calls, Map<String, String> headers, Vertx vertx, HttpClient http) {
        this.data = data;
        this.calls = calls;
        this.headers = Map.copyOf(headers);
        this.vertx = vertx;
        this.http = http;
    }

    // ---- writes ----

    /**
     * Valid UTF-8 goes through tree writes (few requests), anything else one multipart PUT per file. A tree write
     * rejected for its content (a 4xx other than auth, gone and rate limits) is redone file by file, so one bad file
     * is skipped rather than failing the restore. Executable bits: multipart sets them, tree-written files get one
     * {@code chmod} command afterwards.
     */
    Uni<List<SkippedFile>> write(String name, String baseUrl, String root, List<FileData> files, long maxRequestBytes) {
        Map<String, FileData> byPath = new LinkedHashMap<>();
        files.forEach(f -> byPath.put(f.path(), f));
        Map<String, String> text = new TreeMap<>();
        List<FileData> binary = new ArrayList<>();
        byPath.values().forEach(f -> BlaxelMapping.strictUtf8(f.content())
                .ifPresentOrElse(t -> text.put(f.path(), t), () -> binary.add(f)));
        List<Uni<Outcome>> tasks = new ArrayList<>();
        for (Map<String, String> chunk : BlaxelMapping.treeChunks(text, maxRequestBytes)) {
            List<FileData> chunkFiles = chunk.keySet().stream().map(byPath::get).toList();
            tasks.add(data.writeChunk(name, baseUrl, root, chunk)
                    .map(v -> new Outcome(List.of(), chunkFiles.stream().filter(FileData::executable).map(FileData::path).toList()))
                    .onFailure(BlaxelFiles::perFile).recoverWithUni(e -> {
                        LOG.debugf("blaxel tree write of %d files in %s rejected (%s): writing them one by one", chunk.size(),
                                name, e.getMessage());
                        return writeEach(name, baseUrl, root, chunkFiles);
                    }));
        }
        binary.forEach(f -> tasks.add(writeEach(name, baseUrl, root, List.of(f))));
        if (tasks.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return ParallelCalls.all(tasks, WRITE_CONCURRENCY, t -> t)
                .chain(outcomes -> {
                    List<SkippedFile> skipped = new ArrayList<>();
                    List<String> chmod = new ArrayList<>();
                    outcomes.forEach(o -> {
                        skipped.addAll(o.skipped());
                        chmod.addAll(o.needChmod());
                    });
                    return makeExecutable(name, baseUrl, root, chmod).map(more -> {
                        skipped.addAll(more);
                        return List.copyOf(skipped);
                    });
                });
    }

    /** A failure about the request's content, not about the sandbox or the provider as a whole. */
    private static boolean perFile(Throwable e) {
        return e instanceof ProviderException p && (p.kind() == Kind.BAD_REQUEST || p.kind() == Kind.CONFLICT);
    }

    private Uni<Outcome> writeEach(String name, String baseUrl, String root, List<FileData> files) {
        return ParallelCalls.all(files, WRITE_CONCURRENCY, f -> data.upload(name, baseUrl, child(root, f.path()), f.content(),
                        f.executable() ? "0755" : "0644")
                        .map(v -> Optional.<SkippedFile> empty())
                        .onFailure(BlaxelFiles::perFile).recoverWithItem(e -> Optional.of(new SkippedFile(f.path(),
                                "rejected by blaxel: " + shortReason(e)))))
                .map(results -> new Outcome(results.stream().flatMap(Optional::stream).toList(), List.of()));
    }

    /** {@code chmod +x} in as few commands as fit; files it fails on are reported, since their bit is missing. */
    private Uni<List<SkippedFile>> makeExecutable(String name, String baseUrl, String root, List<String> paths) {
        if (paths.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<List<String>> batches = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        int length = 0;
        for (String p : paths) {
            String word = RemoteFiles.quote(p);
            if (!batch.isEmpty() && length + word.length() > 64 * 1024) {
                batches.add(batch);
                batch = new ArrayList<>();
                length = 0;
            }
            batch.add(p);
            length += word.length() + 1;
        }
        batches.add(batch);
        return Multi.createFrom().iterable(batches)
                .onItem().transformToUniAndConcatenate(b -> {
                    String command = "chmod +x --" + b.stream().map(p -> " " + RemoteFiles.quote(p)).reduce("", String::concat);
                    return data.exec(name, baseUrl, root, command, COMMAND_TIMEOUT, 4096).map(r -> r.exitCode() == 0
                            ? List.<SkippedFile> of()
                            : b.stream().map(p -> new SkippedFile(p, "executable bit not set: " + shorten(r.stderr()))).toList());
                })
                .collect().asList()
                .map(lists -> lists.stream().flatMap(List::stream).toList());
    }

    // ---- scans ----

    /**
     * One {@code POST /process} in the project root. The command is given "." as its root because it starts there; a
     * 422 means the root does not exist yet, which a second command started in "/" confirms (it prints nothing for a
     * missing root) rather than assumes, since an empty listing wrongly taken would lose files at save-back.
     */
    Uni<FileListing> list(String name, String baseUrl, String root, ScanSpec scan) {
        return data.startProcess(name, baseUrl, root, RemoteFiles.scanCommand(".", scan), COMMAND_TIMEOUT)
                .chain(started -> started.isPresent() ? Uni.createFrom().item(started)
                        : data.startProcess(name, baseUrl, "/", RemoteFiles.scanCommand(root, scan), COMMAND_TIMEOUT))
                .map(started -> {
                    ProcessResponse r = started.orElseThrow(() -> new ProviderException(Kind.FAILED,
                            "blaxel could not start the file scan in " + name));
                    requireSuccess(r, "file scan");
                    // Jackson has decoded the JSON-escaped NULs (\u0000) that separate the scan's records.
                    return RemoteFiles.parseScan(r.stdout(), scan.maxEntries());
                });
    }

    // ---- reads ----

    /**
     * One command archives the files in the sandbox's /tmp, one raw download streams the archive to a temporary file
     * (cut off a little past {@code maxTotalBytes}), which is read with the caps on a worker thread and deleted.
     */
    Uni<Map<String, FileData>> read(String name, String baseUrl, String root, List<String> paths, long maxFileBytes,
            long maxTotalBytes) {
        if (paths.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        String archive = RemoteFiles.newArchivePath();
        return archiveCommand(name, baseUrl, root, paths, archive)
                .chain(command -> data.startProcess(name, baseUrl, root, command, COMMAND_TIMEOUT))
                .chain(started -> {
                    if (started.isEmpty()) {
                        // No project root, so none of the files exists: answered as absent, as the SPI says.
                        return Uni.createFrom().item(Map.<String, FileData> of());
                    }
                    requireSuccess(started.get(), "archive");
                    long cap = saturatedAdd(maxTotalBytes, DOWNLOAD_SLACK);
                    return withTempFile(local -> download(name, baseUrl, archive, local, cap)
                            .chain(() -> blocking(() -> RemoteFiles.readArchive(Path.of(local), paths, maxFileBytes,
                                    maxTotalBytes))));
                });
    }

    /** The archive command; with too many paths for one command, the list goes up first as a file in /tmp. */
    private Uni<String> archiveCommand(String name, String baseUrl, String root, List<String> paths, String archive) {
        String command = RemoteFiles.archiveCommand(".", paths, archive);
        if (command != null) {
            return Uni.createFrom().item(command);
        }
        String list = RemoteFiles.ARCHIVE_DIR + "/.switchboard-list-" + UUID.randomUUID();
        return data.upload(name, baseUrl, list, RemoteFiles.listFile(paths), "0600")
                .map(v -> "trap 'rm -f " + list + "' EXIT\n" + RemoteFiles.archiveListCommand(".", list, archive));
    }

    private Uni<Map<String, FileData>> withTempFile(java.util.function.Function<String, Uni<Map<String, FileData>>> use) {
        return Uni.createFrom().completionStage(() -> vertx.fileSystem().createTempFile("switchboard-blaxel-", ".tar.gz")
                .toCompletionStage())
                .chain(local -> use.apply(local)
                        .eventually(() -> Uni.createFrom().completionStage(() -> vertx.fileSystem().delete(local)
                                .toCompletionStage()).onFailure().recoverWithNull()));
    }

    private <T> Uni<T> blocking(java.util.concurrent.Callable<T> work) {
        return Uni.createFrom().completionStage(() -> vertx.executeBlocking(work, false).toCompletionStage());
    }

    /** {@code GET /filesystem/{archive}?download=true}, raw, into {@code local}; idempotent, so retried on blips. */
    private Uni<Void> download(String name, String baseUrl, String archive, String local, long cap) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(archive) + "?download=true";
        return calls.onSandbox(name, "fs.read", Idempotency.IDEMPOTENT, COMMAND_TIMEOUT,
                () -> Uni.createFrom().completionStage(() -> fetch(url, local, cap).toCompletionStage())
                        .onFailure(e -> e instanceof StatusException).recoverWithUni(e -> {
                            StatusFailure f = ((StatusException) e).failure;
                            return data.failure("fs.read", name, f.status(), f.body(), f.retryAfter());
                        }))
                .replaceWithVoid();
    }

    /** Streams the body into {@code local} with back-pressure, resetting the stream once it passes {@code cap}. */
    private Future<Long> fetch(String url, String local, long cap) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .setIdleTimeout(COMMAND_TIMEOUT.toMillis());
        headers.forEach(options::putHeader);
        options.putHeader("Accept", BlaxelDataClient.OCTETS);
        return vertx.fileSystem().open(local, new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true))
                .compose(file -> http.request(options).compose(HttpClientRequest::send).compose(response -> {
                    if (response.statusCode() != 200) {
                        return response.body().compose(body -> Future.<Long> failedFuture(new StatusException(
                                new StatusFailure(response.statusCode(), body.toString(), response.getHeader("Retry-After")))));
                    }
                    Promise<Long> done = Promise.promise();
                    long[] received = { 0 };
                    response.exceptionHandler(done::tryFail);
                    response.endHandler(v -> done.tryComplete(received[0]));
                    response.handler(chunk -> {
                        received[0] += chunk.length();
                        if (received[0] > cap) {
                            // What is whole so far is still read; the rest is more than the caps allow anyway.
                            done.tryComplete(received[0]);
                            response.request().reset();
                            return;
                        }
                        file.write(chunk);
                        if (file.writeQueueFull()) {
                            response.pause();
                            file.drainHandler(v -> response.resume());
                        }
                    });
                    return done.future();
                }).eventually(v -> file.close()));
    }

    private static final class StatusException extends RuntimeException {
        final StatusFailure failure;

        StatusException(StatusFailure failure) {
            super("answered " + failure.status(), null, false, false);
            this.failure = failure;
        }
    }

    // ---- helpers ----

    private static void requireSuccess(ProcessResponse r, String what) {
        if (!"completed".equals(r.status()) || r.exitCode() == null || r.exitCode() != 0) {
            throw new ProviderException(Kind.FAILED, "blaxel " + what + " ended " + r.status() + " (exit " + r.exitCode() + "): "
                    + shorten(r.stderr()));
        }
    }

    private static String child(String root, String path) {
        return root.equals("/") ? "/" + path : root + "/" + path;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }

    private static String shortReason(Throwable e) {
        return shorten(e.getMessage() == null ? e.toString() : e.getMessage().replaceFirst("^blaxel \\S+ answered ", ""));
    }

    private static String shorten(String s) {
        String t = s == null ? "" : s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
