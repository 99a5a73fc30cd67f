package dev.switchboard.provider;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A file that was not saved or not restored, and why (a short reason such as {@code too-large}). */
@RegisterForReflection
public record SkippedFile(String path, String reason) {
}
