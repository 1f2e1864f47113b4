//! Conversions between domain types and table rows.

use homeward_domain::{Field, Id, IdKind, PartialDate, Record, StandardFields};
use homeward_store::StoreError;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Named cells of one result row: a database row, or a row the database returned as JSON
/// (see `browse::person_dossier`), so both go through the same conversions.
pub(crate) trait Cells {
    /// A text cell (`None`: NULL).
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError>;
    /// An integer cell.
    fn int(&self, col: &'static str) -> Result<i64, StoreError>;
    /// A boolean cell (SQLite stores booleans as integers).
    fn flag(&self, col: &'static str) -> Result<bool, StoreError>;
}

impl Cells for AnyRow {
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        self.try_get(col).map_err(q)
    }
    fn int(&self, col: &'static str) -> Result<i64, StoreError> {
        self.try_get(col).map_err(q)
    }
    fn flag(&self, col: &'static str) -> Result<bool, StoreError> {
        crate::store::bool_col(self, col)
    }
}

/// A non-NULL text cell.
pub(crate) fn required(
    row: &impl Cells,
    col: &'static str,
    table: &'static str,
) -> Result<String, StoreError> {
    row.text(col)?
        .ok_or(StoreError::Corrupt { table, column: col })
}

/// The record columns after the fixed ones, in `Field::ALL` order.
pub(crate) const RECORD_FIXED: [&str; 5] =
    ["id", "source_id", "person_id", "import_id", "row_number"];

/// The columns of `events`, in the order [`event`] documents.
pub(crate) const EVENT_COLUMNS: [&str; 7] = [
    "id",
    "person_id",
    "kind",
    "date",
    "source_id",
    "place_id",
    "contests",
];

/// The columns of `visits`, in the order [`visit`] documents.
pub(crate) const VISIT_COLUMNS: [&str; 8] = [
    "id",
    "place_id",
    "date",
    "organisation",
    "access_all",
    "private_interviews",
    "repeat_allowed",
    "list_provided",
];

pub(crate) fn q(e: sqlx::Error) -> StoreError {
    StoreError::Query(e.to_string())
}

pub(crate) fn id(
    row: &impl Cells,
    col: &'static str,
    table: &'static str,
    kind: IdKind,
) -> Result<Id, StoreError> {
    let s = required(row, col, table)?;
    Id::parse_kind(&s, kind).map_err(|_| StoreError::Corrupt { table, column: col })
}

pub(crate) fn opt_id(
    row: &impl Cells,
    col: &'static str,
    table: &'static str,
    kind: IdKind,
) -> Result<Option<Id>, StoreError> {
    let s = row.text(col)?;
    s.map(|s| Id::parse_kind(&s, kind).map_err(|_| StoreError::Corrupt { table, column: col }))
        .transpose()
}

pub(crate) fn date(
    row: &impl Cells,
    col: &'static str,
    table: &'static str,
) -> Result<PartialDate, StoreError> {
    let s = required(row, col, table)?;
    s.parse()
        .map_err(|_| StoreError::Corrupt { table, column: col })
}

/// A record from its row, with `notes` and `original` already decrypted (a record whose
/// key was destroyed has neither).
pub(crate) fn record(
    row: &impl Cells,
    notes: Option<String>,
    original: Option<String>,
) -> Result<Record, StoreError> {
    let mut fields = StandardFields::default();
    for f in Field::ALL {
        let v: Option<String> = if *f == Field::Notes {
            notes.clone()
        } else {
            row.text(f.name())?
        };
        if let Some(v) = v {
            fields.set(*f, &v).map_err(|_| StoreError::Corrupt {
                table: "records",
                column: f.name(),
            })?;
        }
    }
    let original: Vec<(String, String)> = match original {
        None => Vec::new(),
        Some(text) => serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
            table: "records",
            column: "original",
        })?,
    };
    let row_number = row.int("row_number")?;
    Ok(Record {
        id: id(row, "id", "records", IdKind::Record)?,
        source_id: id(row, "source_id", "records", IdKind::Source)?,
        person_id: id(row, "person_id", "records", IdKind::Person)?,
        row_number: u64::try_from(row_number).map_err(|_| StoreError::Corrupt {
            table: "records",
            column: "row_number",
        })?,
        fields,
        original,
    })
}

/// An event from a row of `SELECT id, person_id, kind, date, source_id, place_id, contests`.
pub(crate) fn event(r: &impl Cells) -> Result<homeward_domain::Event, StoreError> {
    let kind = required(r, "kind", "events")?;
    Ok(homeward_domain::Event {
        id: id(r, "id", "events", IdKind::Event)?,
        person_id: id(r, "person_id", "events", IdKind::Person)?,
        kind: homeward_domain::EventKind::parse(&kind).ok_or(StoreError::Corrupt {
            table: "events",
            column: "kind",
        })?,
        date: date(r, "date", "events")?,
        source_id: id(r, "source_id", "events", IdKind::Source)?,
        place_id: opt_id(r, "place_id", "events", IdKind::Place)?,
        contests: opt_id(r, "contests", "events", IdKind::Event)?,
    })
}

/// A visit without its findings, from a row with the columns `id, place_id, date,
/// organisation, access_all, private_interviews, repeat_allowed, list_provided`.
pub(crate) fn visit(r: &impl Cells) -> Result<homeward_domain::Visit, StoreError> {
    Ok(homeward_domain::Visit {
        id: id(r, "id", "visits", IdKind::Visit)?,
        place_id: id(r, "place_id", "visits", IdKind::Place)?,
        date: date(r, "date", "visits")?,
        organisation: required(r, "organisation", "visits")?,
        conditions: homeward_domain::VisitConditions {
            access_all: r.flag("access_all")?,
            private_interviews: r.flag("private_interviews")?,
            repeat_allowed: r.flag("repeat_allowed")?,
            list_provided: r.flag("list_provided")?,
        },
        findings: Vec::new(),
    })
}

/// A finding from a row of `visit_findings` (its sealed `conditions` already opened, or
/// left out).
pub(crate) fn finding(
    r: &impl Cells,
    conditions: Option<String>,
) -> Result<homeward_domain::VisitFinding, StoreError> {
    let items = required(r, "items", "visit_findings")?;
    let count = |c: &'static str| -> Result<u32, StoreError> {
        let n = r.int(c)?;
        u32::try_from(n).map_err(|_| StoreError::Corrupt {
            table: "visit_findings",
            column: c,
        })
    };
    Ok(homeward_domain::VisitFinding {
        person_id: opt_id(r, "person_id", "visit_findings", IdKind::Person)?,
        // Health findings are sealed and read one at a time, logged, by the roles allowed
        // to (TrustStore::finding_health); the bulk reads never carry them.
        health: None,
        items: serde_json::from_str(&items).map_err(|_| StoreError::Corrupt {
            table: "visit_findings",
            column: "items",
        })?,
        messages_collected: count("messages_collected")?,
        messages_delivered: count("messages_delivered")?,
        family_call: r.flag("family_call")?,
        consent_share_with_family: r.flag("consent_share_with_family")?,
        conditions,
        consent_representations: r.flag("consent_representations")?,
        consent_reports: r.flag("consent_reports")?,
    })
}
