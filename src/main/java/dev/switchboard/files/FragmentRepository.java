package dev.switchboard.files;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.common.SqlTime;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/** The SQL of the {@code fragments} and {@code fragment_files} tables; nothing else writes them. */
@ApplicationScoped
public class FragmentRepository {

    private static final String COLUMNS = "id, seq, project_id, title, file_count, total_bytes, created_by, saved_from_sandbox, created_at";

    /** What a new fragment holds; its blobs must be stored already. {@code digest} dedupes save-backs of one sandbox. */
    public record NewFragment(UUID projectId, String title, String createdBy, String savedFromSandbox,
            List<ManifestEntry> files, String digest) {
    }

    private final Pool db;

    public FragmentRepository(Pool db) {
        this.db = db;
    }

    public Uni<Fragment> find(UUID id) {
        return db.preparedQuery("SELECT " + COLUMNS + " FROM fragments WHERE id = $1").execute(Tuple.of(id))
                .map(FragmentRepository::first);
    }

    /** The project's newest fragment, or null. */
    public Uni<Fragment> latest(UUID projectId) {
        return db.preparedQuery("SELECT " + COLUMNS + " FROM fragments WHERE project_id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1")
                .execute(Tuple.of(projectId)).map(FragmentRepository::first);
    }

    /** Newest first. */
    public Uni<List<Fragment>> list(UUID projectId) {
        return db.preparedQuery("SELECT " + COLUMNS + " FROM fragments WHERE project_id = $1 ORDER BY created_at DESC, seq DESC")
                .execute(Tuple.of(projectId)).map(rows -> {
                    List<Fragment> list = new ArrayList<>();
                    rows.forEach(r -> list.add(fragment(r)));
                    return list;
                });
    }

    /** The fragment's files in path order. */
    public Uni<List<ManifestEntry>> manifest(UUID fragmentId) {
        return db.preparedQuery("SELECT path, blob_hash, size, executable FROM fragment_files WHERE fragment_id = $1 ORDER BY path")
                .execute(Tuple.of(fragmentId)).map(rows -> {
                    List<ManifestEntry> files = new ArrayList<>();
                    for (Row r : rows) {
                        files.add(new ManifestEntry(r.getString("path"), r.getString("blob_hash"), r.getLong("size"),
                                r.getBoolean("executable")));
                    }
                    return files;
                });
    }

    /**
     * Inserts the fragment and its manifest in one transaction. A save-back whose sandbox and manifest digest match
     * a stored fragment answers that fragment instead of storing a copy.
     */
    public Uni<Fragment> insert(NewFragment f) {
        UUID id = UUID.randomUUID();
        long bytes = f.files().stream().mapToLong(ManifestEntry::size).sum();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String title = f.title() == null || f.title().isBlank() ? null : f.title().strip();
        return db.withTransaction(conn -> conn.preparedQuery("""
                INSERT INTO fragments (id, project_id, title, file_count, total_bytes, created_by, saved_from_sandbox,
                                       manifest_digest, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (saved_from_sandbox, manifest_digest) WHERE saved_from_sandbox IS NOT NULL AND manifest_digest IS NOT NULL
                DO NOTHING RETURNING """ + " " + COLUMNS)
                .execute(Tuple.from(new Object[] { id, f.projectId(), title, f.files().size(), bytes, f.createdBy(),
                        f.savedFromSandbox(), f.digest(), SqlTime.param(now) }))
                .chain(inserted -> {
                    Fragment created = first(inserted);
                    if (created == null) {
                        return conn.preparedQuery("SELECT " + COLUMNS + " FROM fragments WHERE saved_from_sandbox = $1 AND manifest_digest = $2")
                                .execute(Tuple.of(f.savedFromSandbox(), f.digest())).map(FragmentRepository::first);
                    }
                    if (f.files().isEmpty()) {
                        return Uni.createFrom().item(created);
                    }
                    // One statement for the whole manifest (arrays), not one bound row per file.
                    int n = f.files().size();
                    String[] paths = new String[n];
                    String[] hashes = new String[n];
                    Long[] sizes = new Long[n];
                    Boolean[] executable = new Boolean[n];
                    for (int i = 0; i < n; i++) {
                        ManifestEntry e = f.files().get(i);
                        paths[i] = e.path();
                        hashes[i] = e.hash();
                        sizes[i] = e.size();
                        executable[i] = e.executable();
                    }
                    return conn.preparedQuery("INSERT INTO fragment_files (fragment_id, path, blob_hash, size, executable)"
                            + " SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[])")
                            .execute(Tuple.of(id, paths, hashes, sizes, executable)).replaceWith(created);
                }));
    }

    private static Fragment first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? fragment(it.next()) : null;
    }

    private static Fragment fragment(Row r) {
        return new Fragment(r.getUUID("id"), r.getLong("seq"), r.getUUID("project_id"), r.getString("title"),
                r.getInteger("file_count"), r.getLong("total_bytes"), r.getString("created_by"),
                r.getString("saved_from_sandbox"), SqlTime.instant(r, "created_at"));
    }
}
