package dev.switchboard.provider.e2b;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.switchboard.files.ProjectPath;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/** E2B's rules as pure functions: id shapes, sandbox URLs, timeout clamping, project paths, timestamps. */
final class E2bMapping {

    private static final Logger LOG = Logger.getLogger(E2bMapping.class);

    /** E2B ids are {@code i} plus 20 characters; legacy ones carry a {@code -<clientID>} suffix. */
    private static final Pattern ID = Pattern.compile("^[a-z0-9]{1,64}(-[a-z0-9]{1,32})?$");
    /**
     * What may be sent to the control plane as a sandbox id: one plain path segment. E2B judges the rest itself
     * (400 "Invalid sandbox ID"), which keeps a probe with a made-up id a real round trip to E2B.
     */
    private static final Pattern PATH_SEGMENT = Pattern.compile("^[A-Za-z0-9_-]{1,128}$");

    private E2bMapping() {
    }

    /** Whether an id has E2B's shape; only such ids are put into data-plane host names. */
    static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    static boolean isPathSafe(String id) {
        return id != null && PATH_SEGMENT.matcher(id).matches();
    }

    /** The public URL of a sandbox port: {@code https://<port>-<id>.<domain>}. */
    static String sandboxUrl(int port, String sandboxId, String domain) {
        return "https://" + port + "-" + sandboxId + "." + domain;
    }

    /** The create timeout in whole seconds: at least 1, at most the plan's maximum lifetime. */
    static long createTimeoutSeconds(Duration requested, Duration maxLifetime) {
        long seconds = (requested.toMillis() + 999) / 1000;
        return Math.max(1, Math.min(seconds, maxLifetime.toSeconds()));
    }

    /**
     * The timeout to ask for so the sandbox never outlives the plan's maximum, counted from its start (E2B would
     * clamp, then refuse); 0 when nothing is left to extend.
     */
    static long extendSeconds(Duration requested, Duration maxLifetime, Instant startedAt, Instant now) {
        long remaining = maxLifetime.minus(Duration.between(startedAt, now)).toSeconds();
        if (remaining <= 0) {
            return 0;
        }
        return Math.max(1, Math.min(requested.toSeconds(), remaining));
    }

    /**
     * The absolute destination of a project file; refuses anything that could leave the root. Quotes, spaces and any
     * Unicode are fine: such names travel as a {@code path} query, never inside a header.
     */
    static String absolutePath(String root, String relative) {
        String destination = destinationOrNull(root, relative);
        if (destination == null) {
            throw new ProviderException(Kind.BAD_REQUEST, "invalid file path: " + relative);
        }
        return destination;
    }

    /** {@link #absolutePath}, or null for a path the project's path rules refuse. */
    static String destinationOrNull(String root, String relative) {
        if (ProjectPath.problem(relative) != null) {
            return null;
        }
        return withoutTrailingSlash(root) + "/" + relative;
    }

    /** The project-relative key of an absolute sandbox path, or null when it is not strictly under the root. */
    static String relativePath(String root, String absolute) {
        String prefix = withoutTrailingSlash(root) + "/";
        if (absolute == null || !absolute.startsWith(prefix) || absolute.length() == prefix.length()) {
            return null;
        }
        return absolute.substring(prefix.length());
    }

    private static String withoutTrailingSlash(String path) {
        return path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    }

    static Instant parseTime(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            LOG.debugf("unparseable E2B timestamp %s", text);
            return null;
        }
    }
}
