package dev.switchboard.files;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.files.FragmentRepository.NewFragment;
import io.smallrye.mutiny.Uni;

/** Stores fragments as manifests over content-addressed blobs, and reads their files back. No access rules here. */
@ApplicationScoped
public class FragmentService {

    private final BlobStore blobs;
    private final FragmentRepository fragments;

    public FragmentService(BlobStore blobs, FragmentRepository fragments) {
        this.blobs = blobs;
        this.fragments = fragments;
    }

    /** Stores files (already checked against the rules and limits) as a new fragment. */
    public Uni<Fragment> store(UUID projectId, String userId, String title, List<StoredFile> files) {
        Map<String, byte[]> byHash = new HashMap<>();
        List<ManifestEntry> manifest = new ArrayList<>(files.size());
        for (StoredFile f : files) {
            String hash = Hashes.sha256(f.content());
            byHash.put(hash, f.content());
            manifest.add(new ManifestEntry(f.path(), hash, f.content().length, f.executable()));
        }
        return blobs.putAll(byHash).chain(() -> fragments.insert(
                new NewFragment(projectId, title, userId, null, manifest, Hashes.manifest(manifest))));
    }

    /** Stores a manifest whose blobs are stored already (save-back); an identical save-back of the sandbox is reused. */
    public Uni<Fragment> storeManifest(UUID projectId, String userId, String title, String savedFromSandbox,
            List<ManifestEntry> manifest) {
        return fragments.insert(new NewFragment(projectId, title, userId, savedFromSandbox, manifest, Hashes.manifest(manifest)));
    }

    public Uni<List<ManifestEntry>> manifest(UUID fragmentId) {
        return fragments.manifest(fragmentId);
    }

    /** The fragment's files with their bytes, in path order. Holds the whole fragment (at most its byte limit). */
    public Uni<List<StoredFile>> files(UUID fragmentId) {
        return fragments.manifest(fragmentId).chain(manifest -> blobs.getAll(manifest.stream().map(ManifestEntry::hash).distinct().toList())
                .map(content -> {
                    List<StoredFile> files = new ArrayList<>(manifest.size());
                    for (ManifestEntry e : manifest) {
                        byte[] bytes = content.get(e.hash());
                        if (bytes == null) {
                            throw new IllegalStateException("blob " + e.hash() + " of " + e.path() + " is missing");
                        }
                        files.add(new StoredFile(e.path(), bytes, e.executable()));
                    }
                    return files;
                }));
    }

    /** Path to blob hash, for comparisons. */
    public static Map<String, String> hashes(List<ManifestEntry> manifest) {
        Map<String, String> m = new LinkedHashMap<>();
        manifest.forEach(e -> m.put(e.path(), e.hash()));
        return m;
    }
}
