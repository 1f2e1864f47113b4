//! Browsing the registry (issue 7, the web interface): aggregate counts by what the lists
//! said, and persons a page at a time. Read-only.

use async_trait::async_trait;
use homeward_domain::{Category, Event, Id, Person, Record, Status, Visit};
use std::collections::{BTreeMap, BTreeSet};

use crate::StoreError;

/// How many distinct persons the records put under one (status, category) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacetCount {
    /// The status a record gave (`None`: the list said nothing).
    pub status: Option<Status>,
    /// The category a record gave (`None`: the list said nothing).
    pub category: Option<Category>,
    /// Distinct persons with at least one such record.
    pub persons: u64,
}

/// Which persons a filtered listing keeps: each set condition must hold for some record
/// of the person (not necessarily the same record), as the lists state it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFilter {
    /// Some record gives this status.
    pub status: Option<Status>,
    /// Some record gives this category.
    pub category: Option<Category>,
    /// Some record comes from this source.
    pub source: Option<Id>,
}

impl PersonFilter {
    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.category.is_none() && self.source.is_none()
    }
}

/// Everything a person's page shows, read together as one snapshot (so its parts
/// agree with each other) without opening anything sealed, so reading it writes nothing.
/// Sealed values (records' notes and original rows, findings' conditions and health) are
/// opened only when asked for, one logged read each.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonDossier {
    /// The person.
    pub person: Person,
    /// Their records in source then row order, without notes and original row.
    pub records: Vec<Record>,
    /// The records among them that hold sealed notes.
    pub sealed_notes: BTreeSet<Id>,
    /// Their events, by date then id.
    pub events: Vec<Event>,
    /// The visits that saw them, by date then id, each with only their own findings and
    /// without the sealed conditions and health.
    pub visits: Vec<Visit>,
    /// The name of every source the records and events cite.
    pub source_names: BTreeMap<Id, String>,
    /// The name of every place the events and visits name.
    pub place_names: BTreeMap<Id, String>,
}

/// Read-only queries for browsing; a supertrait of [`crate::Store`].
#[async_trait]
pub trait BrowseStore: Send + Sync {
    /// Distinct persons per (status, category) as the records state them, in a stable order
    /// (status, then category, unknown values last). A person whose lists disagree counts
    /// under each pair they were given.
    async fn facet_counts(&self) -> Result<Vec<FacetCount>, StoreError>;

    /// Persons ordered by display name then id, `limit` of them from `offset`, with the
    /// total number of persons.
    async fn persons_page(&self, offset: u64, limit: u32)
        -> Result<(Vec<Person>, u64), StoreError>;

    /// Like [`BrowseStore::persons_page`], keeping only the persons `filter` lets through;
    /// the total is of those persons.
    async fn persons_filtered(
        &self,
        filter: &PersonFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Person>, u64), StoreError>;

    /// What `person`'s page shows (see [`PersonDossier`]); `None` if there is no such
    /// person.
    async fn person_dossier(&self, person: &Id) -> Result<Option<PersonDossier>, StoreError>;
}
