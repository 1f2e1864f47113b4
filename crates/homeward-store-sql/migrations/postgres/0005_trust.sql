-- Trust: the audit log (append-only), its pending changes, commitment salts, per-row data
-- keys, account state and server-side sessions. See the SQLite twin for the reasons.
CREATE TABLE audit_pending (
    id BIGSERIAL PRIMARY KEY,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL
);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    commitment TEXT NOT NULL,
    leaf_hash TEXT NOT NULL
);
CREATE FUNCTION audit_log_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
-- Notes every change of an audited table: row id from the key columns named as arguments.
CREATE FUNCTION audit_note() RETURNS trigger AS $$
DECLARE
    j jsonb;
    k text := '';
    i int;
BEGIN
    IF TG_OP = 'DELETE' THEN j := to_jsonb(OLD); ELSE j := to_jsonb(NEW); END IF;
    FOR i IN 0 .. TG_NARGS - 1 LOOP
        IF i > 0 THEN k := k || ':'; END IF;
        k := k || coalesce(j ->> TG_ARGV[i], '');
    END LOOP;
    INSERT INTO audit_pending (tbl, row_id, op) VALUES (TG_TABLE_NAME, k, lower(TG_OP));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TABLE audit_salts (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    salt TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
CREATE TABLE row_keys (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
CREATE TABLE sessions (
    token_digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    csrf_digest TEXT NOT NULL
);
