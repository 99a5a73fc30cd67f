package dev.switchboard.provider.blaxel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.blaxel.BlaxelModel.Sandbox;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Blaxel's data plane (sandbox-api at the sandbox's {@code metadata.url}): tree writes, directory walks, file
 * downloads and commands, guarded by the same {@link ProviderCalls} as the control plane.
 */
public final class BlaxelDataClient {

    private static final String PROVIDER = BlaxelClient.PROVIDER;
    private static final String JSON = "application/json";
    private static final String OCTETS = "application/octet-stream";
    /** Downloads and directory listings in flight at once for one save-back. */
    static final int READ_CONCURRENCY = 8;
    /** Tree writes in flight at once for one restore; a 20 MiB fragment is three 8 MiB requests. */
    static final int WRITE_CONCURRENCY = 4;
    /** Deeper trees are not walked: a symlinked directory loop must not make save-back endless. */
    static final int MAX_DEPTH = 32;

    private final WebClient web;
    private final ProviderCalls calls;
    private final Map<String, String> headers;
    private final Function<String, Uni<Optional<Sandbox>>> lookup;
    private final ObjectMapper json;
    private final Duration callTimeout;

    /**
     * @param lookup one unguarded control-plane GET by name, used to tell a gone sandbox from a data-plane blip
     */
    public BlaxelDataClient(WebClient web, ProviderCalls calls, Map<String, String> headers,
            Function<String, Uni<Optional<Sandbox>>> lookup, ObjectMapper json, Duration callTimeout) {
        this.web = web;
        this.calls = calls;
        this.headers = Map.copyOf(headers);
        this.lookup = lookup;
        this.json = json;
        this.callTimeout = callTimeout;
    }

    // ---- writes ----

    /**
     * Writes the files under {@code root} with {@code PUT /filesystem/tree/{root}}, in as few requests as
     * {@code maxRequestBytes} allows, {@value #WRITE_CONCURRENCY} at a time. Whole-file writes are idempotent, so a
     * 502/503/504 (typically the first request after standby) is retried.
     */
    public Uni<Void> writeTree(String name, String baseUrl, String root, Map<String, String> files, long maxRequestBytes) {
        List<Map<String, String>> chunks = BlaxelMapping.treeChunks(files, maxRequestBytes);
        if (chunks.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String url = baseUrl + "/filesystem/tree/" + BlaxelMapping.encodePath(root);
        return Multi.createFrom().iterable(chunks)
                .onItem().transformToUni(chunk -> {
                    byte[] body = toJson(new BlaxelModel.TreeRequest(chunk));
                    return calls.call("tree.write", Idempotency.IDEMPOTENT, () -> send(HttpMethod.PUT, url, JSON,
                            Buffer.buffer(body), callTimeout)
                            .chain(r -> r.statusCode() / 100 == 2 ? Uni.createFrom().voidItem() : failure("tree.write", name, r)));
                })
                .merge(WRITE_CONCURRENCY)
                .collect().last()
                .replaceWithVoid();
    }

    // ---- reads ----

    private record Dir(String path, String relative, int depth) {
    }

    private record Listed(Dir dir, Optional<BlaxelModel.Directory> listing) {
    }

    private record Candidate(String relative, String path) {
    }

    /**
     * Reads the UTF-8 text files under {@code root} for save-back: a walk of {@code GET /filesystem/{dir}}, then one
     * {@code GET /filesystem/{file}} per file (raw bytes), both {@value #READ_CONCURRENCY} at a time. Files larger
     * than {@code maxFileBytes} or not strict UTF-8 are skipped; at most {@code maxFiles} are read, in path order.
     * A missing root is an empty project, not an error.
     */
    public Uni<Map<String, String>> readTree(String name, String baseUrl, String root, int maxFiles, long maxFileBytes) {
        if (maxFiles <= 0) {
            return Uni.createFrom().item(Map.of());
        }
        List<Candidate> candidates = new ArrayList<>();
        return walk(name, baseUrl, List.of(new Dir(root, "", 0)), candidates, maxFileBytes)
                .chain(() -> {
                    candidates.sort(Comparator.comparing(Candidate::relative));
                    return download(name, baseUrl, candidates, 0, new TreeMap<>(), maxFiles, maxFileBytes);
                });
    }

    private Uni<Void> walk(String name, String baseUrl, List<Dir> level, List<Candidate> found, long maxFileBytes) {
        if (level.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(level)
                .onItem().transformToUni(dir -> listDirectory(name, baseUrl, dir.path()).map(l -> new Listed(dir, l)))
                .merge(READ_CONCURRENCY)
                .collect().asList()
                .chain(results -> {
                    List<Dir> next = new ArrayList<>();
                    for (Listed listed : results) {
                        Dir dir = listed.dir();
                        if (listed.listing().isEmpty()) {
                            continue; // missing root, or removed while we walked: nothing to save from it
                        }
                        BlaxelModel.Directory d = listed.listing().get();
                        for (BlaxelModel.FileEntry f : d.files() == null ? List.<BlaxelModel.FileEntry> of() : d.files()) {
                            if (usableName(f.name()) && (f.size() == null || f.size() <= maxFileBytes)) {
                                found.add(new Candidate(dir.relative() + f.name(), child(dir.path(), f.name())));
                            }
                        }
                        if (dir.depth() >= MAX_DEPTH) {
                            continue;
                        }
                        for (BlaxelModel.Subdirectory s : d.subdirectories() == null ? List.<BlaxelModel.Subdirectory> of()
                                : d.subdirectories()) {
                            if (usableName(s.name())) {
                                next.add(new Dir(child(dir.path(), s.name()), dir.relative() + s.name() + "/", dir.depth() + 1));
                            }
                        }
                    }
                    return walk(name, baseUrl, next, found, maxFileBytes);
                });
    }

    /**
     * One cheap data-plane request (the project root's listing). Blaxel's ttl-idle clock restarts with every
     * data-plane request, so this is how a heartbeat or keep-alive tells Blaxel the sandbox is in use.
     */
    public Uni<Void> touch(String name, String baseUrl, String root) {
        return listDirectory(name, baseUrl, root).replaceWithVoid();
    }

    /** A directory's listing; empty when it does not exist in a live sandbox; GONE when the sandbox is. */
    private Uni<Optional<BlaxelModel.Directory>> listDirectory(String name, String baseUrl, String path) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(path);
        return calls.call("fs.read", Idempotency.IDEMPOTENT, () -> send(HttpMethod.GET, url, JSON, null, callTimeout)
                .chain(r -> {
                    if (r.statusCode() == 404) {
                        return goneOrElse(name, "fs.read", r, Optional.<BlaxelModel.Directory> empty());
                    }
                    if (r.statusCode() != 200) {
                        return failure("fs.read", name, r);
                    }
                    try {
                        return Uni.createFrom().item(Optional.of(json.readValue(r.bodyAsString(), BlaxelModel.Directory.class)));
                    } catch (JsonProcessingException e) {
                        // Save-back must fail rather than skip a directory it cannot read (invariant 3: no lost files).
                        return Uni.createFrom().failure(new ProviderException(Kind.FAILED,
                                "blaxel fs.read answered an unreadable listing of " + path, null, e));
                    }
                }));
    }

    private Uni<Map<String, String>> download(String name, String baseUrl, List<Candidate> candidates, int from,
            Map<String, String> result, int maxFiles, long maxFileBytes) {
        if (from >= candidates.size() || result.size() >= maxFiles) {
            return Uni.createFrom().item(result);
        }
        // Read only as many as may still be kept; skipped files (binary, grown, vanished) make room for the next ones.
        int to = Math.min(candidates.size(), from + (maxFiles - result.size()));
        return Multi.createFrom().iterable(candidates.subList(from, to))
                .onItem().transformToUni(c -> readFile(name, baseUrl, c.path(), maxFileBytes)
                        .map(text -> text.map(t -> Map.entry(c.relative(), t))))
                .merge(READ_CONCURRENCY)
                .collect().asList()
                .chain(read -> {
                    read.forEach(entry -> entry.ifPresent(e -> result.put(e.getKey(), e.getValue())));
                    return download(name, baseUrl, candidates, to, result, maxFiles, maxFileBytes);
                });
    }

    private Uni<Optional<String>> readFile(String name, String baseUrl, String path, long maxFileBytes) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(path);
        return calls.call("fs.read", Idempotency.IDEMPOTENT, () -> send(HttpMethod.GET, url, OCTETS, null, callTimeout)
                .chain(r -> {
                    if (r.statusCode() == 404) {
                        return goneOrElse(name, "fs.read", r, Optional.<String> empty());
                    }
                    if (r.statusCode() != 200) {
                        return failure("fs.read", name, r);
                    }
                    Buffer body = r.body();
                    byte[] bytes = body == null ? new byte[0] : body.getBytes();
                    return Uni.createFrom().item(bytes.length > maxFileBytes ? Optional.<String> empty()
                            : BlaxelMapping.strictUtf8(bytes));
                }));
    }

    /** A plain entry name: anything else in a listing could point the walk outside the root. */
    private static boolean usableName(String name) {
        return name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\0') < 0;
    }

    private static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    // ---- commands ----

    /**
     * {@code POST /process} with {@code waitForCompletion}, in {@code root}. Not idempotent (a command may not be
     * safe to run twice), so only an explicit 429/502/503/504 is retried. A 422 is a start failure, which for a fresh
     * sandbox means the project root does not exist yet: it is created once and the command started again.
     */
    public Uni<ExecResult> exec(String name, String baseUrl, String root, String command, Duration timeout,
            int maxOutputBytes) {
        return startProcess(name, baseUrl, root, command, timeout).chain(response -> {
            if (response.isPresent()) {
                return Uni.createFrom().item(response.get());
            }
            return makeDirectory(name, baseUrl, root).chain(() -> startProcess(name, baseUrl, root, command, timeout))
                    .map(again -> again.orElseThrow(() -> new ProviderException(Kind.FAILED,
                            "blaxel process could not start in " + root)));
        }).map(r -> result(r, maxOutputBytes));
    }

    /** The process's answer, or empty when it could not start (422). */
    private Uni<Optional<BlaxelModel.ProcessResponse>> startProcess(String name, String baseUrl, String root, String command,
            Duration timeout) {
        BlaxelModel.ProcessRequest request = new BlaxelModel.ProcessRequest(command, root, true,
                BlaxelMapping.timeoutSeconds(timeout));
        Duration httpTimeout = timeout.plus(callTimeout);
        return calls.call("process", Idempotency.NOT_IDEMPOTENT, httpTimeout,
                () -> send(HttpMethod.POST, baseUrl + "/process", JSON, Buffer.buffer(toJson(request)), httpTimeout)
                        .chain(r -> {
                            if (r.statusCode() == 422) {
                                return Uni.createFrom().item(Optional.<BlaxelModel.ProcessResponse> empty());
                            }
                            if (r.statusCode() != 200) {
                                return failure("process", name, r);
                            }
                            try {
                                return Uni.createFrom().item(Optional.of(
                                        json.readValue(r.bodyAsString(), BlaxelModel.ProcessResponse.class)));
                            } catch (JsonProcessingException e) {
                                return Uni.createFrom().failure(new ProviderException(Kind.FAILED,
                                        "blaxel process answered unreadable JSON", null, e));
                            }
                        }));
    }

    private Uni<Void> makeDirectory(String name, String baseUrl, String path) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(path);
        Buffer body = Buffer.buffer(toJson(new BlaxelModel.FileRequest(null, true, "0755")));
        return calls.call("fs.write", Idempotency.IDEMPOTENT, () -> send(HttpMethod.PUT, url, JSON, body, callTimeout)
                .chain(r -> r.statusCode() / 100 == 2 ? Uni.createFrom().voidItem() : failure("fs.write", name, r)));
    }

    /**
     * A process killed by its timeout ends {@code killed} (or {@code stopped}); one still {@code running} means the
     * server stopped waiting for it first. Both count as timed out, with exit code -1 as the SPI asks.
     */
    static ExecResult result(BlaxelModel.ProcessResponse r, int maxOutputBytes) {
        String status = r.status() == null ? "" : r.status();
        boolean timedOut = status.equals("killed") || status.equals("stopped") || status.equals("running");
        BlaxelMapping.Capped out = BlaxelMapping.cap(r.stdout() != null ? r.stdout() : r.logs(), maxOutputBytes);
        BlaxelMapping.Capped err = BlaxelMapping.cap(r.stderr(), maxOutputBytes);
        int exit = timedOut || r.exitCode() == null ? -1 : r.exitCode();
        return new ExecResult(exit, out.text(), err.text(), out.truncated() || err.truncated(), timedOut);
    }

    // ---- HTTP ----

    private Uni<HttpResponse<Buffer>> send(HttpMethod method, String url, String accept, Buffer body, Duration timeout) {
        HttpRequest<Buffer> request = web.requestAbs(method, url).timeout(Math.max(1, timeout.toMillis()));
        headers.forEach(request::putHeader);
        request.putHeader("Accept", accept);
        if (body == null) {
            return request.send();
        }
        return request.putHeader("Content-Type", JSON).sendBuffer(body);
    }

    private byte[] toJson(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new ProviderException(Kind.BAD_REQUEST, "could not encode a Blaxel request: " + e.getOriginalMessage(), null, e);
        }
    }

    /**
     * The typed failure of a data-plane answer. A 404 or 502/503/504 is what a gone sandbox answers, but also what a
     * waking one or a missing path does, so the control plane decides: gone there means GONE (never retried), alive
     * means a blip (retried) or, for a 404, a real error.
     */
    private <T> Uni<T> failure(String operation, String name, HttpResponse<Buffer> r) {
        int status = r.statusCode();
        ProviderException error = ProviderException.fromStatus(PROVIDER, operation, status,
                BlaxelMapping.errorBody(r.bodyAsString()).message(), ProviderException.parseRetryAfter(r.getHeader("Retry-After")),
                false);
        if (status != 404 && status != 502 && status != 503 && status != 504) {
            return Uni.createFrom().failure(error);
        }
        return isGone(name).chain(gone -> {
            if (gone) {
                return Uni.createFrom().failure(gone(name, operation, status));
            }
            return Uni.createFrom().failure(status == 404
                    ? new ProviderException(Kind.FAILED, error.getMessage() + " although the sandbox is alive")
                    : error);
        });
    }

    /** {@code otherwise} when the sandbox is alive (the 404 was about a path), else GONE. */
    private <T> Uni<T> goneOrElse(String name, String operation, HttpResponse<Buffer> r, T otherwise) {
        return isGone(name).chain(gone -> gone ? Uni.createFrom().failure(gone(name, operation, r.statusCode()))
                : Uni.createFrom().item(otherwise));
    }

    /** Whether the control plane says the sandbox is gone; unknown (control plane failing too) counts as not gone. */
    private Uni<Boolean> isGone(String name) {
        return lookup.apply(name)
                .map(found -> found.isEmpty() || BlaxelMapping.gone(found.get().status()))
                .onFailure().recoverWithItem(false);
    }

    private static ProviderException gone(String name, String operation, int status) {
        return new ProviderException(Kind.GONE, "blaxel sandbox " + name + " is gone (" + operation + " answered " + status + ")");
    }
}
