package dev.switchboard.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the application logs (every logger, through the root handler chain) while it is installed. */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    public static LogCapture install() {
        LogCapture c = new LogCapture();
        c.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(c);
        return c;
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    /** ERROR (SEVERE) records, each as "logger: message [exception]". */
    public List<String> errors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(r -> r.getLoggerName() + ": " + r.getMessage() + (r.getThrown() != null ? " [" + r.getThrown() + "]" : ""))
                .toList();
    }

    /** Records at WARN or above whose message contains {@code text}. */
    public long warnings(String text) {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .filter(r -> String.valueOf(r.getMessage()).contains(text)).count();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
