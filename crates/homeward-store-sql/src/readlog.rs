//! Group commit of the read log. Every read of sealed fields is logged before the data is
//! returned, and each log entry is a write transaction (the audit flush hashes it into the
//! chain). Under load, one transaction per page view serialised every reader on the write
//! lock, so concurrent readers' entries are written together: each reader queues its entry
//! and waits for the writer's lock; whoever holds it writes everything queued so far in one
//! transaction and tells each reader whether its entry was written. A reader still returns
//! nothing before its entry is committed.

use std::sync::{Arc, Mutex};

use homeward_store::StoreError;
use sqlx::AnyPool;
use tokio::sync::oneshot;

use crate::dialect::Dialect;
use crate::store::insert_rows;

/// One reader's entries.
struct Entry {
    /// The reader's audit actor: entries are logged under their own reader's name, not the
    /// writer's.
    actor: String,
    table: &'static str,
    ids: Vec<String>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The queue of entries not yet written and the lock of the one writing them.
#[derive(Default, Clone)]
pub(crate) struct ReadLog {
    queued: Arc<Mutex<Vec<Entry>>>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for ReadLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadLog").finish_non_exhaustive()
    }
}

/// Entries written in one transaction at most (a bound on the transaction, not on waiting:
/// the rest go in the next one).
const MAX_BATCH_ROWS: usize = 4096;

impl ReadLog {
    /// Logs a read of the rows `ids` of `table` and returns once the entry is committed,
    /// alone or with other readers' entries.
    pub(crate) async fn note(
        &self,
        pool: &AnyPool,
        dialect: Dialect,
        table: &'static str,
        ids: &[String],
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let (done, written) = oneshot::channel();
        self.queue().push(Entry {
            actor: homeward_store::current_actor(),
            table,
            ids: ids.to_vec(),
            done,
        });
        {
            // Whoever holds the lock writes what is queued, this entry included unless the
            // previous holder took it already; the lock is fair, so no reader waits forever.
            let _writing = self.writer.lock().await;
            loop {
                let batch = self.take_batch();
                if batch.is_empty() {
                    break;
                }
                let result = write_batch(pool, dialect, &batch)
                    .await
                    .map_err(|e| e.to_string());
                for entry in batch {
                    // A reader that went away (request cancelled) needs no answer.
                    let _ = entry.done.send(result.clone());
                }
            }
        }
        match written.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Query(format!("read log not written: {e}"))),
            // The writer holding this entry was cancelled before it committed.
            Err(_) => Err(StoreError::Query("read log not written".to_owned())),
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A panic while holding this lock cannot leave the queue inconsistent (pushes and
        // drains only), so a poisoned lock is still usable.
        self.queued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes queued entries up to [`MAX_BATCH_ROWS`] rows (at least one entry).
    fn take_batch(&self) -> Vec<Entry> {
        let mut q = self.queue();
        let mut rows = 0;
        let mut n = 0;
        for e in q.iter() {
            if n > 0 && rows + e.ids.len() > MAX_BATCH_ROWS {
                break;
            }
            rows += e.ids.len();
            n += 1;
        }
        q.drain(..n).collect()
    }
}

/// Writes a batch in one transaction: runs of entries with the same actor are flushed into
/// the log together, under that actor; a row a run already holds starts a new run, so two
/// readers' reads of one row stay two entries (the flush collapses a row's entries).
async fn write_batch(pool: &AnyPool, dialect: Dialect, batch: &[Entry]) -> Result<(), StoreError> {
    let mut tx = crate::tx::begin(pool).await?;
    let mut start = 0;
    while start < batch.len() {
        let actor = &batch[start].actor;
        let mut rows: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
        let mut end = start;
        while end < batch.len()
            && batch[end].actor == *actor
            && batch[end]
                .ids
                .iter()
                .all(|id| !rows.contains(&(batch[end].table, id.as_str())))
        {
            rows.extend(
                batch[end]
                    .ids
                    .iter()
                    .map(|id| (batch[end].table, id.as_str())),
            );
            end += 1;
        }
        let values = batch[start..end]
            .iter()
            .flat_map(|e| {
                e.ids
                    .iter()
                    .map(|id| vec![e.table.into(), id.as_str().into(), "read".into()])
            })
            .collect();
        insert_rows(
            &mut tx,
            dialect,
            "audit_pending",
            &["tbl", "row_id", "op"],
            values,
        )
        .await?;
        homeward_store::as_actor(actor.clone(), crate::audit::flush(&mut tx)).await?;
        start = end;
    }
    crate::tx::commit(tx).await
}
