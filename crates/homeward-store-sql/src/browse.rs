//! `BrowseStore` on SQL: facet counts straight from the records, persons paged by name, and
//! a person's page in one statement.

use async_trait::async_trait;
use homeward_domain::{Category, Field, Id, IdKind, Person, Status, Visit};
use homeward_store::{BrowseStore, FacetCount, PersonDossier, PersonFilter, StoreError};
use serde_json::Value;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use crate::dialect::Dialect;
use crate::rows::{self, q, Cells, RECORD_FIXED};
use crate::store::{bool_col, SqlStore, Val};

/// Parses an enumeration column; a value the enumeration does not know is corruption.
fn enum_col<T: std::str::FromStr>(
    row: &sqlx::any::AnyRow,
    col: &'static str,
) -> Result<Option<T>, StoreError> {
    let s: Option<String> = row.try_get(col).map_err(q)?;
    s.map(|s| {
        s.parse().map_err(|_| StoreError::Corrupt {
            table: "records",
            column: col,
        })
    })
    .transpose()
}

#[async_trait]
impl BrowseStore for SqlStore {
    async fn facet_counts(&self) -> Result<Vec<FacetCount>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT status, category, COUNT(DISTINCT person_id) AS n FROM records \
                 GROUP BY status, category",
                vec![],
            )
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let n: i64 = r.try_get("n").map_err(q)?;
                Ok(FacetCount {
                    status: enum_col::<Status>(r, "status")?,
                    category: enum_col::<Category>(r, "category")?,
                    persons: u64::try_from(n).unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // The databases order NULLs differently; sort here so both backends agree.
        out.sort_by_key(|f| {
            (
                f.status.is_none(),
                f.status,
                f.category.is_none(),
                f.category,
            )
        });
        Ok(out)
    }

    async fn persons_page(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Person>, u64), StoreError> {
        self.persons_filtered(&PersonFilter::default(), offset, limit)
            .await
    }

    async fn persons_filtered(
        &self,
        filter: &PersonFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Person>, u64), StoreError> {
        // One EXISTS per condition: a person passes when some record states each value,
        // not necessarily the same record. Only set conditions become SQL, so no untyped
        // NULL parameter reaches PostgreSQL.
        let mut conds: Vec<&str> = Vec::new();
        let mut args: Vec<Val> = Vec::new();
        if let Some(st) = filter.status {
            conds
                .push("EXISTS (SELECT 1 FROM records r WHERE r.person_id = p.id AND r.status = ?)");
            args.push(Val::from(st.as_str()));
        }
        if let Some(c) = filter.category {
            conds.push(
                "EXISTS (SELECT 1 FROM records r WHERE r.person_id = p.id AND r.category = ?)",
            );
            args.push(Val::from(c.as_str()));
        }
        if let Some(src) = &filter.source {
            conds.push(
                "EXISTS (SELECT 1 FROM records r WHERE r.person_id = p.id AND r.source_id = ?)",
            );
            args.push(Val::from(src.as_str()));
        }
        let clause = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let total = self
            .fetch_all(
                &format!("SELECT COUNT(*) AS n FROM persons p{clause}"),
                args.clone(),
            )
            .await?
            .first()
            .map(|r| r.try_get::<i64, _>("n").map_err(q))
            .transpose()?
            .unwrap_or(0);
        let mut page_args = args;
        page_args.push(Val::Int(i64::from(limit)));
        page_args.push(Val::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
        let rows = self
            .fetch_all(
                &format!(
                    "SELECT p.id, p.display_name, p.reviewed FROM persons p{clause} \
                     ORDER BY p.display_name, p.id LIMIT ? OFFSET ?"
                ),
                page_args,
            )
            .await?;
        let persons = rows
            .iter()
            .map(|r| {
                Ok(Person {
                    id: rows::id(r, "id", "persons", IdKind::Person)?,
                    display_name: r.try_get("display_name").map_err(q)?,
                    reviewed: bool_col(r, "reviewed")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((persons, u64::try_from(total).unwrap_or(0)))
    }

    async fn person_dossier(&self, person: &Id) -> Result<Option<PersonDossier>, StoreError> {
        // One statement, answered as JSON: a page used to take a dozen round trips to the
        // database (every source and place among them), and each costs two thread wake-ups
        // with sqlx's SQLite driver. A single statement also reads one snapshot, so the
        // page's parts agree even while a merge commits.
        let sql = match self.dialect {
            Dialect::Sqlite => &*DOSSIER_SQLITE,
            Dialect::Postgres => &*DOSSIER_POSTGRES,
        };
        const PARTS: [&str; 4] = ["person", "records", "events", "visits"];
        let texts: Vec<Option<String>> = match &self.fast {
            Some(fast) => fast
                .texts(sql, person.as_str(), 4, &PARTS)?
                .unwrap_or_default(),
            None => match self
                .fetch_all(sql, vec![Val::from(person.as_str()); 4])
                .await?
                .first()
            {
                Some(row) => PARTS
                    .iter()
                    .map(|c| row.try_get::<Option<String>, _>(*c).map_err(q))
                    .collect::<Result<_, _>>()?,
                None => Vec::new(),
            },
        };
        let part = |col: &'static str| -> Result<Vec<Vec<Value>>, StoreError> {
            let i = PARTS.iter().position(|c| *c == col);
            match i.and_then(|i| texts.get(i)).and_then(|t| t.as_deref()) {
                None => Ok(Vec::new()),
                Some(t) => serde_json::from_str(t).map_err(|_| StoreError::Corrupt {
                    table: "persons",
                    column: col,
                }),
            }
        };
        let Some(p) = part("person")?.into_iter().next() else {
            return Ok(None);
        };
        let p = JsonRow::new("persons", &PERSON_COLS, &p)?;
        let person_row = Person {
            id: rows::id(&p, "id", "persons", IdKind::Person)?,
            display_name: rows::required(&p, "display_name", "persons")?,
            reviewed: p.flag("reviewed")?,
        };

        let mut source_names = BTreeMap::new();
        let mut place_names = BTreeMap::new();
        let named = |names: &mut BTreeMap<Id, String>, r: &JsonRow, id: Option<Id>, col| {
            if let (Some(id), Some(name)) = (id, r.text(col)?) {
                names.insert(id, name);
            }
            Ok::<(), StoreError>(())
        };
        let mut records = Vec::new();
        let mut sealed_notes = BTreeSet::new();
        for cells in part("records")? {
            let r = JsonRow::new("records", &RECORD_COLS, &cells)?;
            let rec = rows::record(&r, None, None)?;
            if r.flag("has_notes")? {
                sealed_notes.insert(rec.id.clone());
            }
            named(
                &mut source_names,
                &r,
                Some(rec.source_id.clone()),
                "source_name",
            )?;
            records.push(rec);
        }
        records.sort_by(|a, b| {
            (a.source_id.as_str(), a.row_number).cmp(&(b.source_id.as_str(), b.row_number))
        });
        let mut events = Vec::new();
        for cells in part("events")? {
            let r = JsonRow::new("events", &EVENT_COLS, &cells)?;
            let e = rows::event(&r)?;
            named(
                &mut source_names,
                &r,
                Some(e.source_id.clone()),
                "source_name",
            )?;
            named(&mut place_names, &r, e.place_id.clone(), "place_name")?;
            events.push(e);
        }
        events.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        let mut seen = Vec::new();
        for cells in part("visits")? {
            let r = JsonRow::new("visit_findings", &VISIT_COLS, &cells)?;
            let v = rows::visit(&r)?;
            named(&mut place_names, &r, Some(v.place_id.clone()), "place_name")?;
            seen.push((v, r.int("position")?, rows::finding(&r, None)?));
        }
        seen.sort_by(|a, b| (a.0.date, &a.0.id, a.1).cmp(&(b.0.date, &b.0.id, b.1)));
        let mut visits: Vec<Visit> = Vec::new();
        for (v, _, f) in seen {
            match visits.last_mut() {
                Some(last) if last.id == v.id => last.findings.push(f),
                _ => visits.push(Visit {
                    findings: vec![f],
                    ..v
                }),
            }
        }
        Ok(Some(PersonDossier {
            person: person_row,
            records,
            sealed_notes,
            events,
            visits,
            source_names,
            place_names,
        }))
    }
}

const PERSON_COLS: [&str; 3] = ["id", "display_name", "reviewed"];

/// The record columns of a dossier: no sealed notes or original row, only whether notes
/// are there, and the source's name.
static RECORD_COLS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    RECORD_FIXED
        .iter()
        .copied()
        .chain(
            Field::ALL
                .iter()
                .filter(|f| **f != Field::Notes)
                .map(|f| f.name()),
        )
        .chain(["has_notes", "source_name"])
        .collect()
});

/// The event's columns, then its source's and place's names.
static EVENT_COLS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    rows::EVENT_COLUMNS
        .iter()
        .copied()
        .chain(["source_name", "place_name"])
        .collect()
});

/// The visit's columns, its place's name, then the finding's: the findings' sealed
/// conditions are not among them (the page does not show them).
static VISIT_COLS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    rows::VISIT_COLUMNS
        .iter()
        .copied()
        .chain(["place_name"])
        .chain(FINDING_COLS)
        .collect()
});

const FINDING_COLS: [&str; 9] = [
    "position",
    "person_id",
    "items",
    "messages_collected",
    "messages_delivered",
    "family_call",
    "consent_share_with_family",
    "consent_representations",
    "consent_reports",
];

static DOSSIER_SQLITE: LazyLock<String> = LazyLock::new(|| dossier_sql(Dialect::Sqlite));
static DOSSIER_POSTGRES: LazyLock<String> = LazyLock::new(|| dossier_sql(Dialect::Postgres));

/// The dossier statement: one row whose columns `person`, `records`, `events` and `visits`
/// each hold a JSON array of rows (arrays of cells in the order of the `*_COLS` lists).
fn dossier_sql(d: Dialect) -> String {
    let rows = |cols: Vec<String>, from: &str| -> String {
        let cols = cols.join(", ");
        match d {
            Dialect::Sqlite => format!("(SELECT json_group_array(json_array({cols})) {from})"),
            Dialect::Postgres => {
                format!("(SELECT CAST(json_agg(json_build_array({cols})) AS TEXT) {from})")
            }
        }
    };
    let qualified = |prefix: &str, cols: &[&str]| -> Vec<String> {
        cols.iter().map(|c| format!("{prefix}.{c}")).collect()
    };
    let person = rows(
        qualified("p", &PERSON_COLS),
        "FROM persons p WHERE p.id = ?",
    );
    let mut record_cols = qualified("r", &RECORD_COLS[..RECORD_COLS.len() - 2]);
    record_cols.push("CASE WHEN r.notes IS NULL THEN 0 ELSE 1 END".to_owned());
    record_cols.push("s.name".to_owned());
    let records = rows(
        record_cols,
        "FROM records r LEFT JOIN sources s ON s.id = r.source_id WHERE r.person_id = ?",
    );
    let mut event_cols = qualified("e", &rows::EVENT_COLUMNS);
    event_cols.extend(["s.name".to_owned(), "pl.name".to_owned()]);
    let events = rows(
        event_cols,
        "FROM events e LEFT JOIN sources s ON s.id = e.source_id \
         LEFT JOIN places pl ON pl.id = e.place_id WHERE e.person_id = ?",
    );
    let mut visit_cols = qualified("v", &rows::VISIT_COLUMNS);
    visit_cols.push("pl.name".to_owned());
    visit_cols.extend(qualified("f", &FINDING_COLS));
    let visits = rows(
        visit_cols,
        "FROM visit_findings f JOIN visits v ON v.id = f.visit_id \
         LEFT JOIN places pl ON pl.id = v.place_id WHERE f.person_id = ?",
    );
    format!(
        "SELECT {person} AS person, {records} AS records, {events} AS events, \
         {visits} AS visits"
    )
}

/// One row of a dossier part: JSON cells named by a column list.
struct JsonRow<'a> {
    table: &'static str,
    cols: &'a [&'static str],
    cells: &'a [Value],
    /// Where the last column was found: conversions read columns mostly in list order,
    /// so the search starts after it.
    next: std::cell::Cell<usize>,
}

impl<'a> JsonRow<'a> {
    fn new(
        table: &'static str,
        cols: &'a [&'static str],
        cells: &'a [Value],
    ) -> Result<Self, StoreError> {
        if cols.len() != cells.len() {
            return Err(StoreError::Corrupt { table, column: "*" });
        }
        Ok(JsonRow {
            table,
            cols,
            cells,
            next: std::cell::Cell::new(0),
        })
    }

    fn cell(&self, col: &'static str) -> Result<&Value, StoreError> {
        let n = self.cols.len();
        let start = self.next.get();
        (0..n)
            .map(|k| (start + k) % n)
            .find(|i| self.cols[*i] == col)
            .map(|i| {
                self.next.set(i + 1);
                &self.cells[i]
            })
            .ok_or(self.corrupt(col))
    }

    fn corrupt(&self, col: &'static str) -> StoreError {
        StoreError::Corrupt {
            table: self.table,
            column: col,
        }
    }
}

impl Cells for JsonRow<'_> {
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        match self.cell(col)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            // SQLite keeps what it was given: a text column may hold a number.
            Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err(self.corrupt(col)),
        }
    }

    fn int(&self, col: &'static str) -> Result<i64, StoreError> {
        match self.cell(col)? {
            Value::Number(n) => n.as_i64().ok_or(self.corrupt(col)),
            _ => Err(self.corrupt(col)),
        }
    }

    fn flag(&self, col: &'static str) -> Result<bool, StoreError> {
        match self.cell(col)? {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) => Ok(n.as_i64().ok_or(self.corrupt(col))? != 0),
            _ => Err(self.corrupt(col)),
        }
    }
}
