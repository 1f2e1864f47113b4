//! Reports for download (issue 7): aggregate counts and the access gap per place, as CSV,
//! HXL-tagged CSV and JSON. They are public: they carry no names, counts from 1 to 10 are
//! withheld, and so is every other count that would let a withheld one be worked out from
//! the rest of its table and its totals (complementary suppression, homeward-trust's
//! `disclosure`), so that nobody can be singled out from a published figure.

use homeward_domain::PartialDate;
use homeward_store::{Store, StoreError};
use homeward_trust::disclosure::{suppress_family, suppress_table, Cell, SuppressionRule};

use crate::browse::Overview;
use crate::monitoring::{self, AccessReport, AccessTotals};

/// Counts from 1 up to this value minus one are withheld (the public figures' rule).
pub const SUPPRESS_BELOW: u64 = 11;

fn rule() -> Option<SuppressionRule> {
    SuppressionRule::new(SUPPRESS_BELOW - 1).ok()
}

/// One breakdown of a population as published: small counts withheld and, with the
/// breakdown's total counted as known, enough others that none can be worked out. When the
/// counts cannot be protected every one is withheld.
pub fn publish_breakdown(counts: &[u64]) -> Vec<Option<u64>> {
    let published = rule().and_then(|r| suppress_family(&[counts.to_vec()], &r).ok());
    match published {
        Some(f) if f.suppression.still_recoverable.is_empty() => {
            f.tables.into_iter().flatten().map(|c| c.shown()).collect()
        }
        _ => counts.iter().map(|_| None).collect(),
    }
}

/// One row of the aggregate report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRow {
    /// "status" or "category".
    pub dimension: &'static str,
    /// The value ("unknown" when the lists said nothing).
    pub value: String,
    /// Persons, or `None` when suppressed.
    pub persons: Option<u64>,
}

/// The aggregate rows of an overview: persons per status and per category, each breakdown
/// suppressed on its own (a person whose lists disagree counts under each value, so the two
/// breakdowns need not share a total).
pub fn aggregates(o: &Overview) -> Vec<AggregateRow> {
    let status_counts: Vec<u64> = o.by_status.iter().map(|(_, n)| *n).collect();
    let category_counts: Vec<u64> = o.by_category.iter().map(|(_, n)| *n).collect();
    let status = o
        .by_status
        .iter()
        .zip(publish_breakdown(&status_counts))
        .map(|((s, _), persons)| AggregateRow {
            dimension: "status",
            value: s.map_or("not_stated".into(), |s| s.to_string()),
            persons,
        });
    let category = o
        .by_category
        .iter()
        .zip(publish_breakdown(&category_counts))
        .map(|((c, _), persons)| AggregateRow {
            dimension: "category",
            value: c.map_or("not_stated".into(), |c| c.to_string()),
            persons,
        });
    status.chain(category).collect()
}

/// One place's line of the public access report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    /// The place's name (places are not personal data).
    pub place: String,
    /// Its last visit.
    pub last_visit: Option<PartialDate>,
    /// Days since that visit.
    pub days_since: Option<i64>,
    /// Persons last seen there, or `None` when suppressed.
    pub persons: Option<u64>,
    /// Of those, overdue, or `None` when suppressed.
    pub overdue: Option<u64>,
}

/// The public lines of an access report: one per place, no person. The counts are
/// suppressed as one table (places by overdue and not overdue, with its margins), so that
/// neither a small count nor one worked out from a place's persons minus its overdue, or
/// from the totals, is published.
pub fn access_rows(r: &AccessReport) -> Vec<AccessRow> {
    let table: Vec<Vec<u64>> = r
        .places
        .values()
        .map(|p| {
            let persons = p.persons.len() as u64;
            let overdue = (p.overdue as u64).min(persons);
            vec![overdue, persons - overdue]
        })
        .collect();
    let published = match (table.is_empty(), rule()) {
        (false, Some(rule)) => suppress_table(&table, &rule)
            .ok()
            .filter(|t| t.suppression.still_recoverable.is_empty()),
        _ => None,
    };
    r.places
        .values()
        .enumerate()
        .map(|(i, p)| {
            let (persons, overdue) = match &published {
                Some(t) => (
                    t.row_totals.get(i).and_then(Cell::shown),
                    t.cells
                        .get(i)
                        .and_then(|row| row.first())
                        .and_then(Cell::shown),
                ),
                None => (None, None),
            };
            AccessRow {
                place: p.name.clone(),
                last_visit: p.last_visit,
                days_since: p.days_since,
                persons,
                overdue,
            }
        })
        .collect()
}

/// A CSV cell that a spreadsheet will not run as a formula.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// A withheld count is written as "suppressed", not as "<11": a complementary cell may be
/// large, and a bound would say something about it.
fn count_cell(n: Option<u64>) -> String {
    n.map_or_else(|| "suppressed".to_owned(), |n| n.to_string())
}

/// Writes rows as CSV, with the HXL hashtag row under the header when `hxl` is set.
fn write_csv(header: &[&str], tags: &[&str], rows: Vec<Vec<String>>, hxl: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail but for a bug; an empty report is the safe outcome.
    let mut ok = w.write_record(header).is_ok();
    if hxl {
        ok &= w.write_record(tags).is_ok();
    }
    for r in rows {
        ok &= w.write_record(r.iter().map(|c| safe_cell(c))).is_ok();
    }
    match (ok, w.into_inner()) {
        (true, Ok(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The aggregate report as CSV (HXL-tagged when `hxl`).
pub fn aggregates_csv(rows: &[AggregateRow], hxl: bool) -> String {
    write_csv(
        &["dimension", "value", "persons"],
        &["#meta+dimension", "#meta+value", "#affected+num"],
        rows.iter()
            .map(|r| {
                vec![
                    r.dimension.to_owned(),
                    r.value.clone(),
                    count_cell(r.persons),
                ]
            })
            .collect(),
        hxl,
    )
}

/// The access report per place as CSV (HXL-tagged when `hxl`).
pub fn access_csv(as_of: &PartialDate, rows: &[AccessRow], hxl: bool) -> String {
    write_csv(
        &[
            "as_of",
            "place",
            "last_visit",
            "days_since_visit",
            "persons",
            "overdue",
        ],
        &[
            "#date+reported",
            "#loc+name",
            "#date+visited",
            "#indicator+days",
            "#affected+num",
            "#affected+overdue+num",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    as_of.to_string(),
                    r.place.clone(),
                    r.last_visit.map(|d| d.to_string()).unwrap_or_default(),
                    r.days_since.map(|d| d.to_string()).unwrap_or_default(),
                    count_cell(r.persons),
                    count_cell(r.overdue),
                ]
            })
            .collect(),
        hxl,
    )
}

/// One point of the access gap over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPoint {
    /// The report date.
    pub as_of: PartialDate,
    /// The totals as of that date.
    pub totals: AccessTotals,
}

/// The access gap's totals at the end of each of the `months` months up to `end`, oldest first.
pub async fn access_timeline(
    store: &dyn Store,
    end: PartialDate,
    months: u32,
    threshold_days: i64,
) -> Result<Vec<AccessPoint>, StoreError> {
    let mut points = Vec::new();
    let end_day = end.latest_day();
    let (mut y, mut m) = (end.year_part(), end.month_part().unwrap_or(12));
    let mut dates = Vec::new();
    for _ in 0..months.max(1) {
        // The last day of month (y, m), or `end` itself for the current month.
        let next_first = if m == 12 {
            PartialDate::ymd(y + 1, 1, 1)
        } else {
            PartialDate::ymd(y, m + 1, 1)
        };
        let last = next_first
            .ok()
            .map(|d| d.earliest_day() - 1)
            .map(|d| d.min(end_day))
            .and_then(|d| PartialDate::from_day_number(d).ok());
        if let Some(d) = last {
            dates.push(d);
        }
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    dates.reverse();
    for as_of in dates {
        let r = monitoring::access_gap(store, as_of, threshold_days, false).await?;
        points.push(AccessPoint {
            as_of,
            totals: r.totals,
        });
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::PlaceGap;
    use homeward_domain::{Id, IdKind};
    use std::collections::BTreeMap;

    #[test]
    fn a_small_count_is_withheld_with_a_complement() {
        let shown = publish_breakdown(&[3, 50, 40, 0]);
        assert_eq!(shown[0], None);
        assert_eq!(shown[3], Some(0), "zero is published");
        // With the total known, one withheld cell could be worked out: a second one is
        // withheld with it.
        assert_eq!(shown.iter().filter(|c| c.is_none()).count(), 2);
        assert_eq!(publish_breakdown(&[11, 12]), vec![Some(11), Some(12)]);
        assert_eq!(publish_breakdown(&[10, 12])[0], None);
    }

    #[test]
    fn a_breakdown_with_one_nonzero_cell_withholds_it_when_small() {
        assert_eq!(publish_breakdown(&[0, 7, 0]), vec![Some(0), None, Some(0)]);
    }

    fn id(kind: IdKind) -> Id {
        Id::generate(kind, &mut rand::rngs::OsRng)
    }

    fn place(name: &str, persons: usize, overdue: usize) -> PlaceGap {
        PlaceGap {
            place_id: id(IdKind::Place),
            name: name.to_owned(),
            last_visit: None,
            days_since: None,
            persons: (0..persons).map(|_| id(IdKind::Person)).collect(),
            overdue,
        }
    }

    #[test]
    fn access_rows_protect_small_and_derivable_counts() {
        let mut places = BTreeMap::new();
        for (name, persons, overdue) in [("A", 40, 3), ("B", 30, 20), ("C", 25, 12)] {
            let p = place(name, persons, overdue);
            places.insert(p.place_id.clone(), p);
        }
        let report = AccessReport {
            as_of: PartialDate::year(2026).unwrap(),
            threshold_days: 30,
            persons: BTreeMap::new(),
            places,
            totals: AccessTotals::default(),
            longest: Vec::new(),
        };
        let rows = access_rows(&report);
        let a = rows.iter().find(|r| r.place == "A").map(|r| r.overdue);
        assert_eq!(a, Some(None), "3 overdue at A is withheld");
        // Every withheld overdue count must not be recoverable as persons minus the rest:
        // another overdue count is withheld beside A's.
        assert!(rows.iter().filter(|r| r.overdue.is_none()).count() >= 2);
        for r in &rows {
            if let (Some(p), Some(o)) = (r.persons, r.overdue) {
                assert!(
                    p - o == 0 || p - o > 10,
                    "not-overdue {p}-{o} would be small"
                );
            }
        }
    }
}
