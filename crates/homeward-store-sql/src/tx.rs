//! Every write transaction starts and ends here, so that what must happen in the same
//! transaction as any change (the audit log) is added in one place and cannot be forgotten
//! by a new write path: `commit` turns the rows the audit triggers noted into log entries
//! before it commits.

use crate::rows::q;
use homeward_store::StoreError;
use sqlx::{Any, AnyPool, Transaction};

/// A write transaction of the store.
pub(crate) type Tx = Transaction<'static, Any>;

/// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads first and writes later cannot wait for the
/// lock when another writer holds it, and fails with SQLITE_BUSY despite the busy timeout.
pub(crate) async fn begin(pool: &AnyPool) -> Result<Tx, StoreError> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        pool.begin_with("BEGIN IMMEDIATE").await.map_err(q)
    } else {
        pool.begin().await.map_err(q)
    }
}

/// Commits a write transaction; every write path commits through this function.
pub(crate) async fn commit(mut tx: Tx) -> Result<(), StoreError> {
    crate::audit::flush(&mut tx).await?;
    tx.commit().await.map_err(q)
}
