package dev.switchboard.provider.e2b;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.DirEntry;
import dev.switchboard.provider.ProviderCalls;
import dev.switchboard.provider.ProviderCalls.Idempotency;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;

/**
 * The live sandbox's files on E2B, one at a time: envd's {@code filesystem.Filesystem} RPCs ({@code ListDir},
 * {@code Stat}, {@code Remove}) and {@code /files} for content. Every call is a read or a whole-file write, so all are
 * retried as idempotent.
 */
final class E2bLiveFiles {

    /** How long a content download may go without data. */
    private static final Duration READ_IDLE = Duration.ofSeconds(60);

    private final E2bEnvdClient envd;
    private final ProviderCalls calls;
    private final ObjectMapper json;
    private final String root;

    E2bLiveFiles(E2bEnvdClient envd, ProviderCalls calls, ObjectMapper json, String root) {
        this.envd = envd;
        this.calls = calls;
        this.json = json;
        this.root = root.length() > 1 && root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    private String absolute(String path) {
        return path == null || path.isEmpty() ? root : root + "/" + path;
    }

    /**
     * {@code ListDir} with depth 1. envd reports a symbolic link with its target's type and a {@code symlinkTarget}:
     * listed as a file here, never followed. A missing project root is an empty project.
     */
    Uni<List<DirEntry>> list(E2bEnvdClient.Target target, String dir, int maxEntries) {
        ObjectNode body = json.createObjectNode().put("path", absolute(dir)).put("depth", 1);
        return calls.onSandbox(target.sandboxId(), "listdir", Idempotency.IDEMPOTENT,
                () -> envd.rpc(target, "/filesystem.Filesystem/ListDir", body).map(r -> {
                    if (r.statusCode() == 404 || isNotADirectory(r)) {
                        if (dir.isEmpty() && r.statusCode() == 404) {
                            return List.<DirEntry> of();
                        }
                        throw new ProviderException(Kind.NOT_FOUND, "no directory " + dir + " in " + target.sandboxId());
                    }
                    if (r.statusCode() != 200) {
                        throw envd.error("listdir", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                    }
                    JsonNode entries = readJson(r).path("entries");
                    if (entries.size() > maxEntries) {
                        throw new ProviderException(Kind.TOO_LARGE, dir + " holds more than " + maxEntries + " entries");
                    }
                    List<DirEntry> out = new ArrayList<>();
                    for (JsonNode e : entries) {
                        String name = e.path("name").asText("");
                        if (name.isEmpty()) {
                            continue;
                        }
                        boolean link = e.hasNonNull("symlinkTarget");
                        boolean directory = !link && "FILE_TYPE_DIRECTORY".equals(e.path("type").asText());
                        // proto3 JSON: int64 as a string, zero left out.
                        Long size = directory ? null : Long.parseLong(e.path("size").asText("0"));
                        out.add(new DirEntry(dir.isEmpty() ? name : dir + "/" + name, directory, size,
                                E2bMapping.parseTime(e.path("modifiedTime").asText(null))));
                    }
                    out.sort(Comparator.comparing(DirEntry::path));
                    return List.copyOf(out);
                }));
    }

    private static boolean isNotADirectory(HttpResponse<Buffer> r) {
        return r.statusCode() == 400 && r.bodyAsString() != null && r.bodyAsString().contains("not a directory");
    }

    /** {@code Stat} (which does not follow a link) first, so neither a directory nor a link nor a large file is fetched. */
    Uni<byte[]> read(E2bEnvdClient.Target target, String path, long maxBytes) {
        String absolute = absolute(path);
        return stat(target, absolute).chain(entry -> {
            if (entry == null || entry.hasNonNull("symlinkTarget") || !"FILE_TYPE_FILE".equals(entry.path("type").asText())) {
                return Uni.createFrom().failure(notFound(path, target));
            }
            if (Long.parseLong(entry.path("size").asText("0")) > maxBytes) {
                return Uni.createFrom().failure(tooLarge(path, maxBytes));
            }
            return calls.onSandbox(target.sandboxId(), "files.read", Idempotency.IDEMPOTENT,
                    () -> Uni.createFrom().completionStage(() -> fetch(target, path, maxBytes).toCompletionStage()));
        });
    }

    /** Streams the content into memory, cutting the connection as soon as it passes {@code maxBytes} (a growing file). */
    private Future<byte[]> fetch(E2bEnvdClient.Target target, String path, long maxBytes) {
        return envd.http().request(envd.fileRequest(target, absolute(path), READ_IDLE)).compose(req -> req.send().compose(resp -> {
            if (resp.statusCode() != 200) {
                return resp.body().compose(body -> Future.failedFuture(resp.statusCode() == 404 || resp.statusCode() == 400
                        ? notFound(path, target)
                        : envd.error("files.read", target, resp.statusCode(), resp.getHeader("Retry-After"),
                                Buffer.newInstance(body))));
            }
            Promise<byte[]> done = Promise.promise();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            resp.exceptionHandler(done::tryFail);
            resp.handler(chunk -> {
                if (done.future().isComplete()) {
                    return;
                }
                if (out.size() + (long) chunk.length() > maxBytes) {
                    done.tryFail(tooLarge(path, maxBytes));
                    req.reset();
                    return;
                }
                out.writeBytes(chunk.getBytes());
            });
            resp.endHandler(v -> done.tryComplete(out.toByteArray()));
            return done.future();
        }));
    }

    /**
     * {@code POST /files?path=} as octet-stream; envd makes the parents. envd refuses a directory at the path (400 "is a
     * directory") and a file where a parent should be (500 "path is a file"): both are conflicts, not outages.
     */
    Uni<Void> write(E2bEnvdClient.Target target, String path, byte[] content) {
        return calls.onSandbox(target.sandboxId(), "files.write", Idempotency.IDEMPOTENT,
                () -> envd.request(HttpMethod.POST, target, "/files").addQueryParam("path", absolute(path))
                        .addQueryParam("username", E2bEnvdClient.USER)
                        .putHeader("Content-Type", "application/octet-stream")
                        .sendBuffer(Buffer.buffer(content))
                        .map(r -> {
                            if (r.statusCode() == 200 || r.statusCode() == 204) {
                                return null;
                            }
                            String text = r.bodyAsString() == null ? "" : r.bodyAsString();
                            if ((r.statusCode() == 400 || r.statusCode() == 500)
                                    && (text.contains("is a directory") || text.contains("is a file"))) {
                                throw new ProviderException(Kind.CONFLICT, "cannot write " + path + ": a directory is at the "
                                        + "path or a file is in the way of its parent directory");
                            }
                            throw envd.error("files.write", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                        }));
    }

    /** {@code Remove} removes trees and links alike and succeeds for a missing path, so a {@code Stat} says whether anything was there. */
    Uni<Boolean> delete(E2bEnvdClient.Target target, String path) {
        String absolute = absolute(path);
        ObjectNode body = json.createObjectNode().put("path", absolute);
        return stat(target, absolute).chain(entry -> entry == null ? Uni.createFrom().item(false)
                : calls.onSandbox(target.sandboxId(), "remove", Idempotency.IDEMPOTENT,
                        () -> envd.rpc(target, "/filesystem.Filesystem/Remove", body).map(r -> {
                            if (r.statusCode() != 200) {
                                throw envd.error("remove", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                            }
                            return true;
                        })));
    }

    /** The entry at an absolute path, or null when nothing is there. */
    private Uni<JsonNode> stat(E2bEnvdClient.Target target, String absolute) {
        ObjectNode body = json.createObjectNode().put("path", absolute);
        return calls.onSandbox(target.sandboxId(), "stat", Idempotency.IDEMPOTENT,
                () -> envd.rpc(target, "/filesystem.Filesystem/Stat", body).map(r -> {
                    if (r.statusCode() == 404) {
                        return null;
                    }
                    if (r.statusCode() != 200) {
                        throw envd.error("stat", target, r.statusCode(), r.getHeader("Retry-After"), r.body());
                    }
                    return readJson(r).path("entry");
                }));
    }

    private JsonNode readJson(HttpResponse<Buffer> r) {
        try {
            return json.readTree(r.body() == null ? new byte[0] : r.body().getBytes());
        } catch (java.io.IOException e) {
            throw new ProviderException(Kind.FAILED, "e2b answered malformed JSON: " + e.getMessage(), null, e);
        }
    }

    private static ProviderException notFound(String path, E2bEnvdClient.Target target) {
        return new ProviderException(Kind.NOT_FOUND, "no regular file " + path + " in " + target.sandboxId());
    }

    private static ProviderException tooLarge(String path, long maxBytes) {
        return new ProviderException(Kind.TOO_LARGE, path + " is larger than " + maxBytes + " bytes");
    }
}
