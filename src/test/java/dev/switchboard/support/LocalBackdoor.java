package dev.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The backdoor into local sandboxes: their directories and server processes. */
public class LocalBackdoor implements SandboxBackdoor {

    @Override
    public Optional<String> read(String sandboxId, String sandboxUrl, String path) {
        HttpResponse<String> r = Http.get(sandboxUrl + "/" + path);
        if (r == null) {
            throw new IllegalStateException("sandbox " + sandboxId + " does not answer");
        }
        return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
    }

    @Override
    public boolean reachable(String sandboxId, String sandboxUrl) {
        return Http.get(sandboxUrl + "/") != null;
    }

    @Override
    public void write(String sandboxId, String path, String content) {
        try {
            LocalSandboxes.write(sandboxId, path, content);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<byte[]> readBytes(String sandboxId, String path) {
        Path file = LocalSandboxes.dir(sandboxId).resolve("files").resolve(path);
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void writeBytes(String sandboxId, String path, byte[] content) {
        Path file = LocalSandboxes.dir(sandboxId).resolve("files").resolve(path);
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void delete(String sandboxId, String path) {
        try {
            Files.delete(LocalSandboxes.dir(sandboxId).resolve("files").resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void killBehindBack(String sandboxId) {
        try {
            LocalSandboxes.killProcess(sandboxId);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
