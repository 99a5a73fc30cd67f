package dev.switchboard.files;

import java.util.Collection;
import java.util.Map;

import io.smallrye.mutiny.Uni;

/** Content-addressed storage of file bytes, keyed by SHA-256 (lower-case hex). A seam for an object store later. */
public interface BlobStore {

    /** Stores the blobs not stored yet; storing known content again is a no-op. Keys must be the content's SHA-256. */
    Uni<Void> putAll(Map<String, byte[]> blobsByHash);

    /** The stored content of the given hashes; a hash without a blob is absent from the answer. */
    Uni<Map<String, byte[]>> getAll(Collection<String> hashes);
}
