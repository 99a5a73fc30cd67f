package dev.switchboard.sandbox;

import java.util.UUID;

import dev.switchboard.sandbox.SwitchDtos.SaveBackSummary;

/**
 * Hears a switch's steps as they complete (the event stream of {@code POST /api/switch-project}). The pipeline calls
 * each at most once, in the order claimed, acquired, restored, committed, with saved-back anywhere between claimed and
 * committed. {@link #NONE} for the plain JSON answer costs nothing. Listeners must not block or throw.
 */
public interface SwitchProgress {

    SwitchProgress NONE = new SwitchProgress() {
    };

    /** The user's row names this switch now. */
    default void claimed(UUID switchId) {
    }

    /** The old sandbox's files are saved ({@code saved} null: there was nothing to save). */
    default void savedBack(SaveBackSummary saved) {
    }

    /** The new sandbox is there: created (cold), from the warm pool (warm) or a parked one resumed. */
    default void acquired(String sandboxId, Launcher.Kind launch) {
    }

    /** The target fragment's files are in the new sandbox. */
    default void restored(int files, int skipped) {
    }

    /** The user's record names the new sandbox. */
    default void committed(String sandboxId) {
    }
}
