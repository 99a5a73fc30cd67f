package dev.switchboard.project;

/** What a user may do with a project. */
public record Access(Project project, Role role) {

    public enum Role {
        OWNER,
        EDITOR,
        VIEWER
    }

    /** Owners and editors add fragments; viewers only read and switch. */
    public boolean canWrite() {
        return role == Role.OWNER || role == Role.EDITOR;
    }
}
