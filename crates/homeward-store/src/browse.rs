//! Browsing the registry (issue 7, the web interface): aggregate counts by what the lists
//! said, and persons a page at a time. Read-only.

use async_trait::async_trait;
use homeward_domain::{Category, Id, Person, Status};

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
}
