//! `homeward search`: persons ranked by name similarity in any script, through the name
//! index kept in the database (name parts per person; keys and trigrams per distinct part),
//! then scored exactly.

use homeward_domain::Id;
use homeward_store::{ScoredToken, Store, StoreError};

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

/// How many index candidates are scored exactly per result asked for (at least
/// `RESCORE_MIN`), as in the in-memory `homeward_names::NameIndex`.
const CANDIDATES_PER_RESULT: u32 = 50;
/// The fewest candidates scored exactly.
const RESCORE_MIN: u32 = 500;

/// Finds the persons whose names best match `query`, best first, ties by id.
///
/// Through the two-level name index in the store: each query part reaches vocabulary
/// entries (name parts) by key or shared trigrams, which are scored against it; the
/// persons holding good ones are ranked by their best part scores, and the best few
/// hundred are scored exactly.
pub async fn search(store: &dyn Store, query: &str, limit: u32) -> Result<Vec<Hit>, StoreError> {
    let plan = homeward_names::IndexQuery::new(query);
    let mut tokens: Vec<ScoredToken> = Vec::new();
    for (i, part) in plan.parts().iter().enumerate() {
        if part.keys.is_empty() {
            continue;
        }
        let found = store
            .name_vocabulary(&part.keys, &part.grams, part.min_shared)
            .await?;
        let part_index = u32::try_from(i).unwrap_or(u32::MAX);
        tokens.extend(found.into_iter().filter_map(|token| {
            plan.score_token(i, &token).map(|score| ScoredToken {
                part: part_index,
                token,
                score,
            })
        }));
    }
    let candidates = store
        .name_candidates(
            &tokens,
            limit.saturating_mul(CANDIDATES_PER_RESULT).max(RESCORE_MIN),
        )
        .await?;
    let query = plan.prepared();
    let mut hits: Vec<Hit> = candidates
        .into_iter()
        .map(|c| {
            let score = homeward_names::similarity_prepared(
                query,
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
