package dev.switchboard.fake.blaxel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * sandbox-api's streamed processes, for real: {@code POST /process} with {@code Accept: text/event-stream} answers
 * NDJSON ({@code stdout}/{@code stderr} chunks as they come, a {@code keepalive} every 5 s, then {@code result} with
 * the process as JSON text, or {@code error} when it could not start). As sandbox-api: the process runs in its own
 * process group, a client that goes away leaves it running, and {@code DELETE /process/{id}/kill} SIGKILLs the group.
 */
final class BlaxelFakeProcesses {

    private static final long KEEPALIVE_MILLIS = 5000;

    /** One process of a sandbox, by name and pid. */
    private record Running(String sandbox, String name, String pid, Process process) {
    }

    private final Vertx vertx;
    private final Map<String, Running> byKey = new ConcurrentHashMap<>();

    BlaxelFakeProcesses(Vertx vertx) {
        this.vertx = vertx;
    }

    private static String key(String sandbox, String id) {
        return sandbox + "|" + id;
    }

    /** Whether a process of that name is running in the sandbox (sandbox-api refuses a second one with 400). */
    boolean running(String sandbox, String name) {
        Running r = byKey.get(key(sandbox, name));
        return r != null && r.process().isAlive();
    }

    /** Starts {@code command} with bash in {@code cwd} (already checked to exist) and streams it to {@code response}. */
    void stream(String sandbox, HttpServerResponse response, Path cwd, Path home, JsonObject in) {
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/x-ndjson")
                .putHeader("Cache-Control", "no-cache");
        // sandbox-api flushes the headers before it starts the process (c.Writer.Flush()).
        response.writeHead();
        Context context = vertx.getOrCreateContext();
        String command = in.getString("command");
        String workingDir = in.getString("workingDir");
        Process process;
        try {
            // setsid: a new process group led by the command, as sandbox-api's Setpgid, so a kill reaches its children.
            ProcessBuilder builder = new ProcessBuilder("setsid", "/bin/bash", "-c", command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> env = builder.environment();
            env.keySet().retainAll(Set.of("PATH", "LANG", "LC_ALL"));
            env.put("HOME", home.toString());
            in.getJsonObject("env", new JsonObject()).forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            write(context, response, event("error", "failed to start process: " + e.getMessage()), true);
            return;
        }
        String pid = Long.toString(process.pid());
        String name = in.getString("name", pid);
        Running running = new Running(sandbox, name, pid, process);
        byKey.put(key(sandbox, name), running);
        byKey.put(key(sandbox, pid), running);
        Instant started = Instant.now();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        long keepalive = vertx.setPeriodic(KEEPALIVE_MILLIS, id -> write(context, response, event("keepalive", ""), false));
        Thread out = pump(process.getInputStream(), "stdout", stdout, context, response);
        Thread err = pump(process.getErrorStream(), "stderr", stderr, context, response);
        Thread waiter = new Thread(() -> {
            try {
                int exit = process.waitFor();
                out.join(5000);
                err.join(5000);
                vertx.cancelTimer(keepalive);
                String o = stdout.toString(StandardCharsets.UTF_8);
                String e = stderr.toString(StandardCharsets.UTF_8);
                boolean killed = exit == 137 || exit == -9 || exit == 128 + 9;
                JsonObject result = new JsonObject().put("pid", pid).put("name", name).put("command", command)
                        .put("status", killed ? "killed" : exit == 0 ? "completed" : "failed").put("exitCode", exit)
                        .put("workingDir", workingDir).put("stdout", o).put("stderr", e).put("logs", o + e)
                        .put("startedAt", started.toString()).put("completedAt", Instant.now().toString());
                write(context, response, event("result", result.encode()), true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "blaxel-fake-wait");
        waiter.setDaemon(true);
        waiter.start();
    }

    private Thread pump(InputStream in, String type, ByteArrayOutputStream all, Context context, HttpServerResponse response) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    byte[] chunk = Arrays.copyOf(buffer, n);
                    synchronized (all) {
                        all.write(chunk);
                    }
                    write(context, response, event(type, new String(chunk, StandardCharsets.UTF_8)), false);
                }
            } catch (IOException e) {
                // Killed: its pipe closed.
            }
        }, "blaxel-fake-" + type);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Buffer event(String type, String data) {
        JsonObject e = new JsonObject().put("type", type);
        if (!data.isEmpty()) {
            e.put("data", data);
        }
        return Buffer.buffer(e.encode() + "\n");
    }

    /** Writes while the client listens; one that went away misses the rest, and the process runs on. */
    private static void write(Context context, HttpServerResponse response, Buffer line, boolean end) {
        context.runOnContext(v -> {
            if (response.ended() || response.closed()) {
                return;
            }
            response.write(line);
            if (end) {
                response.end();
            }
        });
    }

    /** {@code DELETE /process/{id}/kill}: false (404) when no such process runs. */
    boolean kill(String sandbox, String id) {
        Running r = byKey.get(key(sandbox, id));
        if (r == null || !r.process().isAlive()) {
            return false;
        }
        killGroup(r.process());
        return true;
    }

    /** The sandbox ends: all its processes with it. */
    void killAll(String sandbox) {
        byKey.values().removeIf(r -> {
            if (r.sandbox().equals(sandbox)) {
                killGroup(r.process());
                return true;
            }
            return false;
        });
    }

    private static void killGroup(Process p) {
        try {
            new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        p.destroyForcibly();
    }
}
