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
        /** Anything else, including a local process that failed to start. */
        FAILED
    }

    private final Kind kind;
    private final Duration retryAfter;

    public ProviderException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    public ProviderException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** How long the provider asked us to wait, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
