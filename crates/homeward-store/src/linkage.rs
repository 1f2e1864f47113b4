//! The linkage part of the storage contract: imports that link new records to existing
//! persons, the review queue, recorded decisions (merge, split, reject) that can be undone
//! exactly, administrator settings, and the rows the overlap table is built from.

use crate::{ImportBatch, ImportOutcome, StoreError};
use async_trait::async_trait;
use homeward_domain::{Field, Id, Record};

/// Who made a decision, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionMeta {
    /// The new decision's id.
    pub id: Id,
    /// Who decided: a user name, or `auto` for automatic acceptance.
    pub actor: String,
    /// When (ISO 8601).
    pub at: String,
    /// Why, in the decider's words (or the rule that fired).
    pub reason: String,
}

/// One record merged automatically at import: its new person joins `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportMerge {
    /// Who, when, why.
    pub meta: DecisionMeta,
    /// The person the record was imported with (a person of the batch).
    pub source: Id,
    /// The person it joins (an existing person or another person of the batch).
    pub target: Id,
    /// The match probability that justified the merge.
    pub probability: f64,
}

/// A pair proposed for review.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    /// The item's id.
    pub id: Id,
    /// The record on the side that would be kept (the existing person's, if any).
    pub left_record: Id,
    /// The record whose person would join the left one's.
    pub right_record: Id,
    /// Match probability.
    pub probability: f64,
    /// Match weight in bits.
    pub weight: f64,
    /// Field-by-field evidence, JSON (levels and weights; no names).
    pub evidence: String,
    /// When it was proposed (ISO 8601).
    pub created_at: String,
}

/// What an import decided besides writing its records, all in the same transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportLinks {
    /// Automatic merges, each a recorded decision that can be undone.
    pub merges: Vec<ImportMerge>,
    /// Pairs for the review queue.
    pub reviews: Vec<NewReview>,
}

/// State of a review item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Waiting for a decision.
    Open,
    /// Accepted: the two persons were merged.
    Accepted,
    /// Rejected: the two are different persons and will not be proposed again.
    Rejected,
}

impl ReviewState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Accepted => "accepted",
            ReviewState::Rejected => "rejected",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(s: &str) -> Option<ReviewState> {
        match s {
            "open" => Some(ReviewState::Open),
            "accepted" => Some(ReviewState::Accepted),
            "rejected" => Some(ReviewState::Rejected),
            _ => None,
        }
    }
}

/// An item of the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    /// Its id.
    pub id: Id,
    /// The left record (kept side).
    pub left_record: Id,
    /// The right record.
    pub right_record: Id,
    /// The left record's person now.
    pub left_person: Id,
    /// The right record's person now.
    pub right_person: Id,
    /// Match probability.
    pub probability: f64,
    /// Match weight in bits.
    pub weight: f64,
    /// Field-by-field evidence, JSON.
    pub evidence: String,
    /// Its state.
    pub state: ReviewState,
    /// When it was proposed.
    pub created_at: String,
    /// The decision that closed it, if any.
    pub decision: Option<Id>,
}

/// Kinds of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Two persons became one (`other_person` joined `person`).
    Merge,
    /// Records left `person` for a new person `other_person`.
    Split,
    /// Two persons were found to be different.
    Reject,
}

impl DecisionKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Merge => "merge",
            DecisionKind::Split => "split",
            DecisionKind::Reject => "reject",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(s: &str) -> Option<DecisionKind> {
        match s {
            "merge" => Some(DecisionKind::Merge),
            "split" => Some(DecisionKind::Split),
            "reject" => Some(DecisionKind::Reject),
            _ => None,
        }
    }
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Its id.
    pub id: Id,
    /// Order of decisions (1, 2, ...), for "undo the last one".
    pub seq: u64,
    /// What was decided.
    pub kind: DecisionKind,
    /// Who, when and why.
    pub actor: String,
    /// When (ISO 8601).
    pub at: String,
    /// Why.
    pub reason: String,
    /// The review item it closed, if any.
    pub review: Option<Id>,
    /// Merge: the kept person. Split: the person records left. Reject: the left person.
    pub person: Id,
    /// Merge: the person that joined (no longer exists). Split: the new person. Reject: the right person.
    pub other_person: Id,
    /// The records that moved (merge, split) or the two records compared (reject).
    pub records: Vec<Id>,
    /// The match probability, when a model gave one.
    pub probability: Option<f64>,
    /// When it was undone, by whom and why.
    pub undone: Option<(String, String, String)>,
}

/// A manual or review merge: `source` joins `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeRequest {
    /// Who, when, why.
    pub meta: DecisionMeta,
    /// The person kept.
    pub target: Id,
    /// The person that joins it (and ceases to exist as a person; its records stay).
    pub source: Id,
    /// The review item this accepts, if any (it must be open).
    pub review: Option<Id>,
    /// Mark the kept person as reviewed by a person.
    pub mark_reviewed: bool,
    /// The match probability, if known.
    pub probability: Option<f64>,
}

/// A split: `records` leave `person` for a new person.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitRequest {
    /// Who, when, why.
    pub meta: DecisionMeta,
    /// The person the records leave.
    pub person: Id,
    /// The records that leave (some but not all of the person's records).
    pub records: Vec<Id>,
    /// The new person's id.
    pub new_person: Id,
    /// The new person's display name.
    pub display_name: String,
    /// The new person's search terms.
    pub terms: Vec<String>,
}

/// One (person, source, stratum value) row for the overlap table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapRow {
    /// The person.
    pub person: Id,
    /// The name of a source that named the person.
    pub source: String,
    /// The stratifying field's value in that record, if asked for and present.
    pub value: Option<String>,
}

/// Storage for linkage on the registry; a supertrait of [`crate::Store`].
#[async_trait]
pub trait LinkageStore: Send + Sync {
    /// Writes an import batch together with its automatic merges and review items, in one
    /// transaction (or nothing, if the same file was already imported into the source).
    async fn import_linked(
        &self,
        batch: ImportBatch,
        links: ImportLinks,
    ) -> Result<ImportOutcome, StoreError>;

    /// Every record of every person whose search index holds any of `terms`: the blocking
    /// candidates of a new list, found through the index rather than a scan.
    async fn link_candidates(&self, terms: &[String]) -> Result<Vec<Record>, StoreError>;

    /// A record by id.
    async fn record(&self, id: &Id) -> Result<Option<Record>, StoreError>;

    /// Merges two persons in one transaction, recording the decision.
    async fn merge_persons(&self, req: MergeRequest) -> Result<Decision, StoreError>;

    /// Splits records off a person in one transaction, recording the decision.
    async fn split_person(&self, req: SplitRequest) -> Result<Decision, StoreError>;

    /// Rejects an open review item: the two persons are different, never proposed again.
    async fn reject_review(&self, review: &Id, meta: DecisionMeta) -> Result<Decision, StoreError>;

    /// Undoes a decision exactly (records go back where they were), in one transaction.
    /// Refused with [`StoreError::Conflict`] if a later decision changed the same persons.
    async fn undo_decision(
        &self,
        decision: &Id,
        actor: &str,
        at: &str,
        reason: &str,
    ) -> Result<Decision, StoreError>;

    /// A decision by id.
    async fn decision(&self, id: &Id) -> Result<Option<Decision>, StoreError>;

    /// The latest decision that is not undone.
    async fn last_decision(&self) -> Result<Option<Decision>, StoreError>;

    /// Decisions that involve a person (as either side), oldest first.
    async fn decisions_of(&self, person: &Id) -> Result<Vec<Decision>, StoreError>;

    /// Review items in a state (all states if `None`), most probable first.
    async fn reviews(&self, state: Option<ReviewState>) -> Result<Vec<ReviewItem>, StoreError>;

    /// A review item by id.
    async fn review(&self, id: &Id) -> Result<Option<ReviewItem>, StoreError>;

    /// The record pairs of rejections still in force.
    async fn rejections(&self) -> Result<Vec<(Id, Id)>, StoreError>;

    /// A setting's value.
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Sets a setting.
    async fn set_setting(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        at: &str,
    ) -> Result<(), StoreError>;

    /// Every setting as (key, value, updated_at, updated_by), by key.
    async fn settings(&self) -> Result<Vec<(String, String, String, String)>, StoreError>;

    /// Which sources named each person, with the value of `by` in each record if asked.
    async fn overlap_rows(&self, by: Option<Field>) -> Result<Vec<OverlapRow>, StoreError>;
}
