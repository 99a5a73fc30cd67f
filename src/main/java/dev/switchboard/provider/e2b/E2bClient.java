package dev.switchboard.provider.e2b;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * E2B's control plane with Switchboard's semantics on top of {@link E2bRestClient}: typed errors, retries and the
 * control-plane circuit breaker of {@link ProviderCalls}, 404-to-empty, pagination. Never puts the API key in a
 * message or log.
 */
public final class E2bClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(E2bClient.class);

    static final String PROVIDER = "e2b";
    /** The largest page {@code GET /v2/sandboxes} serves. */
    static final int PAGE_LIMIT = 100;
    /** A guard against a server that keeps handing out next-page tokens. */
    private static final int MAX_PAGES = 1000;
    private static final String LIVE_STATES = "running,paused";
    /** The concurrency cap's 429 (orchestrator/create_instance.go): capacity, not a rate, so waiting briefly is useless. */
    private static final String CONCURRENCY_CAP = "maximum number of concurrent e2b sandboxes";
    /** The 400 for an id E2B cannot parse (shared/pkg/id/id.go): no such sandbox can exist. */
    private static final String INVALID_ID = "invalid sandbox id";
    /** The 400 of {@code /timeout} once the sandbox has lived as long as the plan allows. */
    private static final String MAX_LENGTH_EXCEEDED = "max instance length exceeded";
    private static final int MAX_MESSAGE_CHARS = 300;

    /** What a timeout change did. */
    public enum TimeoutChange {
        SET,
        /** The sandbox does not exist, or is paused (E2B answers 404 for both). */
        NOT_FOUND,
        /** The sandbox already lived its plan's maximum; the expiry stays as it is. */
        MAX_LENGTH_EXCEEDED
    }

    /** One page of {@code GET /v2/sandboxes}. */
    private record Page(List<E2bDtos.SandboxDetail> items, String nextToken) {
    }

    private final E2bRestClient rest;
    private final ProviderCalls calls;
    private final ObjectMapper json;
    private final Duration createTimeout;

    public E2bClient(String apiUrl, String apiKey, ProviderCalls calls, ObjectMapper json, Duration callTimeout,
            Duration createTimeout) {
        this.calls = calls;
        this.json = json;
        this.createTimeout = createTimeout;
        // The HTTP client's own read timeout only backs up ProviderCalls' per-call timeout, which must fire first.
        long readTimeoutMillis = Math.max(callTimeout.toMillis(), createTimeout.toMillis()) + 10_000;
        this.rest = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(apiUrl))
                .register(new ApiKeyFilter(apiKey))
                .disableDefaultMapper(true)
                .userAgent("switchboard")
                .connectTimeout(10, TimeUnit.SECONDS)
                .readTimeout(readTimeoutMillis, TimeUnit.MILLISECONDS)
                .build(E2bRestClient.class);
    }

    @Override
    public void close() throws IOException {
        rest.close();
    }

    /** Adds {@code X-API-Key} to every control-plane request. */
    private static final class ApiKeyFilter implements ClientRequestFilter {
        private final String apiKey;

        ApiKeyFilter(String apiKey) {
            this.apiKey = apiKey;
        }

        @Override
        public void filter(ClientRequestContext request) {
            request.getHeaders().putSingle("X-API-Key", apiKey);
        }
    }

    /**
     * {@code POST /sandboxes}: not idempotent, so repeated here only after an explicit refusal (429, 503); after an
     * ambiguous failure {@link E2bCreates} looks the sandbox up first.
     */
    public Uni<E2bDtos.Sandbox> create(E2bDtos.NewSandbox body) {
        return calls.call("create", Idempotency.CREATE, createTimeout, () -> rest.create(body).map(r -> {
            if (r.getStatus() != 201 && r.getStatus() != 200) {
                throw error("create", r);
            }
            E2bDtos.Sandbox sandbox = r.readEntity(E2bDtos.Sandbox.class);
            if (sandbox == null || sandbox.sandboxID() == null || sandbox.sandboxID().isBlank()) {
                throw new ProviderException(Kind.FAILED, "e2b create answered " + r.getStatus() + " without a sandboxID");
            }
            return sandbox;
        }));
    }

    /** {@code GET /sandboxes/{id}}: running or paused; empty when E2B no longer knows it. */
    public Uni<Optional<E2bDtos.SandboxDetail>> get(String id) {
        return calls.call("get", Idempotency.IDEMPOTENT, () -> rest.get(id).map(r -> {
            if (r.getStatus() == 404) {
                return Optional.<E2bDtos.SandboxDetail> empty();
            }
            if (r.getStatus() != 200) {
                ProviderException e = error("get", r);
                if (invalidId(e)) {
                    return Optional.<E2bDtos.SandboxDetail> empty();
                }
                throw e;
            }
            return Optional.of(r.readEntity(E2bDtos.SandboxDetail.class));
        }));
    }

    /** {@code DELETE /sandboxes/{id}}: true when killed now, false when it was already gone. */
    public Uni<Boolean> kill(String id) {
        return calls.call("kill", Idempotency.IDEMPOTENT, () -> rest.kill(id).map(r -> {
            if (r.getStatus() == 204 || r.getStatus() == 200) {
                return true;
            }
            if (r.getStatus() == 404) {
                return false;
            }
            ProviderException e = error("kill", r);
            if (invalidId(e)) {
                return false;
            }
            throw e;
        }));
    }

    /** Every running or paused sandbox whose metadata holds all of {@code filter}, across all pages. */
    public Uni<List<E2bDtos.SandboxDetail>> list(Map<String, String> filter) {
        String metadata = filter.isEmpty() ? null : metadataQuery(filter);
        return page(metadata, null, new LinkedHashMap<>(), 1);
    }

    private Uni<List<E2bDtos.SandboxDetail>> page(String metadata, String token, Map<String, E2bDtos.SandboxDetail> found,
            int pageNumber) {
        return calls.call("list", Idempotency.IDEMPOTENT, () -> rest.list(metadata, LIVE_STATES, PAGE_LIMIT, token).map(r -> {
            if (r.getStatus() != 200) {
                throw error("list", r);
            }
            E2bDtos.SandboxDetail[] items = r.readEntity(E2bDtos.SandboxDetail[].class);
            return new Page(items == null ? List.of() : List.of(items), r.getHeaderString("X-Next-Token"));
        })).chain(p -> {
            // Keyed by id: a sandbox that moves between pages while they are read is listed once.
            p.items().forEach(s -> found.put(s.sandboxID(), s));
            if (p.nextToken() == null || p.nextToken().isBlank()) {
                return Uni.createFrom().item(new ArrayList<>(found.values()));
            }
            if (pageNumber >= MAX_PAGES || p.nextToken().equals(token)) {
                return Uni.createFrom().failure(new ProviderException(Kind.FAILED,
                        "e2b list did not end after " + pageNumber + " pages"));
            }
            return page(metadata, p.nextToken(), found, pageNumber + 1);
        });
    }

    /**
     * The {@code metadata} query value, already percent-encoded: the JS SDK sends
     * {@code encodeURIComponent(new URLSearchParams(filter))}, and the server decodes the parameter, then parses the
     * result as a query string. So each key and value is form-encoded, and the whole string is encoded once more.
     */
    static String metadataQuery(Map<String, String> filter) {
        String inner = new TreeMap<>(filter).entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return encode(inner);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** {@code POST /sandboxes/{id}/timeout}: the expiry becomes now + {@code seconds} (E2B clamps it to the plan). */
    public Uni<TimeoutChange> setTimeout(String id, long seconds) {
        return calls.call("timeout", Idempotency.IDEMPOTENT, () -> rest.setTimeout(id, new E2bDtos.Timeout(seconds)).map(r -> {
            if (r.getStatus() == 204 || r.getStatus() == 200) {
                return TimeoutChange.SET;
            }
            if (r.getStatus() == 404) {
                return TimeoutChange.NOT_FOUND;
            }
            ProviderException e = error("timeout", r);
            if (r.getStatus() == 400 && e.getMessage().toLowerCase(Locale.ROOT).contains(MAX_LENGTH_EXCEEDED)) {
                return TimeoutChange.MAX_LENGTH_EXCEEDED;
            }
            if (invalidId(e)) {
                return TimeoutChange.NOT_FOUND;
            }
            throw e;
        }));
    }

    /** {@code POST /sandboxes/{id}/pause}: true once paused (409, already paused, counts), false when gone. */
    public Uni<Boolean> pause(String id) {
        return calls.call("pause", Idempotency.IDEMPOTENT, () -> rest.pause(id).map(r -> {
            if (r.getStatus() == 204 || r.getStatus() == 200 || r.getStatus() == 409) {
                return true;
            }
            if (r.getStatus() == 404) {
                return false;
            }
            ProviderException e = error("pause", r);
            if (invalidId(e)) {
                return false;
            }
            throw e;
        }));
    }

    /**
     * {@code POST /sandboxes/{id}/connect}: resumes a paused sandbox (201) or extends a running one (200). Empty
     * when the sandbox is gone.
     */
    public Uni<Optional<E2bDtos.Sandbox>> connect(String id, long seconds) {
        return calls.call("connect", Idempotency.IDEMPOTENT, () -> rest.connect(id, new E2bDtos.Timeout(seconds)).map(r -> {
            if (r.getStatus() == 200 || r.getStatus() == 201) {
                return Optional.ofNullable(r.readEntity(E2bDtos.Sandbox.class));
            }
            if (r.getStatus() == 404) {
                return Optional.<E2bDtos.Sandbox> empty();
            }
            ProviderException e = error("connect", r);
            if (invalidId(e)) {
                return Optional.<E2bDtos.Sandbox> empty();
            }
            throw e;
        }));
    }

    /** A 400 "Invalid sandbox ID": E2B answered, and no sandbox can have that id, so it counts as not found. */
    private static boolean invalidId(ProviderException e) {
        return e.kind() == Kind.BAD_REQUEST && e.getMessage().toLowerCase(Locale.ROOT).contains(INVALID_ID);
    }

    /** The typed error for a control-plane answer; E2B's error body is {@code {"code","message","error_code"?}}. */
    private ProviderException error(String operation, Response r) {
        int status = r.getStatus();
        String message = message(r);
        Duration retryAfter = ProviderException.parseRetryAfter(r.getHeaderString("Retry-After"));
        boolean quota = status == 507
                || status == 429 && message.toLowerCase(Locale.ROOT).contains(CONCURRENCY_CAP);
        LOG.debugf("e2b %s answered %d: %s", operation, status, message);
        return ProviderException.fromStatus(PROVIDER, operation, status, message, retryAfter, quota);
    }

    private String message(Response r) {
        if (!r.hasEntity()) {
            return "";
        }
        String body;
        try {
            body = r.readEntity(String.class);
        } catch (RuntimeException e) {
            return "(unreadable body: " + e.getClass().getSimpleName() + ")";
        }
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            E2bDtos.ApiError error = json.readValue(body, E2bDtos.ApiError.class);
            if (error != null && error.message() != null) {
                return abbreviate(error.errorCode() == null ? error.message() : error.message() + " (" + error.errorCode() + ")");
            }
        } catch (IOException e) {
            // Not E2B's JSON (an HTML page from a load balancer, say): report the raw text instead.
        }
        return abbreviate(body);
    }

    /** One line of at most {@value #MAX_MESSAGE_CHARS} characters, for exception messages. */
    static String abbreviate(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= MAX_MESSAGE_CHARS ? line : line.substring(0, MAX_MESSAGE_CHARS) + "…";
    }
}
