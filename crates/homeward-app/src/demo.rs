//! `homeward demo`: a seeded synthetic scenario written into a registry through the same
//! import path a real list takes, plus places, visits, events and enquiries.

use crate::import::{self, ColumnMap, ImportError, ImportRequest, Mapping};
use homeward_domain::{
    DetentionPlace, Enquiry, EnquiryState, Event, EventKind, Id, IdKind, PartialDate, Visit,
    VisitConditions, VisitFinding,
};
use homeward_store::{ChangeSet, EnquiryFile, Store, StoreError};
use homeward_synth::{DateStyle, Scenario, SimpleDate, SourceList};
use rand::RngCore;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Errors of the demo use case.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A generated list did not import (a bug in the generator or the importer).
    #[error("importing generated list {list}: {source}")]
    Import {
        /// The list's code.
        list: String,
        /// Why.
        source: ImportError,
    },
    /// The generated list could not be rendered as CSV.
    #[error("rendering generated list {0}")]
    Render(String),
    /// The store refused a write.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Linking a generated list to the registry failed.
    #[error(transparent)]
    Link(#[from] crate::linkage::LinkageError),
    /// A generated date is not a valid date.
    #[error("generated date {0} is invalid")]
    Date(String),
    /// A passphrase could not be hashed.
    #[error("hashing an enquiry passphrase: {0}")]
    Hash(String),
    /// A generated enquiry could not be answered.
    #[error("answering a generated enquiry: {0}")]
    Enquiry(String),
}

/// What the demo wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// True persons in the scenario.
    pub persons: usize,
    /// Lists imported.
    pub lists: usize,
    /// Records imported.
    pub records: u64,
    /// Records that joined another person automatically.
    pub auto_merged: u64,
    /// Pairs left in the review queue.
    pub queued: u64,
    /// Enquiry references with their secrets, printed once so the family page can be tried.
    pub enquiry_secrets: Vec<(Id, String)>,
    /// Enquiries answered.
    pub answered: usize,
    /// Death claims left unconfirmed, awaiting a caseworker.
    pub death_claims: usize,
    /// The true (scenario) person behind every registry person, for evaluating matching.
    pub truth_of: BTreeMap<Id, u32>,
}

/// The date formats a list's date style is read with.
pub fn date_formats(style: DateStyle) -> Vec<String> {
    let f: &[&str] = match style {
        DateStyle::Iso => &["%Y-%m-%d", "%Y-%m", "%Y"],
        DateStyle::Dotted => &["%d.%m.%Y", "%m.%Y", "%Y"],
        DateStyle::Slashed => &["%d/%m/%Y", "%m/%Y", "%Y"],
        DateStyle::YearOnly => &["%Y", "%Y-%m-%d"],
        DateStyle::YearMonth => &["%Y-%m", "%Y"],
    };
    // Family reports give approximate years ("c. 1967"); the year is what they know.
    f.iter()
        .chain(["c. %Y", "ca. %Y"].iter())
        .map(|s| (*s).to_owned())
        .collect()
}

/// The mapping that reads a generated list: the generator says which field each column is.
pub fn mapping_for(list: &SourceList) -> Mapping {
    let columns = list
        .columns
        .iter()
        .zip(&list.fields)
        .map(|(column, field)| {
            let is_date = field.ends_with("_date");
            ColumnMap {
                column: column.clone(),
                field: (!field.is_empty()).then(|| (*field).to_owned()),
                ignore: field.is_empty(),
                split_name: None,
                date_formats: if is_date {
                    date_formats(list.date_style)
                } else {
                    Vec::new()
                },
                values: BTreeMap::new(),
                trim: true,
            }
        })
        .collect();
    Mapping {
        sheet: None,
        columns,
    }
}

fn pdate(d: SimpleDate) -> Result<PartialDate, DemoError> {
    PartialDate::ymd(d.year, d.month, d.day).map_err(|_| DemoError::Date(d.iso()))
}

fn event_kind(k: homeward_synth::EventKind) -> EventKind {
    use homeward_synth::EventKind as S;
    match k {
        S::Capture => EventKind::Capture,
        S::Registration => EventKind::Registration,
        S::Transfer => EventKind::Transfer,
        S::Charge => EventKind::Charge,
        S::Trial => EventKind::Trial,
        S::Sentence => EventKind::Sentence,
        S::Release => EventKind::Release,
        S::Repatriation => EventKind::Repatriation,
        S::PrisonerExchange => EventKind::PrisonerExchange,
        S::DeathInCustody => EventKind::DeathInCustody,
        S::RemainsHandedOver => EventKind::RemainsHandedOver,
    }
}

/// Writes a generated scenario into the store. Each list is one all-or-nothing import;
/// the rest is one change set.
pub async fn load(
    store: &dyn Store,
    scenario: &Scenario,
    rng: &mut (dyn RngCore + Send),
    imported_at: &str,
    hasher: &homeward_trust::password::PasswordHasher,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<DemoSummary, DemoError> {
    // Every list is read and checked before anything is written, so that a list the
    // importer refuses leaves the registry as it was.
    let mut prepared_lists = Vec::with_capacity(scenario.lists.len());
    for list in &scenario.lists {
        let csv =
            homeward_synth::list_to_csv(list).map_err(|_| DemoError::Render(list.code.clone()))?;
        let mapping = mapping_for(list);
        let file_name = format!("{}.csv", list.code);
        let req = ImportRequest {
            file_name: &file_name,
            bytes: csv.as_bytes(),
            source: &list.name,
            mapping: &mapping,
            mapping_file: "(generated)",
            skip_bad: false,
            imported_at: imported_at.to_owned(),
        };
        let prepared = import::prepare(&req, rng).map_err(|source| DemoError::Import {
            list: list.code.clone(),
            source,
        })?;
        prepared_lists.push(prepared);
    }
    let mut source_ids = Vec::new();
    // The first imported record of each true person; its person (after linkage) carries
    // the true person's events and visits.
    let mut first_record: BTreeMap<u32, Id> = BTreeMap::new();
    // Every record's true person, to tell the truth of every registry person after linkage.
    let mut record_truth: Vec<(Id, u32)> = Vec::new();
    let mut records = 0;
    let (mut auto_merged, mut queued) = (0, 0);
    // The demo shows linkage at work: confident links join automatically, the rest wait
    // in the review queue. A real registry starts with automatic acceptance off.
    crate::linkage::set_setting(store, "link.auto_accept", "true", "demo", imported_at).await?;
    for (n, (list, prepared)) in scenario.lists.iter().zip(prepared_lists).enumerate() {
        progress(n, scenario.lists.len());
        for r in &prepared.batch.records {
            // Row numbers count the header as row 1.
            let index = (r.row_number - 2) as usize;
            if let Some(truth) = list.truth.get(index) {
                first_record.entry(*truth).or_insert_with(|| r.id.clone());
                record_truth.push((r.id.clone(), *truth));
            }
        }
        records += prepared.batch.records.len() as u64;
        let source_id = match store.source_by_name(&list.name).await? {
            Some(s) => s.id,
            None => prepared.batch.source.id.clone(),
        };
        let (_, summary) = crate::linkage::link_and_write(
            store,
            prepared.batch,
            &crate::linkage::LinkOptions::default(),
            imported_at,
            rng,
        )
        .await?;
        auto_merged += summary.auto_merged;
        queued += summary.queued;
        source_ids.push(source_id);
    }
    progress(scenario.lists.len(), scenario.lists.len());
    let mut person_of: BTreeMap<u32, Id> = BTreeMap::new();
    for (truth, record) in &first_record {
        if let Some(r) = store.record(record).await? {
            person_of.insert(*truth, r.person_id);
        }
    }
    let mut truth_of: BTreeMap<Id, u32> = BTreeMap::new();
    for (record, truth) in &record_truth {
        if let Some(r) = store.record(record).await? {
            truth_of.entry(r.person_id).or_insert(*truth);
        }
    }

    let mut changes = ChangeSet::default();
    let mut place_ids = Vec::new();
    for p in &scenario.places {
        let id = Id::generate(IdKind::Place, rng);
        place_ids.push(id.clone());
        changes.places.push(DetentionPlace {
            id,
            name: p.name.to_owned(),
            authority: Some(p.authority.to_owned()),
            region: Some(p.region.to_owned()),
        });
    }
    // An event contested by a second source points at the first report of the same kind.
    let mut first_of: BTreeMap<(u32, &'static str), Id> = BTreeMap::new();
    for e in &scenario.events {
        let (Some(person), Some(source)) = (person_of.get(&e.person), source_ids.get(e.source))
        else {
            continue;
        };
        let id = Id::generate(IdKind::Event, rng);
        let key = (e.person, e.kind.as_str());
        let contests = if e.contested {
            first_of.get(&key).cloned()
        } else {
            None
        };
        first_of.entry(key).or_insert_with(|| id.clone());
        changes.events.push(Event {
            id,
            person_id: person.clone(),
            kind: event_kind(e.kind),
            date: pdate(e.date)?,
            source_id: source.clone(),
            place_id: e.place.and_then(|p| place_ids.get(p).cloned()),
            contests,
        });
    }
    for v in &scenario.visits {
        let Some(place_id) = place_ids.get(v.place).cloned() else {
            continue;
        };
        changes.visits.push(Visit {
            id: Id::generate(IdKind::Visit, rng),
            place_id,
            date: pdate(v.date)?,
            organisation: v.organisation.to_owned(),
            conditions: VisitConditions {
                access_all: v.conditions.access_all,
                private_interviews: v.conditions.private_interviews,
                repeat_allowed: v.conditions.repeat_allowed,
                list_provided: v.conditions.list_provided,
            },
            findings: v
                .seen
                .iter()
                .map(|f| VisitFinding {
                    person_id: person_of.get(&f.person).cloned(),
                    health: Some(f.health_note.to_owned()),
                    items: f.items_delivered.iter().map(|s| (*s).to_owned()).collect(),
                    messages_collected: u32::from(f.messages_collected),
                    messages_delivered: u32::from(f.messages_delivered),
                    family_call: f.family_call,
                    consent_share_with_family: true,
                    conditions: None,
                    consent_representations: true,
                    consent_reports: true,
                })
                .collect(),
        });
    }
    let deaths: Vec<Id> = changes
        .events
        .iter()
        .filter(|e| crate::casework::is_death_claim(e.kind) && e.contests.is_none())
        .map(|e| e.id.clone())
        .collect();
    store.apply(changes).await?;
    // Two death claims in three are confirmed by a caseworker; the rest wait, so that the
    // demo shows a claim hidden from families and figures until someone confirms it.
    let mut death_claims = 0;
    for (i, id) in deaths.iter().enumerate() {
        if i % 3 == 2 {
            death_claims += 1;
            continue;
        }
        store
            .confirm_event(homeward_store::EventConfirmation {
                event_id: id.clone(),
                confirmed_by: "demo caseworker".into(),
                confirmed_at: imported_at.to_owned(),
            })
            .await?;
    }

    // Enquiries go through the same intake a family's takes: Argon2id-hashed passphrases
    // (hashed in parallel: each costs about 19 MiB and tens of milliseconds).
    let mut prepared = Vec::new();
    for e in &scenario.enquiries {
        let id = Id::generate(IdKind::Enquiry, rng);
        let secret = crate::enquiry::passphrase(rng);
        let mut sought = vec![("full_name".to_owned(), e.name_written.clone())];
        if let Some(y) = e.birth_year {
            sought.push(("birth_date".to_owned(), y.to_string()));
        }
        prepared.push((id, secret, sought, e));
    }
    let hashes: Vec<Result<String, String>> = prepared
        .par_iter()
        .map(|(_, secret, _, _)| {
            let mut os = rand::rngs::OsRng;
            hasher
                .hash(
                    &mut os,
                    &homeward_trust::password::Password::new(secret.clone()),
                )
                .map_err(|e| e.to_string())
        })
        .collect();
    let mut enquiry_secrets = Vec::new();
    let mut answered = 0usize;
    let as_of = pdate(scenario.config.as_of)?;
    for ((id, secret, sought, e), hash) in prepared.into_iter().zip(hashes) {
        let hash = hash.map_err(DemoError::Hash)?;
        store
            .add_enquiry(
                EnquiryFile {
                    enquiry: Enquiry {
                        id: id.clone(),
                        received: pdate(e.date)?,
                        sought_name: e.name_written.clone(),
                        sought_birth_date: e.birth_year.and_then(|y| PartialDate::year(y).ok()),
                        relation: Some(e.relation.to_owned()),
                        contact: Some(e.contact.clone()),
                        state: EnquiryState::Open,
                        person_id: None,
                    },
                    enquirer_name: None,
                    consent_to_share: e.id % 3 != 0,
                    sought,
                    answer: None,
                    decided_by: None,
                    decided_at: None,
                    close_reason: None,
                },
                hash,
            )
            .await?;
        // A third of the enquiries about persons on the lists are answered, so that the
        // family view has answers to show; the rest wait for matching and review.
        if let Some(person) = e.person.and_then(|p| person_of.get(&p)) {
            if e.id % 3 == 1 {
                crate::enquiry::answer(
                    store,
                    id.as_str(),
                    person.as_str(),
                    as_of,
                    crate::enquiry::AnswerPolicy::default(),
                    None,
                    "demo caseworker",
                    imported_at,
                )
                .await
                .map_err(|e| DemoError::Enquiry(e.to_string()))?;
                answered += 1;
            }
        }
        enquiry_secrets.push((id, secret));
    }
    Ok(DemoSummary {
        persons: scenario.persons.len(),
        lists: scenario.lists.len(),
        records,
        auto_merged,
        queued,
        enquiry_secrets,
        answered,
        death_claims,
        truth_of,
    })
}
