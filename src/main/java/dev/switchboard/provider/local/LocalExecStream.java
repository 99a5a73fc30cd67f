package dev.switchboard.provider.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;

/**
 * One command's output as a stream: the process is started, its stdout and stderr pipes are read on dedicated
 * daemon threads (never the event loop), decoded as UTF-8 without splitting a character, capped per stream, and
 * passed on as they come. The timeout and a cancelled subscription kill the command's whole process tree.
 */
final class LocalExecStream {

    private static final Logger LOG = Logger.getLogger(LocalExecStream.class);

    /**
     * After the command exited, a pipe still held open by a background process counts as drained once its reader has
     * waited this long on it with nothing to read; output written before the exit is never cut by a slow reader.
     */
    private static final long QUIET_NANOS = Duration.ofMillis(200).toNanos();
    /** ... but a background process that keeps writing does not hold the command's end longer than this. */
    private static final long DRAIN_MAX_NANOS = Duration.ofSeconds(5).toNanos();
    private static final long DRAIN_POLL_MILLIS = 10;
    /** The timeout's and a cancel's kill must be complete within this. */
    static final Duration KILL_WITHIN = Duration.ofMillis(2500);
    private static final int READ_BUFFER_BYTES = 8192;

    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Readers block on pipes for as long as commands run, so they get their own threads, not the worker pool. */
    private static final ExecutorService THREADS_POOL = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "local-exec-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    /** A started command: its process and how to kill everything it started. */
    interface Started {
        Process process();

        /** Kills the command's whole process tree (blocking); false when something outlived it. */
        boolean killTree(Duration within);
    }

    /** Starts the command (blocking), or fails with a {@link ProviderException}. */
    @FunctionalInterface
    interface Starter {
        Started start() throws IOException;
    }

    private LocalExecStream() {
    }

    /**
     * The events of a command started by {@code starter} once subscribed to. Items are delivered on the subscriber's
     * Vert.x context when it has one.
     */
    static Multi<ExecEvent> stream(Starter starter, Duration timeout, int maxOutputBytes) {
        return Multi.createFrom().emitter(emitter -> {
            Context context = Vertx.currentContext();
            Run run = new Run(emitter, context, timeout, Math.max(0, maxOutputBytes));
            THREADS_POOL.execute(() -> run.run(starter));
        });
    }

    private static final class Run {
        private final MultiEmitter<? super ExecEvent> emitter;
        private final Context context;
        private final Duration timeout;
        private final int max;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicBoolean truncated = new AtomicBoolean();
        private volatile boolean detached;
        private volatile Started started;

        Run(MultiEmitter<? super ExecEvent> emitter, Context context, Duration timeout, int max) {
            this.emitter = emitter;
            this.context = context;
            this.timeout = timeout;
            this.max = max;
            // A subscriber that goes away (a client that disconnected) kills the command.
            emitter.onTermination(() -> {
                if (ended.compareAndSet(false, true)) {
                    Started s = started;
                    if (s != null) {
                        THREADS_POOL.execute(() -> kill(s));
                    }
                }
            });
        }

        void run(Starter starter) {
            Started s;
            try {
                s = starter.start();
            } catch (IOException | RuntimeException e) {
                ProviderException failure = e instanceof ProviderException p ? p
                        : new ProviderException(Kind.FAILED, "local command failed to start: " + e, null, e);
                deliver(() -> emitter.fail(failure));
                return;
            }
            started = s;
            if (ended.get()) {
                // Cancelled while starting.
                kill(s);
                return;
            }
            Process process = s.process();
            Pipe out = new Pipe();
            Pipe err = new Pipe();
            out.reader = THREADS_POOL.submit(() -> pump(process.getInputStream(), ExecEvent.Stream.STDOUT, out));
            err.reader = THREADS_POOL.submit(() -> pump(process.getErrorStream(), ExecEvent.Stream.STDERR, err));
            boolean exited = waitFor(process, timeout);
            if (!exited) {
                kill(s);
            }
            // Output the command wrote before it ended is still passed on; a background process that holds the pipes
            // open does not keep the command from ending, its later output is dropped.
            drain(out, err);
            detached = true;
            if (!exited) {
                waitFor(process, KILL_WITHIN);
            }
            Integer exitCode = exited ? process.exitValue() : null;
            ExecEvent.Exit exit = new ExecEvent.Exit(exitCode, !exited, truncated.get());
            deliver(() -> {
                if (ended.compareAndSet(false, true)) {
                    emitter.emit(exit);
                    emitter.complete();
                }
            });
        }

        private void kill(Started s) {
            try {
                if (!s.killTree(KILL_WITHIN)) {
                    LOG.warnf("Some processes of a local command outlived SIGKILL");
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not kill a local command's processes");
            }
        }

        private void pump(InputStream in, ExecEvent.Stream stream, Pipe pipe) {
            Utf8Chunks decoder = new Utf8Chunks();
            byte[] buffer = new byte[READ_BUFFER_BYTES];
            long passed = 0;
            boolean capped = false;
            try (in) {
                int n;
                while (true) {
                    pipe.waiting = true;
                    n = in.read(buffer);
                    pipe.lastRead = System.nanoTime();
                    pipe.waiting = false;
                    if (n == -1) {
                        break;
                    }
                    if (detached || ended.get()) {
                        continue; // keep draining, so a background writer never blocks on a full pipe
                    }
                    int keep = (int) Math.min(n, max - passed);
                    if (keep < n) {
                        capped = true;
                        truncated.set(true);
                    }
                    if (keep > 0) {
                        passed += keep;
                        emitOutput(stream, decoder.decode(buffer, keep, false));
                    }
                }
            } catch (IOException e) {
                // The pipe was closed under us: the command is being killed.
            }
            if (!detached && !capped) {
                // At the end an incomplete character becomes U+FFFD; beyond the cap it is dropped instead.
                emitOutput(stream, decoder.decode(buffer, 0, true));
            }
        }

        private void emitOutput(ExecEvent.Stream stream, String text) {
            if (!text.isEmpty()) {
                ExecEvent.Output output = new ExecEvent.Output(stream, text);
                deliver(() -> {
                    if (!ended.get()) {
                        emitter.emit(output);
                    }
                });
            }
        }

        /** On the subscriber's context when it has one (in order: one context runs tasks one at a time). */
        private void deliver(Runnable action) {
            if (context != null) {
                context.runOnContext(action);
            } else {
                synchronized (this) {
                    action.run();
                }
            }
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A pipe's reader and what it is doing, as the drain after the command's end needs to know. */
    private static final class Pipe {
        volatile Future<?> reader;
        /** True while the reader is (about to be) blocked reading: all it read so far has been passed on. */
        volatile boolean waiting;
        volatile long lastRead = System.nanoTime();

        boolean drained(long exitedAt, long now) {
            Future<?> r = reader;
            if (r.isDone()) {
                if (!r.isCancelled()) {
                    try {
                        r.get();
                    } catch (ExecutionException e) {
                        LOG.warnf(e.getCause(), "Reading a local command's output failed");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return true;
            }
            return waiting && now - Math.max(lastRead, exitedAt) >= QUIET_NANOS;
        }
    }

    /**
     * Waits until both pipes are at their end, or quiet with their reader waiting on them, however slowly the readers
     * got to run (a loaded machine); at most {@link #DRAIN_MAX_NANOS}.
     */
    private static void drain(Pipe out, Pipe err) {
        long exitedAt = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (out.drained(exitedAt, now) && err.drained(exitedAt, now) || now - exitedAt > DRAIN_MAX_NANOS) {
                return;
            }
            try {
                Thread.sleep(DRAIN_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Decodes UTF-8 chunk by chunk, keeping an incomplete trailing character for the next chunk. */
    static final class Utf8Chunks {
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer pending = ByteBuffer.allocate(0);

        String decode(byte[] bytes, int length, boolean end) {
            ByteBuffer input = ByteBuffer.allocate(pending.remaining() + length);
            input.put(pending).put(bytes, 0, length).flip();
            CharBuffer chars = CharBuffer.allocate(input.remaining() + 1);
            decoder.decode(input, chars, end);
            if (end) {
                decoder.flush(chars);
            }
            pending = input.slice();
            chars.flip();
            return chars.toString();
        }
    }
}
