//! The storage contract. The application sees only this trait; the SQL backends
//! (SQLite, PostgreSQL) implement it and run one conformance suite (in homeward-testkit).
//!
//! Every method that writes is one transaction: it lands whole or not at all.
//!
//! Each area of the system (linkage, monitoring, trust) adds its methods as a trait of its
//! own in a module of this crate and makes it a supertrait of [`Store`], so that one
//! `Arc<dyn Store>` reaches them all and the areas can grow without touching each other.

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
use homeward_domain::{DetentionPlace, Enquiry, Event, Id, Person, Record, Source, User, Visit};

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

/// One file's worth of records for one source, written all-or-nothing.
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
    /// Search terms per new person (derived from names; see homeward-names).
    pub name_terms: Vec<(Id, Vec<String>)>,
    /// When the import ran (ISO 8601), passed in so tests are reproducible.
    pub imported_at: String,
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

/// A person found by a name search before scoring: its id and the name texts to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCandidate {
    /// The person.
    pub person_id: Id,
    /// The person's display name.
    pub display_name: String,
    /// How many of the query's terms the person's index holds.
    pub hits: u32,
}

/// The storage contract, held as `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync + LinkageStore + MonitoringStore {
    /// Which backend this is ("sqlite" or "postgres"), for diagnostics.
    fn backend(&self) -> &'static str;

    /// Counts of everything, for `homeward status`.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// Writes an import batch in one transaction (or nothing, if the file was already imported).
    async fn import(&self, batch: ImportBatch) -> Result<ImportOutcome, StoreError>;

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

    /// Persons whose search index holds any of `terms`, most hits first, at most `limit`.
    async fn name_candidates(
        &self,
        terms: &[String],
        limit: u32,
    ) -> Result<Vec<NameCandidate>, StoreError>;

    /// Every person's id and display name, for full scans (benchmarks, reindexing).
    async fn all_person_names(&self) -> Result<Vec<(Id, String)>, StoreError>;
}
