-- This deployment's id (issue 9): two deployments (staging, production) may share one provider account, so every
-- sandbox is stamped with it (metadata switchboard-deployment) and reconcile, admin kill-all, the CLI and cleanup
-- touch only their own. switchboard.deployment sets it; else the first replica to start generates one, and every
-- replica keeps the one this row holds (INSERT ... ON CONFLICT DO NOTHING, then SELECT). The row also remembers the
-- first id this database was run with, so sandboxes stamped with it stay this deployment's when the id is changed.
CREATE TABLE deployment (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    id         text        NOT NULL CHECK (length(id) BETWEEN 1 AND 63),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Sandboxes created before the stamp existed count as this deployment's only if its database knows them: referenced
-- now, or named in its audit trail. That lookup is by sandbox id.
CREATE INDEX sandbox_events_by_sandbox ON sandbox_events (sandbox_id) WHERE sandbox_id IS NOT NULL;
