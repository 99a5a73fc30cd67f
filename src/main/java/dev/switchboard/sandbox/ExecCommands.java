package dev.switchboard.sandbox;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import dev.switchboard.common.ProblemException;
import dev.switchboard.files.ProjectPath;
import dev.switchboard.provider.ExecEvent;
import dev.switchboard.provider.ExecRequest;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecAnswer;
import dev.switchboard.sandbox.LiveSandboxDtos.ExecCommand;

/** The rules of a command sent to the live sandbox (400 for anything else), and the collection of its output. */
final class ExecCommands {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final int MAX_ENV = 100;
    private static final int MAX_COMMAND_CHARS = 100_000;

    private final ExecConfig config;

    ExecCommands(ExecConfig config) {
        this.config = config;
    }

    /** The provider's request for a valid command, with the configured timeout and output cap. */
    ExecRequest request(ExecCommand c) {
        if (c == null || c.command() == null || c.command().isBlank()) {
            throw ProblemException.badRequest("command must not be blank");
        }
        if (c.command().length() > MAX_COMMAND_CHARS || c.command().indexOf('\0') >= 0) {
            throw ProblemException.badRequest("command must be at most " + MAX_COMMAND_CHARS + " characters, without NUL");
        }
        String cwd = c.cwd() == null ? "" : c.cwd();
        if (!cwd.isEmpty()) {
            ProjectPath.check(cwd);
        }
        Map<String, String> env = c.env() == null ? Map.of() : c.env();
        if (env.size() > MAX_ENV) {
            throw ProblemException.badRequest("env holds more than " + MAX_ENV + " variables");
        }
        env.forEach((name, value) -> {
            if (name == null || !ENV_NAME.matcher(name).matches() || value == null || value.indexOf('\0') >= 0) {
                throw ProblemException.badRequest("env variable '" + ProjectPath.printable(name)
                        + "' needs a name of letters, digits and '_' (not starting with a digit) and a value without NUL");
            }
        });
        return new ExecRequest(c.command(), cwd, env, timeout(c.timeoutSeconds()),
                (int) Math.min(Integer.MAX_VALUE, config.maxOutputBytes().asLongValue()));
    }

    private Duration timeout(Integer seconds) {
        if (seconds == null) {
            return config.defaultTimeout();
        }
        long max = config.maxTimeout().toSeconds();
        if (seconds < 1 || seconds > max) {
            throw ProblemException.badRequest("timeoutSeconds must be between 1 and " + max);
        }
        return Duration.ofSeconds(seconds);
    }

    /** A command's output gathered from its events, for the non-streamed answer. */
    static final class Collected {
        private final StringBuilder stdout = new StringBuilder();
        private final StringBuilder stderr = new StringBuilder();
        private ExecEvent.Exit exit;

        void add(ExecEvent event) {
            if (event instanceof ExecEvent.Output o) {
                (o.stream() == ExecEvent.Stream.STDOUT ? stdout : stderr).append(o.data());
            } else if (event instanceof ExecEvent.Exit e) {
                exit = e;
            }
        }

        ExecAnswer answer(long durationMs) {
            return exit == null ? new ExecAnswer(null, stdout.toString(), stderr.toString(), false, false, durationMs)
                    : new ExecAnswer(exit.exitCode(), stdout.toString(), stderr.toString(), exit.truncated(), exit.timedOut(),
                            durationMs);
        }
    }
}
