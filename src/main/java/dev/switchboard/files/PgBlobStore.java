package dev.switchboard.files;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Blobs in PostgreSQL ({@code bytea}), the only table this class writes. */
@ApplicationScoped
public class PgBlobStore implements BlobStore {

    /** Rows per insert batch: bounds one statement's size (blobs are at most a few MiB each). */
    private static final int BATCH = 64;

    private final Pool db;

    public PgBlobStore(Pool db) {
        this.db = db;
    }

    @Override
    public Uni<Void> putAll(Map<String, byte[]> blobsByHash) {
        if (blobsByHash.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>(blobsByHash.size());
        blobsByHash.forEach((hash, content) -> rows.add(Tuple.of(hash, (long) content.length, io.vertx.core.buffer.Buffer.buffer(content))));
        Uni<Void> all = Uni.createFrom().voidItem();
        for (int i = 0; i < rows.size(); i += BATCH) {
            List<Tuple> batch = rows.subList(i, Math.min(rows.size(), i + BATCH));
            all = all.chain(() -> db.preparedQuery(
                    "INSERT INTO blobs (hash, size, content) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING")
                    .executeBatch(batch).replaceWithVoid());
        }
        return all;
    }

    @Override
    public Uni<Map<String, byte[]>> getAll(Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return db.preparedQuery("SELECT hash, content FROM blobs WHERE hash = ANY($1)")
                .execute(Tuple.of(hashes.toArray(new String[0])))
                .map(rows -> {
                    Map<String, byte[]> found = new HashMap<>();
                    for (Row r : rows) {
                        found.put(r.getString("hash"), r.getBuffer("content").getBytes());
                    }
                    return found;
                });
    }
}
