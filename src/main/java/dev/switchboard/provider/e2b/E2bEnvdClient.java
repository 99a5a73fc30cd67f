package dev.switchboard.provider.e2b;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.netty.handler.codec.http.QueryStringEncoder;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.WriteStream;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.vertx.mutiny.ext.web.codec.BodyCodec;
import io.vertx.mutiny.ext.web.multipart.MultipartForm;

/**
 * E2B's in-sandbox daemon, envd (port 49983): file upload and download, directory listing and commands over Connect.
 * Every call runs through the provider's {@link ProviderCalls}, under the sandbox's own data-plane breaker; a 502 from
 * the sandbox proxy means the sandbox is gone.
 */
public final class E2bEnvdClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(E2bEnvdClient.class);

    static final int ENVD_PORT = 49983;
    /** The sandbox's unprivileged user; envd runs commands and writes files as this user. */
    static final String USER = "user";
    static final String BASIC_USER = "Basic " + Base64.getEncoder().encodeToString((USER + ":").getBytes(StandardCharsets.UTF_8));
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final int UPLOAD_PARALLELISM = 2;
    /** A single Connect message larger than this is refused; envd sends output in chunks of at most 32 KiB. */
    private static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;
    /** Kept of a non-200 streaming answer, for its error message. */
    private static final int ERROR_BODY_BYTES = 4096;
    /** envd's keep-alive interval in seconds, as the SDK asks for, so idle proxies do not cut long commands. */
    private static final String KEEPALIVE_SECONDS = "50";
    /** How much longer than the command's own timeout the client waits for envd to report that timeout. */
    private static final Duration EXEC_GRACE = Duration.ofSeconds(5);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);

    /** Where a sandbox's envd is and how to authenticate; {@code accessToken} is null for an unsecured sandbox. */
    public record Target(String sandboxId, String accessToken, String domain) {

        @Override
        public String toString() {
            return "Target[sandboxId=" + sandboxId + ", domain=" + domain + "]";
        }
    }

    /** One file to upload: its absolute destination in the sandbox and its content. */
    public record Upload(String path, byte[] content) {

        @Override
        public String toString() {
            return "Upload[" + path + ", " + content.length + " bytes]";
        }
    }

    private final WebClient web;
    private final HttpClient http;
    private final ProviderCalls calls;
    private final ObjectMapper json;
    /** The single envd endpoint for every sandbox, or null to use each sandbox's own host. */
    private final String envdUrl;
    private final int batchFiles;
    private final long batchBytes;
    /**
     * How long one request may go without data before its connection is dropped. Longer than the per-call timeout
     * of {@link ProviderCalls}, which decides; this only frees connections of calls that were already given up on.
     */
    private final long requestTimeoutMillis;

    public E2bEnvdClient(WebClient web, ProviderCalls calls, ObjectMapper json, Duration callTimeout, Optional<String> envdUrl,
            int batchFiles, long batchBytes) {
        this(web, null, calls, json, callTimeout, envdUrl, batchFiles, batchBytes);
    }

    /** {@code http} (core client) carries the streamed, capped downloads; the web client everything else. */
    public E2bEnvdClient(WebClient web, HttpClient http, ProviderCalls calls, ObjectMapper json, Duration callTimeout,
            Optional<String> envdUrl, int batchFiles, long batchBytes) {
        this.web = web;
        this.http = http;
        this.calls = calls;
        this.json = json;
        this.requestTimeoutMillis = callTimeout.plus(EXEC_GRACE).toMillis();
        this.envdUrl = envdUrl.map(String::strip).filter(u -> !u.isEmpty()).map(E2bEnvdClient::withoutTrailingSlash)
                .orElse(null);
        this.batchFiles = Math.max(1, batchFiles);
        this.batchBytes = Math.max(1, batchBytes);
    }

    @Override
    public void close() {
        web.close();
        if (http != null) {
            http.close();
        }
    }

    /** The envd base URL: the configured override, else the sandbox's own host {@code 49983-<id>.<domain>}. */
    static String baseUrl(String envdUrl, String sandboxId, String domain) {
        return envdUrl != null ? envdUrl : "https://" + ENVD_PORT + "-" + sandboxId + "." + domain;
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    // ---- health and directories ----

    /** Completes once envd answers {@code GET /health} with 204; a few quick tries while the sandbox boots. */
    public Uni<Void> health(Target target) {
        return calls.onSandbox(target.sandboxId(), "health", Idempotency.IDEMPOTENT, HEALTH_TIMEOUT,
                () -> request(HttpMethod.GET, target, "/health").send().map(r -> {
                    if (r.statusCode() != 204 && r.statusCode() != 200) {
                        // Still booting: envd's port is not open yet, which the proxy reports as 502.
                        throw new ProviderException(Kind.TRANSIENT, "e2b health of " + target.sandboxId()
                                + " answered " + r.statusCode()).retrySafe(true);
                    }
                    return null;
                }));
    }

    /** Creates a directory and its parents; an existing directory is fine. */
    public Uni<Void> makeDir(Target target, String path) {
        ObjectNode body = json.createObjectNode().put("path", path);
        return calls.onSandbox(target.sandboxId(), "makedir", Idempotency.IDEMPOTENT,
                () -> rpc(target, "/filesystem.Filesystem/MakeDir", body).map(r -> {
                    if (r.statusCode() == 200 || r.statusCode() == 409) {
                        return null;
                    }
                    throw error("makedir", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                }));
    }

    // ---- files ----

    /**
     * Uploads files in multipart batches bounded by count and bytes, two requests at a time. Each part is named
     * {@code file} with the absolute destination as its filename and no {@code path} query, which envd (like the
     * JS SDK's batch write) treats as one destination per part.
     */
    public Uni<Void> write(Target target, List<Upload> files) {
        List<List<Upload>> batches = batches(files, batchFiles, batchBytes);
        return Multi.createFrom().iterable(batches)
                .onItem().transformToUni(batch -> calls.onSandbox(target.sandboxId(), "files.write", Idempotency.IDEMPOTENT,
                        () -> upload(target, batch)))
                .merge(UPLOAD_PARALLELISM)
                .collect().last()
                .replaceWithVoid();
    }

    /** Splits files, in order, into batches of at most {@code maxFiles} files and {@code maxBytes} bytes (a larger file goes alone). */
    static List<List<Upload>> batches(List<Upload> files, int maxFiles, long maxBytes) {
        List<List<Upload>> batches = new ArrayList<>();
        List<Upload> current = new ArrayList<>();
        long bytes = 0;
        for (Upload file : files) {
            if (!current.isEmpty() && (current.size() >= maxFiles || bytes + file.content().length > maxBytes)) {
                batches.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(file);
            bytes += file.content().length;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    private Uni<Void> upload(Target target, List<Upload> batch) {
        MultipartForm form = MultipartForm.create();
        for (Upload file : batch) {
            if (!isPlainName(file.path())) {
                // The encoder writes filename="..." verbatim: anything else would forge or break the header.
                return Uni.createFrom().failure(new IllegalArgumentException("not a plain multipart filename: " + file.path()));
            }
            form.binaryFileUpload("file", file.path(), Buffer.buffer(file.content()), OCTET_STREAM);
        }
        // multipart/mixed would fold parts sharing the name "file" into one nested part, which envd does not read.
        return request(HttpMethod.POST, target, "/files").addQueryParam("username", USER).multipartMixed(false)
                .sendMultipartForm(form)
                .map(r -> {
                    if (r.statusCode() == 200 || r.statusCode() == 204) {
                        return null;
                    }
                    throw error("files.write", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                });
    }

    /**
     * Whether a path can travel as a quoted multipart filename: printable ASCII without {@code "} and {@code \}.
     * Other names go one by one as octet-stream with a {@code path} query, which arrives exactly.
     */
    public static boolean isPlainName(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** Uploads multipart batches as {@link #write}, without the per-batch retry policy of the caller. */
    public Uni<Void> writeBatch(Target target, List<Upload> batch) {
        return calls.onSandbox(target.sandboxId(), "files.write", Idempotency.IDEMPOTENT, () -> upload(target, batch));
    }

    /** Uploads one file as {@code application/octet-stream} to {@code ?path=} (envd 0.5.7+): any name arrives exactly. */
    public Uni<Void> writeOne(Target target, Upload file) {
        return calls.onSandbox(target.sandboxId(), "files.write", Idempotency.IDEMPOTENT,
                () -> request(HttpMethod.POST, target, "/files").addQueryParam("path", file.path())
                        .addQueryParam("username", USER)
                        .putHeader("Content-Type", OCTET_STREAM)
                        .sendBuffer(Buffer.buffer(file.content()))
                        .map(r -> {
                            if (r.statusCode() == 200 || r.statusCode() == 204) {
                                return null;
                            }
                            throw error("files.write", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                        }));
    }

    /** A core-client {@code GET /files?path=} of one file, for reads that stream and cut off at a cap. */
    RequestOptions fileRequest(Target target, String path, Duration timeout) {
        QueryStringEncoder uri = new QueryStringEncoder("/files");
        uri.addParam("path", path);
        uri.addParam("username", USER);
        return coreRequest(HttpMethod.GET, target, uri.toString()).setIdleTimeout(timeout.toMillis());
    }

    /** A core-client request to envd with the routing and access-token headers every envd call carries. */
    RequestOptions coreRequest(HttpMethod method, Target target, String pathAndQuery) {
        RequestOptions options = new RequestOptions().setMethod(method)
                .setAbsoluteURI(baseUrl(envdUrl, target.sandboxId(), target.domain()) + pathAndQuery);
        if (envdUrl != null) {
            options.putHeader("E2b-Sandbox-Id", target.sandboxId()).putHeader("E2b-Sandbox-Port", Integer.toString(ENVD_PORT));
        }
        if (target.accessToken() != null) {
            options.putHeader("X-Access-Token", target.accessToken());
        }
        return options;
    }

    /** The core client for streamed requests; null when this client was built without one. */
    HttpClient http() {
        return http;
    }

    ProviderCalls calls() {
        return calls;
    }

    // ---- commands ----

    /**
     * Runs {@code bash -l -c command} in {@code cwd} through {@code process.Process/Start} and collects its output.
     * envd enforces the timeout ({@code Connect-Timeout-Ms}) and reports it as {@code deadline_exceeded}; the
     * client stops waiting a little later in case that report never comes.
     */
    public Uni<ExecResult> exec(Target target, String command, String cwd, Duration timeout, int maxOutputBytes) {
        byte[] message = startRequest(command, cwd);
        Duration callTimeout = timeout.plus(EXEC_GRACE).plus(EXEC_GRACE);
        return calls.onSandbox(target.sandboxId(), "process.start", Idempotency.NOT_IDEMPOTENT, callTimeout, () -> {
            ProcessOutput output = new ProcessOutput(json, maxOutputBytes);
            ConnectStreamSink sink = new ConnectStreamSink(output, MAX_FRAME_BYTES, ERROR_BODY_BYTES);
            HttpRequest<Void> request = request(HttpMethod.POST, target, "/process.Process/Start")
                    .putHeader("Content-Type", "application/connect+json")
                    .putHeader("Connect-Protocol-Version", "1")
                    .putHeader("Connect-Timeout-Ms", Long.toString(Math.max(1, timeout.toMillis())))
                    .putHeader("Keepalive-Ping-Interval", KEEPALIVE_SECONDS)
                    .putHeader("Authorization", BASIC_USER)
                    .timeout(callTimeout.toMillis())
                    .as(BodyCodec.pipe(io.vertx.mutiny.core.streams.WriteStream.newInstance(sink)));
            return request.sendBuffer(Buffer.buffer(ConnectFrames.encode(0, message)))
                    .map(r -> {
                        if (r.statusCode() != 200) {
                            throw error("process.start", target, r.statusCode(), r.getHeader("Retry-After"),
                                    Buffer.buffer(sink.rawPrefix()));
                        }
                        if (sink.failure() != null) {
                            throw new ProviderException(Kind.FAILED, "e2b process.start: malformed stream: "
                                    + sink.failure().getMessage(), null, sink.failure());
                        }
                        return output.result(target.sandboxId());
                    })
                    .ifNoItem().after(timeout.plus(EXEC_GRACE)).recoverWithItem(output::timedOut);
        });
    }

    byte[] startRequest(String command, String cwd) {
        ObjectNode root = json.createObjectNode();
        ObjectNode process = root.putObject("process");
        process.put("cmd", "/bin/bash");
        process.putArray("args").add("-l").add("-c").add(command);
        process.putObject("envs");
        process.put("cwd", cwd);
        root.put("stdin", false);
        try {
            return json.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a process request", e);
        }
    }

    // ---- plumbing ----

    HttpRequest<Buffer> request(HttpMethod method, Target target, String path) {
        HttpRequest<Buffer> request = web.requestAbs(method, baseUrl(envdUrl, target.sandboxId(), target.domain()) + path)
                .timeout(requestTimeoutMillis);
        if (envdUrl != null) {
            // One endpoint for all sandboxes: the proxy routes by these headers instead of by host name.
            request.putHeader("E2b-Sandbox-Id", target.sandboxId()).putHeader("E2b-Sandbox-Port", Integer.toString(ENVD_PORT));
        }
        if (target.accessToken() != null) {
            request.putHeader("X-Access-Token", target.accessToken());
        }
        return request;
    }

    /** A Connect unary call with a JSON body. */
    Uni<HttpResponse<Buffer>> rpc(Target target, String path, JsonNode body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (IOException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot serialize " + path, e));
        }
        return request(HttpMethod.POST, target, path)
                .putHeader("Content-Type", "application/json")
                .putHeader("Connect-Protocol-Version", "1")
                .putHeader("Authorization", BASIC_USER)
                .sendBuffer(Buffer.buffer(bytes));
    }

    private JsonNode readJson(Buffer body, String operation) {
        try {
            return json.readTree(body == null ? new byte[0] : body.getBytes());
        } catch (IOException e) {
            throw new ProviderException(Kind.FAILED, "e2b " + operation + " answered malformed JSON: " + e.getMessage(), null, e);
        }
    }

    /**
     * The typed error for a data-plane answer. A 502 comes from E2B's proxy, which answers so for a sandbox it does
     * not know: the sandbox timed out or was killed, and retrying cannot help.
     */
    ProviderException error(String operation, Target target, int status, String retryAfter, Buffer body) {
        String message = message(body);
        if (status == 502) {
            return new ProviderException(Kind.GONE, "e2b sandbox " + target.sandboxId() + " is gone (" + operation
                    + " answered 502" + (message.isEmpty() ? "" : ": " + message) + ")");
        }
        LOG.debugf("e2b %s of %s answered %d: %s", operation, target.sandboxId(), status, message);
        return ProviderException.fromStatus(E2bClient.PROVIDER, operation, status, message,
                ProviderException.parseRetryAfter(retryAfter), status == 507);
    }

    /** The {@code message} of an envd or proxy error document ({@code code} is a number or a Connect code name). */
    private String message(Buffer body) {
        if (body == null || body.length() == 0) {
            return "";
        }
        try {
            JsonNode node = json.readTree(body.getBytes());
            String message = node.path("message").asText("");
            String code = node.path("code").isTextual() ? node.path("code").asText() : null;
            return E2bClient.abbreviate(code == null ? message : code + ": " + message);
        } catch (IOException e) {
            return E2bClient.abbreviate(body.toString(StandardCharsets.UTF_8));
        }
    }
}
