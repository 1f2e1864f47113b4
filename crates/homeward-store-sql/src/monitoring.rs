//! `MonitoringStore` on SQL: death-claim confirmations, the list of items, enquiries and
//! PFIF notes.

use crate::import::import_in;
use crate::rows::{self, q};
use crate::store::{bool_col, insert_rows, SqlStore, Val};
use async_trait::async_trait;
use homeward_domain::{Enquiry, EnquiryState, Event, Id, IdKind, Source};
use homeward_store::{
    EnquiryDecision, EnquiryFile, EventConfirmation, ImportOutcome, MonitoringStore, Note,
    PfifBatch, StoreError,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

const ENQUIRY_COLUMNS: &str = "id, received, sought_name, sought_birth_date, relation, contact, \
    state, person_id, secret_hash, enquirer_name, consent_to_share, sought_fields, answer, \
    decided_by, decided_at, close_reason";

const NOTE_COLUMNS: [&str; 11] = [
    "id",
    "person_id",
    "source_id",
    "note_record_id",
    "person_record_id",
    "entry_date",
    "source_date",
    "author_name",
    "status",
    "last_known_location",
    "text",
];

fn corrupt(table: &'static str, column: &'static str) -> StoreError {
    StoreError::Corrupt { table, column }
}

fn enquiry_row(r: &AnyRow) -> Result<(EnquiryFile, String), StoreError> {
    let state: String = r.try_get("state").map_err(q)?;
    let birth: Option<String> = r.try_get("sought_birth_date").map_err(q)?;
    let sought: String = r.try_get("sought_fields").map_err(q)?;
    let enquiry = Enquiry {
        id: rows::id(r, "id", "enquiries", IdKind::Enquiry)?,
        received: rows::date(r, "received", "enquiries")?,
        sought_name: r.try_get("sought_name").map_err(q)?,
        sought_birth_date: birth
            .map(|b| {
                b.parse()
                    .map_err(|_| corrupt("enquiries", "sought_birth_date"))
            })
            .transpose()?,
        relation: r.try_get("relation").map_err(q)?,
        contact: r.try_get("contact").map_err(q)?,
        state: EnquiryState::parse(&state).ok_or(corrupt("enquiries", "state"))?,
        person_id: rows::opt_id(r, "person_id", "enquiries", IdKind::Person)?,
    };
    let file = EnquiryFile {
        enquiry,
        enquirer_name: r.try_get("enquirer_name").map_err(q)?,
        consent_to_share: bool_col(r, "consent_to_share")?,
        sought: serde_json::from_str(&sought).map_err(|_| corrupt("enquiries", "sought_fields"))?,
        answer: r.try_get("answer").map_err(q)?,
        decided_by: r.try_get("decided_by").map_err(q)?,
        decided_at: r.try_get("decided_at").map_err(q)?,
        close_reason: r.try_get("close_reason").map_err(q)?,
    };
    Ok((file, r.try_get("secret_hash").map_err(q)?))
}

fn note_row(r: &AnyRow) -> Result<Note, StoreError> {
    Ok(Note {
        id: rows::id(r, "id", "notes", IdKind::Note)?,
        person_id: rows::id(r, "person_id", "notes", IdKind::Person)?,
        source_id: rows::id(r, "source_id", "notes", IdKind::Source)?,
        note_record_id: r.try_get("note_record_id").map_err(q)?,
        person_record_id: r.try_get("person_record_id").map_err(q)?,
        entry_date: r.try_get("entry_date").map_err(q)?,
        source_date: r.try_get("source_date").map_err(q)?,
        author_name: r.try_get("author_name").map_err(q)?,
        status: r.try_get("status").map_err(q)?,
        last_known_location: r.try_get("last_known_location").map_err(q)?,
        text: r.try_get("text").map_err(q)?,
    })
}

#[async_trait]
impl MonitoringStore for SqlStore {
    async fn add_source(&self, source: Source) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let exists = sqlx::query(&d.sql("SELECT id FROM sources WHERE name = ?"))
            .bind(source.name.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(q)?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "a source named '{}' exists",
                source.name
            )));
        }
        insert_rows(
            &mut tx,
            d,
            "sources",
            &["id", "name", "description"],
            vec![vec![
                (&source.id).into(),
                source.name.clone().into(),
                source.description.clone().into(),
            ]],
        )
        .await?;
        crate::tx::commit(tx).await
    }

    async fn event(&self, id: &Id) -> Result<Option<Event>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT id, person_id, kind, date, source_id, place_id, contests FROM events WHERE id = ?",
                vec![id.into()],
            )
            .await?;
        rows.first().map(rows::event).transpose()
    }

    async fn confirm_event(&self, c: EventConfirmation) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let exists = sqlx::query(&d.sql("SELECT id FROM events WHERE id = ?"))
            .bind(c.event_id.as_str().to_owned())
            .fetch_optional(&mut *tx)
            .await
            .map_err(q)?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("event {}", c.event_id)));
        }
        let done =
            sqlx::query(&d.sql("SELECT confirmed_by FROM event_confirmations WHERE event_id = ?"))
                .bind(c.event_id.as_str().to_owned())
                .fetch_optional(&mut *tx)
                .await
                .map_err(q)?;
        if done.is_some() {
            return Err(StoreError::Conflict(format!(
                "event {} is already confirmed",
                c.event_id
            )));
        }
        insert_rows(
            &mut tx,
            d,
            "event_confirmations",
            &["event_id", "confirmed_by", "confirmed_at"],
            vec![vec![
                (&c.event_id).into(),
                c.confirmed_by.clone().into(),
                c.confirmed_at.clone().into(),
            ]],
        )
        .await?;
        crate::tx::commit(tx).await
    }

    async fn confirmations_of(&self, person: &Id) -> Result<Vec<EventConfirmation>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT c.event_id AS event_id, c.confirmed_by AS confirmed_by, c.confirmed_at AS confirmed_at \
                 FROM event_confirmations c JOIN events e ON e.id = c.event_id \
                 WHERE e.person_id = ? ORDER BY c.event_id",
                vec![person.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EventConfirmation {
                    event_id: rows::id(r, "event_id", "event_confirmations", IdKind::Event)?,
                    confirmed_by: r.try_get("confirmed_by").map_err(q)?,
                    confirmed_at: r.try_get("confirmed_at").map_err(q)?,
                })
            })
            .collect()
    }

    async fn visit_items(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .fetch_all("SELECT name FROM visit_items ORDER BY name", vec![])
            .await?;
        rows.iter().map(|r| r.try_get("name").map_err(q)).collect()
    }

    async fn add_visit_item(&self, name: &str) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let exists = sqlx::query(&d.sql("SELECT name FROM visit_items WHERE name = ?"))
            .bind(name.to_owned())
            .fetch_optional(&mut *tx)
            .await
            .map_err(q)?;
        if exists.is_none() {
            insert_rows(
                &mut tx,
                d,
                "visit_items",
                &["name"],
                vec![vec![name.into()]],
            )
            .await?;
        }
        crate::tx::commit(tx).await
    }

    async fn remove_visit_item(&self, name: &str) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let done = sqlx::query(&d.sql("DELETE FROM visit_items WHERE name = ?"))
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(q)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "item '{name}' is not on the list"
            )));
        }
        crate::tx::commit(tx).await
    }

    async fn add_enquiry(&self, f: EnquiryFile, secret_hash: String) -> Result<(), StoreError> {
        let d = self.dialect;
        let e = &f.enquiry;
        let sought =
            serde_json::to_string(&f.sought).map_err(|e| StoreError::Query(e.to_string()))?;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let mut sealer = crate::crypto::Sealer::new(&self.keys);
        let columns = [
            "id",
            "received",
            "sought_name",
            "sought_birth_date",
            "relation",
            "contact",
            "state",
            "person_id",
            "secret_hash",
            "enquirer_name",
            "consent_to_share",
            "sought_fields",
            "answer",
            "decided_by",
            "decided_at",
            "close_reason",
        ];
        let mut rows = vec![vec![
            (&e.id).into(),
            e.received.to_string().into(),
            e.sought_name.clone().into(),
            e.sought_birth_date.map(|b| b.to_string()).into(),
            e.relation.clone().into(),
            e.contact.clone().into(),
            e.state.as_str().into(),
            e.person_id.as_ref().into(),
            secret_hash.into(),
            f.enquirer_name.clone().into(),
            Val::Bool(f.consent_to_share),
            sought.into(),
            f.answer.clone().into(),
            f.decided_by.clone().into(),
            f.decided_at.clone().into(),
            f.close_reason.clone().into(),
        ]];
        sealer.seal_rows("enquiries", &columns, &mut rows)?;
        insert_rows(&mut tx, d, "enquiries", &columns, rows).await?;
        sealer.finish(&mut tx, d).await?;
        crate::tx::commit(tx).await
    }

    async fn enquiries(&self) -> Result<Vec<EnquiryFile>, StoreError> {
        let rows = self
            .fetch_all(
                &format!("SELECT {ENQUIRY_COLUMNS} FROM enquiries ORDER BY received, id"),
                vec![],
            )
            .await?;
        let files = rows
            .iter()
            .map(enquiry_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self
            .open_contacts(files)
            .await?
            .into_iter()
            .map(|(f, _)| f)
            .collect())
    }

    async fn enquiry(&self, id: &Id) -> Result<Option<(EnquiryFile, String)>, StoreError> {
        let rows = self
            .fetch_all(
                &format!("SELECT {ENQUIRY_COLUMNS} FROM enquiries WHERE id = ?"),
                vec![id.into()],
            )
            .await?;
        let files = rows
            .first()
            .map(enquiry_row)
            .transpose()?
            .into_iter()
            .collect();
        Ok(self.open_contacts(files).await?.pop())
    }

    async fn decide_enquiry(&self, dcs: EnquiryDecision) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let done = sqlx::query(&d.sql(
            "UPDATE enquiries SET state = ?, person_id = ?, answer = ?, close_reason = ?, \
             decided_by = ?, decided_at = ? WHERE id = ?",
        ))
        .bind(dcs.state.as_str().to_owned())
        .bind(dcs.person_id.as_ref().map(|p| p.as_str().to_owned()))
        .bind(dcs.answer.clone())
        .bind(dcs.close_reason.clone())
        .bind(dcs.decided_by.clone())
        .bind(dcs.decided_at.clone())
        .bind(dcs.enquiry_id.as_str().to_owned())
        .execute(&mut *tx)
        .await
        .map_err(q)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("enquiry {}", dcs.enquiry_id)));
        }
        crate::tx::commit(tx).await
    }

    async fn import_pfif(&self, batch: PfifBatch) -> Result<Vec<ImportOutcome>, StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        let mut outcomes = Vec::new();
        // The source id each batch's notes must point at (an existing source keeps its id).
        let mut source_of: BTreeMap<String, String> = BTreeMap::new();
        let mut skipped: BTreeSet<String> = BTreeSet::new();
        for b in batch.batches {
            let given = b.source.id.as_str().to_owned();
            let existing = sqlx::query(&d.sql("SELECT id FROM sources WHERE name = ?"))
                .bind(b.source.name.clone())
                .fetch_optional(&mut *tx)
                .await
                .map_err(q)?;
            let actual = match existing {
                Some(r) => r.try_get::<String, _>("id").map_err(q)?,
                None => given.clone(),
            };
            let out = import_in(&mut tx, d, &self.keys, b).await?;
            if matches!(out, ImportOutcome::AlreadyImported { .. }) {
                skipped.insert(given.clone());
            }
            source_of.insert(given, actual);
            outcomes.push(out);
        }
        let mut rows = Vec::new();
        for n in batch.notes {
            let given = n.source_id.as_str().to_owned();
            if skipped.contains(&given) {
                continue;
            }
            let source = source_of.get(&given).cloned().unwrap_or(given);
            let held = sqlx::query(
                &d.sql("SELECT id FROM notes WHERE source_id = ? AND note_record_id = ?"),
            )
            .bind(source.clone())
            .bind(n.note_record_id.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(q)?;
            if held.is_some() {
                continue;
            }
            rows.push(vec![
                (&n.id).into(),
                (&n.person_id).into(),
                Val::Text(Some(source)),
                n.note_record_id.into(),
                n.person_record_id.into(),
                n.entry_date.into(),
                n.source_date.into(),
                n.author_name.into(),
                n.status.into(),
                n.last_known_location.into(),
                n.text.into(),
            ]);
        }
        let wrote_notes = !rows.is_empty();
        insert_rows(&mut tx, d, "notes", &NOTE_COLUMNS, rows).await?;
        let all_skipped = outcomes
            .iter()
            .all(|o| matches!(o, ImportOutcome::AlreadyImported { .. }));
        if all_skipped && !wrote_notes {
            tx.rollback().await.map_err(q)?;
        } else {
            crate::tx::commit(tx).await?;
        }
        Ok(outcomes)
    }

    async fn notes_of(&self, person: &Id) -> Result<Vec<Note>, StoreError> {
        let rows = self
            .fetch_all(
                &format!(
                    "SELECT {} FROM notes WHERE person_id = ? ORDER BY source_date, id",
                    NOTE_COLUMNS.join(", ")
                ),
                vec![person.into()],
            )
            .await?;
        rows.iter().map(note_row).collect()
    }

    async fn person_by_record_id(&self, record_id: &str) -> Result<Option<Id>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT person_id FROM records WHERE record_id = ? ORDER BY id LIMIT 1",
                vec![record_id.into()],
            )
            .await?;
        rows.first()
            .map(|r| rows::id(r, "person_id", "records", IdKind::Person))
            .transpose()
    }
}

impl SqlStore {
    /// Opens the sealed contacts of enquiries read from the database and logs the reads.
    async fn open_contacts(
        &self,
        mut files: Vec<(EnquiryFile, String)>,
    ) -> Result<Vec<(EnquiryFile, String)>, StoreError> {
        let items: Vec<(String, &'static str, Option<String>)> = files
            .iter()
            .map(|(f, _)| {
                (
                    f.enquiry.id.as_str().to_owned(),
                    "contact",
                    f.enquiry.contact.clone(),
                )
            })
            .collect();
        let read: Vec<String> = items
            .iter()
            .filter(|(_, _, v)| v.as_deref().is_some_and(crate::crypto::is_sealed))
            .map(|(id, _, _)| id.clone())
            .collect();
        let opened =
            crate::crypto::open_values(&self.pool, self.dialect, &self.keys, "enquiries", items)
                .await?;
        for ((f, _), v) in files.iter_mut().zip(opened) {
            f.enquiry.contact = v;
        }
        self.note_reads("enquiries", &read).await?;
        Ok(files)
    }
}
