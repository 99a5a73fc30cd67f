package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.vertx.mutiny.core.Vertx;

/** Shared setup of the local provider's exec and isolation tests. */
final class LocalTestSandboxes {

    static final List<String> JVM_OPTIONS = List.of("-Xmx32m", "-Xss512k", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    private LocalTestSandboxes() {
    }

    static LocalSandboxProvider provider(Path dataRoot, Vertx vertx) {
        return new LocalSandboxProvider(dataRoot, Duration.ofSeconds(15), JVM_OPTIONS, vertx);
    }

    /** Host pids of the sandbox's processes whose command line starts with {@code prefix}. */
    static Set<Long> commandPids(String sandboxId, String prefix) {
        return new SandboxProcesses(SandboxServer.SANDBOX_VARIABLE, sandboxId).pids().stream()
                .filter(pid -> commandLine(pid).startsWith(prefix)).collect(Collectors.toSet());
    }

    static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
