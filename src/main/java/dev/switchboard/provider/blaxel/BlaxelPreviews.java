package dev.switchboard.provider.blaxel;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Public URLs of a Blaxel sandbox's ports: one public preview per port, named after it, looked up first and created
 * when missing (control plane {@code /sandboxes/{name}/previews}). The fixed name makes a repeated or racing create
 * harmless: Blaxel answers 409 and the existing preview is read again.
 */
final class BlaxelPreviews {

    private final WebClient web;
    private final ProviderCalls calls;
    private final Map<String, String> headers;
    private final String apiUrl;
    private final ObjectMapper json;
    private final Duration callTimeout;

    BlaxelPreviews(WebClient web, ProviderCalls calls, Map<String, String> headers, String apiUrl, ObjectMapper json,
            Duration callTimeout) {
        this.web = web;
        this.calls = calls;
        this.headers = Map.copyOf(headers);
        this.apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        this.json = json;
        this.callTimeout = callTimeout;
    }

    static String previewName(int port) {
        return "switchboard-port-" + port;
    }

    /** The preview's URL; GONE when the sandbox is (a 404 for the sandbox itself, as the caller checked it first). */
    Uni<String> url(String sandbox, int port) {
        return get(sandbox, port).chain(found -> found != null ? Uni.createFrom().item(found)
                : create(sandbox, port).chain(made -> made != null ? Uni.createFrom().item(made) : get(sandbox, port))
                        .map(url -> {
                            if (url == null) {
                                throw new ProviderException(Kind.FAILED, "blaxel preview of port " + port + " of " + sandbox
                                        + " was neither created nor found");
                            }
                            return url;
                        }));
    }

    /** The URL of the port's preview, or null when there is none. */
    private Uni<String> get(String sandbox, int port) {
        String path = "/sandboxes/" + BlaxelMapping.encodePath(sandbox) + "/previews/" + previewName(port);
        return calls.call("preview.get", Idempotency.IDEMPOTENT, () -> request(HttpMethod.GET, path).send().map(r -> {
            if (r.statusCode() == 404) {
                return null;
            }
            if (r.statusCode() != 200) {
                throw error("preview.get", r);
            }
            return urlOf(r, "preview.get");
        }));
    }

    /** Creates the public preview; null when one of that name appeared meanwhile (409). */
    private Uni<String> create(String sandbox, int port) {
        ObjectNode body = json.createObjectNode();
        body.putObject("metadata").put("name", previewName(port));
        body.putObject("spec").put("port", port).put("public", true);
        String path = "/sandboxes/" + BlaxelMapping.encodePath(sandbox) + "/previews";
        return calls.call("preview.create", Idempotency.IDEMPOTENT, () -> request(HttpMethod.POST, path)
                .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString())).map(r -> {
                    if (r.statusCode() == 409) {
                        return null;
                    }
                    if (r.statusCode() == 404) {
                        throw new ProviderException(Kind.GONE, "blaxel sandbox " + sandbox + " is gone (preview.create answered 404)");
                    }
                    if (r.statusCode() / 100 != 2) {
                        throw error("preview.create", r);
                    }
                    return urlOf(r, "preview.create");
                }));
    }

    private HttpRequest<Buffer> request(HttpMethod method, String path) {
        HttpRequest<Buffer> request = web.requestAbs(method, apiUrl + path).timeout(Math.max(1, callTimeout.toMillis()));
        headers.forEach(request::putHeader);
        return request.putHeader("Accept", "application/json");
    }

    private String urlOf(HttpResponse<Buffer> r, String operation) {
        try {
            JsonNode url = json.readTree(r.bodyAsString()).path("spec").path("url");
            if (!url.isTextual() || url.asText().isBlank()) {
                throw new ProviderException(Kind.FAILED, "blaxel " + operation + " answered a preview without a URL");
            }
            return url.asText();
        } catch (IOException e) {
            throw new ProviderException(Kind.FAILED, "blaxel " + operation + " answered unreadable JSON", null, e);
        }
    }

    private static ProviderException error(String operation, HttpResponse<Buffer> r) {
        BlaxelMapping.ErrorBody body = BlaxelMapping.errorBody(r.bodyAsString());
        return ProviderException.fromStatus(BlaxelClient.PROVIDER, operation, r.statusCode(), body.message(),
                ProviderException.parseRetryAfter(r.getHeader("Retry-After")), body.quotaExceeded());
    }
}
