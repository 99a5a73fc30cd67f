package dev.switchboard.provider;

import java.time.Duration;

/** A typed provider failure; the API maps each kind to a status (outage 503, quota 429, gone 404 ...). */
public class ProviderException extends RuntimeException {

    public enum Kind {
        /** The sandbox no longer exists (killed, expired). Never retried. */
        GONE,
        /** The provider refused because of the resource's current state. */
        CONFLICT,
        /** Too many requests; {@link #retryAfter()} says when to come back. */
        RATE_LIMITED,
        /** Timeouts, resets, 502/503/504: may succeed on retry. */
        TRANSIENT,
        /** Account capacity exhausted; retrying does not help until capacity frees up. */
        QUOTA,
        /** The provider rejected the request itself. */
        BAD_REQUEST,
        /** The file or directory does not exist in the sandbox (or is not of the kind asked for). */
        NOT_FOUND,
        /** The file or listing is larger than the caller's limit. */
        TOO_LARGE,
        /**
         * The provider cannot do this as configured on this host (a local command where commands cannot be isolated).
         * Retrying does not help; the message says what to change.
         */
        UNSUPPORTED,
        /** Anything else, including a local process that failed to start. */
        FAILED
    }

    private final Kind kind;
    private final Duration retryAfter;
    private boolean retrySafe;
    /** The provider's HTTP status when the failure is its answer, else 0. */
    private int status;

    public ProviderException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    public ProviderException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.retrySafe = kind == Kind.RATE_LIMITED;
    }

    /**
     * Marks whether even a non-idempotent call may be repeated after this failure: true for an explicit
     * 429/502/503/504 answer (the provider refused before acting), false for timeouts and broken connections.
     */
    public ProviderException retrySafe(boolean safe) {
        this.retrySafe = safe;
        return this;
    }

    public boolean retrySafe() {
        return retrySafe;
    }

    /**
     * Whether the provider may have acted although the call failed: a timeout, a connection closed without an answer,
     * or a 502/504 from a gateway in front of it. A create that failed so must be looked up before it is tried again.
     */
    public boolean ambiguous() {
        return kind == Kind.TRANSIENT && (!retrySafe || status == 502 || status == 504);
    }

    /** The provider's HTTP status when this failure is its answer, else 0. */
    public int status() {
        return status;
    }

    public Kind kind() {
        return kind;
    }

    /** How long the provider asked us to wait, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /**
     * The typed error for an HTTP answer of a provider (shared by the E2B and Blaxel clients): 404/410 gone,
     * 409 conflict, 429 rate limited (or quota when the provider says capacity is exhausted), 502/503/504 transient
     * and retry-safe, other 5xx transient, 507 quota, other 4xx bad request.
     */
    public static ProviderException fromStatus(String provider, String operation, int status, String message,
            Duration retryAfter, boolean quota) {
        String text = provider + " " + operation + " answered " + status + (message == null || message.isBlank() ? "" : ": " + message);
        ProviderException e = quota ? new ProviderException(Kind.QUOTA, text, retryAfter, null)
                : ofStatus(status, text, retryAfter);
        e.status = status;
        return e;
    }

    private static ProviderException ofStatus(int status, String text, Duration retryAfter) {
        return switch (status) {
            case 404, 410 -> new ProviderException(Kind.GONE, text);
            case 409 -> new ProviderException(Kind.CONFLICT, text);
            case 429 -> new ProviderException(Kind.RATE_LIMITED, text, retryAfter, null);
            case 502, 503, 504 -> new ProviderException(Kind.TRANSIENT, text, retryAfter, null).retrySafe(true);
            case 507 -> new ProviderException(Kind.QUOTA, text, retryAfter, null);
            case 401, 403 -> new ProviderException(Kind.FAILED, text + " (check the API key and workspace)");
            default -> status >= 500 ? new ProviderException(Kind.TRANSIENT, text, retryAfter, null)
                    : new ProviderException(Kind.BAD_REQUEST, text);
        };
    }

    /** A BAD_REQUEST failure when {@code d} is missing, zero or negative, else null: a sandbox or command timeout. */
    public static ProviderException ifNotPositive(Duration d, String what) {
        return d == null || d.isNegative() || d.isZero() ? new ProviderException(Kind.BAD_REQUEST, what + " must be positive") : null;
    }

    /** Parses a Retry-After header given in seconds (HTTP dates are rare from these providers and ignored). */
    public static Duration parseRetryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.strip());
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
