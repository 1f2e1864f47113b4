//! The overlap table from the registry: for each settled person, which sources named it.
//!
//! A person is settled when no open review item touches any of its records: either its
//! links were all confident (automatic, at or above the upper threshold) or a person decided.
//! Persons with a pending review are left out (and counted), since whether they are one
//! person or two is exactly what the estimate depends on.

use super::LinkageError;
use homeward_domain::{Field, Id};
use homeward_estimate::{OverlapTable, StratifiedTable, Stratum};
use homeward_store::{ReviewState, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What to stratify by: a standard field, or the year of a date field (`capture_year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stratify {
    /// The field's value as stored.
    Field(Field),
    /// The year of a date field.
    Year(Field),
}

impl Stratify {
    /// Reads `category`, `status`, `capture_year`, `birth_year`...
    pub fn parse(text: &str) -> Result<Stratify, LinkageError> {
        let t = text.trim();
        if let Some(stem) = t.strip_suffix("_year") {
            if let Ok(f) = format!("{stem}_date").parse::<Field>() {
                return Ok(Stratify::Year(f));
            }
        }
        match t.parse::<Field>() {
            Ok(f) => Ok(Stratify::Field(f)),
            Err(_) => Err(LinkageError::Invalid(format!(
                "--by {t}: not a standard field (e.g. category, status, capture_place) nor a year of a date field (e.g. capture_year)"
            ))),
        }
    }

    fn field(self) -> Field {
        match self {
            Stratify::Field(f) | Stratify::Year(f) => f,
        }
    }

    fn value(self, v: &str) -> String {
        match self {
            Stratify::Field(_) => v.to_owned(),
            Stratify::Year(_) => v.chars().take(4).collect(),
        }
    }
}

/// The registry's overlap table and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryTable {
    /// One stratum (named `all`) unless stratified.
    pub table: StratifiedTable,
    /// Persons counted.
    pub persons: u64,
    /// Persons left out because a review item about them is still open.
    pub pending_review: u64,
}

/// Counts for the report beside the estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSummary {
    /// The lists (sources), in column order.
    pub lists: Vec<String>,
    /// Persons counted.
    pub persons: u64,
    /// Persons left out pending review.
    pub pending_review: u64,
}

impl RegistryTable {
    /// The counts to show beside the estimates.
    pub fn summary(&self) -> TableSummary {
        TableSummary {
            lists: self
                .table
                .strata
                .first()
                .map(|s| s.table.lists().to_vec())
                .unwrap_or_default(),
            persons: self.persons,
            pending_review: self.pending_review,
        }
    }

    /// The table as CSV in the form `homeward estimate --table` reads (with a stratum column
    /// when stratified), so that the two paths can be compared and the table archived.
    pub fn to_csv(&self, by: Option<&str>) -> String {
        let mut out = String::new();
        let Some(first) = self.table.strata.first() else {
            return out;
        };
        let lists = first.table.lists();
        let esc = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut head: Vec<String> = lists.iter().map(|l| esc(l)).collect();
        if let Some(b) = by {
            head.push(esc(b));
        }
        head.push("count".into());
        out.push_str(&head.join(","));
        out.push('\n');
        for s in &self.table.strata {
            for (mask, &count) in s.table.counts().iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let mut row: Vec<String> = (0..lists.len())
                    .map(|j| if mask & (1 << j) != 0 { "1" } else { "0" }.to_owned())
                    .collect();
                if by.is_some() {
                    row.push(esc(&s.name));
                }
                row.push(count.to_string());
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
        out
    }
}

/// Builds the overlap table from the registry. Refuses with a clear message when fewer than
/// three sources name settled persons.
pub async fn registry_table(
    store: &dyn Store,
    by: Option<Stratify>,
) -> Result<RegistryTable, LinkageError> {
    let rows = store.overlap_rows(by.map(Stratify::field)).await?;
    let mut pending: BTreeSet<Id> = BTreeSet::new();
    for item in store.reviews(Some(ReviewState::Open)).await? {
        if item.left_person != item.right_person {
            pending.insert(item.left_person);
            pending.insert(item.right_person);
        }
    }
    let mut lists: BTreeSet<&str> = BTreeSet::new();
    let mut persons: BTreeMap<&Id, (BTreeSet<&str>, BTreeMap<String, u32>)> = BTreeMap::new();
    for r in &rows {
        if pending.contains(&r.person) {
            continue;
        }
        lists.insert(&r.source);
        let entry = persons.entry(&r.person).or_default();
        entry.0.insert(&r.source);
        if let (Some(s), Some(v)) = (by, r.value.as_deref()) {
            let v = s.value(v.trim());
            if !v.is_empty() {
                *entry.1.entry(v).or_default() += 1;
            }
        }
    }
    let lists: Vec<String> = lists.into_iter().map(str::to_owned).collect();
    if lists.len() < homeward_estimate::MIN_LISTS {
        return Err(LinkageError::Estimate(format!(
            "the registry holds settled persons from {} source(s); an estimate needs at least {} independent lists",
            lists.len(),
            homeward_estimate::MIN_LISTS
        )));
    }
    let column: BTreeMap<&str, usize> = lists
        .iter()
        .enumerate()
        .map(|(j, l)| (l.as_str(), j))
        .collect();
    let mut strata: BTreeMap<String, Vec<Vec<bool>>> = BTreeMap::new();
    for (sources, values) in persons.values() {
        let mut h = vec![false; lists.len()];
        for s in sources {
            h[column[s]] = true;
        }
        // A person's stratum is the value most of its records give (ties: the first in order).
        let stratum = match by {
            None => "all".to_owned(),
            Some(_) => values
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(v, _)| v.clone())
                .unwrap_or_else(|| "(missing)".to_owned()),
        };
        strata.entry(stratum).or_default().push(h);
    }
    let strata = strata
        .into_iter()
        .map(|(name, hs)| {
            let table = OverlapTable::from_histories(lists.clone(), hs.iter().map(Vec::as_slice))
                .map_err(|e| LinkageError::Estimate(e.to_string()))?;
            Ok(Stratum { name, table })
        })
        .collect::<Result<Vec<_>, LinkageError>>()?;
    Ok(RegistryTable {
        table: StratifiedTable { strata },
        persons: persons.len() as u64,
        pending_review: pending.len() as u64,
    })
}

/// One estimate as the interface shows it: plain values, no engine types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateLine {
    /// The estimator (independence, loglinear-aic, loglinear-bic, loglinear-averaged, lcmcr).
    pub method: String,
    /// Point estimate of the total.
    pub estimate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
    /// Nominal coverage of the interval.
    pub level: f64,
    /// Persons named by at least one list.
    pub observed: u64,
    /// The model behind the figure.
    pub model: String,
    /// What the reader must know about the figure's reliability.
    pub warnings: Vec<String>,
}

/// The registry's estimates, with the table summary that goes beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryEstimate {
    /// Lists, persons counted, persons left out pending review.
    pub table: TableSummary,
    /// One line per estimator, in the engine's order.
    pub estimates: Vec<EstimateLine>,
}

/// Estimates the total from a registry table built unstratified (as `homeward estimate
/// --db` does): the log-linear estimators and, when `lcmcr` is set, the latent class model.
/// Pure and CPU-bound (seconds with LCMCR on a large registry): async callers run it off
/// their executor and cache the result.
pub fn estimate_table(
    built: &RegistryTable,
    lcmcr: bool,
    seed: u64,
) -> Result<RegistryEstimate, LinkageError> {
    let table = built
        .table
        .strata
        .first()
        .map(|s| &s.table)
        .ok_or_else(|| LinkageError::Estimate("the registry's overlap table is empty".into()))?;
    let opts = homeward_estimate::EstimateOptions {
        methods: if lcmcr {
            homeward_estimate::MethodSelection::All
        } else {
            homeward_estimate::MethodSelection::LogLinear
        },
        seed,
        ..homeward_estimate::EstimateOptions::default()
    };
    let estimates = homeward_estimate::estimate(table, &opts)
        .map_err(|e| LinkageError::Estimate(e.to_string()))?;
    Ok(RegistryEstimate {
        table: built.summary(),
        estimates: estimates
            .into_iter()
            .map(|e| EstimateLine {
                method: serde_json::to_value(e.method)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                estimate: e.estimate,
                lower: e.lower,
                upper: e.upper,
                level: e.level,
                observed: e.observed,
                model: e.model,
                warnings: e.warnings.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    })
}
