//! Detention monitoring use cases a caseworker runs: places, visits (from a TOML/JSON file or
//! flags), timeline events with their sources and disputes, confirmation of death claims,
//! a person's timeline with the legal status history, and the public figures by status.
//!
//! A death claim (a `death_in_custody` or `remains_handed_over` event, or a record saying
//! `deceased`) is never shown to a family nor counted in a public figure until a caseworker
//! confirms the event: false death reports are a known harm. [`confirmed_view`] is the one
//! place that filter lives; the family answer, the access report and the figures use it.

use std::collections::{BTreeMap, BTreeSet};

use homeward_domain::{
    Category, DetentionPlace, Event, EventKind, Id, IdKind, LegalStatus, PartialDate, Source,
    Status, Visit, VisitConditions, VisitFinding,
};
use homeward_store::{ChangeSet, EventConfirmation, Store, StoreError};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::monitoring::{legal_status_as_of, legal_status_history, LegalStatusAt};

/// Errors of the casework use cases; messages name the input and field at fault.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An input value is not acceptable.
    #[error("{input}: {reason}")]
    Invalid {
        /// Which input (file and field, or flag).
        input: String,
        /// Why.
        reason: String,
    },
    /// Something named does not exist.
    #[error("not found: {0}")]
    NotFound(String),
}

fn invalid(input: impl Into<String>, reason: impl Into<String>) -> CaseError {
    CaseError::Invalid {
        input: input.into(),
        reason: reason.into(),
    }
}

/// Whether an event kind claims that the person is dead.
pub fn is_death_claim(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::DeathInCustody | EventKind::RemainsHandedOver
    )
}

/// A person's events as families and public figures may see them: death claims only once
/// confirmed.
pub async fn confirmed_view(store: &dyn Store, person: &Id) -> Result<Vec<Event>, StoreError> {
    let events = store.events_of(person).await?;
    if !events.iter().any(|e| is_death_claim(e.kind)) {
        return Ok(events);
    }
    let confirmed: BTreeSet<Id> = store
        .confirmations_of(person)
        .await?
        .into_iter()
        .map(|c| c.event_id)
        .collect();
    Ok(events
        .into_iter()
        .filter(|e| !is_death_claim(e.kind) || confirmed.contains(&e.id))
        .collect())
}

/// Finds a place by id or exact name.
pub async fn find_place(store: &dyn Store, key: &str) -> Result<DetentionPlace, CaseError> {
    let places = store.places().await?;
    let mut hits = places
        .into_iter()
        .filter(|p| p.id.as_str() == key || p.name == key);
    match (hits.next(), hits.next()) {
        (Some(p), None) => Ok(p),
        (Some(_), Some(_)) => Err(invalid(
            format!("place '{key}'"),
            "several places have this name; give the id",
        )),
        (None, _) => Err(CaseError::NotFound(format!("place '{key}'"))),
    }
}

/// Adds a place of detention.
pub async fn add_place(
    store: &dyn Store,
    rng: &mut (dyn RngCore + Send),
    name: &str,
    authority: Option<String>,
    region: Option<String>,
) -> Result<DetentionPlace, CaseError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("--name", "a place needs a name"));
    }
    let place = DetentionPlace {
        id: Id::generate(IdKind::Place, rng),
        name: name.to_owned(),
        authority: authority.filter(|s| !s.trim().is_empty()),
        region: region.filter(|s| !s.trim().is_empty()),
    };
    store
        .apply(ChangeSet {
            places: vec![place.clone()],
            ..ChangeSet::default()
        })
        .await?;
    Ok(place)
}

/// The four standard conditions of a visit, as given in a visit file.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConditionsInput {
    /// Access to all detainees and all places.
    #[serde(default)]
    pub access_all: bool,
    /// Interviews in private.
    #[serde(default)]
    pub private_interviews: bool,
    /// Repeat visits allowed.
    #[serde(default)]
    pub repeat_allowed: bool,
    /// A list of detainees provided.
    #[serde(default)]
    pub list_provided: bool,
}

/// The detainee's consent for each use of what they said.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Passing it (and where they are) to their family.
    #[serde(default)]
    pub family: bool,
    /// Using it in representations to the detaining authority.
    #[serde(default)]
    pub representations: bool,
    /// Using it, without their name, in reports.
    #[serde(default)]
    pub reports: bool,
}

/// One person seen, as given in a visit file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SeenInput {
    /// The person's id.
    pub person: String,
    /// Health findings.
    #[serde(default)]
    pub health: Option<String>,
    /// Conditions of detention findings.
    #[serde(default)]
    pub conditions: Option<String>,
    /// Items delivered, each from the editable list.
    #[serde(default)]
    pub items: Vec<String>,
    /// Messages collected from the detainee.
    #[serde(default)]
    pub messages_collected: u32,
    /// Messages delivered to the detainee.
    #[serde(default)]
    pub messages_delivered: u32,
    /// Whether a call with family took place.
    #[serde(default)]
    pub family_call: bool,
    /// Consent per use.
    #[serde(default)]
    pub consent: ConsentInput,
}

/// A visit as given in a TOML or JSON file (or built from flags).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// Date (YYYY, YYYY-MM or YYYY-MM-DD).
    pub date: String,
    /// The place: id or exact name.
    pub place: String,
    /// The visiting organisation.
    pub organisation: String,
    /// Whether the standard conditions were met.
    #[serde(default)]
    pub conditions: ConditionsInput,
    /// Whom they saw.
    #[serde(default)]
    pub seen: Vec<SeenInput>,
}

impl VisitInput {
    /// Reads a visit file: JSON when the name ends in `.json`, TOML otherwise.
    pub fn from_file_text(file: &str, text: &str) -> Result<VisitInput, CaseError> {
        if file.ends_with(".json") {
            serde_json::from_str(text).map_err(|e| invalid(file, e.to_string()))
        } else {
            toml::from_str(text).map_err(|e| invalid(file, e.to_string()))
        }
    }
}

/// Records a visit: every field is checked (date, place, persons, items on the list) before
/// anything is written, and the visit lands whole.
pub async fn add_visit(
    store: &dyn Store,
    rng: &mut (dyn RngCore + Send),
    input_name: &str,
    v: &VisitInput,
) -> Result<Visit, CaseError> {
    let date: PartialDate = v
        .date
        .parse()
        .map_err(|e| invalid(format!("{input_name}: date"), format!("{e}")))?;
    let place = find_place(store, v.place.trim())
        .await
        .map_err(|e| invalid(format!("{input_name}: place"), e.to_string()))?;
    let organisation = v.organisation.trim();
    if organisation.is_empty() {
        return Err(invalid(
            format!("{input_name}: organisation"),
            "the visiting organisation is required",
        ));
    }
    let items: BTreeSet<String> = store.visit_items().await?.into_iter().collect();
    let mut findings = Vec::with_capacity(v.seen.len());
    let mut persons = BTreeSet::new();
    for (i, s) in v.seen.iter().enumerate() {
        let at = |field: &str| format!("{input_name}: seen[{}].{field}", i + 1);
        let pid = Id::parse_kind(s.person.trim(), IdKind::Person)
            .map_err(|e| invalid(at("person"), e.to_string()))?;
        if store.person(&pid).await?.is_none() {
            return Err(invalid(at("person"), format!("no person {pid}")));
        }
        if !persons.insert(pid.clone()) {
            return Err(invalid(at("person"), format!("{pid} is listed twice")));
        }
        for item in &s.items {
            if !items.contains(item.trim()) {
                return Err(invalid(
                    at("items"),
                    format!(
                        "'{item}' is not on the list of items (homeward visit items --add to extend it): {}",
                        items.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        findings.push(VisitFinding {
            person_id: Some(pid),
            health: s.health.clone().filter(|h| !h.trim().is_empty()),
            conditions: s.conditions.clone().filter(|h| !h.trim().is_empty()),
            items: s.items.iter().map(|i| i.trim().to_owned()).collect(),
            messages_collected: s.messages_collected,
            messages_delivered: s.messages_delivered,
            family_call: s.family_call,
            consent_share_with_family: s.consent.family,
            consent_representations: s.consent.representations,
            consent_reports: s.consent.reports,
        });
    }
    let visit = Visit {
        id: Id::generate(IdKind::Visit, rng),
        place_id: place.id,
        date,
        organisation: organisation.to_owned(),
        conditions: VisitConditions {
            access_all: v.conditions.access_all,
            private_interviews: v.conditions.private_interviews,
            repeat_allowed: v.conditions.repeat_allowed,
            list_provided: v.conditions.list_provided,
        },
        findings,
    };
    store
        .apply(ChangeSet {
            visits: vec![visit.clone()],
            ..ChangeSet::default()
        })
        .await?;
    Ok(visit)
}

/// A visit as listed: no health or conditions text (sensitive), counts only.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VisitSummary {
    /// The visit.
    pub id: String,
    /// When.
    pub date: String,
    /// The place's name.
    pub place: String,
    /// Who visited.
    pub organisation: String,
    /// The four standard conditions.
    pub conditions: ConditionsInput,
    /// How many persons were seen.
    pub persons_seen: usize,
    /// How many family calls took place.
    pub family_calls: usize,
    /// Messages collected plus delivered.
    pub messages: u64,
}

/// Visits, newest first, optionally of one place.
pub async fn list_visits(
    store: &dyn Store,
    place: Option<&str>,
) -> Result<Vec<VisitSummary>, CaseError> {
    let only = match place {
        Some(p) => Some(find_place(store, p).await?.id),
        None => None,
    };
    let names: BTreeMap<Id, String> = store
        .places()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut out: Vec<VisitSummary> = store
        .visits()
        .await?
        .into_iter()
        .filter(|v| only.as_ref().map_or(true, |o| *o == v.place_id))
        .map(|v| VisitSummary {
            id: v.id.to_string(),
            date: v.date.to_string(),
            place: names.get(&v.place_id).cloned().unwrap_or_default(),
            organisation: v.organisation,
            conditions: ConditionsInput {
                access_all: v.conditions.access_all,
                private_interviews: v.conditions.private_interviews,
                repeat_allowed: v.conditions.repeat_allowed,
                list_provided: v.conditions.list_provided,
            },
            persons_seen: v.findings.len(),
            family_calls: v.findings.iter().filter(|f| f.family_call).count(),
            messages: v
                .findings
                .iter()
                .map(|f| u64::from(f.messages_collected) + u64::from(f.messages_delivered))
                .sum(),
        })
        .collect();
    out.reverse();
    Ok(out)
}

/// A new timeline event as a caseworker gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    /// The person's id.
    pub person: String,
    /// The kind (canonical spelling, e.g. `capture`, `death_in_custody`).
    pub kind: String,
    /// The date (YYYY, YYYY-MM or YYYY-MM-DD).
    pub date: String,
    /// The source: id or name of an existing source; a new name creates a source.
    pub source: String,
    /// The place: id or exact name.
    pub place: Option<String>,
    /// The event this one contests.
    pub contests: Option<String>,
}

/// Adds an event to a person's timeline. A contesting event must concern the same person
/// and come from another source.
pub async fn add_event(
    store: &dyn Store,
    rng: &mut (dyn RngCore + Send),
    e: &EventInput,
) -> Result<Event, CaseError> {
    let person = Id::parse_kind(e.person.trim(), IdKind::Person)
        .map_err(|err| invalid("PERSON", err.to_string()))?;
    if store.person(&person).await?.is_none() {
        return Err(CaseError::NotFound(format!("person {person}")));
    }
    let kind = EventKind::parse(e.kind.trim()).ok_or_else(|| {
        invalid(
            "--kind",
            format!(
                "'{}' is not an event kind; expected one of: {}",
                e.kind,
                EventKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let date: PartialDate = e
        .date
        .parse()
        .map_err(|err| invalid("--date", format!("{err}")))?;
    let key = e.source.trim();
    if key.is_empty() {
        return Err(invalid("--source", "every event names its source"));
    }
    let sources = store.sources().await?;
    let source_id = match sources
        .iter()
        .find(|s| s.id.as_str() == key || s.name == key)
    {
        Some(s) => s.id.clone(),
        None => {
            let s = Source {
                id: Id::generate(IdKind::Source, rng),
                name: key.to_owned(),
                description: Some("created when recording an event".into()),
            };
            let id = s.id.clone();
            store.add_source(s).await?;
            id
        }
    };
    let place_id = match &e.place {
        Some(p) => Some(find_place(store, p).await?.id),
        None => None,
    };
    let contests = match &e.contests {
        Some(c) => {
            let cid = Id::parse_kind(c.trim(), IdKind::Event)
                .map_err(|err| invalid("--contests", err.to_string()))?;
            let target = store
                .event(&cid)
                .await?
                .ok_or_else(|| CaseError::NotFound(format!("event {cid}")))?;
            if target.person_id != person {
                return Err(invalid(
                    "--contests",
                    format!("event {cid} concerns another person"),
                ));
            }
            if target.source_id == source_id {
                return Err(invalid(
                    "--contests",
                    "a source does not contest itself; correct the event instead",
                ));
            }
            Some(cid)
        }
        None => None,
    };
    let event = Event {
        id: Id::generate(IdKind::Event, rng),
        person_id: person,
        kind,
        date,
        source_id,
        place_id,
        contests,
    };
    store
        .apply(ChangeSet {
            events: vec![event.clone()],
            ..ChangeSet::default()
        })
        .await?;
    Ok(event)
}

/// Confirms a death claim, recording who confirmed it. Only death claims need (and take)
/// confirmation.
pub async fn confirm_event(
    store: &dyn Store,
    event: &str,
    by: &str,
    at: &str,
) -> Result<EventConfirmation, CaseError> {
    let id =
        Id::parse_kind(event.trim(), IdKind::Event).map_err(|e| invalid("EVENT", e.to_string()))?;
    let e = store
        .event(&id)
        .await?
        .ok_or_else(|| CaseError::NotFound(format!("event {id}")))?;
    if !is_death_claim(e.kind) {
        return Err(invalid(
            "EVENT",
            format!("a {} event needs no confirmation", e.kind.as_str()),
        ));
    }
    if by.trim().is_empty() {
        return Err(invalid("--by", "the confirming caseworker must be named"));
    }
    let c = EventConfirmation {
        event_id: id,
        confirmed_by: by.trim().to_owned(),
        confirmed_at: at.to_owned(),
    };
    store.confirm_event(c.clone()).await?;
    Ok(c)
}

/// One event of a timeline as a caseworker sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The event.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its date.
    pub date: String,
    /// The source's name.
    pub source: String,
    /// The place's name, if any.
    pub place: Option<String>,
    /// The event this one contests.
    pub contests: Option<String>,
    /// Events that contest this one.
    pub contested_by: Vec<String>,
    /// For death claims: who confirmed it, or `None` while unconfirmed.
    pub confirmed_by: Option<String>,
    /// Whether this is a death claim still awaiting confirmation.
    pub unconfirmed_death_claim: bool,
}

/// One step of the legal status history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusStep {
    /// The legal status.
    pub legal_status: String,
    /// Since when.
    pub since: Option<String>,
    /// The event it rests on.
    pub basis: Option<String>,
    /// Whether the basis is disputed.
    pub contested: bool,
    /// Whether released by then.
    pub released: bool,
    /// Whether the timeline ended (confirmed death).
    pub ended: bool,
}

impl From<&LegalStatusAt> for StatusStep {
    fn from(s: &LegalStatusAt) -> Self {
        StatusStep {
            legal_status: s.status.as_str().to_owned(),
            since: s.since.map(|d| d.to_string()),
            basis: s.basis.as_ref().map(|b| b.to_string()),
            contested: s.contested,
            released: s.released,
            ended: s.ended,
        }
    }
}

/// A person's timeline: events with sources and disputes, and the legal status history
/// derived from the confirmed view.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Timeline {
    /// The person.
    pub person_id: String,
    /// The category the legal status is derived with.
    pub category: String,
    /// Events, by date.
    pub events: Vec<TimelineEntry>,
    /// Legal status history, oldest first.
    pub history: Vec<StatusStep>,
}

/// The category of a person: the first one a record gives, else unknown.
pub async fn category_of(store: &dyn Store, person: &Id) -> Result<Category, StoreError> {
    Ok(store
        .records_of(person)
        .await?
        .iter()
        .find_map(|r| r.fields.category)
        .unwrap_or(Category::Unknown))
}

/// A person's timeline for a caseworker.
pub async fn timeline(store: &dyn Store, person: &str) -> Result<Timeline, CaseError> {
    let pid = Id::parse_kind(person.trim(), IdKind::Person)
        .map_err(|e| invalid("PERSON", e.to_string()))?;
    if store.person(&pid).await?.is_none() {
        return Err(CaseError::NotFound(format!("person {pid}")));
    }
    let events = store.events_of(&pid).await?;
    let confirmed: BTreeMap<Id, String> = store
        .confirmations_of(&pid)
        .await?
        .into_iter()
        .map(|c| {
            (
                c.event_id,
                format!("{} at {}", c.confirmed_by, c.confirmed_at),
            )
        })
        .collect();
    let sources: BTreeMap<Id, String> = store
        .sources()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let places: BTreeMap<Id, String> = store
        .places()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut contested_by: BTreeMap<&Id, Vec<String>> = BTreeMap::new();
    for e in &events {
        if let Some(t) = &e.contests {
            contested_by.entry(t).or_default().push(e.id.to_string());
        }
    }
    let entries = events
        .iter()
        .map(|e| TimelineEntry {
            id: e.id.to_string(),
            kind: e.kind.as_str().to_owned(),
            date: e.date.to_string(),
            source: sources.get(&e.source_id).cloned().unwrap_or_default(),
            place: e.place_id.as_ref().and_then(|p| places.get(p).cloned()),
            contests: e.contests.as_ref().map(|c| c.to_string()),
            contested_by: contested_by.get(&e.id).cloned().unwrap_or_default(),
            confirmed_by: confirmed.get(&e.id).cloned(),
            unconfirmed_death_claim: is_death_claim(e.kind) && !confirmed.contains_key(&e.id),
        })
        .collect();
    let category = category_of(store, &pid).await?;
    let view = confirmed_view(store, &pid).await?;
    Ok(Timeline {
        person_id: pid.to_string(),
        category: category.as_str().to_owned(),
        events: entries,
        history: legal_status_history(&view, category)
            .iter()
            .map(StatusStep::from)
            .collect(),
    })
}

/// What families and public figures may say of a person's status: a death only once
/// confirmed; release and repatriation from the timeline; otherwise what the records say,
/// with unconfirmed `deceased` claims left out.
pub async fn public_status(
    store: &dyn Store,
    person: &Id,
    as_of: &PartialDate,
) -> Result<(Status, LegalStatusAt), StoreError> {
    let view = confirmed_view(store, person).await?;
    let category = category_of(store, person).await?;
    let legal = legal_status_as_of(&view, category, as_of);
    if legal.ended {
        return Ok((Status::Deceased, legal));
    }
    let latest_release = view
        .iter()
        .filter(|e| e.date.earliest_day() <= as_of.latest_day())
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Release | EventKind::Repatriation | EventKind::PrisonerExchange
            )
        })
        .max_by_key(|e| e.date.latest_day());
    if legal.released {
        let s = match latest_release.map(|e| e.kind) {
            Some(EventKind::Repatriation) | Some(EventKind::PrisonerExchange) => {
                Status::Repatriated
            }
            _ => Status::Released,
        };
        return Ok((s, legal));
    }
    if legal.status != LegalStatus::Unknown {
        return Ok((Status::Detained, legal));
    }
    // No telling event: the records' statuses, most often said first, deaths excluded.
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    for r in store.records_of(person).await? {
        if let Some(s) = r.fields.status.filter(|s| *s != Status::Deceased) {
            *counts.entry(s).or_default() += 1;
        }
    }
    let status = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or(Status::Unknown, |(s, _)| s);
    Ok((status, legal))
}

/// Public figures: persons by status, deaths counted only when confirmed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct StatusFigures {
    /// The date the figures are as of.
    pub as_of: String,
    /// Persons per status (canonical spelling).
    pub by_status: BTreeMap<String, u64>,
    /// All persons.
    pub total: u64,
}

/// Counts persons by their public status as of a date.
pub async fn status_figures(
    store: &dyn Store,
    as_of: PartialDate,
) -> Result<StatusFigures, StoreError> {
    let mut f = StatusFigures {
        as_of: as_of.to_string(),
        ..StatusFigures::default()
    };
    for (id, _) in store.all_person_names().await? {
        let (s, _) = public_status(store, &id, &as_of).await?;
        *f.by_status.entry(s.as_str().to_owned()).or_default() += 1;
        f.total += 1;
    }
    Ok(f)
}
