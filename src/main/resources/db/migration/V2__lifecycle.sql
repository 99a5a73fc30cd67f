-- Lifecycle: the audit trail of sandbox events, and what keep-alive needs to know.

-- When the provider itself will kill the sandbox unless extended (E2B timeout, the local server's expiry).
ALTER TABLE users ADD COLUMN sandbox_provider_expires_at timestamptz;
CREATE INDEX users_live_by_provider_expiry ON users (sandbox_provider_expires_at) WHERE active_sandbox_id IS NOT NULL;

-- Append-only audit trail, read newest first by admins (optionally for one user), paged by id.
CREATE TABLE sandbox_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id    text,
    sandbox_id text,
    type       text        NOT NULL CHECK (type IN ('created', 'restored', 'killed', 'kill-failed', 'saved-back',
                                                    'switch-failed', 'switch-overtaken', 'extended', 'cleared')),
    -- For kills: switch, cleanup, ttl, idle, orphan, admin, failed-switch.
    reason     text,
    detail     text,
    provider   text,
    instance   text
);
CREATE INDEX sandbox_events_by_user ON sandbox_events (user_id, id DESC);
