//! `LinkageStore` on SQL: linked imports, the review queue, decisions and their exact undo,
//! settings and the overlap rows. Every write goes through `crate::tx`.

use crate::dialect::Dialect;
use crate::import::import_in;
use crate::rows::{self, q};
use crate::store::{bind, bool_col, insert_rows, record_columns, SqlStore, Val};
use crate::tx::Tx;
use async_trait::async_trait;
use homeward_domain::{Field, Id, IdKind, Record};
use homeward_store::{
    Decision, DecisionKind, DecisionMeta, ImportBatch, ImportLinks, ImportOutcome, LinkageStore,
    MergeRequest, OverlapRow, ReviewItem, ReviewState, SplitRequest, StoreError,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// How many values go into one `IN (...)` list.
const IN_CHUNK: usize = 500;

/// What a merge or split needs to be undone exactly; stored as JSON with the decision.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Details {
    /// Records that moved.
    records: Vec<String>,
    /// Merge: the joining person's display name and reviewed flag, to recreate it.
    #[serde(default)]
    source_display_name: String,
    #[serde(default)]
    source_reviewed: bool,
    /// Merge: the kept person's reviewed flag before the merge.
    #[serde(default)]
    target_reviewed_before: bool,
    /// Merge: the joining person's search terms. Split: the new person's.
    #[serde(default)]
    source_terms: Vec<String>,
    /// Merge: terms the kept person gained (and loses again on undo).
    #[serde(default)]
    added_terms: Vec<String>,
    /// Merge: events, enquiries and visit findings that moved with the person.
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    enquiries: Vec<String>,
    #[serde(default)]
    findings: Vec<(String, i64)>,
}

fn details_json(d: &Details) -> Result<String, StoreError> {
    serde_json::to_string(d).map_err(|e| StoreError::Query(e.to_string()))
}

fn query_with<'q>(
    sql: &'q str,
    binds: Vec<Val>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = sqlx::query(sql);
    for v in binds {
        query = bind(query, v);
    }
    query
}

async fn rows_tx(
    tx: &mut Tx,
    d: Dialect,
    sql: &str,
    binds: Vec<Val>,
) -> Result<Vec<AnyRow>, StoreError> {
    let sql = d.sql(sql);
    query_with(&sql, binds)
        .fetch_all(&mut **tx)
        .await
        .map_err(q)
}

async fn exec_tx(tx: &mut Tx, d: Dialect, sql: &str, binds: Vec<Val>) -> Result<u64, StoreError> {
    let sql = d.sql(sql);
    query_with(&sql, binds)
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| {
            let m = e.to_string();
            if m.to_lowercase().contains("foreign key") {
                StoreError::Conflict(
                    "the person is still referenced elsewhere (events, visits, enquiries)".into(),
                )
            } else {
                StoreError::Query(m)
            }
        })
}

fn marks(n: usize) -> String {
    vec!["?"; n].join(",")
}

fn texts(values: &[String]) -> Vec<Val> {
    values.iter().map(|v| v.as_str().into()).collect()
}

async fn strings_tx(
    tx: &mut Tx,
    d: Dialect,
    sql: &str,
    binds: Vec<Val>,
    col: &str,
) -> Result<Vec<String>, StoreError> {
    rows_tx(tx, d, sql, binds)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(col).map_err(q))
        .collect()
}

async fn next_seq(tx: &mut Tx, d: Dialect) -> Result<i64, StoreError> {
    let rows = rows_tx(
        tx,
        d,
        "SELECT COALESCE(MAX(seq), 0) AS s FROM link_decisions",
        vec![],
    )
    .await?;
    let s: i64 = rows
        .first()
        .map(|r| r.try_get("s").map_err(q))
        .transpose()?
        .unwrap_or(0);
    Ok(s + 1)
}

/// (display_name, reviewed) of a person, or `None`.
async fn person_row(
    tx: &mut Tx,
    d: Dialect,
    id: &str,
) -> Result<Option<(String, bool)>, StoreError> {
    let rows = rows_tx(
        tx,
        d,
        "SELECT display_name, reviewed FROM persons WHERE id = ?",
        vec![id.into()],
    )
    .await?;
    rows.first()
        .map(|r| {
            Ok((
                r.try_get("display_name").map_err(q)?,
                bool_col(r, "reviewed")?,
            ))
        })
        .transpose()
}

struct DecisionRow<'a> {
    meta: &'a DecisionMeta,
    seq: i64,
    kind: DecisionKind,
    review: Option<&'a Id>,
    person: &'a str,
    other: &'a str,
    left_record: Option<&'a Id>,
    right_record: Option<&'a Id>,
    probability: Option<f64>,
    details: String,
}

const DECISION_COLUMNS: [&str; 13] = [
    "id",
    "seq",
    "kind",
    "actor",
    "at",
    "reason",
    "review_id",
    "person_id",
    "other_person_id",
    "left_record",
    "right_record",
    "probability",
    "details",
];

fn decision_values(r: DecisionRow<'_>) -> Vec<Val> {
    vec![
        (&r.meta.id).into(),
        Val::Int(r.seq),
        r.kind.as_str().into(),
        r.meta.actor.as_str().into(),
        r.meta.at.as_str().into(),
        r.meta.reason.as_str().into(),
        r.review.into(),
        r.person.into(),
        r.other.into(),
        r.left_record.into(),
        r.right_record.into(),
        Val::Float(r.probability),
        r.details.into(),
    ]
}

async fn insert_decision(tx: &mut Tx, d: Dialect, row: DecisionRow<'_>) -> Result<(), StoreError> {
    insert_rows(
        tx,
        d,
        "link_decisions",
        &DECISION_COLUMNS,
        vec![decision_values(row)],
    )
    .await
}

const DECISION_SELECT: &str = "SELECT id, seq, kind, actor, at, reason, review_id, person_id, \
     other_person_id, left_record, right_record, probability, details, undone_at, undone_by, \
     undo_reason FROM link_decisions";

fn corrupt(column: &'static str) -> StoreError {
    StoreError::Corrupt {
        table: "link_decisions",
        column,
    }
}

fn decision_from(r: &AnyRow) -> Result<Decision, StoreError> {
    let kind: String = r.try_get("kind").map_err(q)?;
    let kind = DecisionKind::parse(&kind).ok_or(corrupt("kind"))?;
    let details: String = r.try_get("details").map_err(q)?;
    let details: Details = serde_json::from_str(&details).map_err(|_| corrupt("details"))?;
    let records = match kind {
        DecisionKind::Reject => [
            rows::opt_id(r, "left_record", "link_decisions", IdKind::Record)?,
            rows::opt_id(r, "right_record", "link_decisions", IdKind::Record)?,
        ]
        .into_iter()
        .flatten()
        .collect(),
        _ => details
            .records
            .iter()
            .map(|s| Id::parse_kind(s, IdKind::Record).map_err(|_| corrupt("details")))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let seq: i64 = r.try_get("seq").map_err(q)?;
    let undone_at: Option<String> = r.try_get("undone_at").map_err(q)?;
    let undone = match undone_at {
        Some(at) => Some((
            at,
            r.try_get::<Option<String>, _>("undone_by")
                .map_err(q)?
                .unwrap_or_default(),
            r.try_get::<Option<String>, _>("undo_reason")
                .map_err(q)?
                .unwrap_or_default(),
        )),
        None => None,
    };
    Ok(Decision {
        id: rows::id(r, "id", "link_decisions", IdKind::Decision)?,
        seq: u64::try_from(seq).map_err(|_| corrupt("seq"))?,
        kind,
        actor: r.try_get("actor").map_err(q)?,
        at: r.try_get("at").map_err(q)?,
        reason: r.try_get("reason").map_err(q)?,
        review: rows::opt_id(r, "review_id", "link_decisions", IdKind::Review)?,
        person: rows::id(r, "person_id", "link_decisions", IdKind::Person)?,
        other_person: rows::id(r, "other_person_id", "link_decisions", IdKind::Person)?,
        records,
        probability: r.try_get("probability").map_err(q)?,
        undone,
    })
}

async fn decision_tx(tx: &mut Tx, d: Dialect, id: &str) -> Result<Option<Decision>, StoreError> {
    let rows = rows_tx(
        tx,
        d,
        &format!("{DECISION_SELECT} WHERE id = ?"),
        vec![id.into()],
    )
    .await?;
    rows.first().map(decision_from).transpose()
}

const REVIEW_SELECT: &str = "SELECT v.id AS id, v.left_record AS left_record, \
     v.right_record AS right_record, l.person_id AS left_person, r.person_id AS right_person, \
     v.probability AS probability, v.weight AS weight, v.evidence AS evidence, v.state AS state, \
     v.created_at AS created_at, v.decision_id AS decision_id \
     FROM link_reviews v JOIN records l ON l.id = v.left_record JOIN records r ON r.id = v.right_record";

fn review_from(r: &AnyRow) -> Result<ReviewItem, StoreError> {
    let state: String = r.try_get("state").map_err(q)?;
    Ok(ReviewItem {
        id: rows::id(r, "id", "link_reviews", IdKind::Review)?,
        left_record: rows::id(r, "left_record", "link_reviews", IdKind::Record)?,
        right_record: rows::id(r, "right_record", "link_reviews", IdKind::Record)?,
        left_person: rows::id(r, "left_person", "records", IdKind::Person)?,
        right_person: rows::id(r, "right_person", "records", IdKind::Person)?,
        probability: r.try_get("probability").map_err(q)?,
        weight: r.try_get("weight").map_err(q)?,
        evidence: r.try_get("evidence").map_err(q)?,
        state: ReviewState::parse(&state).ok_or(StoreError::Corrupt {
            table: "link_reviews",
            column: "state",
        })?,
        created_at: r.try_get("created_at").map_err(q)?,
        decision: rows::opt_id(r, "decision_id", "link_reviews", IdKind::Decision)?,
    })
}

async fn review_tx(tx: &mut Tx, d: Dialect, id: &Id) -> Result<ReviewItem, StoreError> {
    let rows = rows_tx(
        tx,
        d,
        &format!("{REVIEW_SELECT} WHERE v.id = ?"),
        vec![id.into()],
    )
    .await?;
    rows.first()
        .map(review_from)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("review item {id}")))
}

/// The latest decision in force after `seq` that touched one of `persons`, to name in a refusal.
async fn later_decision(
    tx: &mut Tx,
    d: Dialect,
    seq: u64,
    persons: [&str; 2],
) -> Result<String, StoreError> {
    let rows = rows_tx(
        tx,
        d,
        "SELECT id FROM link_decisions WHERE seq > ? AND undone_at IS NULL AND \
         (person_id IN (?, ?) OR other_person_id IN (?, ?)) ORDER BY seq DESC LIMIT 1",
        vec![
            Val::Int(i64::try_from(seq).unwrap_or(i64::MAX)),
            persons[0].into(),
            persons[1].into(),
            persons[0].into(),
            persons[1].into(),
        ],
    )
    .await?;
    Ok(match rows.first() {
        Some(r) => format!(
            "; undo decision {} first",
            r.try_get::<String, _>("id").map_err(q)?
        ),
        None => String::new(),
    })
}

async fn update_in(
    tx: &mut Tx,
    d: Dialect,
    head: &str,
    mut binds: Vec<Val>,
    ids: &[String],
    tail: &str,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in ids.chunks(IN_CHUNK) {
        let mut b = binds.clone();
        b.extend(texts(chunk));
        n += exec_tx(
            tx,
            d,
            &format!("{head} IN ({}){tail}", marks(chunk.len())),
            b,
        )
        .await?;
    }
    binds.clear();
    Ok(n)
}

async fn merge_tx(tx: &mut Tx, d: Dialect, req: &MergeRequest) -> Result<Decision, StoreError> {
    let (t, s) = (req.target.as_str(), req.source.as_str());
    if t == s {
        return Err(StoreError::Conflict(
            "the two sides are already the same person".into(),
        ));
    }
    let Some((_, t_reviewed)) = person_row(tx, d, t).await? else {
        return Err(StoreError::NotFound(format!("person {t}")));
    };
    let Some((s_name, s_reviewed)) = person_row(tx, d, s).await? else {
        return Err(StoreError::NotFound(format!("person {s}")));
    };
    if let Some(review) = &req.review {
        let item = review_tx(tx, d, review).await?;
        if item.state != ReviewState::Open {
            return Err(StoreError::Conflict(format!(
                "review item {review} is already {}",
                item.state.as_str()
            )));
        }
    }
    let by_s = || vec![Val::from(s)];
    let records = strings_tx(
        tx,
        d,
        "SELECT id FROM records WHERE person_id = ? ORDER BY id",
        by_s(),
        "id",
    )
    .await?;
    let events = strings_tx(
        tx,
        d,
        "SELECT id FROM events WHERE person_id = ? ORDER BY id",
        by_s(),
        "id",
    )
    .await?;
    let enquiries = strings_tx(
        tx,
        d,
        "SELECT id FROM enquiries WHERE person_id = ? ORDER BY id",
        by_s(),
        "id",
    )
    .await?;
    let findings = rows_tx(
        tx,
        d,
        "SELECT visit_id, position FROM visit_findings WHERE person_id = ?",
        by_s(),
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get::<String, _>("visit_id").map_err(q)?,
            r.try_get::<i64, _>("position").map_err(q)?,
        ))
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let s_terms = strings_tx(
        tx,
        d,
        "SELECT token FROM name_tokens WHERE person_id = ? ORDER BY token",
        by_s(),
        "token",
    )
    .await?;
    let t_terms: BTreeSet<String> = strings_tx(
        tx,
        d,
        "SELECT token FROM name_tokens WHERE person_id = ?",
        vec![t.into()],
        "token",
    )
    .await?
    .into_iter()
    .collect();
    let added: Vec<String> = s_terms
        .iter()
        .filter(|x| !t_terms.contains(*x))
        .cloned()
        .collect();
    for table in ["records", "events", "enquiries", "visit_findings"] {
        exec_tx(
            tx,
            d,
            &format!("UPDATE {table} SET person_id = ? WHERE person_id = ?"),
            vec![t.into(), s.into()],
        )
        .await?;
    }
    exec_tx(tx, d, "DELETE FROM name_tokens WHERE person_id = ?", by_s()).await?;
    insert_rows(
        tx,
        d,
        "name_tokens",
        &["token", "person_id"],
        added
            .iter()
            .map(|x| vec![x.as_str().into(), t.into()])
            .collect(),
    )
    .await?;
    exec_tx(tx, d, "DELETE FROM persons WHERE id = ?", by_s()).await?;
    if req.mark_reviewed {
        exec_tx(
            tx,
            d,
            "UPDATE persons SET reviewed = ? WHERE id = ?",
            vec![Val::Bool(true), t.into()],
        )
        .await?;
    }
    let seq = next_seq(tx, d).await?;
    let details = Details {
        records: records.clone(),
        source_display_name: s_name,
        source_reviewed: s_reviewed,
        target_reviewed_before: t_reviewed,
        source_terms: s_terms,
        added_terms: added,
        events,
        enquiries,
        findings,
    };
    let (left, right) = match &req.review {
        Some(r) => {
            let item = review_tx(tx, d, r).await?;
            (Some(item.left_record), Some(item.right_record))
        }
        None => (None, None),
    };
    insert_decision(
        tx,
        d,
        DecisionRow {
            meta: &req.meta,
            seq,
            kind: DecisionKind::Merge,
            review: req.review.as_ref(),
            person: t,
            other: s,
            left_record: left.as_ref(),
            right_record: right.as_ref(),
            probability: req.probability,
            details: details_json(&details)?,
        },
    )
    .await?;
    if let Some(r) = &req.review {
        exec_tx(
            tx,
            d,
            "UPDATE link_reviews SET state = ?, decision_id = ? WHERE id = ?",
            vec![
                ReviewState::Accepted.as_str().into(),
                (&req.meta.id).into(),
                r.into(),
            ],
        )
        .await?;
    }
    decision_tx(tx, d, req.meta.id.as_str())
        .await?
        .ok_or_else(|| StoreError::Query("decision not written".into()))
}

async fn undo_merge(
    tx: &mut Tx,
    d: Dialect,
    dec: &Decision,
    details: &Details,
) -> Result<(), StoreError> {
    let (t, s) = (dec.person.as_str(), dec.other_person.as_str());
    let conflict = |why: &str, later: String| {
        StoreError::Conflict(format!("cannot undo decision {}: {why}{later}", dec.id))
    };
    if person_row(tx, d, s).await?.is_some() {
        let later = later_decision(tx, d, dec.seq, [t, s]).await?;
        return Err(conflict("the merged person exists again", later));
    }
    if person_row(tx, d, t).await?.is_none() {
        let later = later_decision(tx, d, dec.seq, [t, s]).await?;
        return Err(conflict("the kept person no longer exists", later));
    }
    let mut still = 0u64;
    for chunk in details.records.chunks(IN_CHUNK) {
        let mut b = vec![Val::from(t)];
        b.extend(texts(chunk));
        let rows = rows_tx(
            tx,
            d,
            &format!(
                "SELECT COUNT(*) AS n FROM records WHERE person_id = ? AND id IN ({})",
                marks(chunk.len())
            ),
            b,
        )
        .await?;
        let n: i64 = rows
            .first()
            .map(|r| r.try_get("n").map_err(q))
            .transpose()?
            .unwrap_or(0);
        still += u64::try_from(n).unwrap_or(0);
    }
    if still != details.records.len() as u64 {
        let later = later_decision(tx, d, dec.seq, [t, s]).await?;
        return Err(conflict("its records have moved since", later));
    }
    insert_rows(
        tx,
        d,
        "persons",
        &["id", "display_name", "reviewed"],
        vec![vec![
            s.into(),
            details.source_display_name.as_str().into(),
            Val::Bool(details.source_reviewed),
        ]],
    )
    .await?;
    for (table, ids) in [
        ("records", &details.records),
        ("events", &details.events),
        ("enquiries", &details.enquiries),
    ] {
        update_in(
            tx,
            d,
            &format!("UPDATE {table} SET person_id = ? WHERE id"),
            vec![s.into()],
            ids,
            "",
        )
        .await?;
    }
    for (visit, position) in &details.findings {
        exec_tx(
            tx,
            d,
            "UPDATE visit_findings SET person_id = ? WHERE visit_id = ? AND position = ?",
            vec![s.into(), visit.as_str().into(), Val::Int(*position)],
        )
        .await?;
    }
    update_in(
        tx,
        d,
        "DELETE FROM name_tokens WHERE person_id = ? AND token",
        vec![t.into()],
        &details.added_terms,
        "",
    )
    .await?;
    insert_rows(
        tx,
        d,
        "name_tokens",
        &["token", "person_id"],
        details
            .source_terms
            .iter()
            .map(|x| vec![x.as_str().into(), s.into()])
            .collect(),
    )
    .await?;
    exec_tx(
        tx,
        d,
        "UPDATE persons SET reviewed = ? WHERE id = ?",
        vec![Val::Bool(details.target_reviewed_before), t.into()],
    )
    .await?;
    Ok(())
}

async fn undo_split(
    tx: &mut Tx,
    d: Dialect,
    dec: &Decision,
    details: &Details,
) -> Result<(), StoreError> {
    let (p, n) = (dec.person.as_str(), dec.other_person.as_str());
    let conflict = |why: &str, later: String| {
        StoreError::Conflict(format!("cannot undo decision {}: {why}{later}", dec.id))
    };
    if person_row(tx, d, p).await?.is_none() || person_row(tx, d, n).await?.is_none() {
        let later = later_decision(tx, d, dec.seq, [p, n]).await?;
        return Err(conflict("one of its persons no longer exists", later));
    }
    let now: BTreeSet<String> = strings_tx(
        tx,
        d,
        "SELECT id FROM records WHERE person_id = ?",
        vec![n.into()],
        "id",
    )
    .await?
    .into_iter()
    .collect();
    let then: BTreeSet<String> = details.records.iter().cloned().collect();
    if now != then {
        let later = later_decision(tx, d, dec.seq, [p, n]).await?;
        return Err(conflict(
            "the new person's records have changed since",
            later,
        ));
    }
    exec_tx(
        tx,
        d,
        "UPDATE records SET person_id = ? WHERE person_id = ?",
        vec![p.into(), n.into()],
    )
    .await?;
    exec_tx(
        tx,
        d,
        "DELETE FROM name_tokens WHERE person_id = ?",
        vec![n.into()],
    )
    .await?;
    exec_tx(tx, d, "DELETE FROM persons WHERE id = ?", vec![n.into()]).await?;
    Ok(())
}

#[async_trait]
impl LinkageStore for SqlStore {
    async fn import_linked(
        &self,
        batch: ImportBatch,
        links: ImportLinks,
    ) -> Result<ImportOutcome, StoreError> {
        let d = self.dialect;
        let batch_persons: BTreeSet<&str> = batch.persons.iter().map(|p| p.id.as_str()).collect();
        let mut sources: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, m) in links.merges.iter().enumerate() {
            if !batch_persons.contains(m.source.as_str()) {
                return Err(StoreError::NotFound(format!(
                    "merge source {} is not a person of the batch",
                    m.source
                )));
            }
            if sources.insert(m.source.as_str(), i).is_some() {
                return Err(StoreError::Conflict(format!(
                    "person {} is merged twice",
                    m.source
                )));
            }
        }
        if links
            .merges
            .iter()
            .any(|m| sources.contains_key(m.target.as_str()))
        {
            return Err(StoreError::Conflict(
                "a merge target is itself merged away".into(),
            ));
        }
        let existing_targets: Vec<String> = links
            .merges
            .iter()
            .map(|m| m.target.as_str())
            .filter(|t| !batch_persons.contains(t))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut tx = crate::tx::begin(&self.pool).await?;
        // Terms and reviewed flags of the existing persons that records join.
        let mut terms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut reviewed: BTreeMap<String, bool> = BTreeMap::new();
        for chunk in existing_targets.chunks(IN_CHUNK) {
            let rows = rows_tx(
                &mut tx,
                d,
                &format!(
                    "SELECT id, reviewed FROM persons WHERE id IN ({})",
                    marks(chunk.len())
                ),
                texts(chunk),
            )
            .await?;
            for r in &rows {
                reviewed.insert(r.try_get("id").map_err(q)?, bool_col(r, "reviewed")?);
            }
            let rows = rows_tx(
                &mut tx,
                d,
                &format!(
                    "SELECT token, person_id FROM name_tokens WHERE person_id IN ({})",
                    marks(chunk.len())
                ),
                texts(chunk),
            )
            .await?;
            for r in &rows {
                terms
                    .entry(r.try_get("person_id").map_err(q)?)
                    .or_default()
                    .insert(r.try_get("token").map_err(q)?);
            }
        }
        if let Some(missing) = existing_targets.iter().find(|t| !reviewed.contains_key(*t)) {
            return Err(StoreError::NotFound(format!("person {missing}")));
        }
        for p in &batch.persons {
            reviewed.insert(p.id.as_str().to_owned(), p.reviewed);
        }
        let mut batch_terms: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
        for (p, t) in &batch.names.person_tokens {
            batch_terms.insert(p.as_str(), t);
        }
        for p in &batch.persons {
            if let Some(t) = batch_terms.get(p.id.as_str()) {
                terms
                    .entry(p.id.as_str().to_owned())
                    .or_default()
                    .extend(t.iter().cloned());
            }
        }
        let names: BTreeMap<&str, (&str, bool)> = batch
            .persons
            .iter()
            .map(|p| (p.id.as_str(), (p.display_name.as_str(), p.reviewed)))
            .collect();
        let mut records_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for r in &batch.records {
            records_of
                .entry(r.person_id.as_str())
                .or_default()
                .push(r.id.as_str().to_owned());
        }
        // The batch as it lands: merged records point at their new person, merged-away
        // persons are not written, and the kept persons gain the terms they lacked.
        let mut decisions = Vec::with_capacity(links.merges.len());
        let mut added_terms: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut seq = next_seq(&mut tx, d).await?;
        for m in &links.merges {
            let s = m.source.as_str();
            let t = m.target.as_str();
            let s_terms: Vec<String> = terms
                .get(s)
                .map(|x| x.iter().cloned().collect())
                .unwrap_or_default();
            let t_set = terms.entry(t.to_owned()).or_default();
            let added: Vec<String> = s_terms
                .iter()
                .filter(|x| !t_set.contains(*x))
                .cloned()
                .collect();
            t_set.extend(added.iter().cloned());
            added_terms
                .entry(t.to_owned())
                .or_default()
                .extend(added.iter().cloned());
            let (name, s_reviewed) = names.get(s).copied().unwrap_or(("", false));
            let details = Details {
                records: records_of.get(s).cloned().unwrap_or_default(),
                source_display_name: name.to_owned(),
                source_reviewed: s_reviewed,
                target_reviewed_before: reviewed.get(t).copied().unwrap_or(false),
                source_terms: s_terms,
                added_terms: added,
                ..Details::default()
            };
            decisions.push(decision_values(DecisionRow {
                meta: &m.meta,
                seq,
                kind: DecisionKind::Merge,
                review: None,
                person: t,
                other: s,
                left_record: None,
                right_record: None,
                probability: Some(m.probability),
                details: details_json(&details)?,
            }));
            seq += 1;
        }
        let target_of: BTreeMap<&str, &Id> = links
            .merges
            .iter()
            .map(|m| (m.source.as_str(), &m.target))
            .collect();
        let mut landed = batch.clone();
        landed
            .persons
            .retain(|p| !target_of.contains_key(p.id.as_str()));
        for r in &mut landed.records {
            if let Some(t) = target_of.get(r.person_id.as_str()) {
                r.person_id = (*t).clone();
            }
        }
        landed
            .names
            .person_tokens
            .retain(|(p, _)| !target_of.contains_key(p.as_str()));
        for (p, extra) in added_terms {
            if extra.is_empty() {
                continue;
            }
            let id = Id::parse_kind(&p, IdKind::Person).map_err(|_| StoreError::Corrupt {
                table: "persons",
                column: "id",
            })?;
            landed.names.person_tokens.push((id, extra));
        }
        let outcome = import_in(&mut tx, d, &self.keys, landed).await?;
        if let ImportOutcome::AlreadyImported { .. } = outcome {
            tx.rollback().await.map_err(q)?;
            return Ok(outcome);
        }
        insert_rows(&mut tx, d, "link_decisions", &DECISION_COLUMNS, decisions).await?;
        insert_rows(
            &mut tx,
            d,
            "link_reviews",
            &[
                "id",
                "left_record",
                "right_record",
                "probability",
                "weight",
                "evidence",
                "state",
                "created_at",
            ],
            links
                .reviews
                .iter()
                .map(|r| {
                    vec![
                        (&r.id).into(),
                        (&r.left_record).into(),
                        (&r.right_record).into(),
                        Val::Float(Some(r.probability)),
                        Val::Float(Some(r.weight)),
                        r.evidence.as_str().into(),
                        ReviewState::Open.as_str().into(),
                        r.created_at.as_str().into(),
                    ]
                })
                .collect(),
        )
        .await?;
        crate::tx::commit(tx).await?;
        Ok(outcome)
    }

    async fn link_candidates(&self, terms: &[String]) -> Result<Vec<Record>, StoreError> {
        let d = self.dialect;
        let mut persons: BTreeSet<String> = BTreeSet::new();
        let mut sorted: Vec<&String> = terms.iter().collect();
        sorted.sort();
        sorted.dedup();
        for chunk in sorted.chunks(IN_CHUNK) {
            let sql = d
                .sql(&format!(
                    "SELECT DISTINCT t.person_id AS person_id FROM name_vocab_keys k JOIN name_tokens t ON t.token = k.token WHERE k.key IN ({})",
                    marks(chunk.len())
                ))
                .into_owned();
            let rows = query_with(&sql, chunk.iter().map(|t| t.as_str().into()).collect())
                .fetch_all(&self.pool)
                .await
                .map_err(q)?;
            for r in &rows {
                persons.insert(r.try_get("person_id").map_err(q)?);
            }
        }
        let persons: Vec<String> = persons.into_iter().collect();
        let cols = record_columns().join(",");
        let mut out = Vec::new();
        for chunk in persons.chunks(IN_CHUNK) {
            let sql = d
                .sql(&format!(
                    "SELECT {cols} FROM records WHERE person_id IN ({})",
                    marks(chunk.len())
                ))
                .into_owned();
            let rows = query_with(&sql, texts(chunk))
                .fetch_all(&self.pool)
                .await
                .map_err(q)?;
            for r in &rows {
                // Linkage compares the standard fields only: the sealed notes and original
                // row are neither needed nor opened (no decryption, no sensitive read).
                out.push(rows::record(r, None, None)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    async fn record(&self, id: &Id) -> Result<Option<Record>, StoreError> {
        let sql = self
            .dialect
            .sql(&format!(
                "SELECT {} FROM records WHERE id = ?",
                record_columns().join(",")
            ))
            .into_owned();
        let rows = query_with(&sql, vec![id.into()])
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
        self.open_records(&rows).await.map(|mut v| v.pop())
    }

    async fn merge_persons(&self, req: MergeRequest) -> Result<Decision, StoreError> {
        let mut tx = crate::tx::begin(&self.pool).await?;
        let dec = merge_tx(&mut tx, self.dialect, &req).await?;
        crate::tx::commit(tx).await?;
        Ok(dec)
    }

    async fn split_person(&self, req: SplitRequest) -> Result<Decision, StoreError> {
        let d = self.dialect;
        let p = req.person.as_str();
        let mut tx = crate::tx::begin(&self.pool).await?;
        if person_row(&mut tx, d, p).await?.is_none() {
            return Err(StoreError::NotFound(format!("person {p}")));
        }
        let mut wanted: Vec<String> = req.records.iter().map(|r| r.as_str().to_owned()).collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Err(StoreError::Conflict("no records to split off".into()));
        }
        let have: BTreeSet<String> = strings_tx(
            &mut tx,
            d,
            "SELECT id FROM records WHERE person_id = ?",
            vec![p.into()],
            "id",
        )
        .await?
        .into_iter()
        .collect();
        if let Some(missing) = wanted.iter().find(|r| !have.contains(*r)) {
            return Err(StoreError::NotFound(format!(
                "record {missing} of person {p}"
            )));
        }
        if wanted.len() == have.len() {
            return Err(StoreError::Conflict(
                "a split must leave at least one record with the person".into(),
            ));
        }
        let n = req.new_person.as_str();
        insert_rows(
            &mut tx,
            d,
            "persons",
            &["id", "display_name", "reviewed"],
            vec![vec![
                n.into(),
                req.display_name.as_str().into(),
                Val::Bool(false),
            ]],
        )
        .await?;
        update_in(
            &mut tx,
            d,
            "UPDATE records SET person_id = ? WHERE id",
            vec![n.into()],
            &wanted,
            "",
        )
        .await?;
        let terms: BTreeSet<&String> = req.terms.iter().collect();
        insert_rows(
            &mut tx,
            d,
            "name_tokens",
            &["token", "person_id"],
            terms
                .iter()
                .map(|t| vec![t.as_str().into(), n.into()])
                .collect(),
        )
        .await?;
        let seq = next_seq(&mut tx, d).await?;
        let details = Details {
            records: wanted,
            source_terms: terms.into_iter().cloned().collect(),
            ..Details::default()
        };
        insert_decision(
            &mut tx,
            d,
            DecisionRow {
                meta: &req.meta,
                seq,
                kind: DecisionKind::Split,
                review: None,
                person: p,
                other: n,
                left_record: None,
                right_record: None,
                probability: None,
                details: details_json(&details)?,
            },
        )
        .await?;
        let dec = decision_tx(&mut tx, d, req.meta.id.as_str())
            .await?
            .ok_or_else(|| StoreError::Query("decision not written".into()))?;
        crate::tx::commit(tx).await?;
        Ok(dec)
    }

    async fn reject_review(&self, review: &Id, meta: DecisionMeta) -> Result<Decision, StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let item = review_tx(&mut tx, d, review).await?;
        if item.state != ReviewState::Open {
            return Err(StoreError::Conflict(format!(
                "review item {review} is already {}",
                item.state.as_str()
            )));
        }
        if item.left_person == item.right_person {
            return Err(StoreError::Conflict(format!(
                "the two records of review item {review} already belong to one person; split it instead"
            )));
        }
        let seq = next_seq(&mut tx, d).await?;
        insert_decision(
            &mut tx,
            d,
            DecisionRow {
                meta: &meta,
                seq,
                kind: DecisionKind::Reject,
                review: Some(review),
                person: item.left_person.as_str(),
                other: item.right_person.as_str(),
                left_record: Some(&item.left_record),
                right_record: Some(&item.right_record),
                probability: Some(item.probability),
                details: details_json(&Details::default())?,
            },
        )
        .await?;
        exec_tx(
            &mut tx,
            d,
            "UPDATE link_reviews SET state = ?, decision_id = ? WHERE id = ?",
            vec![
                ReviewState::Rejected.as_str().into(),
                (&meta.id).into(),
                review.into(),
            ],
        )
        .await?;
        let dec = decision_tx(&mut tx, d, meta.id.as_str())
            .await?
            .ok_or_else(|| StoreError::Query("decision not written".into()))?;
        crate::tx::commit(tx).await?;
        Ok(dec)
    }

    async fn undo_decision(
        &self,
        decision: &Id,
        actor: &str,
        at: &str,
        reason: &str,
    ) -> Result<Decision, StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let Some(dec) = decision_tx(&mut tx, d, decision.as_str()).await? else {
            return Err(StoreError::NotFound(format!("decision {decision}")));
        };
        if let Some((when, _, _)) = &dec.undone {
            return Err(StoreError::Conflict(format!(
                "decision {decision} was already undone at {when}"
            )));
        }
        let rows = rows_tx(
            &mut tx,
            d,
            "SELECT details FROM link_decisions WHERE id = ?",
            vec![decision.into()],
        )
        .await?;
        let details: String = rows
            .first()
            .map(|r| r.try_get("details").map_err(q))
            .transpose()?
            .unwrap_or_default();
        let details: Details = serde_json::from_str(&details).map_err(|_| corrupt("details"))?;
        match dec.kind {
            DecisionKind::Merge => undo_merge(&mut tx, d, &dec, &details).await?,
            DecisionKind::Split => undo_split(&mut tx, d, &dec, &details).await?,
            DecisionKind::Reject => {}
        }
        if let Some(review) = &dec.review {
            exec_tx(
                &mut tx,
                d,
                "UPDATE link_reviews SET state = ?, decision_id = NULL WHERE id = ?",
                vec![ReviewState::Open.as_str().into(), review.into()],
            )
            .await?;
        }
        exec_tx(
            &mut tx,
            d,
            "UPDATE link_decisions SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ?",
            vec![at.into(), actor.into(), reason.into(), decision.into()],
        )
        .await?;
        let dec = decision_tx(&mut tx, d, decision.as_str())
            .await?
            .ok_or_else(|| StoreError::Query("decision vanished".into()))?;
        crate::tx::commit(tx).await?;
        Ok(dec)
    }

    async fn decision(&self, id: &Id) -> Result<Option<Decision>, StoreError> {
        let sql = self
            .dialect
            .sql(&format!("{DECISION_SELECT} WHERE id = ?"))
            .into_owned();
        let rows = query_with(&sql, vec![id.into()])
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
        rows.first().map(decision_from).transpose()
    }

    async fn last_decision(&self) -> Result<Option<Decision>, StoreError> {
        let sql = format!("{DECISION_SELECT} WHERE undone_at IS NULL ORDER BY seq DESC LIMIT 1");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(q)?;
        rows.first().map(decision_from).transpose()
    }

    async fn decisions_of(&self, person: &Id) -> Result<Vec<Decision>, StoreError> {
        let sql = self
            .dialect
            .sql(&format!(
                "{DECISION_SELECT} WHERE person_id = ? OR other_person_id = ? ORDER BY seq"
            ))
            .into_owned();
        let rows = query_with(&sql, vec![person.into(), person.into()])
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
        rows.iter().map(decision_from).collect()
    }

    async fn reviews(&self, state: Option<ReviewState>) -> Result<Vec<ReviewItem>, StoreError> {
        let (sql, binds) = match state {
            Some(s) => (
                format!("{REVIEW_SELECT} WHERE v.state = ? ORDER BY v.probability DESC, v.id"),
                vec![Val::from(s.as_str())],
            ),
            None => (
                format!("{REVIEW_SELECT} ORDER BY v.probability DESC, v.id"),
                vec![],
            ),
        };
        let sql = self.dialect.sql(&sql);
        let rows = query_with(&sql, binds)
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
        rows.iter().map(review_from).collect()
    }

    async fn review(&self, id: &Id) -> Result<Option<ReviewItem>, StoreError> {
        let sql = self
            .dialect
            .sql(&format!("{REVIEW_SELECT} WHERE v.id = ?"))
            .into_owned();
        let rows = query_with(&sql, vec![id.into()])
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
        rows.first().map(review_from).transpose()
    }

    async fn rejections(&self) -> Result<Vec<(Id, Id)>, StoreError> {
        let rows = sqlx::query(
            "SELECT left_record, right_record FROM link_decisions \
             WHERE kind = 'reject' AND undone_at IS NULL ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(q)?;
        rows.iter()
            .map(|r| {
                Ok((
                    rows::id(r, "left_record", "link_decisions", IdKind::Record)?,
                    rows::id(r, "right_record", "link_decisions", IdKind::Record)?,
                ))
            })
            .collect()
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let sql = self.dialect.sql("SELECT value FROM settings WHERE key = ?");
        let rows = query_with(&sql, vec![key.into()])
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
        rows.first()
            .map(|r| r.try_get("value").map_err(q))
            .transpose()
    }

    async fn set_setting(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        exec_tx(
            &mut tx,
            d,
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            vec![key.into(), value.into(), at.into(), actor.into()],
        )
        .await?;
        crate::tx::commit(tx).await
    }

    async fn settings(&self) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT key, value, updated_at, updated_by FROM settings ORDER BY key")
                .fetch_all(&self.pool)
                .await
                .map_err(q)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("key").map_err(q)?,
                    r.try_get("value").map_err(q)?,
                    r.try_get("updated_at").map_err(q)?,
                    r.try_get("updated_by").map_err(q)?,
                ))
            })
            .collect()
    }

    async fn overlap_rows(&self, by: Option<Field>) -> Result<Vec<OverlapRow>, StoreError> {
        // The column name comes from the closed `Field` enumeration, never from user text.
        let value = by.map(|f| format!(", r.{} AS value", f.name()));
        let sql = format!(
            "SELECT r.person_id AS person_id, s.name AS source_name{} FROM records r \
             JOIN sources s ON s.id = r.source_id ORDER BY r.person_id, s.name",
            value.as_deref().unwrap_or("")
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(q)?;
        rows.iter()
            .map(|r| {
                Ok(OverlapRow {
                    person: rows::id(r, "person_id", "records", IdKind::Person)?,
                    source: r.try_get("source_name").map_err(q)?,
                    value: if by.is_some() {
                        r.try_get("value").map_err(q)?
                    } else {
                        None
                    },
                })
            })
            .collect()
    }
}
