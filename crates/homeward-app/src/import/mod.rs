//! Importing a received list: read the file, apply the mapping, check every row, then write
//! all of it in one transaction, or nothing. Each record starts as a person of its own
//! until linkage joins it to others.

pub mod fuzzing;
pub mod guess;
pub mod mapping;
pub mod table;

use homeward_domain::{Id, IdKind, Person, Record, Source};
use homeward_store::{ImportBatch, ImportOutcome, Store, StoreError};
use rand::RngCore;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::fmt;

pub use guess::guess;
pub use mapping::{ColumnMap, Mapping, NameOrder};
pub use table::{read_table, Table};

/// One problem in one row, as the import reports it: file, row, column, value and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The file's name.
    pub file: String,
    /// Spreadsheet-style row number (the header is row 1).
    pub row: u64,
    /// The column's header (empty when the problem is the whole row).
    pub column: String,
    /// The offending value, as in the file (shown only to the user who imports).
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: row {}, column '{}', value '{}': {}",
            self.file, self.row, self.column, self.value, self.reason
        )
    }
}

/// Errors of the import use case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read as a table at all.
    #[error("{file}: {reason}")]
    File {
        /// The file's name.
        file: String,
        /// Why.
        reason: String,
    },
    /// The mapping file is malformed or does not fit the file.
    #[error("mapping {file}: {reason}")]
    Mapping {
        /// The mapping file's name.
        file: String,
        /// Why.
        reason: String,
    },
    /// Some rows are bad; nothing was imported.
    #[error("{} bad value(s) in {} row(s); nothing was imported", .0.len(), count_rows(.0))]
    BadRows(Vec<BadRow>),
    /// The file has no data rows.
    #[error("{0}: the file has no data rows")]
    Empty(String),
    /// The store refused the write; nothing was imported.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn count_rows(bad: &[BadRow]) -> usize {
    let mut rows: Vec<u64> = bad.iter().map(|b| b.row).collect();
    rows.dedup();
    rows.len()
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// The file's name (no directories), for messages and the import log.
    pub file_name: &'a str,
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// The source's name; a new source is created the first time.
    pub source: &'a str,
    /// The mapping.
    pub mapping: &'a Mapping,
    /// The mapping file's name, for messages.
    pub mapping_file: &'a str,
    /// Import the good rows and report the bad ones instead of refusing the file.
    pub skip_bad: bool,
    /// When the import runs (ISO 8601), passed in for reproducibility.
    pub imported_at: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// What the store did (imported, or already imported).
    pub outcome: ImportOutcome,
    /// Data rows in the file (blank rows excluded).
    pub rows: u64,
    /// Rows skipped because they were bad (only with `skip_bad`).
    pub skipped: Vec<BadRow>,
}

/// A file checked and turned into a batch, not yet written.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The batch to write.
    pub batch: ImportBatch,
    /// Data rows in the file (blank rows excluded).
    pub rows: u64,
    /// Bad rows found (the batch excludes them).
    pub bad: Vec<BadRow>,
}

/// Reads and checks a file against a mapping and builds the batch: pure but for `rng`.
pub fn prepare(req: &ImportRequest<'_>, rng: &mut dyn RngCore) -> Result<Prepared, ImportError> {
    let table = read_table(req.file_name, req.bytes, req.mapping.sheet.as_deref())?;
    let compiled = req.mapping.compile(req.mapping_file, &table.headers)?;
    let mapped: Vec<(usize, Result<homeward_domain::StandardFields, Vec<BadRow>>)> = table
        .rows
        .par_iter()
        .enumerate()
        .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, row)| {
            (
                i,
                compiled.apply(req.file_name, Table::row_number(i), &table.headers, row),
            )
        })
        .collect();
    let rows = mapped.len() as u64;
    if rows == 0 {
        return Err(ImportError::Empty(req.file_name.to_owned()));
    }
    let source = Source {
        id: Id::generate(IdKind::Source, rng),
        name: req.source.to_owned(),
        description: None,
    };
    let mut bad = Vec::new();
    let mut good = Vec::with_capacity(mapped.len());
    for (i, r) in mapped {
        match r {
            Ok(fields) => good.push((i, fields)),
            Err(mut b) => bad.append(&mut b),
        }
    }
    if !bad.is_empty() && !req.skip_bad {
        return Err(ImportError::BadRows(bad));
    }
    let ids: Vec<(Id, Id)> = good
        .iter()
        .map(|_| {
            (
                Id::generate(IdKind::Record, rng),
                Id::generate(IdKind::Person, rng),
            )
        })
        .collect();
    let built: Vec<(Record, Person, Vec<String>)> = good
        .into_par_iter()
        .zip(ids.into_par_iter())
        .map(|((i, fields), (record_id, person_id))| {
            let name = fields.display_name().unwrap_or_default();
            let terms = homeward_names::index_terms(&name);
            let original = table
                .headers
                .iter()
                .cloned()
                .zip(table.rows[i].iter().cloned())
                .collect();
            (
                Record {
                    id: record_id,
                    source_id: source.id.clone(),
                    person_id: person_id.clone(),
                    row_number: Table::row_number(i),
                    fields,
                    original,
                },
                Person {
                    id: person_id,
                    display_name: name,
                    reviewed: false,
                },
                terms,
            )
        })
        .collect();
    let mut records = Vec::with_capacity(built.len());
    let mut persons = Vec::with_capacity(built.len());
    let mut name_terms = Vec::with_capacity(built.len());
    for (r, p, t) in built {
        name_terms.push((p.id.clone(), t));
        records.push(r);
        persons.push(p);
    }
    let file_sha256 = hex(&Sha256::digest(req.bytes));
    Ok(Prepared {
        batch: ImportBatch {
            source,
            file_sha256,
            file_name: req.file_name.to_owned(),
            records,
            persons,
            name_terms,
            imported_at: req.imported_at.clone(),
        },
        rows,
        bad,
    })
}

/// Lower-case hexadecimal of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Imports a file: all of it (or, with `skip_bad`, all of its good rows) or nothing.
pub async fn import(
    store: &dyn Store,
    req: &ImportRequest<'_>,
    rng: &mut (dyn RngCore + Send),
) -> Result<ImportReport, ImportError> {
    let started = std::time::Instant::now();
    let prepared = prepare(req, rng)?;
    tracing::info!(
        rows = prepared.rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "import prepared"
    );
    if prepared.batch.records.is_empty() {
        return Err(ImportError::BadRows(prepared.bad));
    }
    let started = std::time::Instant::now();
    let outcome = store.import(prepared.batch).await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "import written"
    );
    Ok(ImportReport {
        outcome,
        rows: prepared.rows,
        skipped: prepared.bad,
    })
}
