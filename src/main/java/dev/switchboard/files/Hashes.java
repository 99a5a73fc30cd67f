package dev.switchboard.files;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 of blobs and of manifests, as lower-case hex. */
public final class Hashes {

    private Hashes() {
    }

    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(digest().digest(content));
    }

    /** A digest of a manifest (paths, blob hashes, executable bits), independent of entry order. */
    public static String manifest(List<ManifestEntry> entries) {
        MessageDigest d = digest();
        entries.stream().sorted(Comparator.comparing(ManifestEntry::path)).forEach(e -> {
            d.update(e.path().getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(e.hash().getBytes(StandardCharsets.US_ASCII));
            d.update((byte) (e.executable() ? 1 : 0));
        });
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
