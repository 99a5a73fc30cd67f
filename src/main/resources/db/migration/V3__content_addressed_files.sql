-- Files are bytes (issue 7): blobs stored once by SHA-256, fragments become immutable manifests of (path, blob).

-- Content-addressed blobs, shared by every fragment, project and user that holds the same bytes.
CREATE TABLE blobs (
    hash       text        PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    size       bigint      NOT NULL CHECK (size >= 0),
    content    bytea       NOT NULL CHECK (octet_length(content) = size),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A fragment's manifest: one row per file.
CREATE TABLE fragment_files (
    fragment_id uuid    NOT NULL REFERENCES fragments (id) ON DELETE CASCADE,
    path        text    NOT NULL CHECK (length(path) BETWEEN 1 AND 512),
    blob_hash   text    NOT NULL REFERENCES blobs (hash),
    size        bigint  NOT NULL CHECK (size >= 0),
    executable  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (fragment_id, path)
);
CREATE INDEX fragment_files_blob ON fragment_files (blob_hash);

-- Existing jsonb fragments move over unchanged: each string value becomes the blob of its UTF-8 bytes.
INSERT INTO blobs (hash, size, content)
SELECT DISTINCT ON (hash) hash, octet_length(content), content
FROM (SELECT encode(sha256(convert_to(e.value, 'UTF8')), 'hex') AS hash, convert_to(e.value, 'UTF8') AS content
      FROM fragments f, jsonb_each_text(f.files) e) AS files
ORDER BY hash;

INSERT INTO fragment_files (fragment_id, path, blob_hash, size)
SELECT f.id, e.key, encode(sha256(convert_to(e.value, 'UTF8')), 'hex'), octet_length(convert_to(e.value, 'UTF8'))
FROM fragments f, jsonb_each_text(f.files) e;

-- Dropping a column is no row update, so the immutability trigger does not fire.
ALTER TABLE fragments DROP COLUMN files;

-- A sandbox may be saved back any number of times; identical save-backs of one sandbox (a race between a sweep and a
-- switch) collapse into one fragment by the digest of their manifest.
ALTER TABLE fragments DROP CONSTRAINT fragments_saved_from_sandbox_key;
ALTER TABLE fragments ADD COLUMN manifest_digest text;
CREATE UNIQUE INDEX fragments_saved_once_per_manifest ON fragments (saved_from_sandbox, manifest_digest)
    WHERE saved_from_sandbox IS NOT NULL AND manifest_digest IS NOT NULL;

-- Manifests are as immutable as the fragments they belong to.
CREATE FUNCTION fragment_files_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the files of fragment % are immutable', OLD.fragment_id USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER fragment_files_immutable BEFORE UPDATE ON fragment_files
    FOR EACH ROW EXECUTE FUNCTION fragment_files_are_immutable();
