//! The storage contract of detention monitoring and family tracing: death-claim
//! confirmations, the editable list of items, enquiries with their intake and outcome, and
//! PFIF notes. Places, events and visits are written through [`crate::Store::apply`].

use async_trait::async_trait;
use homeward_domain::{Enquiry, EnquiryState, Event, Id, Source};

use crate::{ImportBatch, ImportOutcome, StoreError};

/// Who confirmed a death claim, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventConfirmation {
    /// The confirmed event.
    pub event_id: Id,
    /// The caseworker who confirmed it (user name).
    pub confirmed_by: String,
    /// When (ISO 8601).
    pub confirmed_at: String,
}

/// An enquiry with its intake and outcome, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnquiryFile {
    /// The enquiry itself (its id is the reference given to the enquirer).
    pub enquiry: Enquiry,
    /// The enquirer's name (sensitive).
    pub enquirer_name: Option<String>,
    /// Whether the enquirer agreed that their enquiry be shared with the sought person and
    /// with other tracing services.
    pub consent_to_share: bool,
    /// What the family said about the sought person: standard field name and value.
    pub sought: Vec<(String, String)>,
    /// The answer given, as the application composed it (JSON text).
    pub answer: Option<String>,
    /// The caseworker who answered or closed it.
    pub decided_by: Option<String>,
    /// When it was answered or closed (ISO 8601).
    pub decided_at: Option<String>,
    /// Why it was closed without an answer.
    pub close_reason: Option<String>,
}

/// A caseworker's decision on an enquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnquiryDecision {
    /// The enquiry.
    pub enquiry_id: Id,
    /// The new state.
    pub state: EnquiryState,
    /// The person it is linked to, if any.
    pub person_id: Option<Id>,
    /// The answer (JSON text), for `Answered`.
    pub answer: Option<String>,
    /// Why, for `Closed`.
    pub close_reason: Option<String>,
    /// Who decided.
    pub decided_by: String,
    /// When (ISO 8601).
    pub decided_at: String,
}

/// A dated statement about a person by a source (a PFIF note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Opaque identifier.
    pub id: Id,
    /// The person it is about.
    pub person_id: Id,
    /// The source it came from.
    pub source_id: Id,
    /// The source's own id for the note (kept as received).
    pub note_record_id: String,
    /// The source's own id for the person (kept as received).
    pub person_record_id: String,
    /// When the source stored it (ISO 8601).
    pub entry_date: String,
    /// When the statement was made (ISO 8601).
    pub source_date: String,
    /// Who wrote it.
    pub author_name: String,
    /// PFIF status, if any.
    pub status: Option<String>,
    /// Last known location, if the note gave one.
    pub last_known_location: Option<String>,
    /// The text.
    pub text: String,
}

/// Records and notes read from one PFIF file: one import batch per home repository, all
/// written in one transaction with the notes.
#[derive(Debug, Clone, Default)]
pub struct PfifBatch {
    /// One batch per PFIF source (home repository domain).
    pub batches: Vec<ImportBatch>,
    /// Notes; `source_id` and `person_id` must name the batches' sources and persons or
    /// existing ones.
    pub notes: Vec<Note>,
}

/// The monitoring and tracing part of the storage contract.
#[async_trait]
pub trait MonitoringStore: Send + Sync {
    /// Creates a source that is not a list (a caseworker's channel, an interview);
    /// `Conflict` if a source has this name.
    async fn add_source(&self, source: Source) -> Result<(), StoreError>;

    /// One event by id.
    async fn event(&self, id: &Id) -> Result<Option<Event>, StoreError>;

    /// Records who confirmed an event; `Conflict` if it is already confirmed.
    async fn confirm_event(&self, confirmation: EventConfirmation) -> Result<(), StoreError>;

    /// The confirmations of a person's events.
    async fn confirmations_of(&self, person: &Id) -> Result<Vec<EventConfirmation>, StoreError>;

    /// The editable list of items visitors deliver, by name.
    async fn visit_items(&self) -> Result<Vec<String>, StoreError>;

    /// Adds an item to the list (no-op if present).
    async fn add_visit_item(&self, name: &str) -> Result<(), StoreError>;

    /// Removes an item from the list; `NotFound` if absent.
    async fn remove_visit_item(&self, name: &str) -> Result<(), StoreError>;

    /// Writes a new enquiry with the Argon2id hash of its secret.
    async fn add_enquiry(&self, file: EnquiryFile, secret_hash: String) -> Result<(), StoreError>;

    /// All enquiries, by date received then id.
    async fn enquiries(&self) -> Result<Vec<EnquiryFile>, StoreError>;

    /// One enquiry with the hash of its secret.
    async fn enquiry(&self, id: &Id) -> Result<Option<(EnquiryFile, String)>, StoreError>;

    /// Records a caseworker's decision; `NotFound` if there is no such enquiry.
    async fn decide_enquiry(&self, decision: EnquiryDecision) -> Result<(), StoreError>;

    /// Writes a PFIF file's records and notes in one transaction. Batches of files already
    /// imported into their source are skipped, and so are notes already held.
    async fn import_pfif(&self, batch: PfifBatch) -> Result<Vec<ImportOutcome>, StoreError>;

    /// The notes about a person, by source date.
    async fn notes_of(&self, person: &Id) -> Result<Vec<Note>, StoreError>;

    /// The person of the record a source knows by `record_id`, in any source.
    async fn person_by_record_id(&self, record_id: &str) -> Result<Option<Id>, StoreError>;
}
