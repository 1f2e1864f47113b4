//! The review queue and the decisions people make on the registry: accept, reject, merge,
//! split, undo. Every decision records who, when and why, and can be undone exactly.

use super::{DecisionView, LinkageError};
use homeward_domain::{Field, Id, IdKind, Record};
use homeward_link::Explanation;
use homeward_store::{DecisionMeta, MergeRequest, ReviewItem, ReviewState, SplitRequest, Store};
use rand::RngCore;
use serde::Serialize;

/// Who is acting, when and why: passed to every decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The user's name.
    pub name: &'a str,
    /// When (ISO 8601).
    pub at: &'a str,
    /// Why (may be empty).
    pub reason: &'a str,
}

impl Actor<'_> {
    fn meta(&self, rng: &mut (dyn RngCore + Send), default_reason: &str) -> DecisionMeta {
        DecisionMeta {
            id: Id::generate(IdKind::Decision, rng),
            actor: self.name.to_owned(),
            at: self.at.to_owned(),
            reason: if self.reason.trim().is_empty() {
                default_reason.to_owned()
            } else {
                self.reason.trim().to_owned()
            },
        }
    }
}

fn parse_id(text: &str, kind: IdKind, what: &str) -> Result<Id, LinkageError> {
    Id::parse_kind(text.trim(), kind)
        .map_err(|_| LinkageError::Invalid(format!("'{}' is not a {what} id", text.trim())))
}

/// A review item in the queue listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewSummary {
    /// Its id.
    pub id: String,
    /// open, accepted or rejected.
    pub state: ReviewState,
    /// Match probability.
    pub probability: f64,
    /// Match weight in bits.
    pub weight: f64,
    /// The kept side's person and display name.
    pub left_person: String,
    /// The kept side's display name (original script).
    pub left_name: String,
    /// The other side's person.
    pub right_person: String,
    /// The other side's display name (original script).
    pub right_name: String,
    /// When it was proposed.
    pub created_at: String,
}

async fn summary(store: &dyn Store, item: &ReviewItem) -> Result<ReviewSummary, LinkageError> {
    let name = |p: Option<homeward_domain::Person>| p.map(|p| p.display_name).unwrap_or_default();
    Ok(ReviewSummary {
        id: item.id.to_string(),
        state: item.state,
        probability: item.probability,
        weight: item.weight,
        left_person: item.left_person.to_string(),
        left_name: name(store.person(&item.left_person).await?),
        right_person: item.right_person.to_string(),
        right_name: name(store.person(&item.right_person).await?),
        created_at: item.created_at.clone(),
    })
}

/// The review queue (open items unless `state` says otherwise), most probable first.
pub async fn list(
    store: &dyn Store,
    state: Option<ReviewState>,
) -> Result<Vec<ReviewSummary>, LinkageError> {
    let mut out = Vec::new();
    for item in store.reviews(state).await? {
        out.push(summary(store, &item).await?);
    }
    Ok(out)
}

/// A record as shown beside another: its source, row and standard fields as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordView {
    /// Its id.
    pub id: String,
    /// The source's name.
    pub source: String,
    /// Its row in the imported file.
    pub row: u64,
    /// Its person now.
    pub person: String,
    /// Standard fields that have a value, as (field, value), names in their original script.
    pub fields: Vec<(String, String)>,
}

async fn record_view(store: &dyn Store, r: &Record) -> Result<RecordView, LinkageError> {
    let source = store
        .sources()
        .await?
        .into_iter()
        .find(|s| s.id == r.source_id)
        .map(|s| s.name)
        .unwrap_or_default();
    Ok(RecordView {
        id: r.id.to_string(),
        source,
        row: r.row_number,
        person: r.person_id.to_string(),
        fields: Field::ALL
            .iter()
            .filter_map(|f| r.fields.get(*f).map(|v| (f.name().to_owned(), v)))
            .collect(),
    })
}

/// One field's line of evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceLine {
    /// The compared field.
    pub field: String,
    /// The agreement level found ("missing" when either side lacks it).
    pub level: String,
    /// Bits of evidence for (positive) or against (negative), term frequencies included.
    pub weight: f64,
    /// Of which the term-frequency adjustment.
    pub tf_adjustment: f64,
    /// The left record's value(s) for the field, as written.
    pub left: String,
    /// The right record's value(s).
    pub right: String,
}

/// A review item with its evidence, for a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewDetail {
    /// The summary line.
    pub summary: ReviewSummary,
    /// log2 prior odds of a match.
    pub prior_weight: f64,
    /// Field by field.
    pub evidence: Vec<EvidenceLine>,
    /// The two records compared.
    pub left: RecordView,
    /// The other record.
    pub right: RecordView,
    /// The decision that closed it, if any.
    pub decision: Option<String>,
}

fn values_for(field: &str, r: &Record) -> String {
    let f = &r.fields;
    let pick: Vec<Option<String>> = match field {
        "given_name" => vec![f.given_name.clone(), f.full_name.clone()],
        "family_name" => vec![f.family_name.clone(), f.full_name.clone()],
        "name_order" => vec![f.given_name.clone(), f.family_name.clone()],
        other => match other.parse::<Field>() {
            Ok(df) => vec![f.get(df)],
            Err(_) => vec![],
        },
    };
    let v: Vec<String> = pick.into_iter().flatten().collect();
    v.first().cloned().unwrap_or_default()
}

/// A review item with field-by-field evidence and both records.
pub async fn show(store: &dyn Store, id: &str) -> Result<ReviewDetail, LinkageError> {
    let id = parse_id(id, IdKind::Review, "review item")?;
    let item = store
        .review(&id)
        .await?
        .ok_or_else(|| LinkageError::NotFound(format!("no review item {id}")))?;
    let left = store
        .record(&item.left_record)
        .await?
        .ok_or_else(|| LinkageError::NotFound(format!("record {}", item.left_record)))?;
    let right = store
        .record(&item.right_record)
        .await?
        .ok_or_else(|| LinkageError::NotFound(format!("record {}", item.right_record)))?;
    let ex: Explanation = serde_json::from_str(&item.evidence).map_err(|_| {
        LinkageError::Store(homeward_store::StoreError::Corrupt {
            table: "link_reviews",
            column: "evidence",
        })
    })?;
    let evidence = ex
        .fields
        .iter()
        .map(|f| EvidenceLine {
            field: f.field.name().to_owned(),
            level: f.level_name.clone(),
            weight: f.weight + f.tf_adjustment,
            tf_adjustment: f.tf_adjustment,
            left: values_for(f.field.name(), &left),
            right: values_for(f.field.name(), &right),
        })
        .collect();
    Ok(ReviewDetail {
        summary: summary(store, &item).await?,
        prior_weight: ex.prior_weight,
        evidence,
        left: record_view(store, &left).await?,
        right: record_view(store, &right).await?,
        decision: item.decision.as_ref().map(Id::to_string),
    })
}

/// Accepts a review item: the right person joins the left one, which is marked reviewed.
pub async fn accept(
    store: &dyn Store,
    id: &str,
    actor: &Actor<'_>,
    rng: &mut (dyn RngCore + Send),
) -> Result<DecisionView, LinkageError> {
    let id = parse_id(id, IdKind::Review, "review item")?;
    let item = store
        .review(&id)
        .await?
        .ok_or_else(|| LinkageError::NotFound(format!("no review item {id}")))?;
    let d = store
        .merge_persons(MergeRequest {
            meta: actor.meta(rng, "accepted in review"),
            target: item.left_person.clone(),
            source: item.right_person.clone(),
            review: Some(id),
            mark_reviewed: true,
            probability: Some(item.probability),
        })
        .await?;
    Ok(DecisionView::from(&d))
}

/// Rejects a review item: the two are different persons and will not be proposed again.
pub async fn reject(
    store: &dyn Store,
    id: &str,
    actor: &Actor<'_>,
    rng: &mut (dyn RngCore + Send),
) -> Result<DecisionView, LinkageError> {
    let id = parse_id(id, IdKind::Review, "review item")?;
    let d = store
        .reject_review(&id, actor.meta(rng, "rejected in review"))
        .await?;
    Ok(DecisionView::from(&d))
}

/// Undoes the named decision, or the latest one in force.
pub async fn undo(
    store: &dyn Store,
    id: Option<&str>,
    actor: &Actor<'_>,
) -> Result<DecisionView, LinkageError> {
    let id = match id {
        Some(text) => parse_id(text, IdKind::Decision, "decision")?,
        None => {
            store
                .last_decision()
                .await?
                .ok_or_else(|| LinkageError::NotFound("there is no decision to undo".into()))?
                .id
        }
    };
    let d = store
        .undo_decision(&id, actor.name, actor.at, actor.reason)
        .await?;
    Ok(DecisionView::from(&d))
}

/// A person with its records and the decisions that shaped it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonView {
    /// Its id.
    pub id: String,
    /// Its display name.
    pub display_name: String,
    /// Whether a person reviewed it.
    pub reviewed: bool,
    /// Every record, with its source.
    pub records: Vec<RecordView>,
    /// Decisions involving it, oldest first.
    pub decisions: Vec<DecisionView>,
}

/// A person with its records (each with its source) and its decisions.
pub async fn person(store: &dyn Store, id: &str) -> Result<PersonView, LinkageError> {
    let id = parse_id(id, IdKind::Person, "person")?;
    let p = store
        .person(&id)
        .await?
        .ok_or_else(|| LinkageError::NotFound(format!("no person {id}")))?;
    let mut records = Vec::new();
    for r in store.records_of(&id).await? {
        records.push(record_view(store, &r).await?);
    }
    Ok(PersonView {
        id: p.id.to_string(),
        display_name: p.display_name,
        reviewed: p.reviewed,
        records,
        decisions: store
            .decisions_of(&id)
            .await?
            .iter()
            .map(DecisionView::from)
            .collect(),
    })
}

/// Merges person `b` into person `a` (a person decided, so `a` is marked reviewed).
pub async fn merge(
    store: &dyn Store,
    a: &str,
    b: &str,
    actor: &Actor<'_>,
    rng: &mut (dyn RngCore + Send),
) -> Result<DecisionView, LinkageError> {
    let a = parse_id(a, IdKind::Person, "person")?;
    let b = parse_id(b, IdKind::Person, "person")?;
    let d = store
        .merge_persons(MergeRequest {
            meta: actor.meta(rng, "merged by hand"),
            target: a,
            source: b,
            review: None,
            mark_reviewed: true,
            probability: None,
        })
        .await?;
    Ok(DecisionView::from(&d))
}

/// Splits `records` off `person` into a new person.
pub async fn split(
    store: &dyn Store,
    person: &str,
    records: &[String],
    actor: &Actor<'_>,
    rng: &mut (dyn RngCore + Send),
) -> Result<DecisionView, LinkageError> {
    let person = parse_id(person, IdKind::Person, "person")?;
    let ids = records
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| parse_id(r, IdKind::Record, "record"))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(LinkageError::Invalid(
            "name at least one record to split off".into(),
        ));
    }
    let of_person = store.records_of(&person).await?;
    let moving: Vec<&Record> = of_person.iter().filter(|r| ids.contains(&r.id)).collect();
    let display_name = moving
        .first()
        .and_then(|r| r.fields.display_name())
        .unwrap_or_default();
    let mut terms: Vec<String> = moving
        .iter()
        .flat_map(|r| homeward_names::index_tokens(&r.fields.display_name().unwrap_or_default()))
        .collect();
    terms.sort();
    terms.dedup();
    let d = store
        .split_person(SplitRequest {
            meta: actor.meta(rng, "split by hand"),
            person,
            records: ids,
            new_person: Id::generate(IdKind::Person, rng),
            display_name,
            terms,
        })
        .await?;
    Ok(DecisionView::from(&d))
}
