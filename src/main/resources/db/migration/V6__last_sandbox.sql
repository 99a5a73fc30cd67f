-- Issue 10: status "stopped". When a user's sandbox stops (killed by a switch, cleanup, admin, idle or TTL sweep, or
-- found dead on access) the record keeps the last sandbox's id and times, so a status read can answer "stopped" with
-- them. The active_* / sandbox_* columns still describe only the live sandbox (invariant 2: no dead pointers).
ALTER TABLE users
    ADD COLUMN last_sandbox_id           text,
    ADD COLUMN last_sandbox_created_at   timestamptz,
    ADD COLUMN last_sandbox_last_used_at timestamptz,
    ADD COLUMN last_sandbox_stopped_at   timestamptz;

-- Every statement that lets go of a user's sandbox (SandboxStateRepository's clear and detach, the lifecycle sweeps'
-- claim, a switch's commit) sets active_sandbox_id: one trigger keeps the last one, so no writer has to remember to.
CREATE FUNCTION users_keep_last_sandbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.active_sandbox_id IS NOT NULL AND NEW.active_sandbox_id IS DISTINCT FROM OLD.active_sandbox_id THEN
        NEW.last_sandbox_id := OLD.active_sandbox_id;
        NEW.last_sandbox_created_at := OLD.sandbox_created_at;
        NEW.last_sandbox_last_used_at := OLD.sandbox_last_used_at;
        NEW.last_sandbox_stopped_at := now();
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER users_keep_last_sandbox BEFORE UPDATE OF active_sandbox_id ON users
    FOR EACH ROW EXECUTE FUNCTION users_keep_last_sandbox();
