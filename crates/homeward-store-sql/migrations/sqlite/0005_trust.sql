-- Trust: the audit log (append-only), its pending changes, commitment salts, per-row data
-- keys, account state and server-side sessions.
-- Rows noted by the audit triggers inside a write transaction; tx::commit turns them into
-- log entries before committing, so a committed transaction leaves this table empty.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL
);
-- The log: ids and commitments only, never personal data. Leaf hashes are RFC 9162
-- SHA-256(0x00 || entry), hex.
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
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- Per-row commitment salts: kept apart from the log so that erasing a row can destroy its salt.
CREATE TABLE audit_salts (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    salt TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
-- One data key per row that holds sensitive fields, wrapped by the master key (never stored here).
CREATE TABLE row_keys (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- Server-side sessions: only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    csrf_digest TEXT NOT NULL
);
