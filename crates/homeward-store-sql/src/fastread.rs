//! The two reads every staff page makes (its session, and a person's dossier) on an SQLite
//! file, straight through the C library instead of through sqlx.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every statement and
//! every result row across threads: two wake-ups per statement, which on the person page
//! cost more than SQLite's own work. These reads run on the calling thread instead, on
//! read-only connections kept here. In WAL mode a reader never waits for a writer, so a
//! statement of tens of microseconds does not hold up the async runtime; a statement that
//! could run long (searches, reports) stays on sqlx. PostgreSQL and in-memory SQLite
//! databases use the ordinary path.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use homeward_store::StoreError;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};

use crate::rows::Cells;

/// Read-only connections to one SQLite file, opened when first needed.
#[derive(Clone)]
pub(crate) struct FastReads {
    path: PathBuf,
    mmap_bytes: u64,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl std::fmt::Debug for FastReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastReads").finish_non_exhaustive()
    }
}

/// Idle connections kept at most (one per runtime thread is enough; more are closed).
const MAX_IDLE: usize = 8;

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::Query(e.to_string())
}

impl FastReads {
    /// Reads of the SQLite file at `path` (which sqlx has already opened and migrated).
    pub(crate) fn new(path: &Path, mmap_bytes: u64) -> Self {
        FastReads {
            path: path.to_owned(),
            mmap_bytes,
            idle: Arc::default(),
        }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        // NO_MUTEX: a connection is only ever used by the one caller that took it out.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "query_only", true).map_err(err)?;
        conn.pragma_update(None, "mmap_size", self.mmap_bytes)
            .map_err(err)?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one), and keeps the connection for the next
    /// reader.
    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        out
    }

    /// The first row of `sql` with one text parameter, converted by `f`; `None` if there is
    /// no row.
    pub(crate) fn row<T>(
        &self,
        sql: &str,
        param: &str,
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(err)?;
            let mut rows = stmt.query([param]).map_err(err)?;
            rows.next().map_err(err)?.map(f).transpose()
        })
    }

    /// The first row's text columns `cols` of `sql`, which takes `param` `n` times.
    pub(crate) fn texts(
        &self,
        sql: &str,
        param: &str,
        n: usize,
        cols: &[&str],
    ) -> Result<Option<Vec<Option<String>>>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(err)?;
            let params: Vec<&str> = vec![param; n];
            stmt.query_row(rusqlite::params_from_iter(params), |r| {
                cols.iter()
                    .map(|c| r.get::<_, Option<String>>(*c))
                    .collect::<Result<Vec<_>, _>>()
            })
            .optional()
            .map_err(err)
        })
    }
}

impl Cells for Row<'_> {
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        self.get(col).map_err(err)
    }
    fn int(&self, col: &'static str) -> Result<i64, StoreError> {
        self.get(col).map_err(err)
    }
    fn flag(&self, col: &'static str) -> Result<bool, StoreError> {
        Ok(self.get::<_, i64>(col).map_err(err)? != 0)
    }
}
