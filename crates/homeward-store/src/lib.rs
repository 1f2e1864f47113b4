//! The storage contract. The application sees only this trait; the SQL backends
//! (SQLite, PostgreSQL) implement it and run one conformance suite (in homeward-testkit).
//!
//! Every method that writes is one transaction: it lands whole or not at all.
//!
//! Each area of the system (linkage, monitoring, trust) adds its methods as a trait of its
//! own in a module of this crate and makes it a supertrait of [`Store`], so that one
//! `Arc<dyn Store>` reaches them all and the areas can grow without touching each other.

mod browse;

pub use browse::{BrowseStore, FacetCount, PersonDossier, PersonFilter};
mod linkage;
mod monitoring;

pub use linkage::{
    Decision, DecisionKind, DecisionMeta, ImportLinks, ImportMerge, LinkageStore, MergeRequest,
    NewReview, OverlapRow, ReviewItem, ReviewState, SplitRequest,
};
pub use monitoring::{
    EnquiryDecision, EnquiryFile, EventConfirmation, MonitoringStore, Note, PfifBatch,
};

use async_trait::async_trait;

pub mod trust;
use homeward_domain::{DetentionPlace, Enquiry, Event, Id, Person, Record, Source, User, Visit};
pub use trust::{
    as_actor, current_actor, Account, AuditRow, FoundSession, KeyReport, PersonFacts, RowProblem,
    RowProblemKind, SessionRow, TrustStore,
};

/// Errors of a storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or opened.
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A schema migration failed.
    #[error("database migration failed: {0}")]
    Migrate(String),
    /// A query failed; the message never contains personal data.
    #[error("database error: {0}")]
    Query(String),
    /// Something the write refers to does not exist (or may not be seen).
    #[error("not found: {0}")]
    NotFound(String),
    /// The write would break a uniqueness or consistency rule.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value could not be read back into a domain type.
    #[error("corrupt stored value in {table}.{column}")]
    Corrupt {
        /// Table name.
        table: &'static str,
        /// Column name.
        column: &'static str,
    },
}

/// The counts `homeward status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Source lists.
    pub sources: u64,
    /// Records (rows of sources).
    pub records: u64,
    /// Persons (clusters of records).
    pub persons: u64,
    /// Timeline events.
    pub events: u64,
    /// Visits to places of detention.
    pub visits: u64,
    /// Family enquiries.
    pub enquiries: u64,
}

/// One file's worth of records for one source, written all-or-nothing in one call (small
/// imports, tests); large files are streamed through [`Store::begin_import`] instead.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    /// The source; created if no source has this name yet.
    pub source: Source,
    /// SHA-256 of the file's bytes, hex: importing the same file into the same source twice is a no-op.
    pub file_sha256: String,
    /// The file's name (not its path), for the import log.
    pub file_name: String,
    /// The records, each with a new person of its own (or an existing person to join).
    pub records: Vec<Record>,
    /// The new persons the records point at.
    pub persons: Vec<Person>,
    /// The name search index of the new persons.
    pub names: NameIndexRows,
    /// When the import ran (ISO 8601), passed in so tests are reproducible.
    pub imported_at: String,
}

/// What starts an import: which file goes into which source.
#[derive(Debug, Clone)]
pub struct ImportHeader {
    /// The source; created if no source has this name yet.
    pub source: Source,
    /// SHA-256 of the file's bytes, hex: importing the same file into the same source twice is a no-op.
    pub file_sha256: String,
    /// The file's name (not its path), for the import log.
    pub file_name: String,
    /// When the import ran (ISO 8601), passed in so tests are reproducible.
    pub imported_at: String,
}

/// A slice of an import, written inside the import's transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportChunk {
    /// Records; their `source_id` is replaced by the id the source has in the store.
    pub records: Vec<Record>,
    /// The new persons the records point at.
    pub persons: Vec<Person>,
    /// The name search index of these persons.
    pub names: NameIndexRows,
}

/// Rows of the two-level name search index (see `homeward_names::index_tokens`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameIndexRows {
    /// Per person, the normalised parts of its name.
    pub person_tokens: Vec<(Id, Vec<String>)>,
    /// Vocabulary entries for parts that may be new to the store; entries it already
    /// holds are left as they are.
    pub vocabulary: Vec<VocabularyEntry>,
}

/// One distinct name part of the search vocabulary, with its keys and key trigrams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyEntry {
    /// The normalised part.
    pub token: String,
    /// Its matching keys.
    pub keys: Vec<String>,
    /// The trigrams of its keys.
    pub grams: Vec<String>,
}

/// An import under way: one open transaction that chunks are written into. Dropping it
/// without [`ImportWriter::commit`] rolls everything back.
#[async_trait]
pub trait ImportWriter: Send {
    /// Writes a chunk inside the import's transaction.
    async fn write(&mut self, chunk: ImportChunk) -> Result<(), StoreError>;
    /// Commits the whole import.
    async fn commit(self: Box<Self>) -> Result<ImportOutcome, StoreError>;
    /// Abandons the import: nothing of it stays.
    async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}

/// What [`Store::begin_import`] found.
pub enum ImportStart {
    /// The transaction is open: write the chunks, then commit.
    Writing(Box<dyn ImportWriter>),
    /// The same file was already imported into the same source: nothing to do.
    AlreadyImported {
        /// When the earlier import ran.
        at: String,
    },
}

impl std::fmt::Debug for ImportStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportStart::Writing(_) => f.write_str("Writing"),
            ImportStart::AlreadyImported { at } => write!(f, "AlreadyImported({at})"),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The records landed.
    Imported {
        /// How many records were written.
        records: u64,
        /// Whether the source was new.
        new_source: bool,
    },
    /// The same file was already imported into the same source: nothing changed.
    AlreadyImported {
        /// When the earlier import ran.
        at: String,
    },
}

/// Entities written together in one transaction (demo scenarios, monitoring use cases).
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    /// New places of detention.
    pub places: Vec<DetentionPlace>,
    /// New timeline events.
    pub events: Vec<Event>,
    /// New visits with their findings.
    pub visits: Vec<Visit>,
    /// New enquiries, with the hash of their secret.
    pub enquiries: Vec<(Enquiry, String)>,
    /// New users, with their password hash.
    pub users: Vec<(User, String)>,
}

/// A person found by a name search before exact scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct NameCandidate {
    /// The person.
    pub person_id: Id,
    /// The person's display name, to score exactly.
    pub display_name: String,
    /// The sum over query parts of the best score of the person's parts for that query part.
    pub estimate: f64,
}

/// A name part the query reached, with the query part it stands for and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredToken {
    /// Index of the query part.
    pub part: u32,
    /// The vocabulary entry (a normalised name part).
    pub token: String,
    /// Its score against the query part, in [0, 1].
    pub score: f64,
}

/// The storage contract, held as `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync + BrowseStore + LinkageStore + MonitoringStore + TrustStore {
    /// Which backend this is ("sqlite" or "postgres"), for diagnostics.
    fn backend(&self) -> &'static str;

    /// Counts of everything, for `homeward status`.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// Starts an import in a transaction of its own, unless the same file was already
    /// imported into the same source.
    async fn begin_import(&self, header: ImportHeader) -> Result<ImportStart, StoreError>;

    /// Writes an import batch in one transaction (or nothing, if the file was already
    /// imported): [`Store::begin_import`] with a single chunk.
    async fn import(&self, batch: ImportBatch) -> Result<ImportOutcome, StoreError> {
        let header = ImportHeader {
            source: batch.source,
            file_sha256: batch.file_sha256,
            file_name: batch.file_name,
            imported_at: batch.imported_at,
        };
        match self.begin_import(header).await? {
            ImportStart::AlreadyImported { at } => Ok(ImportOutcome::AlreadyImported { at }),
            ImportStart::Writing(mut w) => {
                let chunk = ImportChunk {
                    records: batch.records,
                    persons: batch.persons,
                    names: batch.names,
                };
                if let Err(e) = w.write(chunk).await {
                    // The rollback's own failure is secondary: the write error is the news.
                    let _ = w.rollback().await;
                    return Err(e);
                }
                w.commit().await
            }
        }
    }

    /// All sources, by name.
    async fn sources(&self) -> Result<Vec<Source>, StoreError>;

    /// A source by name.
    async fn source_by_name(&self, name: &str) -> Result<Option<Source>, StoreError>;

    /// A person, or `None` if there is none with this id.
    async fn person(&self, id: &Id) -> Result<Option<Person>, StoreError>;

    /// The records of a person, in source then row order.
    async fn records_of(&self, person: &Id) -> Result<Vec<Record>, StoreError>;

    /// Writes a change set in one transaction.
    async fn apply(&self, changes: ChangeSet) -> Result<(), StoreError>;

    /// The timeline events of a person, by date.
    async fn events_of(&self, person: &Id) -> Result<Vec<Event>, StoreError>;

    /// All places of detention, by name.
    async fn places(&self) -> Result<Vec<DetentionPlace>, StoreError>;

    /// All visits with findings, by date.
    async fn visits(&self) -> Result<Vec<Visit>, StoreError>;

    /// The visits that saw `person`, by date, each with only that person's findings: what
    /// a person page or an answer to a family needs, without reading every visit.
    async fn visits_of(&self, person: &Id) -> Result<Vec<Visit>, StoreError>;

    /// Name parts of the search vocabulary holding any of `keys`, or whose trigrams among
    /// `grams` weigh `min_shared` or more (see `homeward_names::IndexQuery`), sorted.
    async fn name_vocabulary(
        &self,
        keys: &[String],
        grams: &[(String, u32)],
        min_shared: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// Persons holding any of `tokens`, ranked by the sum over query parts of their best
    /// token score (ties by id), at most `limit`.
    async fn name_candidates(
        &self,
        tokens: &[ScoredToken],
        limit: u32,
    ) -> Result<Vec<NameCandidate>, StoreError>;

    /// Every person's id and display name, for full scans (benchmarks, reindexing).
    async fn all_person_names(&self) -> Result<Vec<(Id, String)>, StoreError>;
}
