//! Importing a received list: read the file, apply the mapping, check every row, then write
//! all of it in one transaction, or nothing. Each record starts as a person of its own
//! until linkage joins it to others.

pub mod fuzzing;
pub mod guess;
pub mod mapping;
pub mod table;

use homeward_domain::{Id, IdKind, Person, Record, Source, StandardFields};
use homeward_store::{
    ImportBatch, ImportChunk, ImportHeader, ImportOutcome, ImportStart, NameIndexRows, Store,
    StoreError, VocabularyEntry,
};
use mapping::CompiledMapping;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

pub use guess::guess;
pub use mapping::{ColumnMap, Mapping, NameOrder};
pub use table::{read_table, RowReader, Table};

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

/// Data rows mapped, validated and written per chunk: bounds the memory an import takes
/// (records, persons and index rows of one chunk) while keeping statements large.
pub const CHUNK_ROWS: usize = 20_000;

/// How far an import has got: bytes of the file read, and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read so far.
    pub done: u64,
    /// The file's size in bytes.
    pub total: u64,
    /// Data rows read so far.
    pub rows: u64,
}

/// Turns rows of a file into records, persons and name index rows. Owns what it needs, so
/// that a chunk is built on the thread pool while the previous one is being written.
struct Builder {
    file: String,
    headers: Arc<Vec<String>>,
    compiled: Arc<CompiledMapping>,
    source_id: Id,
    rng: ChaCha20Rng,
    /// Name parts whose vocabulary entry an earlier chunk already carried.
    seen_tokens: HashSet<String>,
}

/// One chunk of a file: what to write, what was wrong, and how many data rows it held.
struct Built {
    chunk: ImportChunk,
    bad: Vec<BadRow>,
    rows: u64,
}

/// A data row's index, its cells, and its mapped fields or what is wrong with them.
type MappedRow = (usize, Vec<String>, Result<StandardFields, Vec<BadRow>>);

impl Builder {
    /// Maps and checks `rows` (data row index, cells); builds the chunk of the good ones
    /// unless `check_only`.
    fn build(&mut self, rows: Vec<(usize, Vec<String>)>, check_only: bool) -> Built {
        let (file, headers, compiled) =
            (self.file.as_str(), self.headers.as_slice(), &*self.compiled);
        let mapped: Vec<MappedRow> = rows
            .into_par_iter()
            .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
            .map(|(i, row)| {
                let fields = compiled.apply(file, Table::row_number(i), headers, &row);
                (i, row, fields)
            })
            .collect();
        let n = mapped.len() as u64;
        let mut bad = Vec::new();
        let mut good = Vec::with_capacity(mapped.len());
        for (i, row, r) in mapped {
            match r {
                Ok(fields) => good.push((i, row, fields)),
                Err(mut b) => bad.append(&mut b),
            }
        }
        if check_only {
            return Built {
                chunk: ImportChunk::default(),
                bad,
                rows: n,
            };
        }
        let ids: Vec<(Id, Id)> = good
            .iter()
            .map(|_| {
                (
                    Id::generate(IdKind::Record, &mut self.rng),
                    Id::generate(IdKind::Person, &mut self.rng),
                )
            })
            .collect();
        let source_id = &self.source_id;
        let built: Vec<(Record, Person, Vec<String>)> = good
            .into_par_iter()
            .zip(ids.into_par_iter())
            .map(|((i, row, fields), (record_id, person_id))| {
                let name = fields.display_name().unwrap_or_default();
                let tokens = homeward_names::index_tokens(&name);
                let original = headers.iter().cloned().zip(row).collect();
                (
                    Record {
                        id: record_id,
                        source_id: source_id.clone(),
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
                    tokens,
                )
            })
            .collect();
        let mut chunk = ImportChunk {
            records: Vec::with_capacity(built.len()),
            persons: Vec::with_capacity(built.len()),
            names: NameIndexRows::default(),
        };
        let mut new_tokens: Vec<String> = Vec::new();
        for (r, p, t) in built {
            for token in &t {
                if !self.seen_tokens.contains(token) {
                    self.seen_tokens.insert(token.clone());
                    new_tokens.push(token.clone());
                }
            }
            chunk.names.person_tokens.push((p.id.clone(), t));
            chunk.records.push(r);
            chunk.persons.push(p);
        }
        chunk.names.vocabulary = new_tokens.into_par_iter().map(vocabulary_entry).collect();
        Built {
            chunk,
            bad,
            rows: n,
        }
    }
}

/// Reads up to `n` rows, with their data row index.
fn read_rows(
    reader: &mut RowReader<'_>,
    n: usize,
) -> Result<Vec<(usize, Vec<String>)>, ImportError> {
    let mut rows = Vec::with_capacity(n.min(CHUNK_ROWS));
    while rows.len() < n {
        let i = reader.next_index();
        match reader.next_row()? {
            Some(row) => rows.push((i, row)),
            None => break,
        }
    }
    Ok(rows)
}

fn new_source(name: &str, rng: &mut dyn RngCore) -> Source {
    Source {
        id: Id::generate(IdKind::Source, rng),
        name: name.to_owned(),
        description: None,
    }
}

/// Reads and checks a whole file against a mapping and builds one batch in memory (small
/// files; [`import`] streams large ones): pure but for `rng`.
pub fn prepare(req: &ImportRequest<'_>, rng: &mut dyn RngCore) -> Result<Prepared, ImportError> {
    let mut reader = RowReader::open(req.file_name, req.bytes, req.mapping.sheet.as_deref())?;
    let compiled = req.mapping.compile(req.mapping_file, &reader.headers)?;
    let rows = read_rows(&mut reader, usize::MAX)?;
    let source = new_source(req.source, rng);
    let mut builder = Builder {
        file: req.file_name.to_owned(),
        headers: Arc::new(reader.headers.clone()),
        compiled: Arc::new(compiled),
        source_id: source.id.clone(),
        rng: ChaCha20Rng::from_rng(rng).map_err(|e| ImportError::File {
            file: req.file_name.to_owned(),
            reason: format!("no randomness for identifiers: {e}"),
        })?,
        seen_tokens: HashSet::new(),
    };
    let built = builder.build(rows, false);
    if built.rows == 0 {
        return Err(ImportError::Empty(req.file_name.to_owned()));
    }
    if !built.bad.is_empty() && !req.skip_bad {
        return Err(ImportError::BadRows(built.bad));
    }
    Ok(Prepared {
        batch: ImportBatch {
            source,
            file_sha256: hex(&Sha256::digest(req.bytes)),
            file_name: req.file_name.to_owned(),
            records: built.chunk.records,
            persons: built.chunk.persons,
            names: built.chunk.names,
            imported_at: req.imported_at.clone(),
        },
        rows: built.rows,
        bad: built.bad,
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
    import_with_progress(store, req, rng, &|_| {}).await
}

/// [`import`], calling `progress` after each chunk.
///
/// The file is read, checked and written chunk by chunk inside one transaction, so memory
/// stays bounded by the chunk. A bad row stops the writing (unless `skip_bad`) but not the
/// reading: every bad row of the file is reported, and the transaction is rolled back.
pub async fn import_with_progress(
    store: &dyn Store,
    req: &ImportRequest<'_>,
    rng: &mut (dyn RngCore + Send),
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportReport, ImportError> {
    let started = std::time::Instant::now();
    let mut reader = RowReader::open(req.file_name, req.bytes, req.mapping.sheet.as_deref())?;
    let compiled = req.mapping.compile(req.mapping_file, &reader.headers)?;
    let source = new_source(req.source, rng);
    let builder = Builder {
        file: req.file_name.to_owned(),
        headers: Arc::new(reader.headers.clone()),
        compiled: Arc::new(compiled),
        source_id: source.id.clone(),
        rng: ChaCha20Rng::from_rng(&mut *rng).map_err(|e| ImportError::File {
            file: req.file_name.to_owned(),
            reason: format!("no randomness for identifiers: {e}"),
        })?,
        seen_tokens: HashSet::new(),
    };
    // The file's hash (which makes a second import a no-op) is computed while the first
    // chunk is read and checked.
    let (file_sha256, first) = rayon::join(
        || hex(&Sha256::digest(req.bytes)),
        || read_rows(&mut reader, CHUNK_ROWS),
    );
    let mut rows = first?;
    let header = ImportHeader {
        source,
        file_sha256,
        file_name: req.file_name.to_owned(),
        imported_at: req.imported_at.clone(),
    };
    let mut writer = match store.begin_import(header).await? {
        ImportStart::AlreadyImported { at } => {
            return Ok(ImportReport {
                outcome: ImportOutcome::AlreadyImported { at },
                rows: 0,
                skipped: Vec::new(),
            })
        }
        ImportStart::Writing(w) => w,
    };
    let mut total_rows = 0u64;
    let mut written = 0u64;
    let mut bad: Vec<BadRow> = Vec::new();
    // A pipeline of three stages: while the store writes chunk N-1, the thread pool builds
    // chunk N and this thread reads the rows of chunk N+1.
    let mut builder = Some(builder);
    let mut previous: Option<(Built, bool)> = None;
    let outcome: Result<(), ImportError> = async {
        loop {
            let building = match builder.take() {
                Some(mut b) if !rows.is_empty() => {
                    let check_only = !bad.is_empty() && !req.skip_bad;
                    let chunk_rows = std::mem::take(&mut rows);
                    let (send, receive) = std::sync::mpsc::sync_channel(1);
                    rayon::spawn(move || {
                        let built = b.build(chunk_rows, check_only);
                        // The receiver is gone only when the import already failed.
                        let _ = send.send((b, built));
                    });
                    Some((receive, check_only))
                }
                other => {
                    builder = other;
                    None
                }
            };
            if let Some((built, check_only)) = previous.take() {
                if !check_only && (bad.is_empty() || req.skip_bad) {
                    written += built.chunk.records.len() as u64;
                    writer.write(built.chunk).await?;
                }
                let (done, total) = reader.progress();
                progress(Progress {
                    done,
                    total,
                    rows: total_rows,
                });
            }
            let Some((receive, check_only)) = building else {
                break;
            };
            rows = read_rows(&mut reader, CHUNK_ROWS)?;
            let (b, mut built) = receive.recv().map_err(|_| ImportError::File {
                file: req.file_name.to_owned(),
                reason: "building a chunk of rows failed".into(),
            })?;
            builder = Some(b);
            total_rows += built.rows;
            bad.append(&mut built.bad);
            previous = Some((built, check_only));
        }
        Ok(())
    }
    .await;
    let failure = match outcome {
        Err(e) => Some(e),
        Ok(()) if total_rows == 0 => Some(ImportError::Empty(req.file_name.to_owned())),
        Ok(()) if !bad.is_empty() && (!req.skip_bad || written == 0) => {
            Some(ImportError::BadRows(std::mem::take(&mut bad)))
        }
        Ok(()) => None,
    };
    if let Some(e) = failure {
        // Nothing of the file stays; a failing rollback changes nothing either (the
        // transaction dies with the connection), so the first error is the one to report.
        let _ = writer.rollback().await;
        return Err(e);
    }
    let outcome = writer.commit().await?;
    tracing::info!(
        rows = total_rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "import written"
    );
    Ok(ImportReport {
        outcome,
        rows: total_rows,
        skipped: bad,
    })
}

/// The search-vocabulary entry of one normalised name part (its keys and their trigrams).
pub fn vocabulary_entry(token: String) -> VocabularyEntry {
    let t = homeward_names::token_terms(&token);
    VocabularyEntry {
        token,
        keys: t.keys,
        grams: t.grams,
    }
}
