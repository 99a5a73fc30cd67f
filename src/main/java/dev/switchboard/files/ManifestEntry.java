package dev.switchboard.files;

/** One file of a fragment's manifest: project path, SHA-256 of its blob (lower-case hex), size, executable bit. */
public record ManifestEntry(String path, String hash, long size, boolean executable) {
}
