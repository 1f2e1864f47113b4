//! `TrustStore` on SQL: accounts, the audit log read back, data keys, erasure, backups.

use crate::crypto::{open_values, Sealer};
use crate::dialect::{sqlite_path, Dialect};
use crate::rows::{self, q, Cells};
use crate::store::{SqlStore, Val};
use async_trait::async_trait;
use homeward_domain::{Id, IdKind, Role, User};
use homeward_store::{
    Account, AuditRow, FoundSession, KeyReport, PersonFacts, RowProblem, SessionRow, StoreError,
    TrustStore,
};
use sqlx::Row;
use std::collections::HashSet;
use std::path::Path;

/// Identifying plaintext fields of a record, blanked when its person is erased.
const IDENTIFYING: &[&str] = &[
    "given_name",
    "family_name",
    "patronymic",
    "full_name",
    "birth_date",
    "birth_place",
    "residence",
    "id_number",
    "record_id",
];

/// A session with its account, by token digest (every staff request makes this read).
const SESSION_SQL: &str = "SELECT s.token_digest, s.user_id, s.created_at, s.last_seen, \
     s.csrf_digest, u.username, u.role, u.disabled \
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_digest = ?";

fn found_session(r: &impl Cells) -> Result<FoundSession, StoreError> {
    let corrupt = |column| StoreError::Corrupt {
        table: "sessions",
        column,
    };
    let text = |column: &'static str| -> Result<String, StoreError> {
        r.text(column)?.ok_or_else(|| corrupt(column))
    };
    let digest = |column: &'static str| -> Result<[u8; 32], StoreError> {
        crate::audit::unhex32(&text(column)?).ok_or_else(|| corrupt(column))
    };
    let time = |column: &'static str| -> Result<u64, StoreError> {
        u64::try_from(r.int(column)?).map_err(|_| corrupt(column))
    };
    let user = User {
        id: rows::id(r, "user_id", "sessions", IdKind::User)?,
        username: text("username")?,
        role: text("role")?
            .parse::<Role>()
            .map_err(|_| StoreError::Corrupt {
                table: "users",
                column: "role",
            })?,
    };
    Ok(FoundSession {
        row: SessionRow {
            token_digest: digest("token_digest")?,
            user: user.id.clone(),
            created_at: time("created_at")?,
            last_seen: time("last_seen")?,
            csrf_digest: digest("csrf_digest")?,
        },
        user,
        disabled: r.flag("disabled")?,
    })
}

impl SqlStore {
    /// Logs a read of sensitive fields of the rows `ids` of `table` (one entry per row),
    /// committed before this returns (with other readers' entries: see [`crate::readlog`]).
    pub(crate) async fn note_reads(
        &self,
        table: &'static str,
        ids: &[String],
    ) -> Result<(), StoreError> {
        self.read_log
            .note(&self.pool, self.dialect, table, ids)
            .await
    }

    async fn exec(&self, sql: &str, binds: Vec<Val>) -> Result<u64, StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        let n = exec_in(&mut tx, self.dialect, sql, binds).await?;
        crate::tx::commit(tx).await?;
        Ok(n)
    }
}

async fn exec_in(
    tx: &mut crate::tx::Tx,
    d: Dialect,
    sql: &str,
    binds: Vec<Val>,
) -> Result<u64, StoreError> {
    let sql = d.sql(sql);
    let mut query = sqlx::query(&sql);
    for v in binds {
        query = match v {
            Val::Text(t) => query.bind(t),
            Val::Int(i) => query.bind(i),
            Val::Real(r) => query.bind(r),
            Val::Float(f) => query.bind(f),
            Val::Bool(b) => query.bind(b),
        };
    }
    Ok(query.execute(&mut **tx).await.map_err(q)?.rows_affected())
}

fn sync_path(path: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Query(format!("cannot sync {}: {e}", path.display()));
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[async_trait]
impl TrustStore for SqlStore {
    async fn audit_rows(&self) -> Result<Vec<AuditRow>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(q)?;
        crate::audit::rows(&mut conn).await
    }

    async fn audit_row_problems(&self) -> Result<Vec<RowProblem>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(q)?;
        crate::audit::problems(&mut conn).await
    }

    async fn audit_event(
        &self,
        action: &str,
        object_kind: &str,
        object_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        crate::audit::note(&mut tx, object_kind, object_id, &format!("event:{action}")).await?;
        crate::tx::commit(tx).await
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, username, role, password_hash, disabled, totp_secret, totp_last_step FROM users ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(q)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut items = Vec::new();
        for r in &rows {
            let role: String = r.try_get("role").map_err(q)?;
            let disabled: i64 = r.try_get("disabled").map_err(q)?;
            let step: Option<i64> = r.try_get("totp_last_step").map_err(q)?;
            let user = User {
                id: rows::id(r, "id", "users", IdKind::User)?,
                username: r.try_get("username").map_err(q)?,
                role: role.parse::<Role>().map_err(|_| StoreError::Corrupt {
                    table: "users",
                    column: "role",
                })?,
            };
            items.push((
                user.id.as_str().to_owned(),
                "totp_secret",
                r.try_get::<Option<String>, _>("totp_secret").map_err(q)?,
            ));
            out.push(Account {
                user,
                password_hash: r.try_get("password_hash").map_err(q)?,
                disabled: disabled != 0,
                totp_secret: None,
                totp_last_step: step.and_then(|s| u64::try_from(s).ok()),
            });
        }
        let secrets = open_values(&self.pool, self.dialect, &self.keys, "users", items).await?;
        for (a, s) in out.iter_mut().zip(secrets) {
            a.totp_secret = s;
        }
        Ok(out)
    }

    async fn add_account(&self, user: &User, password_hash: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO users (id, username, role, password_hash, disabled) VALUES (?, ?, ?, ?, 0)",
            vec![
                (&user.id).into(),
                user.username.as_str().into(),
                user.role.as_str().into(),
                password_hash.into(),
            ],
        )
        .await
        .map(|_| ())
        .map_err(|e| match e {
            StoreError::Query(m) if m.to_lowercase().contains("unique") => {
                StoreError::Conflict("a user with this name exists".into())
            }
            other => other,
        })
    }

    async fn set_password_hash(&self, user: &Id, password_hash: &str) -> Result<(), StoreError> {
        let n = self
            .exec(
                "UPDATE users SET password_hash = ? WHERE id = ?",
                vec![password_hash.into(), user.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("user".into()));
        }
        Ok(())
    }

    async fn set_disabled(&self, user: &Id, disabled: bool) -> Result<(), StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        let n = exec_in(
            &mut tx,
            self.dialect,
            "UPDATE users SET disabled = ? WHERE id = ?",
            vec![Val::Int(i64::from(disabled)), user.into()],
        )
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound("user".into()));
        }
        if disabled {
            exec_in(
                &mut tx,
                self.dialect,
                "DELETE FROM sessions WHERE user_id = ?",
                vec![user.into()],
            )
            .await?;
        }
        crate::tx::commit(tx).await
    }

    async fn set_totp(&self, user: &Id, secret_base32: Option<&str>) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let mut sealer = Sealer::new(&self.keys);
        let existing =
            sqlx::query(&d.sql("SELECT wrapped FROM row_keys WHERE tbl = 'users' AND row_id = ?"))
                .bind(user.as_str().to_owned())
                .fetch_optional(&mut *tx)
                .await
                .map_err(q)?;
        if let Some(r) = existing {
            let w: String = r.try_get("wrapped").map_err(q)?;
            sealer.adopt("users", user.as_str(), &w)?;
        }
        let sealed = secret_base32
            .map(|s| sealer.seal_one("users", user.as_str(), "totp_secret", s))
            .transpose()?;
        let n = exec_in(
            &mut tx,
            d,
            "UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE id = ?",
            vec![Val::Text(sealed), user.into()],
        )
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound("user".into()));
        }
        sealer.finish(&mut tx, d).await?;
        crate::tx::commit(tx).await
    }

    async fn set_totp_step(&self, user: &Id, step: u64) -> Result<(), StoreError> {
        self.exec(
            "UPDATE users SET totp_last_step = ? WHERE id = ?",
            vec![
                Val::Int(i64::try_from(step).unwrap_or(i64::MAX)),
                user.into(),
            ],
        )
        .await
        .map(|_| ())
    }

    async fn finding_health(
        &self,
        visit: &Id,
        position: u32,
    ) -> Result<Option<String>, StoreError> {
        let rows = sqlx::query(
            &self
                .dialect
                .sql("SELECT health FROM visit_findings WHERE visit_id = ? AND position = ?"),
        )
        .bind(visit.as_str().to_owned())
        .bind(i64::from(position))
        .fetch_all(&self.pool)
        .await
        .map_err(q)?;
        let Some(r) = rows.first() else {
            return Err(StoreError::NotFound("visit finding".into()));
        };
        let stored: Option<String> = r.try_get("health").map_err(q)?;
        let row_id = format!("{}:{position}", visit.as_str());
        let had = stored.is_some();
        let mut v = open_values(
            &self.pool,
            self.dialect,
            &self.keys,
            "visit_findings",
            vec![(row_id.clone(), "health", stored)],
        )
        .await?;
        if had {
            self.note_reads("visit_findings", &[row_id]).await?;
        }
        Ok(v.pop().flatten())
    }

    async fn person_facts(&self) -> Result<Vec<PersonFacts>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_id, sex, category, status FROM records ORDER BY person_id, source_id, row_number",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(q)?;
        let mut out = Vec::new();
        let mut last: Option<String> = None;
        for r in &rows {
            let pid: String = r.try_get("person_id").map_err(q)?;
            if last.as_deref() == Some(pid.as_str()) {
                continue;
            }
            last = Some(pid);
            out.push(PersonFacts {
                sex: r.try_get("sex").map_err(q)?,
                category: r.try_get("category").map_err(q)?,
                status: r.try_get("status").map_err(q)?,
            });
        }
        Ok(out)
    }

    async fn rotate_master_key(&self) -> Result<KeyReport, StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        let n = crate::crypto::rewrap_all(&mut tx, self.dialect, &self.keys).await?;
        let id = self.keys.ring()?.current_id().to_string();
        crate::audit::note(&mut tx, "master_key", &id, "event:key_rotation").await?;
        crate::tx::commit(tx).await?;
        Ok(KeyReport { keys: n, rows: 0 })
    }

    async fn erase_person(&self, person: &Id) -> Result<KeyReport, StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let mut targets: Vec<(&str, String)> = Vec::new();
        for r in sqlx::query(&d.sql("SELECT id FROM records WHERE person_id = ?"))
            .bind(person.as_str().to_owned())
            .fetch_all(&mut *tx)
            .await
            .map_err(q)?
        {
            targets.push(("records", r.try_get("id").map_err(q)?));
        }
        if targets.is_empty() {
            return Err(StoreError::NotFound("person".into()));
        }
        for r in sqlx::query(&d.sql(
            "SELECT visit_id, CAST(position AS TEXT) AS pos FROM visit_findings WHERE person_id = ?",
        ))
        .bind(person.as_str().to_owned())
        .fetch_all(&mut *tx)
        .await
        .map_err(q)?
        {
            let v: String = r.try_get("visit_id").map_err(q)?;
            let p: String = r.try_get("pos").map_err(q)?;
            targets.push(("visit_findings", format!("{v}:{p}")));
        }
        // Identifying plaintext goes too; encrypted fields die with their keys.
        let blank = IDENTIFYING
            .iter()
            .map(|c| format!("{c} = NULL"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = exec_in(
            &mut tx,
            d,
            &format!("UPDATE records SET {blank} WHERE person_id = ?"),
            vec![person.into()],
        )
        .await?;
        exec_in(
            &mut tx,
            d,
            "UPDATE persons SET display_name = '[erased]' WHERE id = ?",
            vec![person.into()],
        )
        .await?;
        exec_in(
            &mut tx,
            d,
            "DELETE FROM name_tokens WHERE person_id = ?",
            vec![person.into()],
        )
        .await?;
        // Flush the updates' entries now (fresh salts), then destroy keys and salts.
        crate::audit::flush(&mut tx).await?;
        let mut keys = 0;
        let seen: HashSet<(&str, String)> = targets.iter().cloned().collect();
        for (table, id) in &seen {
            keys += exec_in(
                &mut tx,
                d,
                "DELETE FROM row_keys WHERE tbl = ? AND row_id = ?",
                vec![(*table).into(), id.as_str().into()],
            )
            .await?;
            exec_in(
                &mut tx,
                d,
                "DELETE FROM audit_salts WHERE tbl = ? AND row_id = ?",
                vec![(*table).into(), id.as_str().into()],
            )
            .await?;
        }
        for (table, id) in &targets {
            crate::audit::note(&mut tx, table, id, "event:erase").await?;
        }
        crate::tx::commit(tx).await?;
        Ok(KeyReport { keys, rows })
    }

    async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Conflict(format!(
                "{} exists; a backup never overwrites",
                path.display()
            )));
        }
        let text = path
            .to_str()
            .ok_or_else(|| StoreError::Query("the backup path is not UTF-8".into()))?;
        match self.dialect {
            Dialect::Sqlite => {
                // VACUUM INTO writes a consistent snapshot from one read transaction.
                let sql = format!("VACUUM INTO '{}'", text.replace('\'', "''"));
                sqlx::query(&sql).execute(&self.pool).await.map_err(q)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| StoreError::Query(e.to_string()))?;
                }
            }
            Dialect::Postgres => {
                // pg_dump takes its snapshot in one repeatable-read transaction.
                let out = std::process::Command::new("pg_dump")
                    .arg("--format=custom")
                    .arg("--file")
                    .arg(path)
                    .arg(&self.url)
                    .output()
                    .map_err(|e| StoreError::Query(format!("cannot run pg_dump: {e}")))?;
                if !out.status.success() {
                    return Err(StoreError::Query(format!(
                        "pg_dump failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    )));
                }
            }
        }
        sync_path(path)
    }

    async fn create_session(&self, session: &SessionRow) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO sessions (token_digest, user_id, created_at, last_seen, csrf_digest) VALUES (?, ?, ?, ?, ?)",
            vec![
                crate::audit::hex(&session.token_digest).into(),
                (&session.user).into(),
                secs(session.created_at),
                secs(session.last_seen),
                crate::audit::hex(&session.csrf_digest).into(),
            ],
        )
        .await
        .map(|_| ())
        .map_err(|e| match e {
            StoreError::Query(m) if m.to_lowercase().contains("unique") => {
                StoreError::Conflict("a session with this token exists".into())
            }
            StoreError::Query(m) if m.to_lowercase().contains("foreign") => {
                StoreError::NotFound("user".into())
            }
            other => other,
        })
    }

    async fn session(&self, token_digest: &[u8; 32]) -> Result<Option<FoundSession>, StoreError> {
        let digest = crate::audit::hex(token_digest);
        if let Some(fast) = &self.fast {
            return fast.row(SESSION_SQL, &digest, |r| found_session(r));
        }
        let row = sqlx::query(&self.dialect.sql(SESSION_SQL))
            .bind(digest)
            .fetch_optional(&self.pool)
            .await
            .map_err(q)?;
        row.as_ref().map(found_session).transpose()
    }

    async fn touch_session(
        &self,
        token_digest: &[u8; 32],
        last_seen: u64,
    ) -> Result<bool, StoreError> {
        // Never moves last_seen backwards, so concurrent requests cannot shorten a session.
        let n = self
            .exec(
                "UPDATE sessions SET last_seen = ? WHERE token_digest = ? AND last_seen < ?",
                vec![
                    secs(last_seen),
                    crate::audit::hex(token_digest).into(),
                    secs(last_seen),
                ],
            )
            .await?;
        if n > 0 {
            return Ok(true);
        }
        let still = sqlx::query(
            &self
                .dialect
                .sql("SELECT 1 AS x FROM sessions WHERE token_digest = ?"),
        )
        .bind(crate::audit::hex(token_digest))
        .fetch_optional(&self.pool)
        .await
        .map_err(q)?;
        Ok(still.is_some())
    }

    async fn delete_session(&self, token_digest: &[u8; 32]) -> Result<bool, StoreError> {
        let n = self
            .exec(
                "DELETE FROM sessions WHERE token_digest = ?",
                vec![crate::audit::hex(token_digest).into()],
            )
            .await?;
        Ok(n > 0)
    }

    async fn delete_user_sessions(&self, user: &Id) -> Result<u64, StoreError> {
        self.exec("DELETE FROM sessions WHERE user_id = ?", vec![user.into()])
            .await
    }

    async fn prune_sessions(
        &self,
        idle_cutoff: u64,
        absolute_cutoff: u64,
    ) -> Result<u64, StoreError> {
        self.exec(
            "DELETE FROM sessions WHERE last_seen <= ? OR created_at <= ?",
            vec![secs(idle_cutoff), secs(absolute_cutoff)],
        )
        .await
    }
}

/// Unix seconds as a bound integer (saturating: the year 292 billion is far off).
fn secs(t: u64) -> Val {
    Val::Int(i64::try_from(t).unwrap_or(i64::MAX))
}

/// The SQLite file of a store, if it is one (backups and wipes name it).
pub fn sqlite_file(store: &SqlStore) -> Option<&str> {
    sqlite_path(&store.url)
}
