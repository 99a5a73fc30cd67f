package dev.switchboard.provider.blaxel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * The live sandbox's files on Blaxel, one at a time, through sandbox-api's {@code /filesystem}: listings, capped raw
 * downloads, multipart writes and recursive deletes. A 404 is a missing path while the control plane still has the
 * sandbox, else the sandbox is gone. All calls are idempotent.
 */
final class BlaxelLiveFiles {

    /** A listing larger than this is refused rather than held in memory. */
    private static final long LISTING_BYTES_PER_ENTRY = 1024;
    private static final long LISTING_BYTES_EXTRA = 64 * 1024;
    private static final long PARENT_LISTING_BYTES = 32L * 1024 * 1024;
    /** Go's {@code os.ModeSymlink}, which sandbox-api's {@code permissions} (the mode in octal) carries for a link. */
    private static final long GO_MODE_SYMLINK = 1L << 27;

    private final BlaxelDataClient data;
    private final ProviderCalls calls;
    private final Map<String, String> headers;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Duration callTimeout;

    BlaxelLiveFiles(BlaxelDataClient data, ProviderCalls calls, Map<String, String> headers, HttpClient http,
            ObjectMapper json, Duration callTimeout) {
        this.data = data;
        this.calls = calls;
        this.headers = Map.copyOf(headers);
        this.http = http;
        this.json = json;
        this.callTimeout = callTimeout;
    }

    /** What a capped request got: its status, whether the body passed the cap (then cut short), and the body. */
    private record Fetched(int status, boolean cut, byte[] body, String retryAfter) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static String absolute(String root, String path) {
        return path == null || path.isEmpty() ? root : root.equals("/") ? "/" + path : root + "/" + path;
    }

    Uni<List<DirEntry>> list(String name, String baseUrl, String root, String dir, int maxEntries) {
        long cap = (maxEntries + 1L) * LISTING_BYTES_PER_ENTRY + LISTING_BYTES_EXTRA;
        return listing(name, baseUrl, absolute(root, dir), cap, dir).map(listing -> {
            if (listing == null) {
                if (dir.isEmpty()) {
                    return List.<DirEntry> of(); // no project root yet: an empty project
                }
                throw new ProviderException(Kind.NOT_FOUND, "no directory " + dir + " in " + name);
            }
            JsonNode files = listing.path("files");
            JsonNode subdirectories = listing.path("subdirectories");
            if (files.size() + subdirectories.size() > maxEntries) {
                throw new ProviderException(Kind.TOO_LARGE, dir + " holds more than " + maxEntries + " entries");
            }
            String prefix = dir.isEmpty() ? "" : dir + "/";
            List<DirEntry> out = new ArrayList<>();
            subdirectories.forEach(d -> out.add(new DirEntry(prefix + d.path("name").asText(), true, null, null)));
            files.forEach(f -> out.add(new DirEntry(prefix + f.path("name").asText(), false, f.path("size").asLong(0),
                    BlaxelMapping.parseInstant(f.path("lastModified").asText(null)))));
            out.sort(Comparator.comparing(DirEntry::path));
            return List.copyOf(out);
        });
    }

    /**
     * The directory's listing; null when nothing is there. A file there answers its content as JSON, which is not a
     * directory: NOT_FOUND. A listing past {@code cap} bytes: TOO_LARGE.
     */
    private Uni<JsonNode> listing(String name, String baseUrl, String absolute, long cap, String shown) {
        return fetch(name, "fs.read", HttpMethod.GET, baseUrl + "/filesystem/" + BlaxelMapping.encodePath(absolute),
                "application/json", cap).chain(f -> {
                    if (f.status() == 404) {
                        return goneOr(name, f, null);
                    }
                    if (f.status() != 200) {
                        return data.failure("fs.read", name, f.status(), f.text(), f.retryAfter());
                    }
                    if (f.cut()) {
                        return Uni.createFrom().failure(new ProviderException(Kind.TOO_LARGE, "the listing of " + shown
                                + " is larger than " + cap + " bytes"));
                    }
                    JsonNode node = parse(f);
                    if (!node.has("files") && !node.has("subdirectories")) {
                        return Uni.createFrom().failure(new ProviderException(Kind.NOT_FOUND, shown + " is not a directory"));
                    }
                    return Uni.createFrom().item(node);
                });
    }

    /**
     * The parent's listing says what the path is (sandbox-api's raw read would follow a link and answer a directory
     * as JSON), then a raw download cut off past {@code maxBytes}.
     */
    Uni<byte[]> read(String name, String baseUrl, String root, String path, long maxBytes) {
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "" : path.substring(0, slash);
        String base = path.substring(slash + 1);
        return listing(name, baseUrl, absolute(root, parent), PARENT_LISTING_BYTES, parent.isEmpty() ? "/" : parent)
                .onFailure(e -> e instanceof ProviderException p && p.kind() == Kind.NOT_FOUND).recoverWithNull()
                .chain(listing -> {
                    JsonNode entry = null;
                    for (JsonNode f : listing == null ? json.createArrayNode() : listing.path("files")) {
                        if (base.equals(f.path("name").asText())) {
                            entry = f;
                        }
                    }
                    if (entry == null || isLink(entry.path("permissions").asText(""))) {
                        return Uni.createFrom().failure(notFound(name, path));
                    }
                    if (entry.path("size").asLong(0) > maxBytes) {
                        return Uni.createFrom().failure(tooLarge(path, maxBytes));
                    }
                    String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(absolute(root, path)) + "?download=true";
                    return fetch(name, "fs.read", HttpMethod.GET, url, BlaxelDataClient.OCTETS, maxBytes).chain(f -> {
                        if (f.status() == 404) {
                            return goneOr(name, f, null).chain(x -> Uni.createFrom().failure(notFound(name, path)));
                        }
                        if (f.status() != 200) {
                            return data.failure("fs.read", name, f.status(), f.text(), f.retryAfter());
                        }
                        return f.cut() ? Uni.createFrom().failure(tooLarge(path, maxBytes)) : Uni.createFrom().item(f.body());
                    });
                });
    }

    /** sandbox-api sends the mode in octal, Go style; a symbolic form is accepted too. */
    static boolean isLink(String permissions) {
        if (permissions.startsWith("l")) {
            return true;
        }
        try {
            return (Long.parseLong(permissions, 8) & GO_MODE_SYMLINK) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A multipart PUT, which makes the parents; sandbox-api answers a failed write (a directory in the way) with 422. */
    Uni<Void> write(String name, String baseUrl, String root, String path, byte[] content) {
        return data.upload(name, baseUrl, absolute(root, path), content, "0644")
                .onFailure(e -> e instanceof ProviderException p && p.status() == 422).transform(e -> new ProviderException(
                        Kind.CONFLICT, "cannot write " + path + ": " + e.getMessage(), null, e));
    }

    /** {@code DELETE ?recursive=true}; a 404 in a live sandbox means nothing was there. */
    Uni<Boolean> delete(String name, String baseUrl, String root, String path) {
        String url = baseUrl + "/filesystem/" + BlaxelMapping.encodePath(absolute(root, path)) + "?recursive=true";
        return fetch(name, "fs.delete", HttpMethod.DELETE, url, "application/json", 64 * 1024).chain(f -> {
            if (f.status() == 404) {
                return goneOr(name, f, false);
            }
            if (f.status() / 100 != 2) {
                return data.failure("fs.delete", name, f.status(), f.text(), f.retryAfter());
            }
            return Uni.createFrom().item(true);
        });
    }

    private <T> Uni<T> goneOr(String name, Fetched f, T otherwise) {
        return data.isGone(name).chain(gone -> gone
                ? Uni.createFrom().failure(new ProviderException(Kind.GONE, "blaxel sandbox " + name + " is gone (answered "
                        + f.status() + ")"))
                : Uni.createFrom().item(otherwise));
    }

    private JsonNode parse(Fetched f) {
        try {
            return json.readTree(f.body());
        } catch (IOException e) {
            throw new ProviderException(Kind.FAILED, "blaxel answered an unreadable listing", null, e);
        }
    }

    /** One guarded request whose body is kept up to {@code cap} bytes; past that the connection is reset. */
    private Uni<Fetched> fetch(String name, String operation, HttpMethod method, String url, String accept, long cap) {
        // Blips (a waking sandbox, the edge) fail inside the guard, so they are retried; a gone sandbox is not.
        return calls.onSandbox(name, operation, Idempotency.IDEMPOTENT,
                () -> Uni.createFrom().completionStage(() -> send(method, url, accept, cap).toCompletionStage())
                        .chain(f -> f.status() == 429 || f.status() == 502 || f.status() == 503 || f.status() == 504
                                ? data.<Fetched> failure(operation, name, f.status(), f.text(), f.retryAfter())
                                : Uni.createFrom().item(f)));
    }

    private Future<Fetched> send(HttpMethod method, String url, String accept, long cap) {
        RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url)
                .setIdleTimeout(callTimeout.toMillis());
        headers.forEach(options::putHeader);
        options.putHeader("Accept", accept);
        return http.request(options).compose(HttpClientRequest::send).compose(response -> {
            Promise<Fetched> done = Promise.promise();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String retryAfter = response.getHeader("Retry-After");
            response.exceptionHandler(done::tryFail);
            response.handler(chunk -> {
                if (done.future().isComplete()) {
                    return;
                }
                if (out.size() + (long) chunk.length() > cap) {
                    done.tryComplete(new Fetched(response.statusCode(), true, out.toByteArray(), retryAfter));
                    response.request().reset();
                    return;
                }
                out.writeBytes(chunk.getBytes());
            });
            response.endHandler(v -> done.tryComplete(new Fetched(response.statusCode(), false, out.toByteArray(), retryAfter)));
            return done.future();
        });
    }

    private static ProviderException notFound(String name, String path) {
        return new ProviderException(Kind.NOT_FOUND, "no regular file " + path + " in " + name);
    }

    private static ProviderException tooLarge(String path, long maxBytes) {
        return new ProviderException(Kind.TOO_LARGE, path + " is larger than " + maxBytes + " bytes");
    }
}
