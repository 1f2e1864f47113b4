//! Imports: one transaction per file, written in chunks as the file is read, so that memory
//! stays bounded by the chunk and not by the file.
//!
//! The same code serves SQLite and PostgreSQL (through `sqlx::Any`). Rows go in multi-row
//! INSERTs with the values bound straight from the chunk, each chunk's rows sorted by key
//! where the key is not random, so that the B-trees are appended to.

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

/// Where an import writes: the ids its rows point at.
pub(crate) struct ImportTarget {
    import_id: String,
    source_id: String,
    new_source: bool,
    records: u64,
}

/// An import in progress: the open transaction and where it writes.
pub(crate) struct SqlImportWriter {
    tx: Tx,
    dialect: Dialect,
    target: ImportTarget,
}

/// Registers an import inside `tx`: the source (created if new) and the import log entry,
/// or `Err(at)` (nothing written) if the file was imported into the source before.
pub(crate) async fn start_in(
    tx: &mut Tx,
    d: Dialect,
    header: &ImportHeader,
) -> Result<Result<ImportTarget, String>, StoreError> {
    let existing = sqlx::query(&d.sql("SELECT id FROM sources WHERE name = ?"))
        .bind(header.source.name.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(q)?;
    let (source_id, new_source) = match existing {
        Some(row) => (row.try_get::<String, _>("id").map_err(q)?, false),
        None => (header.source.id.as_str().to_owned(), true),
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
        return Ok(Err(row.try_get("imported_at").map_err(q)?));
    }
    if new_source {
        sqlx::query(&d.sql("INSERT INTO sources (id, name, description) VALUES (?, ?, ?)"))
            .bind(header.source.id.as_str())
            .bind(header.source.name.as_str())
            .bind(header.source.description.as_deref())
            .execute(&mut **tx)
            .await
            .map_err(q)?;
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
    Ok(Ok(ImportTarget {
        import_id,
        source_id,
        new_source,
        records: 0,
    }))
}

/// Writes one whole batch inside `tx` (the PFIF import writes several batches and their
/// notes in one transaction). Returns `AlreadyImported` without writing when the file was
/// imported into the source before.
pub(crate) async fn import_in(
    tx: &mut Tx,
    d: Dialect,
    batch: ImportBatch,
) -> Result<ImportOutcome, StoreError> {
    let header = ImportHeader {
        source: batch.source,
        file_sha256: batch.file_sha256,
        file_name: batch.file_name,
        imported_at: batch.imported_at,
    };
    let mut target = match start_in(tx, d, &header).await? {
        Ok(t) => t,
        Err(at) => return Ok(ImportOutcome::AlreadyImported { at }),
    };
    let chunk = ImportChunk {
        records: batch.records,
        persons: batch.persons,
        names: batch.names,
    };
    write_in(tx, d, &mut target, chunk).await?;
    finish_in(tx, d, target).await
}

impl SqlStore {
    pub(crate) async fn start_import(
        &self,
        header: ImportHeader,
    ) -> Result<ImportStart, StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        match start_in(&mut tx, self.dialect, &header).await? {
            Err(at) => {
                tx.rollback().await.map_err(q)?;
                Ok(ImportStart::AlreadyImported { at })
            }
            Ok(target) => Ok(ImportStart::Writing(Box::new(SqlImportWriter {
                tx,
                dialect: self.dialect,
                target,
            }))),
        }
    }
}

/// Writes a chunk of an import inside `tx`.
async fn write_in(
    tx: &mut Tx,
    d: Dialect,
    target: &mut ImportTarget,
    chunk: ImportChunk,
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
    let originals = chunk
        .records
        .iter()
        .map(|r| serde_json::to_string(&r.original))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| StoreError::Query(e.to_string()))?;
    let rows: Vec<(&homeward_domain::Record, &String)> =
        chunk.records.iter().zip(&originals).collect();
    let (source_id, import_id) = (target.source_id.as_str(), target.import_id.as_str());
    let columns = crate::store::record_columns();
    insert_each(
        tx,
        d,
        &format!("INSERT INTO records ({})", columns.join(",")),
        columns.len(),
        &rows,
        |mut query, (r, original)| {
            query = query
                .bind(r.id.as_str())
                .bind(source_id)
                .bind(r.person_id.as_str())
                .bind(import_id)
                .bind(i64::try_from(r.row_number).unwrap_or(i64::MAX));
            for f in Field::ALL {
                query = query.bind(r.fields.get(*f));
            }
            query.bind(original.as_str())
        },
    )
    .await?;
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
    target.records += chunk.records.len() as u64;
    Ok(())
}

/// Records the import's size in its log entry.
async fn finish_in(
    tx: &mut Tx,
    d: Dialect,
    target: ImportTarget,
) -> Result<ImportOutcome, StoreError> {
    sqlx::query(&d.sql("UPDATE imports SET records = ? WHERE id = ?"))
        .bind(i64::try_from(target.records).unwrap_or(i64::MAX))
        .bind(target.import_id.as_str())
        .execute(&mut **tx)
        .await
        .map_err(q)?;
    Ok(ImportOutcome::Imported {
        records: target.records,
        new_source: target.new_source,
    })
}

#[async_trait]
impl ImportWriter for SqlImportWriter {
    async fn write(&mut self, chunk: ImportChunk) -> Result<(), StoreError> {
        write_in(&mut self.tx, self.dialect, &mut self.target, chunk).await
    }

    async fn commit(mut self: Box<Self>) -> Result<ImportOutcome, StoreError> {
        let this = *self;
        let mut tx = this.tx;
        let outcome = finish_in(&mut tx, this.dialect, this.target).await?;
        crate::tx::commit(tx).await?;
        Ok(outcome)
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
