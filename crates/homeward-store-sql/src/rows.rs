//! Conversions between domain types and table rows.

use homeward_domain::{Field, Id, IdKind, PartialDate, Record, StandardFields};
use homeward_store::StoreError;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The record columns after the fixed ones, in `Field::ALL` order.
pub(crate) const RECORD_FIXED: [&str; 5] =
    ["id", "source_id", "person_id", "import_id", "row_number"];

pub(crate) fn q(e: sqlx::Error) -> StoreError {
    StoreError::Query(e.to_string())
}

pub(crate) fn id(
    row: &AnyRow,
    col: &'static str,
    table: &'static str,
    kind: IdKind,
) -> Result<Id, StoreError> {
    let s: String = row.try_get(col).map_err(q)?;
    Id::parse_kind(&s, kind).map_err(|_| StoreError::Corrupt { table, column: col })
}

pub(crate) fn opt_id(
    row: &AnyRow,
    col: &'static str,
    table: &'static str,
    kind: IdKind,
) -> Result<Option<Id>, StoreError> {
    let s: Option<String> = row.try_get(col).map_err(q)?;
    s.map(|s| Id::parse_kind(&s, kind).map_err(|_| StoreError::Corrupt { table, column: col }))
        .transpose()
}

pub(crate) fn date(
    row: &AnyRow,
    col: &'static str,
    table: &'static str,
) -> Result<PartialDate, StoreError> {
    let s: String = row.try_get(col).map_err(q)?;
    s.parse()
        .map_err(|_| StoreError::Corrupt { table, column: col })
}

/// A record from its row, with `notes` and `original` already decrypted (a record whose
/// key was destroyed has neither).
pub(crate) fn record(
    row: &AnyRow,
    notes: Option<String>,
    original: Option<String>,
) -> Result<Record, StoreError> {
    let mut fields = StandardFields::default();
    for f in Field::ALL {
        let v: Option<String> = if *f == Field::Notes {
            notes.clone()
        } else {
            row.try_get(f.name()).map_err(q)?
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
    let row_number: i64 = row.try_get("row_number").map_err(q)?;
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
pub(crate) fn event(r: &AnyRow) -> Result<homeward_domain::Event, StoreError> {
    let kind: String = r.try_get("kind").map_err(q)?;
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
