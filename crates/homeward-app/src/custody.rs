//! Custody of the data: backups, and the checks that must pass before local data is wiped
//! (the copy verifies and holds everything the local log holds).

use crate::audit::{verify, AuditError};
use crate::policy::{authorize, Denied, Principal, Relation, UseCase};
use homeward_store::{Store, StoreError};
use std::path::Path;

/// Errors of the custody use cases.
#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    /// Not allowed (reads like absence).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Verification failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The copy does not verify or does not hold the whole local log.
    #[error("the copy is not a verified copy of this database: {0}")]
    NotACopy(String),
}

/// Writes a consistent, fsynced snapshot to `out` (never overwriting) and logs the export.
pub async fn backup(
    store: &dyn Store,
    principal: &Principal,
    out: &Path,
) -> Result<(), CustodyError> {
    authorize(principal, UseCase::Custody, Relation::Any)?;
    // Logged first, so the snapshot holds its own export entry.
    store.audit_event("export", "backup", "").await?;
    store.backup_to(out).await?;
    Ok(())
}

/// Checks that `copy` verifies on its own and holds every entry of `local`'s log with the
/// same hashes (so nothing logged here would be lost with the local data).
pub async fn check_copy(local: &dyn Store, copy: &dyn Store) -> Result<u64, CustodyError> {
    let report = verify(copy, None).await?;
    if !report.ok() {
        return Err(CustodyError::NotACopy(
            report
                .log_problem
                .map(|p| p.to_string())
                .or_else(|| report.rows.first().map(crate::audit::describe))
                .unwrap_or_default(),
        ));
    }
    let mine = local.audit_rows().await?;
    let theirs = copy.audit_rows().await?;
    if theirs.len() < mine.len() {
        return Err(CustodyError::NotACopy(format!(
            "it holds {} log entries, this database {}",
            theirs.len(),
            mine.len()
        )));
    }
    if let Some((a, _)) = mine
        .iter()
        .zip(&theirs)
        .find(|(a, b)| a.leaf_hash != b.leaf_hash)
    {
        return Err(CustodyError::NotACopy(format!(
            "log entry {} differs",
            a.seq
        )));
    }
    Ok(theirs.len() as u64)
}
