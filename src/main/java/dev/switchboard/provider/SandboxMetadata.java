package dev.switchboard.provider;

/**
 * Metadata keys every sandbox carries (invariant 5: after a crash the reconciler can tell whose a sandbox is,
 * which switch made it, which instance and which deployment). Keys use only lowercase letters and '-' so they are valid E2B
 * metadata keys and Blaxel labels alike.
 */
public final class SandboxMetadata {
    /** Marks a sandbox as Switchboard's; the value is always {@code "true"}. */
    public static final String MANAGED = "switchboard";
    public static final String OWNER = "switchboard-owner";
    public static final String SWITCH = "switchboard-switch";
    public static final String PROJECT = "switchboard-project";
    public static final String FRAGMENT = "switchboard-fragment";
    public static final String INSTANCE = "switchboard-instance";
    /** The deployment that created the sandbox; only that deployment reconciles or kills it in bulk. */
    public static final String DEPLOYMENT = "switchboard-deployment";
    /** On warm-pool sandboxes instead of an owner: the template key of the pool they were made for. */
    public static final String POOL = "switchboard-pool";

    private SandboxMetadata() {
    }
}
