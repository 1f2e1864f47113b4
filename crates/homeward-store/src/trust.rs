//! The trust part of the storage contract: accounts, the audit log, data keys, backups.
//!
//! Every write of every area is logged by the backend itself (in the same transaction as the
//! change); this trait adds what the trust use cases need on top: reading the log and the
//! rows' commitments back for verification, appending events that change no row (logins,
//! exports, key rotation), accounts, key rotation, erasure and consistent snapshots.

use crate::StoreError;
use async_trait::async_trait;
use homeward_domain::{Id, User};
use std::future::Future;
use std::path::Path;

tokio::task_local! {
    static ACTOR: String;
}

/// Runs `fut` with `actor` (a user id, or `local-operator` for the command line) as the
/// author of every audit entry it causes. Entries written outside any scope name `system`.
pub async fn as_actor<F: Future>(actor: impl Into<String>, fut: F) -> F::Output {
    ACTOR.scope(actor.into(), fut).await
}

/// The actor of the current task (see [`as_actor`]).
pub fn current_actor() -> String {
    ACTOR
        .try_with(|a| a.clone())
        .unwrap_or_else(|_| "system".to_owned())
}

/// One stored audit log entry, as the backend keeps it (hex decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Unix seconds.
    pub at: i64,
    /// Who (a user id, never a name).
    pub actor: String,
    /// What (a stable action name: create, update, delete, read_sensitive, login, ...).
    pub action: String,
    /// The kind of object (the table name for row changes).
    pub object_kind: String,
    /// The object's id.
    pub object_id: String,
    /// Commitment to the row's content after the change (zeros when none).
    pub commitment: [u8; 32],
    /// The stored leaf hash of the entry.
    pub leaf_hash: [u8; 32],
}

/// Why a row does not match the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblemKind {
    /// The row's content differs from what its last log entry commits to.
    Altered,
    /// The row exists but no log entry ever recorded it.
    Unlogged,
    /// The log says the row exists but it is gone.
    Missing,
    /// A change was noted by the triggers but never committed through the application.
    Pending,
}

/// A row whose content the audit log does not vouch for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The table.
    pub table: String,
    /// The row's id (key columns joined by `:`).
    pub row_id: String,
    /// What is wrong.
    pub kind: RowProblemKind,
    /// The log entry that vouched for the row last, if any.
    pub seq: Option<u64>,
}

/// A user account as the trust use cases see it (with its secrets, for verification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Id, name and role.
    pub user: User,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// The TOTP secret (base32), decrypted, if a second factor is enrolled.
    pub totp_secret: Option<String>,
    /// The last accepted TOTP step, so that a code works once.
    pub totp_last_step: Option<u64>,
}

/// One person's attributes for public aggregate figures (no names, no ids).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonFacts {
    /// Sex, as stored (`male`, `female`, ...), if any record gives it.
    pub sex: Option<String>,
    /// Category (`civilian`, `military`, ...).
    pub category: Option<String>,
    /// Status (`detained`, `missing`, ...).
    pub status: Option<String>,
}

/// A server-side session as stored: digests of its tokens, never the tokens themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 of the session token (the cookie's value).
    pub token_digest: [u8; 32],
    /// The account it belongs to.
    pub user: Id,
    /// Unix seconds of the login.
    pub created_at: u64,
    /// Unix seconds of the last use.
    pub last_seen: u64,
    /// SHA-256 of the session's CSRF token.
    pub csrf_digest: [u8; 32],
}

/// A session found by its token digest, with the account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSession {
    /// The stored row.
    pub row: SessionRow,
    /// The account's id, name and role as they are now (a role change applies at once).
    pub user: User,
    /// Whether the account is disabled (its sessions are then refused).
    pub disabled: bool,
}

/// What `rotate_master_key` and `erase` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyReport {
    /// Data keys rewrapped or destroyed.
    pub keys: u64,
    /// Rows deleted.
    pub rows: u64,
}

/// Storage of the trust area; a supertrait of [`crate::Store`].
#[async_trait]
pub trait TrustStore: Send + Sync {
    /// The whole audit log, in order.
    async fn audit_rows(&self) -> Result<Vec<AuditRow>, StoreError>;

    /// Recomputes the commitment of every audited row and compares it with the row's last
    /// log entry; also reports changes noted by the triggers but never committed.
    async fn audit_row_problems(&self) -> Result<Vec<RowProblem>, StoreError>;

    /// Appends an entry for an event that changes no audited row (login, export, key
    /// rotation, access denied), in its own transaction.
    async fn audit_event(
        &self,
        action: &str,
        object_kind: &str,
        object_id: &str,
    ) -> Result<(), StoreError>;

    /// All accounts, by user name.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Creates an account; `Conflict` if the name is taken.
    async fn add_account(&self, user: &User, password_hash: &str) -> Result<(), StoreError>;

    /// Sets an account's password hash.
    async fn set_password_hash(&self, user: &Id, password_hash: &str) -> Result<(), StoreError>;

    /// Disables or re-enables an account (and ends its sessions when disabling).
    async fn set_disabled(&self, user: &Id, disabled: bool) -> Result<(), StoreError>;

    /// Enrols (or, with `None`, removes) a TOTP secret, stored encrypted.
    async fn set_totp(&self, user: &Id, secret_base32: Option<&str>) -> Result<(), StoreError>;

    /// Records the last accepted TOTP step of an account.
    async fn set_totp_step(&self, user: &Id, step: u64) -> Result<(), StoreError>;

    /// The health finding of one visit finding, decrypted; the read is logged.
    async fn finding_health(&self, visit: &Id, position: u32)
        -> Result<Option<String>, StoreError>;

    /// Each person's sex, category and status (from their first record), for public figures.
    async fn person_facts(&self) -> Result<Vec<PersonFacts>, StoreError>;

    /// Rewraps every data key under the store's current master key, in one transaction.
    async fn rotate_master_key(&self) -> Result<KeyReport, StoreError>;

    /// Erases a person: destroys the data keys of their records and findings (so every copy
    /// of their encrypted fields is unreadable) and their commitment salts.
    async fn erase_person(&self, person: &Id) -> Result<KeyReport, StoreError>;

    /// Writes a consistent snapshot of the whole database to `path` (fsynced).
    async fn backup_to(&self, path: &Path) -> Result<(), StoreError>;

    /// Stores a new session; `Conflict` if its token digest exists (never, with random
    /// tokens), `NotFound` if the user does not.
    async fn create_session(&self, session: &SessionRow) -> Result<(), StoreError>;

    /// The session with this token digest, with its account, if any.
    async fn session(&self, token_digest: &[u8; 32]) -> Result<Option<FoundSession>, StoreError>;

    /// Records a use of a session at `last_seen` (unix seconds); false if it is gone.
    async fn touch_session(
        &self,
        token_digest: &[u8; 32],
        last_seen: u64,
    ) -> Result<bool, StoreError>;

    /// Ends one session (logout); false if it did not exist.
    async fn delete_session(&self, token_digest: &[u8; 32]) -> Result<bool, StoreError>;

    /// Ends every session of an account (password change, disabling); how many ended.
    async fn delete_user_sessions(&self, user: &Id) -> Result<u64, StoreError>;

    /// Deletes the sessions last used at or before `idle_cutoff` or created at or before
    /// `absolute_cutoff` (unix seconds); how many went.
    async fn prune_sessions(
        &self,
        idle_cutoff: u64,
        absolute_cutoff: u64,
    ) -> Result<u64, StoreError>;
}
