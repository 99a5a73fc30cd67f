package dev.switchboard.provider.e2b;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.provider.ExecResult;
import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;

/**
 * Folds the events of one {@code process.Process/Start} stream into an {@link ExecResult}, keeping at most
 * {@code maxBytes} per output stream. Synchronized: frames arrive on the event loop, a deadline reads from a timer.
 */
final class ProcessOutput {

    private final ObjectMapper json;
    private final int maxBytes;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private boolean truncated;
    private Integer exitCode;
    private boolean streamEnded;
    private String errorCode;
    private String errorMessage;

    ProcessOutput(ObjectMapper json, int maxBytes) {
        this.json = json;
        this.maxBytes = Math.max(0, maxBytes);
    }

    synchronized void accept(ConnectFrames.Frame frame) {
        if ((frame.flags() & ConnectFrames.FLAG_COMPRESSED) != 0) {
            throw new IllegalStateException("compressed Connect envelope, though no compression was offered");
        }
        JsonNode message;
        try {
            message = json.readTree(frame.payload());
        } catch (IOException e) {
            throw new IllegalStateException("Connect envelope is not JSON: " + e.getMessage(), e);
        }
        if (frame.endStream()) {
            streamEnded = true;
            JsonNode error = message == null ? null : message.get("error");
            if (error != null && !error.isNull()) {
                errorCode = error.path("code").asText("unknown");
                errorMessage = error.path("message").asText("");
            }
            return;
        }
        JsonNode event = message == null ? null : message.get("event");
        if (event == null) {
            return;
        }
        JsonNode data = event.get("data");
        if (data != null) {
            append(stdout, data.get("stdout"));
            append(stderr, data.get("stderr"));
        }
        JsonNode end = event.get("end");
        if (end != null) {
            // proto3 JSON leaves zero values out: an end event without exitCode is a clean exit.
            exitCode = end.path("exitCode").asInt(0);
        }
    }

    private void append(ByteArrayOutputStream target, JsonNode base64) {
        if (base64 == null || base64.isNull()) {
            return;
        }
        byte[] bytes = Base64.getDecoder().decode(base64.asText());
        int room = maxBytes - target.size();
        if (bytes.length > room) {
            truncated = true;
        }
        if (room > 0) {
            target.write(bytes, 0, Math.min(room, bytes.length));
        }
    }

    /**
     * The outcome once the stream is over: the command's exit, a timeout, or the provider's error as an exception
     * ({@code unavailable} means the sandbox timed out, {@code resource_exhausted} a rate limit).
     */
    synchronized ExecResult result(String sandboxId) {
        if (errorCode != null) {
            return switch (errorCode) {
                case "deadline_exceeded" -> timedOut();
                case "unavailable" -> throw new ProviderException(Kind.GONE,
                        "e2b sandbox " + sandboxId + " is gone (process stream: unavailable: " + errorMessage + ")");
                case "resource_exhausted" -> throw new ProviderException(Kind.RATE_LIMITED,
                        "e2b process.start: resource_exhausted: " + errorMessage);
                case "invalid_argument", "not_found", "failed_precondition" -> throw new ProviderException(Kind.BAD_REQUEST,
                        "e2b process.start: " + errorCode + ": " + errorMessage);
                default -> throw new ProviderException(Kind.FAILED, "e2b process.start: " + errorCode + ": " + errorMessage);
            };
        }
        if (exitCode == null) {
            throw new ProviderException(Kind.FAILED, "e2b process.start: the stream ended "
                    + (streamEnded ? "without an end event" : "without an end-of-stream message"));
        }
        return new ExecResult(exitCode, text(stdout), text(stderr), truncated, false);
    }

    /** What was received so far, reported as a command stopped by its timeout. */
    synchronized ExecResult timedOut() {
        return new ExecResult(-1, text(stdout), text(stderr), truncated, true);
    }

    private static String text(ByteArrayOutputStream out) {
        return out.toString(StandardCharsets.UTF_8);
    }
}
