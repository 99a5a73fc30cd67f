-- Switchboard schema. Flyway owns it; Hibernate never generates or alters it.

-- One row per user; id is the JWT subject. The sandbox_* columns describe the user's single live sandbox.
CREATE TABLE users (
    id                   text        PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 255),
    name                 text,
    email                text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    active_project_id    uuid,
    active_fragment_id   uuid,
    active_sandbox_id    text,
    sandbox_provider     text,
    sandbox_url          text,
    sandbox_mcp_url      text,
    sandbox_created_at   timestamptz,
    sandbox_last_used_at timestamptz,
    -- TTL deadline: created_at + switchboard.sandbox.max-age.
    sandbox_expires_at   timestamptz,
    -- The switch in flight, if any: the last claimer wins the compare-and-set at commit (invariant 4).
    switch_id            uuid,
    switch_started_at    timestamptz,
    CHECK ((active_sandbox_id IS NULL) = (sandbox_created_at IS NULL))
);

CREATE TABLE projects (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    owner_id   text        NOT NULL REFERENCES users (id),
    template   text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_owner ON projects (owner_id, created_at);

CREATE TABLE project_members (
    project_id uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    text        NOT NULL REFERENCES users (id),
    role       text        NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

-- Fragments are immutable snapshots of a project's files (invariant 3): see the trigger below.
CREATE TABLE fragments (
    id                 uuid        PRIMARY KEY,
    -- Creation order; breaks ties between fragments created in the same microsecond.
    seq                bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    project_id         uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title              text,
    files              jsonb       NOT NULL CHECK (jsonb_typeof(files) = 'object'),
    file_count         integer     NOT NULL CHECK (file_count >= 0),
    total_bytes        bigint      NOT NULL CHECK (total_bytes >= 0),
    created_by         text        REFERENCES users (id),
    -- Set when the fragment was saved back from a sandbox before it was killed; a sandbox is saved once.
    saved_from_sandbox text        UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fragments_project_latest ON fragments (project_id, created_at DESC, seq DESC);

CREATE FUNCTION fragments_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'fragment % is immutable', OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER fragments_immutable BEFORE UPDATE ON fragments
    FOR EACH ROW EXECUTE FUNCTION fragments_are_immutable();

ALTER TABLE users
    ADD CONSTRAINT users_active_project_fk FOREIGN KEY (active_project_id) REFERENCES projects (id) ON DELETE SET NULL,
    ADD CONSTRAINT users_active_fragment_fk FOREIGN KEY (active_fragment_id) REFERENCES fragments (id) ON DELETE SET NULL;

-- The lifecycle jobs scan live sandboxes by last use (idle cleanup) and by TTL deadline (expiry).
CREATE INDEX users_live_by_last_used ON users (sandbox_last_used_at) WHERE active_sandbox_id IS NOT NULL;
CREATE INDEX users_live_by_expiry ON users (sandbox_expires_at) WHERE active_sandbox_id IS NOT NULL;
CREATE UNIQUE INDEX users_active_sandbox ON users (active_sandbox_id) WHERE active_sandbox_id IS NOT NULL;

-- Kills that failed (provider down, timeout): the sandbox is no longer referenced but may still be alive.
-- The reconciler retries them; a switch never fails because of them.
CREATE TABLE pending_kills (
    sandbox_id  text        PRIMARY KEY,
    provider    text        NOT NULL,
    user_id     text,
    reason      text        NOT NULL,
    attempts    integer     NOT NULL DEFAULT 1,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
