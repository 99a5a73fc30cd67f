package dev.switchboard.common;

import java.time.Duration;

import dev.switchboard.provider.ProviderException;

/** How provider failures surface to API callers. */
public final class ProviderErrors {

    private ProviderErrors() {
    }

    public static ProblemException toProblem(ProviderException e) {
        return switch (e.kind()) {
            case RATE_LIMITED -> new ProblemException(429, "Too Many Requests",
                    "The sandbox provider is rate limiting requests; retry later", orDefault(e.retryAfter()));
            case QUOTA -> new ProblemException(429, "Too Many Requests",
                    "The sandbox provider's capacity for this account is exhausted", orDefault(e.retryAfter()));
            case GONE -> new ProblemException(503, "Service Unavailable",
                    "The sandbox disappeared while it was being prepared; retry", Duration.ofSeconds(1));
            case NOT_FOUND -> new ProblemException(404, "Not Found", e.getMessage());
            case TOO_LARGE -> new ProblemException(413, "Content Too Large", e.getMessage());
            case UNSUPPORTED -> new ProblemException(503, "Service Unavailable", e.getMessage());
            case BAD_REQUEST -> new ProblemException(502, "Bad Gateway", "The sandbox provider rejected the request");
            default -> new ProblemException(503, "Service Unavailable",
                    "The sandbox provider is unavailable; retry later", orDefault(e.retryAfter()));
        };
    }

    private static Duration orDefault(Duration d) {
        return d != null ? d : Duration.ofSeconds(5);
    }
}
