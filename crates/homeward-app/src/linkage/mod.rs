//! Linkage on the registry: imports that join new records to existing persons, the review
//! queue, merges, splits and their undo, administrator settings, and the overlap table the
//! estimates are made from. Result types are plain and serde-serialisable, for the CLI and
//! the web pages alike.
//!
//! The rules (see docs/linkage.md): a pair at or above the upper threshold joins
//! automatically only if an administrator enabled `link.auto_accept`; a pair between the
//! thresholds (or above the upper one without automatic acceptance) goes to the review
//! queue with its evidence; below the lower threshold nothing happens. Two existing persons
//! are never merged automatically, and a rejected pair is never proposed again.

pub mod estimate;
mod plan;
pub mod review;

use crate::import::{self, ImportError, ImportReport, ImportRequest};
use homeward_domain::{Id, Record};
use homeward_link::FittedModel;
use homeward_store::{Decision, Store, StoreError};
use rand::RngCore;
use serde::Serialize;

pub(crate) use plan::link_fields;
pub use plan::{plan_links, LinkPlan};

/// Errors of the linkage use cases.
#[derive(Debug, thiserror::Error)]
pub enum LinkageError {
    /// The import itself failed; nothing was written.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The store refused; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The linkage engine refused its input.
    #[error("linkage: {0}")]
    Link(#[from] homeward_link::LinkError),
    /// A setting's key or value is not acceptable.
    #[error("setting {key}: {reason}")]
    Setting {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// Something named on the command line does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request makes no sense as given.
    #[error("{0}")]
    Invalid(String),
    /// Estimation from the registry failed or was refused.
    #[error("{0}")]
    Estimate(String),
}

/// The linkage settings an administrator controls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LinkSettings {
    /// Whether pairs at or above `upper` join without review.
    pub auto_accept: bool,
    /// Match probability at or above which a pair is "confident".
    pub upper: f64,
    /// Match probability below which a pair is not proposed at all.
    pub lower: f64,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            auto_accept: false,
            upper: 0.99,
            lower: 0.5,
        }
    }
}

/// Setting keys with what they mean, for `homeward settings list`.
pub const SETTING_KEYS: [(&str, &str); 3] = [
    (
        "link.auto_accept",
        "true: pairs at or above link.upper join existing persons without review (default false)",
    ),
    (
        "link.upper",
        "match probability at or above which a pair is confident (default 0.99)",
    ),
    (
        "link.lower",
        "match probability below which a pair is not proposed for review (default 0.5)",
    ),
];

fn parse_setting(key: &str, value: &str, s: &mut LinkSettings) -> Result<(), LinkageError> {
    let bad = |reason: &str| LinkageError::Setting {
        key: key.to_owned(),
        reason: reason.to_owned(),
    };
    match key {
        "link.auto_accept" => {
            s.auto_accept = match value.trim() {
                "true" | "yes" | "on" | "1" => true,
                "false" | "no" | "off" | "0" => false,
                _ => return Err(bad("expected true or false")),
            }
        }
        "link.upper" | "link.lower" => {
            let v: f64 = value
                .trim()
                .parse()
                .map_err(|_| bad("expected a probability such as 0.95"))?;
            if !(v > 0.0 && v < 1.0) {
                return Err(bad("must be strictly between 0 and 1"));
            }
            if key == "link.upper" {
                s.upper = v;
            } else {
                s.lower = v;
            }
        }
        _ => return Err(bad("unknown setting (see `homeward settings list`)")),
    }
    Ok(())
}

/// The linkage settings in force (defaults for what was never set).
pub async fn settings(store: &dyn Store) -> Result<LinkSettings, LinkageError> {
    let mut s = LinkSettings::default();
    for (key, _) in SETTING_KEYS {
        if let Some(v) = store.setting(key).await? {
            parse_setting(key, &v, &mut s)?;
        }
    }
    Ok(s)
}

/// Sets a setting after checking it (and that the lower threshold stays below the upper).
pub async fn set_setting(
    store: &dyn Store,
    key: &str,
    value: &str,
    actor: &str,
    at: &str,
) -> Result<LinkSettings, LinkageError> {
    let mut s = settings(store).await?;
    parse_setting(key, value, &mut s)?;
    if s.lower >= s.upper {
        return Err(LinkageError::Setting {
            key: key.to_owned(),
            reason: format!(
                "link.lower ({}) must stay below link.upper ({})",
                s.lower, s.upper
            ),
        });
    }
    store.set_setting(key, value.trim(), actor, at).await?;
    Ok(s)
}

/// One setting as stored, for listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingView {
    /// The key.
    pub key: String,
    /// The value in force (the default if never set).
    pub value: String,
    /// What it means.
    pub meaning: String,
    /// When and by whom it was last set, if ever.
    pub set: Option<(String, String)>,
}

/// Every known setting with its value in force.
pub async fn list_settings(store: &dyn Store) -> Result<Vec<SettingView>, LinkageError> {
    let stored = store.settings().await?;
    let now = settings(store).await?;
    Ok(SETTING_KEYS
        .iter()
        .map(|(key, meaning)| {
            let set = stored
                .iter()
                .find(|s| s.0 == *key)
                .map(|s| (s.2.clone(), s.3.clone()));
            let value = match *key {
                "link.auto_accept" => now.auto_accept.to_string(),
                "link.upper" => now.upper.to_string(),
                _ => now.lower.to_string(),
            };
            SettingView {
                key: (*key).to_owned(),
                value,
                meaning: (*meaning).to_owned(),
                set,
            }
        })
        .collect())
}

/// How a linked import went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkSummary {
    /// Records of existing persons found through the names index (the blocking candidates).
    pub registry_records: u64,
    /// New records linked.
    pub new_records: u64,
    /// Candidate pairs after blocking.
    pub candidate_pairs: u64,
    /// Records that joined another person automatically.
    pub auto_merged: u64,
    /// Pairs put in the review queue.
    pub queued: u64,
    /// Pairs not proposed because they were rejected before.
    pub suppressed_by_rejection: u64,
    /// Whether the model was given (`given`) or fitted on the records at hand (`fitted`).
    pub model: String,
    /// The settings used.
    pub settings: LinkSettings,
    /// Warnings of the engine (oversized blocks, EM not converged).
    pub warnings: Vec<String>,
    /// Milliseconds spent finding candidates, linking, and writing.
    pub timings_ms: (u64, u64, u64),
}

/// What a linked import did.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedImportReport {
    /// The import itself.
    pub import: ImportReport,
    /// The linkage (absent when the import changed nothing).
    pub link: Option<LinkSummary>,
}

/// The setting that keeps the latest linkage model fitted on the registry (JSON).
pub const MODEL_SETTING: &str = "link.model";

/// The latest linkage model fitted on the registry, if a linked import has kept one.
pub async fn registry_model(store: &dyn Store) -> Result<Option<FittedModel>, LinkageError> {
    match store.setting(MODEL_SETTING).await? {
        Some(json) => Ok(Some(FittedModel::from_json(&json)?)),
        None => Ok(None),
    }
}

/// Options of a linked import.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    /// A saved model to score with, instead of fitting one on the records at hand.
    pub model: Option<FittedModel>,
}

/// The names-index keys a record is blocked on: the matching keys of its name parts, the
/// same in any script (looked up through the index's vocabulary).
pub(crate) fn key_terms(r: &Record) -> Vec<String> {
    let name = r.fields.display_name().unwrap_or_default();
    let mut keys: Vec<String> = homeward_names::index_tokens(&name)
        .iter()
        .flat_map(|t| homeward_names::token_terms(t).keys)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Imports a file and links its records to the registry, in one transaction.
pub async fn import_linked(
    store: &dyn Store,
    req: &ImportRequest<'_>,
    opts: &LinkOptions,
    rng: &mut (dyn RngCore + Send),
) -> Result<LinkedImportReport, LinkageError> {
    let prepared = import::prepare(req, rng)?;
    if prepared.batch.records.is_empty() {
        return Err(ImportError::BadRows(prepared.bad).into());
    }
    let rows = prepared.rows;
    let skipped = prepared.bad.clone();
    let (outcome, summary) =
        link_and_write(store, prepared.batch, opts, &req.imported_at, rng).await?;
    Ok(LinkedImportReport {
        import: ImportReport {
            outcome,
            rows,
            skipped,
        },
        link: Some(summary),
    })
}

/// Links a prepared batch to the registry and writes it with its decisions and review items.
pub async fn link_and_write(
    store: &dyn Store,
    batch: homeward_store::ImportBatch,
    opts: &LinkOptions,
    at: &str,
    rng: &mut (dyn RngCore + Send),
) -> Result<(homeward_store::ImportOutcome, LinkSummary), LinkageError> {
    let started = std::time::Instant::now();
    let settings = settings(store).await?;
    let mut terms: Vec<String> = batch.records.iter().flat_map(key_terms).collect();
    terms.sort_unstable();
    terms.dedup();
    let existing = store.link_candidates(&terms).await?;
    let rejections = store.rejections().await?;
    let found_ms = started.elapsed().as_millis() as u64;
    let started = std::time::Instant::now();
    let plan = plan_links(
        &existing,
        &batch.records,
        opts.model.clone(),
        &settings,
        &rejections,
        at,
        rng,
    )?;
    let link_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        registry_records = existing.len() as u64,
        new_records = batch.records.len() as u64,
        merges = plan.links.merges.len() as u64,
        reviews = plan.links.reviews.len() as u64,
        found_ms,
        link_ms,
        "linkage planned"
    );
    let started = std::time::Instant::now();
    let mut summary = plan.summary;
    let outcome = store.import_linked(batch, plan.links).await?;
    if let (Some(model), homeward_store::ImportOutcome::Imported { .. }) = (&plan.fitted, &outcome)
    {
        // The latest model fitted on the registry scores enquiries against it.
        store
            .set_setting(MODEL_SETTING, &model.to_json()?, "linkage", at)
            .await?;
    }
    let write_ms = started.elapsed().as_millis() as u64;
    summary.timings_ms = (found_ms, link_ms, write_ms);
    if let homeward_store::ImportOutcome::AlreadyImported { .. } = outcome {
        summary.auto_merged = 0;
        summary.queued = 0;
    }
    Ok((outcome, summary))
}

/// A decision as shown to users and pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionView {
    /// Its id.
    pub id: String,
    /// Its order among decisions.
    pub seq: u64,
    /// merge, split or reject.
    pub kind: String,
    /// Who decided (`auto` for automatic acceptance).
    pub actor: String,
    /// When.
    pub at: String,
    /// Why.
    pub reason: String,
    /// The review item it closed.
    pub review: Option<String>,
    /// Kept person (merge), person split (split), left person (reject).
    pub person: String,
    /// Joined person (merge), new person (split), right person (reject).
    pub other_person: String,
    /// Records moved (merge, split) or compared (reject).
    pub records: Vec<String>,
    /// Match probability, if a model gave one.
    pub probability: Option<f64>,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
    /// Who undid it.
    pub undone_by: Option<String>,
    /// Why it was undone.
    pub undo_reason: Option<String>,
}

impl From<&Decision> for DecisionView {
    fn from(d: &Decision) -> Self {
        DecisionView {
            id: d.id.to_string(),
            seq: d.seq,
            kind: d.kind.as_str().to_owned(),
            actor: d.actor.clone(),
            at: d.at.clone(),
            reason: d.reason.clone(),
            review: d.review.as_ref().map(Id::to_string),
            person: d.person.to_string(),
            other_person: d.other_person.to_string(),
            records: d.records.iter().map(Id::to_string).collect(),
            probability: d.probability,
            undone_at: d.undone.as_ref().map(|u| u.0.clone()),
            undone_by: d.undone.as_ref().map(|u| u.1.clone()),
            undo_reason: d.undone.as_ref().map(|u| u.2.clone()),
        }
    }
}
