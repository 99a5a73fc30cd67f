package dev.switchboard.fake.blaxel;

import java.util.Optional;

import dev.switchboard.support.SandboxBackdoor;

/** Reaches into the fake's sandboxes from outside the service: what a process in the sandbox, or a crash, would do. */
public final class BlaxelBackdoor implements SandboxBackdoor {

    private final BlaxelFake fake;
    private final String projectRoot;

    public BlaxelBackdoor(BlaxelFake fake, String projectRoot) {
        this.fake = fake;
        this.projectRoot = projectRoot.endsWith("/") ? projectRoot.substring(0, projectRoot.length() - 1) : projectRoot;
    }

    @Override
    public Optional<String> read(String sandboxId, String sandboxUrl, String path) {
        if (!fake.serving(sandboxId)) {
            throw new IllegalStateException("blaxel sandbox " + sandboxId + " is gone");
        }
        return fake.file(sandboxId, projectRoot + "/" + path);
    }

    @Override
    public boolean reachable(String sandboxId, String sandboxUrl) {
        return fake.serving(sandboxId);
    }

    @Override
    public void write(String sandboxId, String path, String content) {
        fake.putFile(sandboxId, projectRoot + "/" + path, content);
    }

    @Override
    public Optional<byte[]> readBytes(String sandboxId, String path) {
        return fake.bytes(sandboxId, projectRoot + "/" + path);
    }

    @Override
    public void writeBytes(String sandboxId, String path, byte[] content) {
        fake.putBytes(sandboxId, projectRoot + "/" + path, content);
    }

    @Override
    public void delete(String sandboxId, String path) {
        fake.deleteFile(sandboxId, projectRoot + "/" + path);
    }

    @Override
    public void killBehindBack(String sandboxId) {
        fake.vanish(sandboxId);
    }
}
