package dev.switchboard.provider;

import java.util.List;

/** A scan of a sandbox's project root; {@code truncated} when it stopped at {@link ScanSpec#maxEntries()}. */
public record FileListing(List<FileEntry> entries, boolean truncated) {

    public FileListing {
        entries = List.copyOf(entries);
    }
}
