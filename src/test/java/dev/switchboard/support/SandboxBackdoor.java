package dev.switchboard.support;

import java.util.Optional;

/**
 * What a test can do to a provider's sandboxes from outside the service, the same way for every provider: read
 * what a sandbox holds, change files inside it (as the user's code or an agent would) and kill it behind the
 * service's back (a crash, an expiry). Implemented over the local provider's directories and over each fake.
 */
public interface SandboxBackdoor {

    /** The content of a file in the sandbox's project root; empty when the file does not exist. Fails if the sandbox is gone. */
    Optional<String> read(String sandboxId, String sandboxUrl, String path);

    /** Whether the sandbox still answers at all. */
    boolean reachable(String sandboxId, String sandboxUrl);

    /** Writes a file inside the sandbox's project root. */
    void write(String sandboxId, String path, String content);

    /** The bytes of a file in the sandbox's project root; empty when it does not exist. */
    Optional<byte[]> readBytes(String sandboxId, String path);

    /** Writes bytes into a file inside the sandbox's project root, creating directories. */
    void writeBytes(String sandboxId, String path, byte[] content);

    /** Deletes a file inside the sandbox's project root. */
    void delete(String sandboxId, String path);

    /** Makes the sandbox disappear without the service knowing. */
    void killBehindBack(String sandboxId);
}
