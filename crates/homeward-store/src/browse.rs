//! Browsing the registry (issue 7, the web interface): aggregate counts by what the lists
//! said, and persons a page at a time. Read-only.

use async_trait::async_trait;
use homeward_domain::{Category, Person, Status};

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
}
