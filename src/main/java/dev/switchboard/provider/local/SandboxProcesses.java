package dev.switchboard.provider.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one sandbox, found by an environment variable they all carry ({@code NAME=value}, set on every
 * process the sandbox starts and inherited by their descendants), and signalled as a group: stopped, continued,
 * killed. A process that dropped the variable (a new environment at exec) still counts while a tagged ancestor lives.
 * Linux only ({@code /proc}); sees only the processes of the caller's user. Uses only the JDK: the sandbox server
 * runs it from a copy of its class files. Blocking.
 */
public final class SandboxProcesses {

    private static final Path PROC = Path.of("/proc");
    private static final String KILL = "/bin/kill";
    private static final long ROUND_PAUSE_MILLIS = 5;
    private static final long SIGNAL_WAIT_SECONDS = 10;

    private final byte[] tag;
    private final long self = ProcessHandle.current().pid();

    /** The processes whose environment holds {@code variable=value}, and their descendants. */
    public SandboxProcesses(String variable, String value) {
        this.tag = (variable + "=" + value).getBytes(StandardCharsets.UTF_8);
    }

    /** The pids of the sandbox's processes, zombies left out (they are dead and cannot be signalled). */
    public Set<Long> pids() {
        return scan().keySet();
    }

    /** Whether the process is stopped (state {@code T} or {@code t}); false when it does not exist. */
    public static boolean stopped(long pid) {
        char state = stat(pid).state();
        return state == 'T' || state == 't';
    }

    /**
     * Whether the process exists and is not a zombie. Unlike {@link ProcessHandle#isAlive()}, a killed process that
     * nobody reaped (an orphan under an init that does not reap) counts as dead.
     */
    public static boolean alive(long pid) {
        return alive(stat(pid).state());
    }

    /**
     * Stops (SIGSTOP) every process of the sandbox, round after round until none is left running, so a process forked
     * while the others were being stopped is caught too. Answers false when some still ran at the end of
     * {@code within} (a process in uninterruptible sleep stops only once it wakes).
     */
    public boolean stop(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<Long> running = new ArrayList<>();
            scan().forEach((pid, state) -> {
                if (state != 'T' && state != 't') {
                    running.add(pid);
                }
            });
            if (running.isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            signal("STOP", running);
            pause();
        }
    }

    /** Continues (SIGCONT) every stopped process of the sandbox. */
    public void resume() {
        List<Long> stopped = new ArrayList<>();
        scan().forEach((pid, state) -> {
            if (state == 'T' || state == 't') {
                stopped.add(pid);
            }
        });
        signal("CONT", stopped);
    }

    /**
     * Kills (SIGKILL, which also ends stopped processes) every process of the sandbox, round after round until none is
     * left. Answers false when some were still there at the end of {@code within}.
     */
    public boolean kill(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<Long> alive = new ArrayList<>(scan().keySet());
            if (alive.isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            // ProcessHandle checks the start time as well as the pid, so a pid reused meanwhile is not hit.
            alive.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            pause();
        }
    }

    /** The sandbox's live processes by pid, with their state letter from {@code /proc/<pid>/stat}. */
    private Map<Long, Character> scan() {
        Map<Long, Stat> all = new HashMap<>();
        Deque<Long> tagged = new ArrayDeque<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                long pid = parsePid(entry.getFileName().toString());
                if (pid <= 0 || pid == self) {
                    continue;
                }
                Stat stat = stat(pid);
                if (!alive(stat.state())) {
                    continue;
                }
                all.put(pid, stat);
                if (carriesTag(pid)) {
                    tagged.add(pid);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + PROC + ": " + e, e);
        }
        Map<Long, List<Long>> children = new HashMap<>();
        all.forEach((pid, stat) -> children.computeIfAbsent(stat.parent(), p -> new ArrayList<>()).add(pid));
        Map<Long, Character> result = new HashMap<>();
        while (!tagged.isEmpty()) {
            long pid = tagged.pop();
            if (result.putIfAbsent(pid, all.get(pid).state()) == null) {
                tagged.addAll(children.getOrDefault(pid, List.of()));
            }
        }
        return result;
    }

    /** Whether the process's environment holds {@code variable=value}; false when it cannot be read. */
    public static boolean carriesTag(long pid, String variable, String value) {
        return new SandboxProcesses(variable, value).carriesTag(pid);
    }

    private boolean carriesTag(long pid) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        } catch (IOException e) {
            // Another user's process, or one that exited meanwhile.
            return false;
        }
        for (int start = 0; start < environ.length;) {
            int end = start;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if (end - start == tag.length && equalsAt(environ, start, tag)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean equalsAt(byte[] bytes, int offset, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (bytes[offset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private record Stat(char state, long parent) {
    }

    private static boolean alive(char state) {
        return state != 0 && state != 'Z' && state != 'X';
    }

    /** State letter and parent pid; state 0 when the process does not exist (any more). */
    private static Stat stat(long pid) {
        String text;
        try {
            text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return new Stat((char) 0, 0);
        }
        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so fields are read after the last ')'.
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 2 >= text.length()) {
            return new Stat((char) 0, 0);
        }
        String[] fields = text.substring(close + 2).split(" ", 3);
        long parent = fields.length > 1 ? parsePid(fields[1]) : 0;
        return new Stat(fields[0].isEmpty() ? 0 : fields[0].charAt(0), parent);
    }

    private static long parsePid(String text) {
        if (text.isEmpty() || text.length() > 10) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(text);
    }

    /**
     * Sends a signal the JDK has no API for to all pids with one {@code /bin/kill}, run with an empty environment so it
     * never counts as one of the sandbox's processes itself. A pid that exited meanwhile is no error.
     */
    private static void signal(String name, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(KILL, "-" + name, "--"));
        new TreeSet<>(pids).forEach(pid -> command.add(Long.toString(pid)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(SIGNAL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(KILL + " -" + name + " did not finish");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + KILL + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pids, e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(ROUND_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling a sandbox's processes", e);
        }
    }
}
