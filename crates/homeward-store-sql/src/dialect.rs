//! What differs between SQLite and PostgreSQL: URLs, placeholders, connection pragmas,
//! migrations and the largest number of bind parameters per statement.

use crate::SqlError;
use std::borrow::Cow;

/// The SQL dialect of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL, for a whole organisation.
    Postgres,
}

impl Dialect {
    /// Recognises the backend of a database URL.
    pub fn of_url(url: &str) -> Result<Dialect, SqlError> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            Err(SqlError::UnsupportedUrl)
        }
    }

    /// Rewrites `?` placeholders into the backend's own (`$1, $2, ...` on PostgreSQL).
    /// Homeward's SQL never contains a literal question mark, so this is safe.
    pub fn sql<'a>(self, sql: &'a str) -> Cow<'a, str> {
        match self {
            Dialect::Sqlite => Cow::Borrowed(sql),
            Dialect::Postgres => {
                let mut out = String::with_capacity(sql.len() + 16);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                Cow::Owned(out)
            }
        }
    }

    /// How many rows of `columns` bind parameters fit in one statement (kept well under
    /// SQLite's 32,766 and PostgreSQL's 65,535 parameters).
    pub fn rows_per_statement(self, columns: usize) -> usize {
        (16_000 / columns.max(1)).clamp(1, 500)
    }
}

/// The file path inside a `sqlite:` URL (`sqlite:homeward.db`, `sqlite://dir/x.db?mode=rwc`);
/// `None` for other URLs and in-memory databases.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_paths() {
        assert_eq!(
            Dialect::Postgres.sql("a = ? AND b = ?"),
            "a = $1 AND b = $2"
        );
        assert_eq!(Dialect::Sqlite.sql("a = ?"), "a = ?");
        assert_eq!(sqlite_path("sqlite:homeward.db"), Some("homeward.db"));
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db?mode=rwc"),
            Some("/tmp/x.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert!(Dialect::of_url("mysql://x").is_err());
    }
}
