-- Warm pool and parked sandboxes (issue 8). Every sandbox Switchboard keeps that is not a user's current one is
-- recorded here, so the reconciler never takes it for an orphan and nothing leaks (invariants 1 and 5).

-- Sandboxes created ahead, owned by nobody. A switch claims one (claim_switch set, under FOR UPDATE SKIP LOCKED)
-- and removes the row once the user's record names the sandbox; a claim whose switch died is dropped by the pool job.
CREATE TABLE pool_sandboxes (
    sandbox_id          text        PRIMARY KEY,
    provider            text        NOT NULL,
    template            text        NOT NULL,
    url                 text,
    mcp_url             text,
    created_at          timestamptz NOT NULL,
    provider_expires_at timestamptz NOT NULL,
    claim_switch        uuid,
    claimed_at          timestamptz,
    CHECK ((claim_switch IS NULL) = (claimed_at IS NULL))
);
CREATE INDEX pool_sandboxes_ready ON pool_sandboxes (template, created_at) WHERE claim_switch IS NULL;

-- Paused sandboxes a user switched away from, at most one per user and project; their files were saved back first
-- and they hold fragment_id (null: the project had no fragment). A switch back claims the row and resumes it.
CREATE TABLE parked_sandboxes (
    sandbox_id   text        PRIMARY KEY,
    user_id      text        NOT NULL REFERENCES users (id),
    project_id   uuid        NOT NULL,
    fragment_id  uuid,
    provider     text        NOT NULL,
    template     text,
    created_at   timestamptz NOT NULL,
    parked_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    claim_switch uuid,
    claimed_at   timestamptz,
    UNIQUE (user_id, project_id),
    CHECK ((claim_switch IS NULL) = (claimed_at IS NULL))
);
CREATE INDEX parked_sandboxes_by_age ON parked_sandboxes (parked_at);

ALTER TABLE sandbox_events DROP CONSTRAINT sandbox_events_type_check;
ALTER TABLE sandbox_events ADD CONSTRAINT sandbox_events_type_check
    CHECK (type IN ('created', 'restored', 'killed', 'kill-failed', 'saved-back', 'switch-failed', 'switch-overtaken',
                    'extended', 'cleared', 'parked', 'resumed', 'pool-created', 'pool-claimed'));
