package dev.switchboard.provider.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/** Commands in a local sandbox: {@code bash -c} in its files directory, as the sandbox's own code would run. */
final class LocalExec {

    private LocalExec() {
    }

    /** Runs {@code command} in the files directory of the live sandbox in {@code dir}. Blocking. */
    static ExecResult run(Path dir, String command, Duration timeout, int maxOutputBytes) throws IOException {
        // Output goes to files outside files/, so a chatty command can neither block on a pipe nor be saved back.
        Path out = Files.createTempFile(dir, "exec-", ".out");
        Path err = Files.createTempFile(dir, "exec-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("/bin/bash", "-c", command)
                    .directory(dir.resolve(SandboxServer.FILES_DIR).toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().keySet().retainAll(LocalProcesses.INHERITED_ENV);
            // The command and whatever it leaves running belong to the sandbox: paused, resumed and killed with it.
            LocalProcesses.tag(builder.environment(), dir);
            Process process = builder.start();
            if (LocalState.isPaused(dir)) {
                // Paused since the caller checked: the pause's scan may have missed this process, so it must not run.
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new ProviderException(Kind.CONFLICT, "local sandbox " + dir.getFileName() + " is paused: resume it first");
            }
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finished = false;
            }
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            Capped stdout = capped(out, maxOutputBytes);
            Capped stderr = capped(err, maxOutputBytes);
            return new ExecResult(finished ? process.exitValue() : -1, stdout.text(), stderr.text(),
                    stdout.truncated() || stderr.truncated(), !finished);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private record Capped(String text, boolean truncated) {
    }

    private static Capped capped(Path file, int max) throws IOException {
        long size = Files.size(file);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(size, Math.max(0, max)));
        }
        return new Capped(new String(bytes, StandardCharsets.UTF_8), size > max);
    }
}
