package dev.switchboard.provider.blaxel;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.blaxel.BlaxelModel.Sandbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.vertx.mutiny.ext.web.multipart.MultipartForm;

/**
 * Blaxel's data plane (sandbox-api at the sandbox's {@code metadata.url}): tree and multipart writes, listings and
 * commands, guarded by the provider's {@link ProviderCalls} under each sandbox's own data-plane breaker.
 */
public final class BlaxelDataClient {

    private static final String PROVIDER = BlaxelClient.PROVIDER;
    private static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";

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

    /** One {@code PUT /filesystem/tree/{root}} of text files keyed by their path under {@code root}. */
    public Uni<Void> writeChunk(String name, String baseUrl, String root, Map<String, String> chunk) {
        String url = baseUrl + "/filesystem/tree/" + BlaxelMapping.encodePath(root);
        byte[] body = toJson(new BlaxelModel.TreeRequest(chunk));
        return calls.onSandbox(name, "tree.write", Idempotency.IDEMPOTENT,
                () -> send(HttpMethod.PUT, url, JSON, Buffer.buffer(body), callTimeout)
                        .chain(r -> r.statusCode() / 100 == 2 ? Uni.createFrom().voidItem() : failure("tree.write", name, r)));
    }

    /**
     * Writes one file with {@code PUT /filesystem/{path}} as multipart/form-data ({@code file} plus {@code permissions}),
     * which carries any bytes; sandbox-api makes the parent directories. Idempotent like the tree write. Above 5 MiB
     * Blaxel's SDK switches to the multipart-upload API; Switchboard's fragments stay below that.
     */
    public Uni<Void> upload(String name, String baseUrl, String path, byte[] content, String permissions) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(path);
        return calls.onSandbox(name, "fs.write", Idempotency.IDEMPOTENT, () -> {
            io.vertx.ext.web.multipart.MultipartForm form = io.vertx.ext.web.multipart.MultipartForm.create()
                    .attribute("permissions", permissions)
                    .binaryFileUpload("file", uploadName(path), io.vertx.core.buffer.Buffer.buffer(content), OCTETS);
            HttpRequest<Buffer> request = web.requestAbs(HttpMethod.PUT, url).timeout(Math.max(1, callTimeout.toMillis()));
            headers.forEach(request::putHeader);
            request.putHeader("Accept", JSON);
            return request.sendMultipartForm(MultipartForm.newInstance(form))
                    .chain(r -> r.statusCode() / 100 == 2 ? Uni.createFrom().voidItem() : failure("fs.write", name, r));
        });
    }

    /** The part's filename: the URL names the file, so a plain ASCII name keeps the form header simple. */
    static String uploadName(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        return base.isEmpty() ? "file" : base;
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
        return calls.onSandbox(name, "fs.read", Idempotency.IDEMPOTENT,
                () -> send(HttpMethod.GET, url, JSON, null, callTimeout)
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
    Uni<Optional<BlaxelModel.ProcessResponse>> startProcess(String name, String baseUrl, String root, String command,
            Duration timeout) {
        BlaxelModel.ProcessRequest request = new BlaxelModel.ProcessRequest(command, root, true,
                BlaxelMapping.timeoutSeconds(timeout));
        Duration httpTimeout = timeout.plus(callTimeout);
        return calls.onSandbox(name, "process", Idempotency.NOT_IDEMPOTENT, httpTimeout,
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

    Uni<Void> makeDirectory(String name, String baseUrl, String path) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(path);
        Buffer body = Buffer.buffer(toJson(new BlaxelModel.FileRequest(null, true, "0755")));
        return calls.onSandbox(name, "fs.write", Idempotency.IDEMPOTENT,
                () -> send(HttpMethod.PUT, url, JSON, body, callTimeout)
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
        return failure(operation, name, r.statusCode(), r.bodyAsString(), r.getHeader("Retry-After"));
    }

    <T> Uni<T> failure(String operation, String name, int status, String body, String retryAfter) {
        ProviderException error = ProviderException.fromStatus(PROVIDER, operation, status,
                BlaxelMapping.errorBody(body).message(), ProviderException.parseRetryAfter(retryAfter), false);
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
    Uni<Boolean> isGone(String name) {
        return lookup.apply(name)
                .map(found -> found.isEmpty() || BlaxelMapping.gone(found.get().status()))
                .onFailure().recoverWithItem(false);
    }

    private static ProviderException gone(String name, String operation, int status) {
        return new ProviderException(Kind.GONE, "blaxel sandbox " + name + " is gone (" + operation + " answered " + status + ")");
    }
}
