//! Imports: one transaction per file, written in chunks as the file is read, so that memory
//! stays bounded by the chunk and not by the file.
//!
//! The same code serves SQLite and PostgreSQL (through `sqlx::Any`). Rows go in multi-row
//! INSERTs with the values bound straight from the chunk, each chunk's rows sorted by key
//! where the key is not random, so that the B-trees are appended to.

use crate::audit::{self, encode_content, NewEntry, Shape};
use crate::crypto::{seal_new_row, sensitive_columns, store_wrapped_keys, Keys, Sealer};
use crate::dialect::Dialect;
use crate::rows::q;
use crate::store::SqlStore;
use crate::tx::Tx;
use async_trait::async_trait;
use homeward_domain::{Field, Record};
use homeward_store::{
    ImportBatch, ImportChunk, ImportHeader, ImportOutcome, ImportStart, ImportWriter, StoreError,
};
use homeward_trust::audit::new_salt;
use rand::rngs::OsRng;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sqlx::any::AnyArguments;
use sqlx::{Any, Row};

/// A query being bound.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// Inserts `items` in multi-row statements of up to the dialect's row count, binding each
/// item's columns with `bind_row` (borrowed, not copied).
pub(crate) async fn insert_each<T: Sync>(
    tx: &mut Tx,
    dialect: Dialect,
    head: &str,
    columns: usize,
    items: &[T],
    bind_row: impl for<'q> Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let per = dialect.rows_per_statement(columns);
    let row_sql = format!("({})", vec!["?"; columns].join(","));
    let statement = |n: usize| {
        dialect
            .sql(&format!(
                "{head} VALUES {}",
                vec![row_sql.as_str(); n].join(",")
            ))
            .into_owned()
    };
    let full = statement(per.min(items.len()));
    let tail = statement(items.len() % per);
    for chunk in items.chunks(per) {
        let sql = if chunk.len() == per.min(items.len()) {
            &full
        } else {
            &tail
        };
        let mut query = sqlx::query(sql);
        for item in chunk {
            query = bind_row(query, item);
        }
        query.execute(&mut **tx).await.map_err(q)?;
    }
    Ok(())
}

/// An import in progress: the open transaction and what the chunks need.
pub(crate) struct SqlImportWriter {
    tx: Tx,
    dialect: Dialect,
    keys: Keys,
    opened: Opened,
    records: u64,
    record_head: String,
}

/// Where an import opened by [`open_in`] writes.
pub(crate) struct Opened {
    import_id: String,
    source_id: String,
    new_source: bool,
}

/// Opens an import inside `tx`: creates the source if it is new and the import's row.
/// Returns the time of the earlier import instead when the same file was already imported
/// into the same source (nothing is written then).
pub(crate) async fn open_in(
    tx: &mut Tx,
    d: Dialect,
    keys: &Keys,
    header: &ImportHeader,
) -> Result<Result<Opened, String>, StoreError> {
    let existing = sqlx::query(&d.sql("SELECT id FROM sources WHERE name = ?"))
        .bind(header.source.name.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(q)?;
    let (source_id, new_source) = match existing {
        Some(row) => (row.try_get::<String, _>("id").map_err(q)?, false),
        None => {
            // Who gave a list and how to reach them is sealed like every sensitive column.
            let mut sealer = Sealer::new(keys);
            let description = header
                .source
                .description
                .as_deref()
                .map(|t| sealer.seal_one("sources", header.source.id.as_str(), "description", t))
                .transpose()?;
            sqlx::query(&d.sql("INSERT INTO sources (id, name, description) VALUES (?, ?, ?)"))
                .bind(header.source.id.as_str())
                .bind(header.source.name.as_str())
                .bind(description)
                .execute(&mut **tx)
                .await
                .map_err(q)?;
            sealer.finish(tx, d).await?;
            (header.source.id.as_str().to_owned(), true)
        }
    };
    let earlier = sqlx::query(
        &d.sql("SELECT imported_at FROM imports WHERE source_id = ? AND file_sha256 = ?"),
    )
    .bind(source_id.as_str())
    .bind(header.file_sha256.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(q)?;
    if let Some(row) = earlier {
        return Ok(Err(row.try_get::<String, _>("imported_at").map_err(q)?));
    }
    // The import's own id is derived from the source and file hash: unique by the
    // constraint above, and meaningless to anyone who sees it.
    let hash: String = header.file_sha256.chars().take(24).collect();
    let source_part = source_id
        .split_once('_')
        .map_or(source_id.as_str(), |(_, r)| r);
    let import_id = format!("imp_{hash}_{source_part}");
    sqlx::query(&d.sql(
        "INSERT INTO imports (id, source_id, file_sha256, file_name, records, imported_at) VALUES (?, ?, ?, ?, 0, ?)",
    ))
    .bind(import_id.as_str())
    .bind(source_id.as_str())
    .bind(header.file_sha256.as_str())
    .bind(header.file_name.as_str())
    .bind(header.imported_at.as_str())
    .execute(&mut **tx)
    .await
    .map_err(q)?;
    Ok(Ok(Opened {
        import_id,
        source_id,
        new_source,
    }))
}

/// Writes one batch inside `tx` (the PFIF import writes several batches and their notes in
/// one transaction). Returns `AlreadyImported` without writing when the file was imported
/// into the source before.
pub(crate) async fn import_in(
    tx: &mut Tx,
    d: Dialect,
    keys: &Keys,
    batch: ImportBatch,
) -> Result<ImportOutcome, StoreError> {
    let header = ImportHeader {
        source: batch.source,
        file_sha256: batch.file_sha256,
        file_name: batch.file_name,
        imported_at: batch.imported_at,
    };
    let opened = match open_in(tx, d, keys, &header).await? {
        Ok(o) => o,
        Err(at) => return Ok(ImportOutcome::AlreadyImported { at }),
    };
    let chunk = ImportChunk {
        records: batch.records,
        persons: batch.persons,
        names: batch.names,
    };
    let head = record_head();
    write_in(tx, d, keys, &opened, &head, &chunk).await?;
    let records = chunk.records.len() as u64;
    finish_in(tx, d, &opened, records).await?;
    Ok(ImportOutcome::Imported {
        records,
        new_source: opened.new_source,
    })
}

fn record_head() -> String {
    format!(
        "INSERT INTO records ({})",
        crate::store::record_columns().join(",")
    )
}

/// Sets the import's record count, once all its chunks are written.
async fn finish_in(
    tx: &mut Tx,
    d: Dialect,
    opened: &Opened,
    records: u64,
) -> Result<(), StoreError> {
    sqlx::query(&d.sql("UPDATE imports SET records = ? WHERE id = ?"))
        .bind(i64::try_from(records).unwrap_or(i64::MAX))
        .bind(opened.import_id.as_str())
        .execute(&mut **tx)
        .await
        .map_err(q)?;
    Ok(())
}

impl SqlStore {
    pub(crate) async fn start_import(
        &self,
        header: ImportHeader,
    ) -> Result<ImportStart, StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        if self.dialect == Dialect::Sqlite {
            // A large import inserts random (opaque) keys into several indexes at once;
            // once those outgrow the page cache, pages are spilled to the WAL and read
            // back over and over. A larger cache for this connection while it imports,
            // given back before the commit (durability is the same: WAL, synchronous).
            sqlx::query(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
                .execute(&mut *tx)
                .await
                .map_err(q)?;
        }
        match open_in(&mut tx, self.dialect, &self.keys, &header).await? {
            Err(at) => {
                tx.rollback().await.map_err(q)?;
                Ok(ImportStart::AlreadyImported { at })
            }
            Ok(opened) => Ok(ImportStart::Writing(Box::new(SqlImportWriter {
                tx,
                dialect: self.dialect,
                keys: self.keys.clone(),
                opened,
                records: 0,
                record_head: record_head(),
            }))),
        }
    }
}

/// The columns of `persons` an import writes.
const PERSON_COLUMNS: [&str; 3] = ["id", "display_name", "reviewed"];

/// A record ready to insert: its values as stored (sensitive ones sealed), the wrapped key
/// of its data key, and its audit entry when the import logs it itself.
struct RecordRow<'c> {
    r: &'c Record,
    row_number: i64,
    /// In `Field::ALL` order.
    values: Vec<Option<String>>,
    original: String,
    wrapped: Option<String>,
    entry: Option<NewEntry>,
}

/// How rows of one table are logged by the import itself: the table's shape, where its
/// columns are in the INSERT, and the sequence number of its first entry.
struct BulkPlan<'s> {
    shape: &'s Shape,
    positions: Vec<usize>,
    first_seq: u64,
}

/// Writes one chunk of an opened import inside `tx`.
///
/// The work per row that needs no database (serialising the original row, sealing the
/// sensitive values under a data key of the record's own, the content commitments and leaf
/// hashes of the audit entries) is done first, in parallel; then the rows go in multi-row
/// INSERTs. The insert triggers of `persons` and `records` are switched off for the
/// duration (see `audit`), and the entries of the rows written instead, in this transaction.
async fn write_in(
    tx: &mut Tx,
    d: Dialect,
    keys: &Keys,
    opened: &Opened,
    head: &str,
    chunk: &ImportChunk,
) -> Result<(), StoreError> {
    let record_cols = crate::store::record_columns();
    let record_shape = audit::shape(tx, d, "records").await?;
    let person_shape = audit::shape(tx, d, "persons").await?;
    let record_pos = record_shape
        .as_ref()
        .and_then(|s| s.positions(&record_cols).map(|p| (s, p)));
    let person_pos = person_shape
        .as_ref()
        .and_then(|s| s.positions(&PERSON_COLUMNS).map(|p| (s, p)));
    let tail = if record_pos.is_some() || person_pos.is_some() {
        Some(audit::tail(tx, d).await?)
    } else {
        None
    };
    let next = tail.as_ref().map_or(0, |t| t.next);
    let persons_logged = if person_pos.is_some() {
        chunk.persons.len() as u64
    } else {
        0
    };
    let person_plan = person_pos.map(|(shape, positions)| BulkPlan {
        shape,
        positions,
        first_seq: next,
    });
    let record_plan = record_pos.map(|(shape, positions)| BulkPlan {
        shape,
        positions,
        first_seq: next + persons_logged,
    });

    // One generator per row, seeded here from the OS-seeded CSPRNG, so that rows are
    // sealed in parallel without sharing one.
    let mut master = ChaCha20Rng::from_rng(OsRng).map_err(|e| StoreError::Query(e.to_string()))?;
    let mut seeds = |n: usize| -> Vec<[u8; 32]> {
        (0..n)
            .map(|_| {
                let mut s = [0u8; 32];
                master.fill_bytes(&mut s);
                s
            })
            .collect()
    };
    let record_seeds = seeds(chunk.records.len());
    let person_seeds = seeds(chunk.persons.len());

    let persons: Vec<Option<NewEntry>> = match (&person_plan, &tail) {
        (Some(plan), Some(tail)) => chunk
            .persons
            .par_iter()
            .zip(person_seeds.into_par_iter())
            .enumerate()
            .map(|(i, (p, seed))| {
                let reviewed = match (d, p.reviewed) {
                    (Dialect::Sqlite, true) => "1",
                    (Dialect::Sqlite, false) => "0",
                    (Dialect::Postgres, true) => "true",
                    (Dialect::Postgres, false) => "false",
                };
                let texts = [
                    Some(p.id.as_str()),
                    Some(p.display_name.as_str()),
                    Some(reviewed),
                ];
                let content = encode_content(
                    &plan.shape.columns,
                    plan.positions
                        .iter()
                        .map(|&j| texts.get(j).copied().flatten()),
                );
                let salt = new_salt(&mut ChaCha20Rng::from_seed(seed));
                audit::created_entry(
                    tail,
                    plan.first_seq + i as u64,
                    "persons",
                    p.id.as_str(),
                    &salt,
                    &content,
                )
                .map(Some)
            })
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };

    // Sensitive columns (SENSITIVE in crypto.rs: notes, the original row) are sealed with a
    // key per record before they are bound; the wrapped keys land in the same transaction.
    let sensitive = sensitive_columns("records");
    let seal_original = sensitive.contains(&"original");
    let ring = keys.ring().ok();
    let (source_id, import_id) = (opened.source_id.as_str(), opened.import_id.as_str());
    let rows: Vec<RecordRow<'_>> = chunk
        .records
        .par_iter()
        .zip(record_seeds.into_par_iter())
        .enumerate()
        .map(|(i, (r, seed))| {
            let mut rng = ChaCha20Rng::from_seed(seed);
            let mut original =
                serde_json::to_string(&r.original).map_err(|e| StoreError::Query(e.to_string()))?;
            let mut values: Vec<Option<String>> =
                Field::ALL.iter().map(|f| r.fields.get(*f)).collect();
            // Which values to seal: their place in `values`, `None` for the original row.
            let mut slots: Vec<Option<usize>> = Vec::new();
            let mut plain: Vec<(&str, &str)> = Vec::new();
            for (k, (f, v)) in Field::ALL.iter().zip(&values).enumerate() {
                if let Some(v) = v.as_deref().filter(|_| sensitive.contains(&f.name())) {
                    slots.push(Some(k));
                    plain.push((f.name(), v));
                }
            }
            if seal_original {
                slots.push(None);
                plain.push(("original", original.as_str()));
            }
            let mut wrapped = None;
            if !plain.is_empty() {
                let ring = match ring {
                    Some(ring) => ring,
                    None => keys.ring()?,
                };
                let (sealed, w) = seal_new_row(ring, &mut rng, "records", r.id.as_str(), &plain)?;
                wrapped = Some(w);
                for (slot, v) in slots.into_iter().zip(sealed) {
                    match slot {
                        Some(k) => {
                            if let Some(x) = values.get_mut(k) {
                                *x = Some(v);
                            }
                        }
                        None => original = v,
                    }
                }
            }
            let row_number = i64::try_from(r.row_number).unwrap_or(i64::MAX);
            let entry = match (&record_plan, &tail) {
                (Some(plan), Some(tail)) => {
                    let number = row_number.to_string();
                    let mut texts: Vec<Option<&str>> = Vec::with_capacity(record_cols.len());
                    texts.extend([
                        Some(r.id.as_str()),
                        Some(source_id),
                        Some(r.person_id.as_str()),
                        Some(import_id),
                        Some(number.as_str()),
                    ]);
                    texts.extend(values.iter().map(|v| v.as_deref()));
                    texts.push(Some(original.as_str()));
                    let content = encode_content(
                        &plan.shape.columns,
                        plan.positions
                            .iter()
                            .map(|&j| texts.get(j).copied().flatten()),
                    );
                    let salt = new_salt(&mut rng);
                    Some(audit::created_entry(
                        tail,
                        plan.first_seq + i as u64,
                        "records",
                        r.id.as_str(),
                        &salt,
                        &content,
                    )?)
                }
                _ => None,
            };
            Ok(RecordRow {
                r,
                row_number,
                values,
                original,
                wrapped,
                entry,
            })
        })
        .collect::<Result<_, StoreError>>()?;

    let mut bulk: Vec<&'static str> = Vec::new();
    if person_plan.is_some() {
        bulk.push("persons");
    }
    if record_plan.is_some() {
        bulk.push("records");
    }
    audit::bulk_on(tx, d, &bulk).await?;
    insert_each(
        tx,
        d,
        "INSERT INTO persons (id, display_name, reviewed)",
        3,
        &chunk.persons,
        |query, p| {
            query
                .bind(p.id.as_str())
                .bind(p.display_name.as_str())
                .bind(p.reviewed)
        },
    )
    .await?;
    insert_each(tx, d, head, record_cols.len(), &rows, |mut query, row| {
        query = query
            .bind(row.r.id.as_str())
            .bind(source_id)
            .bind(row.r.person_id.as_str())
            .bind(import_id)
            .bind(row.row_number);
        for v in &row.values {
            query = query.bind(v.as_deref());
        }
        query.bind(row.original.as_str())
    })
    .await?;
    audit::bulk_off(tx).await?;

    let mut wrapped: Vec<(&str, &str)> = rows
        .iter()
        .filter_map(|row| row.wrapped.as_deref().map(|w| (row.r.id.as_str(), w)))
        .collect();
    // In key order: the keys' index is written in runs, not at random places.
    wrapped.sort_unstable();
    store_wrapped_keys(tx, d, "records", &wrapped).await?;
    if let Some(tail) = &tail {
        let person_entries: Vec<(&str, &NewEntry)> = chunk
            .persons
            .iter()
            .zip(&persons)
            .filter_map(|(p, e)| e.as_ref().map(|e| (p.id.as_str(), e)))
            .collect();
        audit::append(tx, d, tail, "persons", &person_entries).await?;
        let record_entries: Vec<(&str, &NewEntry)> = rows
            .iter()
            .filter_map(|row| row.entry.as_ref().map(|e| (row.r.id.as_str(), e)))
            .collect();
        audit::append(tx, d, tail, "records", &record_entries).await?;
    }
    let mut tokens: Vec<(&str, &str)> = chunk
        .names
        .person_tokens
        .iter()
        .flat_map(|(p, ts)| ts.iter().map(move |t| (t.as_str(), p.as_str())))
        .collect();
    // In key order and without repeats: the index is appended to, not written at
    // random places, and a name repeating a part does not break the primary key.
    tokens.sort_unstable();
    tokens.dedup();
    insert_each(
        tx,
        d,
        "INSERT INTO name_tokens (token, person_id)",
        2,
        &tokens,
        |query, (t, p)| query.bind(*t).bind(*p),
    )
    .await?;
    let mut keys: Vec<(&str, &str)> = Vec::new();
    let mut grams: Vec<(&str, &str)> = Vec::new();
    for e in &chunk.names.vocabulary {
        keys.extend(e.keys.iter().map(|k| (k.as_str(), e.token.as_str())));
        grams.extend(e.grams.iter().map(|g| (g.as_str(), e.token.as_str())));
    }
    for (table, col, rows) in [
        ("name_vocab_keys", "key", &mut keys),
        ("name_vocab_grams", "gram", &mut grams),
    ] {
        rows.sort_unstable();
        rows.dedup();
        // Entries already in the store (from earlier imports) stay as they are.
        let head = format!("INSERT INTO {table} ({col}, token)");
        insert_on_conflict_ignore(tx, d, &head, rows).await?;
    }
    Ok(())
}

#[async_trait]
impl ImportWriter for SqlImportWriter {
    async fn write(&mut self, chunk: ImportChunk) -> Result<(), StoreError> {
        write_in(
            &mut self.tx,
            self.dialect,
            &self.keys,
            &self.opened,
            &self.record_head,
            &chunk,
        )
        .await?;
        self.records += chunk.records.len() as u64;
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<ImportOutcome, StoreError> {
        finish_in(&mut self.tx, self.dialect, &self.opened, self.records).await?;
        restore_cache(&mut self.tx, self.dialect).await?;
        let (records, new_source) = (self.records, self.opened.new_source);
        crate::tx::commit(self.tx).await?;
        Ok(ImportOutcome::Imported {
            records,
            new_source,
        })
    }

    async fn rollback(mut self: Box<Self>) -> Result<(), StoreError> {
        restore_cache(&mut self.tx, self.dialect).await?;
        self.tx.rollback().await.map_err(q)
    }
}

/// The page cache of an importing SQLite connection, in KiB (1 GiB; the pool's connections
/// otherwise have [`POOL_CACHE_KIB`]).
const IMPORT_CACHE_KIB: u32 = 1024 * 1024;

/// The page cache every SQLite connection of the pool has (`connect_with_keys`), in KiB
/// (reads go through a memory map, so this holds mostly pages being written).
pub(crate) const POOL_CACHE_KIB: u32 = 64 * 1024;

/// Gives the pool's page cache size back to the importing connection.
async fn restore_cache(tx: &mut Tx, d: Dialect) -> Result<(), StoreError> {
    if d == Dialect::Sqlite {
        sqlx::query(&format!("PRAGMA cache_size = -{POOL_CACHE_KIB}"))
            .execute(&mut **tx)
            .await
            .map_err(q)?;
    }
    Ok(())
}

/// Inserts (key, token) pairs, leaving pairs the table already holds alone.
async fn insert_on_conflict_ignore(
    tx: &mut Tx,
    dialect: Dialect,
    head: &str,
    rows: &[(&str, &str)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let per = dialect.rows_per_statement(2);
    for chunk in rows.chunks(per) {
        let sql = format!(
            "{head} VALUES {} ON CONFLICT DO NOTHING",
            vec!["(?,?)"; chunk.len()].join(",")
        );
        let sql = dialect.sql(&sql);
        let mut query = sqlx::query(&sql);
        for (a, b) in chunk {
            query = query.bind(*a).bind(*b);
        }
        query.execute(&mut **tx).await.map_err(q)?;
    }
    Ok(())
}
