//! Reports for download (issue 7): aggregate counts and the access gap per place, as CSV,
//! HXL-tagged CSV and JSON. They carry no names and suppress small counts, so that nobody
//! can be singled out from a published figure.

use homeward_domain::PartialDate;
use homeward_store::{Store, StoreError};

use crate::browse::Overview;
use crate::monitoring::{self, AccessReport, AccessTotals};

/// Counts from 1 up to this value are published as suppressed.
pub const SUPPRESS_BELOW: u64 = 5;

/// A count as published: exact, or suppressed because it is small (but not zero).
pub fn publish(n: u64) -> Option<u64> {
    (n == 0 || n >= SUPPRESS_BELOW).then_some(n)
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

/// The aggregate rows of an overview: persons per status and per category.
pub fn aggregates(o: &Overview) -> Vec<AggregateRow> {
    let status = o.by_status.iter().map(|(s, n)| AggregateRow {
        dimension: "status",
        value: s.map_or("not_stated".into(), |s| s.to_string()),
        persons: publish(*n),
    });
    let category = o.by_category.iter().map(|(c, n)| AggregateRow {
        dimension: "category",
        value: c.map_or("not_stated".into(), |c| c.to_string()),
        persons: publish(*n),
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

/// The public lines of an access report: one per place, counts suppressed, no person.
pub fn access_rows(r: &AccessReport) -> Vec<AccessRow> {
    r.places
        .values()
        .map(|p| AccessRow {
            place: p.name.clone(),
            last_visit: p.last_visit,
            days_since: p.days_since,
            persons: publish(p.persons.len() as u64),
            overdue: publish(p.overdue as u64),
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

fn count_cell(n: Option<u64>) -> String {
    n.map_or_else(|| format!("<{SUPPRESS_BELOW}"), |n| n.to_string())
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
