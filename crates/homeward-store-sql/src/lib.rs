//! The storage contract on SQL databases: SQLite (the embedded default) and PostgreSQL.
//!
//! One implementation over `sqlx::Any`, because the SQL Homeward needs is the same on both;
//! what differs (placeholders, connection set-up, migrations) lives in `dialect.rs`. The
//! two migration trees are paired: same versions, same tables and columns (tested).

mod audit;
mod browse;
pub mod crypto;
mod dialect;
mod fastread;
mod import;
mod linkage;
mod monitoring;
mod readlog;
mod rows;
mod store;
mod trust;
pub use trust::sqlite_file;
mod tx;

pub use crypto::Keys;
pub use dialect::{sqlite_path, Dialect};
pub use store::{connect, connect_with_keys, SqlStore};

/// Errors of opening a SQL store.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The URL is neither `sqlite:...` nor `postgres://...`.
    #[error("unsupported database URL (expected sqlite:PATH or postgres://...)")]
    UnsupportedUrl,
    /// The SQLite file could not be created owner-only.
    #[error("cannot create the database file {path}: {source}")]
    CreateFile {
        /// The file's path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
