package dev.switchboard.provider.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * One local sandbox's static file server, run as its own OS process so the sandbox outlives the service.
 * Uses only JDK classes: the provider launches it from a copy of its class files, without the service's class path.
 */
public final class SandboxServer {

    /** First argument that makes the service's entry point run this server instead of booting Quarkus. */
    public static final String COMMAND = "sandbox-server";

    static final String FILES_DIR = "files";
    static final String EXPIRES_AT_FILE = "expires-at";
    static final String PORT_FILE = "server.port";
    static final String PID_FILE = "server.pid";
    static final String LOG_FILE = "server.log";
    /**
     * The environment variable, naming the sandbox, that every process of a sandbox carries (the server and every
     * command), so all of them can be found, paused and killed together (see {@link SandboxProcesses}).
     */
    static final String SANDBOX_VARIABLE = "SWITCHBOARD_SANDBOX";

    private static final long EXPIRY_CHECK_MILLIS = 1000;
    private static final Duration KILL_WITHIN = Duration.ofSeconds(5);
    private static final int WORKER_THREADS = 3;
    private static final int COPY_BUFFER_BYTES = 64 * 1024;

    private static final Map<String, String> CONTENT_TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json; charset=utf-8"),
            Map.entry("map", "application/json; charset=utf-8"),
            Map.entry("svg", "image/svg+xml; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("md", "text/markdown; charset=utf-8"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("wasm", "application/wasm"));
    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    private SandboxServer() {
    }

    public static void main(String[] args) {
        if (args.length != 1 || args[0].isBlank()) {
            System.err.println("usage: " + COMMAND + " <sandbox-directory>");
            System.exit(2);
            return;
        }
        try {
            run(Path.of(args[0]).toAbsolutePath().normalize());
        } catch (Throwable e) {
            // Everything ends up in server.log, which the provider quotes when a start fails.
            System.err.println(Instant.now() + " sandbox server failed");
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(Path sandboxDir) throws IOException, InterruptedException {
        Path expiresAtFile = sandboxDir.resolve(EXPIRES_AT_FILE);
        // Resolved once: every request is checked against the real root, so a symlinked root cannot move later.
        Path root = sandboxDir.resolve(FILES_DIR).toRealPath();

        // Explicitly IPv4: the provider hands out http://127.0.0.1:<port> URLs.
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        ExecutorService workers = Executors.newFixedThreadPool(WORKER_THREADS, new DaemonThreads());
        server.setExecutor(workers);
        server.createContext("/", new FileHandler(root));
        server.start();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            workers.shutdownNow();
        }, "sandbox-shutdown"));

        // The pid goes first: the provider treats the port file as "ready" and then expects the pid next to it.
        writeAtomically(sandboxDir, PID_FILE, Long.toString(ProcessHandle.current().pid()));
        writeAtomically(sandboxDir, PORT_FILE, Integer.toString(server.getAddress().getPort()));
        System.out.println(Instant.now() + " serving " + root + " on http://127.0.0.1:" + server.getAddress().getPort());

        while (true) {
            Thread.sleep(EXPIRY_CHECK_MILLIS);
            Long expiresAt = readExpiresAt(expiresAtFile);
            if (expiresAt == null) {
                // The directory is being removed by someone else (kill, or cleanup of a sandbox thought dead):
                // a server without a directory could never be found or killed again, so it must not linger.
                System.out.println(Instant.now() + " sandbox directory removed, exiting");
                server.stop(0);
                killCommands(sandboxDir);
                System.exit(0);
            }
            if (System.currentTimeMillis() >= expiresAt) {
                System.out.println(Instant.now() + " sandbox expired, removing " + sandboxDir);
                server.stop(0);
                killCommands(sandboxDir);
                deleteRecursively(sandboxDir);
                System.exit(0);
            }
        }
    }

    /** The sandbox ends with its server: whatever its commands left running (in the background too) is killed. */
    private static void killCommands(Path sandboxDir) {
        try {
            if (!new SandboxProcesses(SANDBOX_VARIABLE, sandboxDir.getFileName().toString()).kill(KILL_WITHIN)) {
                System.err.println(Instant.now() + " some processes of the sandbox outlived SIGKILL");
            }
        } catch (RuntimeException e) {
            System.err.println(Instant.now() + " could not kill the sandbox's processes: " + e);
        }
    }

    /** The expiry in epoch millis, or null when the file is gone. A malformed value is reported and ignored. */
    private static Long readExpiresAt(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            // The provider replaces the file atomically, so this is a manual edit: keep serving rather than guess.
            System.err.println(Instant.now() + " ignoring malformed " + EXPIRES_AT_FILE + ": " + text);
            return Long.MAX_VALUE;
        }
    }

    /** Also used by the provider, so both sides of the on-disk protocol write state files the same way. */
    static void writeAtomically(Path dir, String name, String content) throws IOException {
        Path tmp = Files.createTempFile(dir, "." + name + ".", ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes a tree, tolerating concurrent deleters (the server expiring while a provider kills it). Shared with the provider. */
    static void deleteRecursively(Path dir) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (e instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE;
                        }
                        throw e;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                        if (e != null && !(e instanceof NoSuchFileException)) {
                            throw e;
                        }
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (DirectoryNotEmptyException e) {
                // A file appeared while walking (a concurrent write); walk again.
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /** Serves GET and HEAD for regular files inside the root; everything else is 404 or 405. */
    private static final class FileHandler implements HttpHandler {
        private final Path root;

        FileHandler(Path root) {
            this.root = root;
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String method = exchange.getRequestMethod();
                boolean head = "HEAD".equals(method);
                Headers headers = exchange.getResponseHeaders();
                headers.set("Cache-Control", "no-store");
                headers.set("X-Content-Type-Options", "nosniff");
                if (!head && !"GET".equals(method)) {
                    headers.set("Allow", "GET, HEAD");
                    sendText(exchange, 405, "method not allowed", false);
                    return;
                }
                URI uri = exchange.getRequestURI();
                String rawPath = uri.getRawPath();
                String path = rawPath == null ? null : decodePath(rawPath);
                Path target = path == null ? null : resolve(path);
                if (target == null) {
                    sendText(exchange, 404, "not found", head);
                    return;
                }
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    if (!rawPath.endsWith("/")) {
                        // Relative links in the index page only resolve against a URL that ends with '/'.
                        // Leading slashes are collapsed so "//host/dir" cannot become an off-site redirect.
                        String query = uri.getRawQuery();
                        String location = "/" + rawPath.replaceFirst("^/+", "") + "/";
                        headers.set("Location", query == null ? location : location + "?" + query);
                        sendText(exchange, 301, "moved", head);
                        return;
                    }
                    target = target.resolve("index.html");
                }
                serveFile(exchange, target, head);
            }
        }

        /** The real path of the requested file inside the root, or null when the request must be refused. */
        private Path resolve(String path) {
            if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
                return null;
            }
            Path candidate = root;
            for (String segment : path.split("/")) {
                if (segment.isEmpty() || segment.equals(".")) {
                    continue;
                }
                if (segment.equals("..")) {
                    return null;
                }
                candidate = candidate.resolve(segment);
            }
            candidate = candidate.normalize();
            if (!candidate.startsWith(root)) {
                return null;
            }
            try {
                // toRealPath resolves every symlink on the way, so a link pointing out of the root is refused here.
                Path real = candidate.toRealPath();
                return real.startsWith(root) ? real : null;
            } catch (IOException e) {
                return null;
            }
        }

        private void serveFile(HttpExchange exchange, Path file, boolean head) throws IOException {
            FileChannel channel;
            try {
                // NOFOLLOW_LINKS: the path is already real; a symlink swapped in since then is not followed.
                channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                sendText(exchange, 404, "not found", head);
                return;
            }
            try (channel) {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    sendText(exchange, 404, "not found", head);
                    return;
                }
                long size = channel.size();
                Headers headers = exchange.getResponseHeaders();
                headers.set("Content-Type", contentType(file.getFileName().toString()));
                if (head) {
                    headers.set("Content-Length", Long.toString(size));
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                // Length 0 would mean "chunked" to HttpServer; -1 means "no body".
                exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
                if (size > 0) {
                    copy(Channels.newInputStream(channel), exchange.getResponseBody(), size);
                }
            }
        }

        /** Copies exactly {@code size} bytes: HttpServer rejects more, and a file that shrank ends the response early. */
        private static void copy(InputStream in, OutputStream out, long size) throws IOException {
            byte[] buffer = new byte[(int) Math.min(COPY_BUFFER_BYTES, size)];
            long remaining = size;
            while (remaining > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new IOException("file shrank while being served");
                }
                out.write(buffer, 0, n);
                remaining -= n;
            }
        }

        private static void sendText(HttpExchange exchange, int status, String body, boolean head) throws IOException {
            byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            if (head) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    static String contentType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0) {
            return DEFAULT_CONTENT_TYPE;
        }
        return CONTENT_TYPES.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT_CONTENT_TYPE);
    }

    /**
     * Percent-decodes a raw URI path as strict UTF-8, or returns null when it is malformed. Unlike URLDecoder it
     * leaves '+' alone, which is a literal character in paths.
     */
    static String decodePath(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        int i = 0;
        while (i < raw.length()) {
            int c = raw.codePointAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write((hi << 4) | lo);
                i += 3;
            } else {
                byte[] encoded = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i += Character.charCount(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static final class DaemonThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "sandbox-http-" + count.incrementAndGet());
            // Daemon, so the expiry loop and the shutdown hook alone decide when the process ends.
            thread.setDaemon(true);
            return thread;
        }
    }
}
