//! Encryption at rest of sensitive fields: one data key per row, wrapped by a master key
//! that lives outside the database (environment or key file).
//!
//! Every write path that stores a sensitive column goes through [`Sealer::seal_rows`], and
//! every read through [`open_values`]; which columns are sensitive is the one list
//! [`SENSITIVE`], so a new sensitive column is one line there.

use crate::dialect::{sqlite_path, Dialect};
use crate::rows::q;
use crate::store::{insert_rows, Val};
use crate::tx::Tx;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use homeward_store::StoreError;
use homeward_trust::envelope::{Keyring, MasterKey, RecordKey, WrappedKey};
use rand::rngs::OsRng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The sensitive columns: table, the key columns that make its row id, and the columns
/// stored encrypted. Monitoring and tracing columns are added here.
pub const SENSITIVE: &[(&str, &[&str], &[&str])] = &[
    // Notes are free text; the original row holds every cell, notes and unmapped ones included.
    ("records", &["id"], &["notes", "original"]),
    // Health and conditions findings: what visitors saw and were told.
    (
        "visit_findings",
        &["visit_id", "position"],
        &["health", "conditions"],
    ),
    ("enquiries", &["id"], &["contact"]),
    // Who gave a list and how to reach them (informant and source details).
    ("sources", &["id"], &["description"]),
    ("users", &["id"], &["totp_secret"]),
];

/// Prefix of a sealed value as stored: version tag then base64 of the envelope blob.
const SEALED_PREFIX: &str = "hw1:";

/// The master keys of a store and where they came from.
#[derive(Clone, Default)]
pub struct Keys {
    ring: Option<Arc<Keyring>>,
    file: Option<PathBuf>,
    notice: Option<String>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("configured", &self.ring.is_some())
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

fn key_err(msg: impl Into<String>) -> StoreError {
    StoreError::Connect(msg.into())
}

impl Keys {
    /// No master key: sensitive values cannot be written or read.
    pub fn none() -> Keys {
        Keys::default()
    }

    /// A keyring given directly (tests, tools).
    pub fn from_keyring(ring: Keyring) -> Keys {
        Keys {
            ring: Some(Arc::new(ring)),
            file: None,
            notice: None,
        }
    }

    /// Resolves the master key for `url`: `HOMEWARD_MASTER_KEY` (`ID:KEY` or `KEY`, 64 hex
    /// digits or base64), else `HOMEWARD_MASTER_KEY_FILE`, else, for a SQLite file, the key
    /// file `<database>.key` next to it (generated owner-only if absent: the dev and demo
    /// set-up, reported by [`Keys::notice`]). PostgreSQL without a configured key gets none.
    pub fn resolve(url: &str) -> Result<Keys, StoreError> {
        if let Ok(text) = std::env::var("HOMEWARD_MASTER_KEY") {
            let (id, key) = match text.trim().split_once(':') {
                Some((id, key)) if id.chars().all(|c| c.is_ascii_digit()) => (
                    id.parse::<u32>()
                        .map_err(|_| key_err("HOMEWARD_MASTER_KEY: bad key id"))?,
                    key,
                ),
                _ => (1, text.trim()),
            };
            let key = MasterKey::from_encoded(id, key)
                .map_err(|e| key_err(format!("HOMEWARD_MASTER_KEY: {e}")))?;
            return Ok(Keys::from_keyring(Keyring::new(key)));
        }
        if let Ok(path) = std::env::var("HOMEWARD_MASTER_KEY_FILE") {
            let path = PathBuf::from(path);
            let ring = read_key_file(&path)?;
            return Ok(Keys {
                ring: Some(Arc::new(ring)),
                file: Some(path),
                notice: None,
            });
        }
        if Dialect::of_url(url).ok() == Some(Dialect::Sqlite) {
            if let Some(db) = sqlite_path(url) {
                let path = PathBuf::from(format!("{db}.key"));
                let mut notice = None;
                if !path.exists() {
                    let key = MasterKey::generate(1, &mut OsRng);
                    write_key_file(&path, &[&key])?;
                    notice = Some(format!(
                        "generated the master key file {} (owner-only); keep a copy away from the database, or set HOMEWARD_MASTER_KEY_FILE",
                        path.display()
                    ));
                }
                let ring = read_key_file(&path)?;
                return Ok(Keys {
                    ring: Some(Arc::new(ring)),
                    file: Some(path),
                    notice,
                });
            }
        }
        Ok(Keys::none())
    }

    /// A message to show once, when a key file was just generated.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The key file in use, if the key came from one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The keyring as key-file text (current key first), to hand it over with the data;
    /// `None` without a key.
    pub fn to_key_file_text(&self) -> Option<Zeroizing<String>> {
        self.ring.as_deref().map(|r| key_file_text(r.keys()))
    }

    /// Whether a master key is configured.
    pub fn is_configured(&self) -> bool {
        self.ring.is_some()
    }

    pub(crate) fn ring(&self) -> Result<&Keyring, StoreError> {
        self.ring.as_deref().ok_or_else(|| {
            StoreError::Query(
                "no master key: set HOMEWARD_MASTER_KEY or HOMEWARD_MASTER_KEY_FILE to store or read sensitive fields".into(),
            )
        })
    }
}

/// Reads a key file: one key per line as `ID KEY` (the first line is the current key, the
/// others retired keys kept to unwrap), `#` comments. Refuses a file others can read.
pub fn read_key_file(path: &Path) -> Result<Keyring, StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| key_err(format!("cannot read the key file {}: {e}", path.display())))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(key_err(format!(
                "the key file {} is readable by others: chmod 600 it",
                path.display()
            )));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| key_err(format!("cannot read the key file {}: {e}", path.display())))?;
    parse_key_text(&text, &path.display().to_string())
}

/// Parses key-file text (`ID KEY` per line, current first); `origin` names it in errors.
pub fn parse_key_text(text: &str, origin: &str) -> Result<Keyring, StoreError> {
    let mut ring: Option<Keyring> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || key_err(format!("{origin}: line {}: expected `ID KEY`", n + 1));
        let (id, key) = line.split_once(' ').ok_or_else(bad)?;
        let id: u32 = id.parse().map_err(|_| bad())?;
        let key = MasterKey::from_encoded(id, key.trim()).map_err(|_| bad())?;
        match ring.as_mut() {
            None => ring = Some(Keyring::new(key)),
            Some(r) => r.add_retired(key),
        }
    }
    ring.ok_or_else(|| key_err(format!("the key file {origin} holds no key")))
}

/// The key-file text of `keys`, current first (what [`parse_key_text`] reads back).
pub fn key_file_text<'a>(keys: impl IntoIterator<Item = &'a MasterKey>) -> Zeroizing<String> {
    use secrecy::ExposeSecret;
    let mut text = Zeroizing::new(String::from(
        "# Homeward master keys: ID KEY, current first. Never store with the database.\n",
    ));
    for k in keys {
        text.push_str(&format!("{} {}\n", k.id(), k.to_base64().expose_secret()));
    }
    text
}

/// Writes a key file owner-only, atomically (temporary file, fsync, rename, fsync of the
/// directory), current key first.
pub fn write_key_file(path: &Path, keys: &[&MasterKey]) -> Result<(), StoreError> {
    write_key_text(path, &key_file_text(keys.iter().copied()))
}

/// Writes key-file text owner-only and atomically (see [`write_key_file`]).
pub fn write_key_text(path: &Path, text: &str) -> Result<(), StoreError> {
    use std::io::Write;
    let io =
        |e: std::io::Error| key_err(format!("cannot write the key file {}: {e}", path.display()));
    let tmp = path.with_extension("key.tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The columns of `table` stored encrypted (empty when none are).
pub(crate) fn sensitive_columns(table: &str) -> &'static [&'static str] {
    sensitive_spec(table).map_or(&[], |(_, c)| c)
}

fn sensitive_spec(table: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    SENSITIVE
        .iter()
        .find(|(t, _, _)| *t == table)
        .map(|(_, k, c)| (*k, *c))
}

fn val_text(v: &Val) -> String {
    match v {
        Val::Text(Some(s)) => s.clone(),
        Val::Text(None) => String::new(),
        Val::Int(i) => i.to_string(),
        Val::Real(r) => r.to_string(),
        Val::Float(f) => f.map(|x| x.to_string()).unwrap_or_default(),
        Val::Bool(b) => i32::from(*b).to_string(),
    }
}

fn field_name(table: &str, column: &str) -> String {
    format!("{table}.{column}")
}

/// Encrypts the sensitive columns of rows about to be inserted, creating a data key per
/// row; [`Sealer::finish`] stores the wrapped keys in the same transaction.
pub(crate) struct Sealer<'k> {
    keys: &'k Keys,
    rng: ChaCha20Rng,
    new_keys: Vec<Vec<Val>>,
    cache: HashMap<(String, String), RecordKey>,
}

impl<'k> Sealer<'k> {
    pub(crate) fn new(keys: &'k Keys) -> Sealer<'k> {
        Sealer {
            keys,
            // Seeded from the OS once per write: a CSPRNG, without a system call per nonce.
            rng: ChaCha20Rng::from_rng(OsRng).unwrap_or_else(|_| ChaCha20Rng::from_entropy()),
            new_keys: Vec::new(),
            cache: HashMap::new(),
        }
    }

    fn key_for(&mut self, table: &str, row_id: &str) -> Result<&RecordKey, StoreError> {
        let k = (table.to_owned(), row_id.to_owned());
        if !self.cache.contains_key(&k) {
            let (key, wrapped) = new_data_key(self.keys.ring()?, &mut self.rng, table, row_id)?;
            self.new_keys
                .push(vec![table.into(), row_id.into(), wrapped.into()]);
            self.cache.insert(k.clone(), key);
        }
        self.cache
            .get(&k)
            .ok_or_else(|| StoreError::Query("data key cache".into()))
    }

    /// Seals in place every sensitive column of `table` among `columns` (row values in the
    /// same order). Rows without any sensitive value get no key.
    pub(crate) fn seal_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut [Vec<Val>],
    ) -> Result<(), StoreError> {
        let Some((key_cols, sens)) = sensitive_spec(table) else {
            return Ok(());
        };
        let key_pos: Vec<usize> = key_cols
            .iter()
            .filter_map(|k| columns.iter().position(|c| c == k))
            .collect();
        let sens_pos: Vec<(usize, &str)> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| sens.contains(c))
            .map(|(i, c)| (i, *c))
            .collect();
        if sens_pos.is_empty() {
            return Ok(());
        }
        if key_pos.len() != key_cols.len() {
            return Err(StoreError::Query(format!(
                "sealing {table}: the key columns must be written with the sensitive ones"
            )));
        }
        for row in rows.iter_mut() {
            let row_id = key_pos
                .iter()
                .map(|&i| row.get(i).map(val_text).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(":");
            for &(i, column) in &sens_pos {
                let Some(Val::Text(Some(plain))) = row.get(i).cloned() else {
                    continue;
                };
                let sealed = self.seal_one(table, &row_id, column, &plain)?;
                row[i] = Val::Text(Some(sealed));
            }
        }
        Ok(())
    }

    /// Seals one value of one row (a new key if the row has none in this sealer).
    pub(crate) fn seal_one(
        &mut self,
        table: &str,
        row_id: &str,
        column: &str,
        plain: &str,
    ) -> Result<String, StoreError> {
        let mut rng =
            ChaCha20Rng::from_rng(&mut self.rng).map_err(|e| StoreError::Query(e.to_string()))?;
        let key = self.key_for(table, row_id)?;
        seal_with(key, &mut rng, table, row_id, column, plain)
    }

    /// Uses an existing wrapped key of a row (for updates of rows sealed before).
    pub(crate) fn adopt(
        &mut self,
        table: &str,
        row_id: &str,
        wrapped: &str,
    ) -> Result<(), StoreError> {
        let key = unwrap_text(self.keys.ring()?, table, row_id, wrapped)?;
        self.cache
            .insert((table.to_owned(), row_id.to_owned()), key);
        Ok(())
    }

    /// Stores the wrapped keys created by this sealer, in the transaction of the rows.
    pub(crate) async fn finish(self, tx: &mut Tx, dialect: Dialect) -> Result<(), StoreError> {
        if self.new_keys.is_empty() {
            return Ok(());
        }
        insert_rows(
            tx,
            dialect,
            "row_keys",
            &["tbl", "row_id", "wrapped"],
            self.new_keys,
        )
        .await
    }
}

/// A fresh data key for one row, and its wrapping by the current master key (base64, as
/// `row_keys.wrapped` holds it).
fn new_data_key(
    ring: &Keyring,
    rng: &mut ChaCha20Rng,
    table: &str,
    row_id: &str,
) -> Result<(RecordKey, String), StoreError> {
    let key = RecordKey::generate(1, rng);
    let wrapped = ring
        .wrap(rng, &wrap_id(table, row_id), &key)
        .map_err(|e| StoreError::Query(e.to_string()))?;
    Ok((key, B64.encode(wrapped.as_bytes())))
}

/// One value sealed under a row's data key, as stored.
fn seal_with(
    key: &RecordKey,
    rng: &mut ChaCha20Rng,
    table: &str,
    row_id: &str,
    column: &str,
    plain: &str,
) -> Result<String, StoreError> {
    let blob = key
        .seal(rng, &field_name(table, column), row_id, plain.as_bytes())
        .map_err(|e| StoreError::Query(e.to_string()))?;
    Ok(format!("{SEALED_PREFIX}{}", B64.encode(blob)))
}

/// Seals the sensitive values of one new row under a data key of its own, as [`Sealer`]
/// does, but without shared state, so that the rows of a bulk import are sealed in
/// parallel (each with its own generator, seeded from the caller's CSPRNG). `values` are
/// (column, plain text); returns the sealed values in the same order and the wrapped key to
/// store in `row_keys` (with [`store_wrapped_keys`]), in the transaction of the row.
pub(crate) fn seal_new_row(
    ring: &Keyring,
    rng: &mut ChaCha20Rng,
    table: &str,
    row_id: &str,
    values: &[(&str, &str)],
) -> Result<(Vec<String>, String), StoreError> {
    let (key, wrapped) = new_data_key(ring, rng, table, row_id)?;
    let sealed = values
        .iter()
        .map(|(column, plain)| seal_with(&key, rng, table, row_id, column, plain))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((sealed, wrapped))
}

/// Stores wrapped data keys of rows of `table` (row id, wrapped key), in the transaction
/// of the rows.
pub(crate) async fn store_wrapped_keys(
    tx: &mut Tx,
    dialect: Dialect,
    table: &'static str,
    keys: &[(&str, &str)],
) -> Result<(), StoreError> {
    crate::import::insert_each(
        tx,
        dialect,
        "INSERT INTO row_keys (tbl, row_id, wrapped)",
        3,
        keys,
        |query, (id, wrapped)| query.bind(table).bind(*id).bind(*wrapped),
    )
    .await
}

/// What a data key is bound to when wrapped: table and row.
fn wrap_id(table: &str, row_id: &str) -> String {
    format!("{table}/{row_id}")
}

fn unwrap_text(
    ring: &Keyring,
    table: &str,
    row_id: &str,
    wrapped: &str,
) -> Result<RecordKey, StoreError> {
    let bytes = B64.decode(wrapped).map_err(|_| StoreError::Corrupt {
        table: "row_keys",
        column: "wrapped",
    })?;
    let w = WrappedKey::from_bytes(&bytes).map_err(|_| StoreError::Corrupt {
        table: "row_keys",
        column: "wrapped",
    })?;
    ring.unwrap(&wrap_id(table, row_id), &w)
        .map_err(|e| StoreError::Query(format!("cannot unwrap the data key of a {table} row: {e}")))
}

/// Whether a stored value is sealed.
pub(crate) fn is_sealed(v: &str) -> bool {
    v.starts_with(SEALED_PREFIX)
}

/// Decrypts sealed values of `table`: each item is (row id, column, stored value). A row
/// whose key was destroyed (erased) reads as `None`. Values that are not sealed (written
/// before encryption) are returned as they are.
pub(crate) async fn open_values(
    pool: &AnyPool,
    dialect: Dialect,
    keys: &Keys,
    table: &str,
    items: Vec<(String, &'static str, Option<String>)>,
) -> Result<Vec<Option<String>>, StoreError> {
    let mut ids: Vec<&str> = items
        .iter()
        .filter(|(_, _, v)| v.as_deref().is_some_and(is_sealed))
        .map(|(id, _, _)| id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut wrapped: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = dialect
            .sql(&format!(
                "SELECT row_id, wrapped FROM row_keys WHERE tbl = ? AND row_id IN ({marks})"
            ))
            .into_owned();
        let mut query = sqlx::query(&sql).bind(table.to_owned());
        for id in chunk {
            query = query.bind((*id).to_owned());
        }
        for r in query.fetch_all(pool).await.map_err(q)? {
            wrapped.insert(
                r.try_get("row_id").map_err(q)?,
                r.try_get("wrapped").map_err(q)?,
            );
        }
    }
    let mut keys_cache: HashMap<String, RecordKey> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for (row_id, column, value) in items {
        let Some(value) = value else {
            out.push(None);
            continue;
        };
        let Some(b64) = value.strip_prefix(SEALED_PREFIX) else {
            out.push(Some(value));
            continue;
        };
        let Some(w) = wrapped.get(&row_id) else {
            out.push(None);
            continue;
        };
        if !keys_cache.contains_key(&row_id) {
            let key = unwrap_text(keys.ring()?, table, &row_id, w)?;
            keys_cache.insert(row_id.clone(), key);
        }
        let key = keys_cache
            .get(&row_id)
            .ok_or_else(|| StoreError::Query("data key cache".into()))?;
        let corrupt = || StoreError::Corrupt {
            table: "sealed",
            column,
        };
        let blob = B64.decode(b64).map_err(|_| corrupt())?;
        let plain = key
            .open(&field_name(table, column), &row_id, &blob)
            .map_err(|_| corrupt())?;
        out.push(Some(
            String::from_utf8(plain.to_vec()).map_err(|_| corrupt())?,
        ));
    }
    Ok(out)
}

/// Rewraps every data key under the current master key, in the given transaction.
pub(crate) async fn rewrap_all(
    tx: &mut Tx,
    dialect: Dialect,
    keys: &Keys,
) -> Result<u64, StoreError> {
    let ring = keys.ring()?;
    let rows = sqlx::query("SELECT tbl, row_id, wrapped FROM row_keys")
        .fetch_all(&mut **tx)
        .await
        .map_err(q)?;
    let mut rng = ChaCha20Rng::from_rng(OsRng).map_err(|e| StoreError::Query(e.to_string()))?;
    let update = dialect.sql("UPDATE row_keys SET wrapped = ? WHERE tbl = ? AND row_id = ?");
    let mut n = 0u64;
    for r in rows {
        let tbl: String = r.try_get("tbl").map_err(q)?;
        let row_id: String = r.try_get("row_id").map_err(q)?;
        let wrapped: String = r.try_get("wrapped").map_err(q)?;
        let bytes = B64.decode(&wrapped).map_err(|_| StoreError::Corrupt {
            table: "row_keys",
            column: "wrapped",
        })?;
        let w = WrappedKey::from_bytes(&bytes).map_err(|_| StoreError::Corrupt {
            table: "row_keys",
            column: "wrapped",
        })?;
        if !ring.needs_rewrap(&w) {
            continue;
        }
        let new = ring
            .rewrap(&mut rng, &wrap_id(&tbl, &row_id), &w)
            .map_err(|e| StoreError::Query(format!("cannot rewrap a data key: {e}")))?;
        sqlx::query(&update)
            .bind(B64.encode(new.as_bytes()))
            .bind(tbl)
            .bind(row_id)
            .execute(&mut **tx)
            .await
            .map_err(q)?;
        n += 1;
    }
    Ok(n)
}

fn key_file_entries(path: &Path) -> Result<Vec<MasterKey>, StoreError> {
    read_key_file(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| key_err(format!("cannot read the key file {}: {e}", path.display())))?;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((id, key)) = line.split_once(' ') {
            if let (Ok(id), Ok(k)) = (id.parse::<u32>(), MasterKey::from_encoded(0, key.trim())) {
                drop(k);
                out.push(
                    MasterKey::from_encoded(id, key.trim()).map_err(|e| key_err(e.to_string()))?,
                );
            }
        }
    }
    Ok(out)
}

/// Starts a master-key rotation: writes the key file with a new current key first and the
/// old ones kept as retired (so data keys wrapped by either can be unwrapped whatever
/// happens next), and returns the new keys. Then rewrap with `rotate_master_key`.
pub fn add_key_to_file(path: &Path) -> Result<(Keys, u32), StoreError> {
    let old = key_file_entries(path)?;
    let next = old.iter().map(MasterKey::id).max().unwrap_or(0) + 1;
    let new = MasterKey::generate(next, &mut OsRng);
    let mut all: Vec<&MasterKey> = vec![&new];
    all.extend(old.iter());
    write_key_file(path, &all)?;
    Ok((
        Keys {
            ring: Some(Arc::new(read_key_file(path)?)),
            file: Some(path.to_owned()),
            notice: None,
        },
        next,
    ))
}

/// Forgets the retired keys of a key file (after every data key was rewrapped). Backups
/// made before the rotation can no longer be opened without a copy of them.
pub fn drop_retired_keys(path: &Path) -> Result<usize, StoreError> {
    let all = key_file_entries(path)?;
    let Some(current) = all.first() else {
        return Ok(0);
    };
    write_key_file(path, &[current])?;
    Ok(all.len() - 1)
}
