//! `homeward search`: persons ranked by name similarity in any script, through the name
//! index kept in the database (keys and n-grams), then scored exactly.

use homeward_domain::Id;
use homeward_store::{Store, StoreError};

/// One search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The person.
    pub person_id: Id,
    /// The person's display name (shown only to users allowed to see names).
    pub name: String,
    /// Name similarity in [0, 1].
    pub score: f64,
}

/// How many index candidates are scored per result asked for.
const CANDIDATES_PER_RESULT: u32 = 50;

/// Finds the persons whose names best match `query`, best first, ties by id.
pub async fn search(store: &dyn Store, query: &str, limit: u32) -> Result<Vec<Hit>, StoreError> {
    let terms = homeward_names::index_terms(query);
    let candidates = store
        .name_candidates(&terms, limit.saturating_mul(CANDIDATES_PER_RESULT).max(200))
        .await?;
    let query = homeward_names::PreparedName::new(query);
    let mut hits: Vec<Hit> = candidates
        .into_iter()
        .map(|c| {
            let score = homeward_names::similarity_prepared(
                &query,
                &homeward_names::PreparedName::new(&c.display_name),
            );
            Hit {
                person_id: c.person_id,
                name: c.display_name,
                score,
            }
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.person_id.cmp(&b.person_id))
    });
    hits.truncate(limit as usize);
    Ok(hits)
}
