package dev.switchboard.provider;

import java.time.Instant;

/**
 * One entry of a directory listing in a sandbox. {@code path} is relative to the project root, '/'-separated
 * ({@code src/app.js}); {@code size} is null for a directory. A symbolic link is listed as a file with the link's own
 * size and is never followed.
 */
public record DirEntry(String path, boolean directory, Long size, Instant modifiedAt) {
}
