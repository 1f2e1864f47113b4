//! Imports: one transaction per file, written in chunks as the file is read, so that memory
//! stays bounded by the chunk and not by the file.
//!
//! The same code serves SQLite and PostgreSQL (through `sqlx::Any`). Rows go in multi-row
//! INSERTs with the values bound straight from the chunk, each chunk's rows sorted by key
//! where the key is not random, so that the B-trees are appended to.

use crate::crypto::{sensitive_columns, Keys, Sealer};
use crate::dialect::Dialect;
use crate::rows::q;
use crate::store::SqlStore;
use crate::tx::Tx;
use async_trait::async_trait;
use homeward_domain::Field;
use homeward_store::{
    ImportBatch, ImportChunk, ImportHeader, ImportOutcome, ImportStart, ImportWriter, StoreError,
};
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

/// Writes one chunk of an opened import inside `tx`.
async fn write_in(
    tx: &mut Tx,
    d: Dialect,
    keys: &Keys,
    opened: &Opened,
    head: &str,
    chunk: &ImportChunk,
) -> Result<(), StoreError> {
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
    // Sensitive columns (SENSITIVE in crypto.rs: notes, the original row) are sealed with a
    // key per record before they are bound; the wrapped keys land in the same transaction.
    let sensitive = sensitive_columns("records");
    let seal_original = sensitive.contains(&"original");
    let mut sealer = Sealer::new(keys);
    let mut rows: Vec<(&homeward_domain::Record, Vec<Option<String>>, String)> =
        Vec::with_capacity(chunk.records.len());
    for r in &chunk.records {
        let original =
            serde_json::to_string(&r.original).map_err(|e| StoreError::Query(e.to_string()))?;
        let original = if seal_original {
            sealer.seal_one("records", r.id.as_str(), "original", &original)?
        } else {
            original
        };
        let mut values = Vec::with_capacity(Field::ALL.len());
        for f in Field::ALL {
            let v = r.fields.get(*f);
            values.push(match v {
                Some(text) if sensitive.contains(&f.name()) => {
                    Some(sealer.seal_one("records", r.id.as_str(), f.name(), &text)?)
                }
                other => other,
            });
        }
        rows.push((r, values, original));
    }
    let (source_id, import_id) = (opened.source_id.as_str(), opened.import_id.as_str());
    insert_each(
        tx,
        d,
        head,
        crate::store::record_columns().len(),
        &rows,
        |mut query, (r, values, original)| {
            query = query
                .bind(r.id.as_str())
                .bind(source_id)
                .bind(r.person_id.as_str())
                .bind(import_id)
                .bind(i64::try_from(r.row_number).unwrap_or(i64::MAX));
            for v in values {
                query = query.bind(v.as_deref());
            }
            query.bind(original.as_str())
        },
    )
    .await?;
    sealer.finish(tx, d).await?;
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
        let (records, new_source) = (self.records, self.opened.new_source);
        crate::tx::commit(self.tx).await?;
        Ok(ImportOutcome::Imported {
            records,
            new_source,
        })
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.rollback().await.map_err(q)
    }
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
