package dev.switchboard.provider.blaxel;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.blaxel.BlaxelModel.Sandbox;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Blaxel's control plane behind Switchboard's fault tolerance: every call goes through the provider's
 * {@link ProviderCalls} (control-plane breaker), and answers become typed results or {@link ProviderException}s.
 */
public final class BlaxelClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BlaxelClient.class);

    static final String PROVIDER = "blaxel";
    /** The API version the SDK pins; from it on, {@code GET /sandboxes} answers pages instead of a bare array. */
    static final String API_VERSION = "2026-04-28";
    static final int PAGE_LIMIT = 200;
    /** A cursor loop in a misbehaving server must not page forever. */
    private static final int MAX_PAGES = 10_000;

    /** How a create call ended, short of a failure. */
    public enum CreateStatus {
        /** Blaxel accepted it and answered the sandbox (usually still DEPLOYING). */
        CREATED,
        /** The edge timed out (504) or the answer was unreadable: the sandbox may exist and must be looked up by name. */
        UNCONFIRMED,
        /** 409 SANDBOX_ALREADY_EXISTS: the name is taken, possibly by a tombstone or by an earlier attempt of ours. */
        NAME_TAKEN
    }

    public record CreateResult(CreateStatus status, Sandbox sandbox) {
    }

    private final BlaxelRestClient rest;
    private final ProviderCalls calls;
    private final ObjectMapper json;
    private final Duration createTimeout;
    private final Map<String, String> headers;

    public BlaxelClient(SwitchboardConfig config, BlaxelConfig blaxel, Vertx vertx, ObjectMapper json) {
        SwitchboardConfig.ProviderCalls limits = config.providerCalls();
        this.headers = headers(blaxel);
        this.json = json;
        this.createTimeout = limits.createTimeout();
        this.calls = new ProviderCalls(PROVIDER, limits);
        Duration longest = limits.createTimeout().compareTo(limits.callTimeout()) > 0 ? limits.createTimeout()
                : limits.callTimeout();
        this.rest = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(blaxel.apiUrl()))
                // ProviderCalls owns the per-call timeouts; these only keep a dead connection from living forever.
                .connectTimeout(limits.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(longest.toMillis(), TimeUnit.MILLISECONDS)
                .disableDefaultMapper(true)
                .followRedirects(false)
                .register(new HeaderFilter(headers))
                .build(BlaxelRestClient.class);
    }

    /** The headers of every Blaxel request, control and data plane alike. */
    static Map<String, String> headers(BlaxelConfig blaxel) {
        String key = blaxel.apiKey().filter(k -> !k.isBlank()).orElseThrow(() -> new IllegalStateException(
                "switchboard.blaxel.api-key (environment variable BL_API_KEY) must be set when switchboard.provider=blaxel"));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + key.strip());
        blaxel.workspace().filter(w -> !w.isBlank()).ifPresent(w -> headers.put("X-Blaxel-Workspace", w.strip()));
        headers.put("Blaxel-Version", API_VERSION);
        return Map.copyOf(headers);
    }

    Map<String, String> headers() {
        return headers;
    }

    public ProviderCalls calls() {
        return calls;
    }

    /**
     * {@code POST /sandboxes}. Repeated here only after an explicit 429/503 (Blaxel refused before acting). A 504 is
     * the edge giving up while Blaxel goes on deploying, so it is reported, not retried; after a timeout, a reset or a
     * 502 the caller looks the sandbox up by name first.
     */
    public Uni<CreateResult> create(Sandbox sandbox) {
        return calls.call("create", Idempotency.CREATE, createTimeout, () -> rest.create(sandbox).map(r -> {
            int status = r.getStatus();
            String body = body(r);
            if (status / 100 == 2) {
                Sandbox created = parse(body, Sandbox.class);
                return new CreateResult(created == null ? CreateStatus.UNCONFIRMED : CreateStatus.CREATED, created);
            }
            if (status == 504) {
                return new CreateResult(CreateStatus.UNCONFIRMED, null);
            }
            BlaxelMapping.ErrorBody error = BlaxelMapping.errorBody(body);
            if (status == 409 || "SANDBOX_ALREADY_EXISTS".equals(error.code())) {
                return new CreateResult(CreateStatus.NAME_TAKEN, null);
            }
            throw error("create", r, error);
        }));
    }

    /** {@code GET /sandboxes/{name}}; empty on 404. */
    public Uni<Optional<Sandbox>> get(String name) {
        return calls.call("get", Idempotency.IDEMPOTENT, () -> fetch(name));
    }

    /**
     * One unguarded {@code GET /sandboxes/{name}}, for use inside another guarded call (the data plane asks it to tell
     * a gone sandbox from a blip) where a nested retry loop would multiply the attempts.
     */
    Uni<Optional<Sandbox>> fetch(String name) {
        return rest.get(name).map(r -> {
            String body = body(r);
            if (r.getStatus() == 404) {
                return Optional.<Sandbox> empty();
            }
            if (r.getStatus() / 100 != 2) {
                throw error("get", r, BlaxelMapping.errorBody(body));
            }
            Sandbox sandbox = parse(body, Sandbox.class);
            if (sandbox == null) {
                throw new ProviderException(ProviderException.Kind.TRANSIENT, "blaxel get answered an unreadable sandbox")
                        .retrySafe(true);
            }
            return Optional.of(sandbox);
        });
    }

    /**
     * {@code GET /sandboxes/{name}} as Blaxel answered it, every field kept, for an {@link #update} that must change
     * nothing but what it means to; empty on 404.
     */
    public Uni<Optional<ObjectNode>> getDocument(String name) {
        return calls.call("get", Idempotency.IDEMPOTENT, () -> rest.get(name).map(r -> {
            String body = body(r);
            if (r.getStatus() == 404) {
                return Optional.<ObjectNode> empty();
            }
            if (r.getStatus() / 100 != 2) {
                throw error("get", r, BlaxelMapping.errorBody(body));
            }
            try {
                if (json.readTree(body) instanceof ObjectNode sandbox) {
                    return Optional.of(sandbox);
                }
            } catch (JsonProcessingException e) {
                LOG.debugf("blaxel get answered unreadable JSON: %s", e.getOriginalMessage());
            }
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "blaxel get answered an unreadable sandbox")
                    .retrySafe(true);
        }));
    }

    /**
     * {@code PUT /sandboxes/{name}} with the whole sandbox (see {@link #getDocument}). Idempotent: the same document
     * twice is one change. Answers the sandbox as updated, or empty on 404.
     */
    public Uni<Optional<Sandbox>> update(String name, ObjectNode sandbox) {
        String document;
        try {
            document = json.writeValueAsString(sandbox);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new ProviderException(ProviderException.Kind.FAILED,
                    "cannot write the blaxel sandbox " + name, null, e));
        }
        return calls.call("update", Idempotency.IDEMPOTENT, () -> rest.update(name, document).map(r -> {
            String body = body(r);
            if (r.getStatus() == 404) {
                return Optional.<Sandbox> empty();
            }
            if (r.getStatus() / 100 != 2) {
                throw error("update", r, BlaxelMapping.errorBody(body));
            }
            Sandbox updated = parse(body, Sandbox.class);
            return Optional.of(updated != null ? updated : json.convertValue(sandbox, Sandbox.class));
        }));
    }

    /** {@code DELETE /sandboxes/{name}} (asynchronous at Blaxel): true when deleted, false when it was already gone. */
    public Uni<Boolean> delete(String name) {
        return calls.call("delete", Idempotency.IDEMPOTENT, () -> rest.delete(name).map(r -> {
            String body = body(r);
            int status = r.getStatus();
            if (status == 404) {
                return false;
            }
            if (status / 100 != 2) {
                throw error("delete", r, BlaxelMapping.errorBody(body));
            }
            return true;
        }));
    }

    /** Every sandbox of the workspace, page by page ({@code cursor}, {@code limit}); accepts the older bare array. */
    public Uni<List<Sandbox>> list() {
        return page(null, new ArrayList<>(), new HashSet<>(), 1);
    }

    private Uni<List<Sandbox>> page(String cursor, List<Sandbox> all, Set<String> seen, int pageNumber) {
        return calls.call("list", Idempotency.IDEMPOTENT, () -> rest.list(cursor, PAGE_LIMIT).map(this::parsePage))
                .chain(page -> {
                    all.addAll(page.sandboxes());
                    String next = page.nextCursor();
                    if (next == null || !seen.add(next)) {
                        return Uni.createFrom().item(all);
                    }
                    if (pageNumber >= MAX_PAGES) {
                        LOG.warnf("blaxel list stopped after %d pages", pageNumber);
                        return Uni.createFrom().item(all);
                    }
                    return page(next, all, seen, pageNumber + 1);
                });
    }

    private record Page(List<Sandbox> sandboxes, String nextCursor) {
    }

    private Page parsePage(Response r) {
        String body = body(r);
        if (r.getStatus() / 100 != 2) {
            throw error("list", r, BlaxelMapping.errorBody(body));
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "blaxel list answered unreadable JSON", null, e)
                    .retrySafe(true);
        }
        if (root != null && root.isArray()) {
            return new Page(json.convertValue(root, json.getTypeFactory().constructCollectionType(List.class, Sandbox.class)), null);
        }
        BlaxelModel.SandboxPage page = root == null ? null : json.convertValue(root, BlaxelModel.SandboxPage.class);
        if (page == null) {
            return new Page(List.of(), null);
        }
        List<Sandbox> data = page.data() == null ? List.of() : page.data();
        boolean more = page.meta() != null && Boolean.TRUE.equals(page.meta().hasMore());
        String next = more && page.meta().nextCursor() != null && !page.meta().nextCursor().isBlank() ? page.meta().nextCursor()
                : null;
        return new Page(data, next);
    }

    private static String body(Response r) {
        if (!r.hasEntity()) {
            return "";
        }
        String text = r.readEntity(String.class);
        return text == null ? "" : text;
    }

    private <T> T parse(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readValue(body, type);
        } catch (JsonProcessingException e) {
            LOG.debugf("blaxel answered unreadable JSON for %s: %s", type.getSimpleName(), e.getOriginalMessage());
            return null;
        }
    }

    static ProviderException error(String operation, Response r, BlaxelMapping.ErrorBody error) {
        String message = error.message();
        if (error.code() != null && !error.code().matches("[0-9]+")) {
            message = error.code() + (message == null ? "" : ": " + message);
        }
        return ProviderException.fromStatus(PROVIDER, operation, r.getStatus(), message,
                ProviderException.parseRetryAfter(r.getHeaderString("Retry-After")), error.quotaExceeded());
    }

    @Override
    public void close() {
        if (rest instanceof Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debugf("closing the Blaxel REST client: %s", e.getMessage());
            }
        }
    }

    /** Adds the API key, workspace and API version to every control-plane request. */
    private static final class HeaderFilter implements ClientRequestFilter {
        private final Map<String, String> headers;

        HeaderFilter(Map<String, String> headers) {
            this.headers = headers;
        }

        @Override
        public void filter(ClientRequestContext context) {
            headers.forEach((name, value) -> context.getHeaders().putSingle(name, value));
        }
    }
}
