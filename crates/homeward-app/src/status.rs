//! `homeward status`: how much the registry holds.

use homeward_store::{Counts, Store, StoreError};

/// The counts of sources, records, persons, events, visits and enquiries.
pub async fn status(store: &dyn Store) -> Result<Counts, StoreError> {
    store.counts().await
}

/// The counts as the JSON object `homeward status --format json` prints.
pub fn to_json(c: &Counts) -> serde_json::Value {
    serde_json::json!({
        "sources": c.sources,
        "records": c.records,
        "persons": c.persons,
        "events": c.events,
        "visits": c.visits,
        "enquiries": c.enquiries,
    })
}
