//! Public figures without exposure: persons by status and sex, and by status and category,
//! with counts from 1 to 10 suppressed and, across both tables and all their totals, every
//! cell that would let a suppressed one be worked out (complementary suppression).

use crate::policy::{authorize, Denied, Principal, Relation, UseCase};
use homeward_store::{PersonFacts, Store, StoreError};
use homeward_trust::disclosure::{
    suppress_linked, table_equations, Cell, Equation, SuppressionRule,
};
use std::collections::BTreeSet;

/// Errors of the public report.
#[derive(Debug, thiserror::Error)]
pub enum PublicReportError {
    /// Not allowed (reads like absence).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Suppression failed.
    #[error("{0}")]
    Trust(#[from] homeward_trust::TrustError),
    /// Some suppressed cells could not be protected: nothing is published.
    #[error("the figures cannot be protected; nothing is published")]
    Unprotectable,
}

/// One published figure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Figure {
    /// Which table (`status_by_sex`, `status_by_category`).
    pub table: &'static str,
    /// The status (or `total`).
    pub status: String,
    /// The sex or category (or `total`).
    pub group: String,
    /// The count, or `None` when suppressed.
    pub count: Option<u64>,
}

/// The public report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicReport {
    /// Counts at or below this (and above zero) are suppressed.
    pub threshold: u64,
    /// Every figure, suppressed ones with `count: None`.
    pub figures: Vec<Figure>,
    /// Cells withheld because they were small.
    pub primary_suppressed: usize,
    /// Cells withheld to protect them.
    pub complementary_suppressed: usize,
}

fn label(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "unknown".into())
}

/// Builds the report from per-person facts (pure; used by [`public_report`] and tests).
pub fn build(
    facts: &[PersonFacts],
    rule: &SuppressionRule,
) -> Result<PublicReport, PublicReportError> {
    let statuses: Vec<String> = facts
        .iter()
        .map(|f| label(&f.status))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let sexes: Vec<String> = facts
        .iter()
        .map(|f| label(&f.sex))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cats: Vec<String> = facts
        .iter()
        .map(|f| label(&f.category))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if statuses.is_empty() {
        return Ok(PublicReport {
            threshold: rule.threshold(),
            figures: Vec::new(),
            primary_suppressed: 0,
            complementary_suppressed: 0,
        });
    }
    let count = |cols: &[String], col: &dyn Fn(&PersonFacts) -> String| -> Vec<Vec<u64>> {
        let mut t = vec![vec![0u64; cols.len()]; statuses.len()];
        for f in facts {
            let (Ok(i), Some(j)) = (
                statuses.binary_search(&label(&f.status)),
                cols.iter().position(|c| *c == col(f)),
            ) else {
                continue;
            };
            t[i][j] += 1;
        }
        t
    };
    let a = count(&sexes, &|f| label(&f.sex));
    let b = count(&cats, &|f| label(&f.category));
    let (ga, mut eqs) = table_equations(&a)?;
    let (gb, eqb) = table_equations(&b)?;
    let off = ga.len();
    let mut values = ga.clone();
    values.extend_from_slice(&gb);
    eqs.extend(eqb.into_iter().map(|e| {
        e.into_iter()
            .map(|(i, c)| (i + off, c))
            .collect::<Equation>()
    }));
    // The tables share their status totals and grand total: say so, so that one table's
    // published margins cannot undo the other's suppression.
    let (wa, wb) = (sexes.len() + 1, cats.len() + 1);
    for i in 0..=statuses.len() {
        eqs.push(vec![(i * wa + wa - 1, 1), (off + i * wb + wb - 1, -1)]);
    }
    let s = suppress_linked(&values, &eqs, rule)?;
    if !s.still_recoverable.is_empty() {
        return Err(PublicReportError::Unprotectable);
    }
    let cells = s.cells(&values);
    let mut figures = Vec::new();
    let mut emit = |table: &'static str, cols: &[String], base: usize| {
        let w = cols.len() + 1;
        for i in 0..=statuses.len() {
            for j in 0..w {
                let status = statuses.get(i).cloned().unwrap_or_else(|| "total".into());
                let group = cols.get(j).cloned().unwrap_or_else(|| "total".into());
                figures.push(Figure {
                    table,
                    status,
                    group,
                    count: match cells[base + i * w + j] {
                        Cell::Shown(v) => Some(v),
                        Cell::Suppressed => None,
                    },
                });
            }
        }
    };
    emit("status_by_sex", &sexes, 0);
    emit("status_by_category", &cats, off);
    Ok(PublicReport {
        threshold: rule.threshold(),
        figures,
        primary_suppressed: s.primary,
        complementary_suppressed: s.complementary,
    })
}

/// The public report of the registry; the export is logged.
pub async fn public_report(
    store: &dyn Store,
    principal: &Principal,
) -> Result<PublicReport, PublicReportError> {
    authorize(principal, UseCase::ReportPublic, Relation::Any)?;
    let facts = store.person_facts().await?;
    let report = build(&facts, &SuppressionRule::default())?;
    store.audit_event("export", "public_report", "").await?;
    Ok(report)
}

/// CSV; with `hxl`, a second row of HXL hashtags. Suppressed counts are empty with
/// `suppressed` = `true`.
pub fn to_csv(report: &PublicReport, hxl: bool) -> String {
    let mut out = String::from("table,status,group,count,suppressed\n");
    if hxl {
        out.push_str("#meta+table,#status,#group,#affected+num,#meta+suppressed\n");
    }
    for f in &report.figures {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            f.table,
            csv_cell(&f.status),
            csv_cell(&f.group),
            f.count.map(|c| c.to_string()).unwrap_or_default(),
            f.count.is_none()
        ));
    }
    out
}

fn csv_cell(s: &str) -> String {
    // Labels come from the closed enumerations, but quote defensively and defuse formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(spec: &[(&str, &str, &str, usize)]) -> Vec<PersonFacts> {
        spec.iter()
            .flat_map(|(st, sex, cat, n)| {
                std::iter::repeat_with(|| PersonFacts {
                    status: Some((*st).into()),
                    sex: Some((*sex).into()),
                    category: Some((*cat).into()),
                })
                .take(*n)
            })
            .collect()
    }

    #[test]
    fn a_small_stratum_is_suppressed_with_no_revealing_total() {
        let f = facts(&[
            ("detained", "male", "military", 40),
            ("detained", "female", "civilian", 25),
            ("missing", "male", "civilian", 30),
            ("missing", "female", "civilian", 3),
            ("released", "male", "military", 50),
            ("released", "female", "civilian", 22),
        ]);
        let r = build(&f, &SuppressionRule::default()).unwrap_or_else(|e| panic!("{e}"));
        let get = |t: &str, s: &str, g: &str| {
            r.figures
                .iter()
                .find(|x| x.table == t && x.status == s && x.group == g)
                .map(|x| x.count)
        };
        assert_eq!(
            get("status_by_sex", "missing", "female"),
            Some(None),
            "3 is suppressed"
        );
        // The stratum cannot be recovered from its row: at least one more cell in it is hidden.
        let row_hidden = r
            .figures
            .iter()
            .filter(|x| x.table == "status_by_sex" && x.status == "missing" && x.count.is_none())
            .count();
        assert!(row_hidden >= 2, "{r:#?}");
        // And nothing published is a small non-zero count.
        assert!(r
            .figures
            .iter()
            .all(|x| x.count.is_none_or(|c| c == 0 || c > 10)));
        assert!(r.complementary_suppressed > 0);
        let csv = to_csv(&r, true);
        assert!(csv
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("#meta+table")));
    }
}
