//! Browsing the registry (issue 7): the overview the dashboard shows, persons a page at a
//! time, and everything known about one person with the source of each fact and the
//! places where sources disagree.

use std::collections::BTreeMap;

use homeward_domain::{
    Category, Event, Field, Id, LegalStatus, PartialDate, Person, Record, Status,
};
use homeward_names::Script;
use homeward_store::{Counts, Store, StoreError};

use crate::monitoring::{legal_status_history, LegalStatusAt};

/// What the dashboard counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// Counts of everything.
    pub counts: Counts,
    /// Persons per status as the lists state it (`None`: not stated), in enumeration order.
    pub by_status: Vec<(Option<Status>, u64)>,
    /// Persons per category as the lists state it (`None`: not stated).
    pub by_category: Vec<(Option<Category>, u64)>,
}

/// Counts by status and category. A person whose lists disagree counts under each value
/// they were given, so a column may add up to more than the number of persons.
pub async fn overview(store: &dyn Store) -> Result<Overview, StoreError> {
    let counts = store.counts().await?;
    let facets = store.facet_counts().await?;
    let mut by_status: BTreeMap<(bool, Option<Status>), u64> = BTreeMap::new();
    let mut by_category: BTreeMap<(bool, Option<Category>), u64> = BTreeMap::new();
    for f in &facets {
        *by_status.entry((f.status.is_none(), f.status)).or_default() += f.persons;
        *by_category
            .entry((f.category.is_none(), f.category))
            .or_default() += f.persons;
    }
    Ok(Overview {
        counts,
        by_status: by_status.into_iter().map(|((_, s), n)| (s, n)).collect(),
        by_category: by_category.into_iter().map(|((_, c), n)| (c, n)).collect(),
    })
}

/// One page of persons, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonsPage {
    /// The persons on this page.
    pub persons: Vec<Person>,
    /// Persons in the registry.
    pub total: u64,
    /// The page number, from 1.
    pub page: u64,
    /// Persons per page.
    pub per_page: u32,
}

impl PersonsPage {
    /// The number of pages (at least 1).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }
}

/// The largest page a caller may ask for.
pub const MAX_PER_PAGE: u32 = 200;

/// Persons by name, page `page` (from 1) of `per_page` (capped at [`MAX_PER_PAGE`]).
pub async fn persons(
    store: &dyn Store,
    page: u64,
    per_page: u32,
) -> Result<PersonsPage, StoreError> {
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(u64::from(per_page));
    let (persons, total) = store.persons_page(offset, per_page).await?;
    Ok(PersonsPage {
        persons,
        total,
        page,
        per_page,
    })
}

/// Like [`persons`], only the persons `filter` keeps (some list states the status, the
/// category, or names them); `total` counts those persons.
pub async fn persons_filtered(
    store: &dyn Store,
    filter: &homeward_store::PersonFilter,
    page: u64,
    per_page: u32,
) -> Result<PersonsPage, StoreError> {
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(u64::from(per_page));
    let (persons, total) = store.persons_filtered(filter, offset, per_page).await?;
    Ok(PersonsPage {
        persons,
        total,
        page,
        per_page,
    })
}

/// Whether a person passes `filter` (the same test as [`persons_filtered`], for one person,
/// e.g. a name search's hits).
pub async fn passes(
    store: &dyn Store,
    filter: &homeward_store::PersonFilter,
    person: &Id,
) -> Result<bool, StoreError> {
    if filter.is_empty() {
        return Ok(true);
    }
    let records = store.records_of(person).await?;
    Ok(filter
        .status
        .map_or(true, |s| records.iter().any(|r| r.fields.status == Some(s)))
        && filter.category.map_or(true, |c| {
            records.iter().any(|r| r.fields.category == Some(c))
        })
        && filter
            .source
            .as_ref()
            .map_or(true, |src| records.iter().any(|r| r.source_id == *src)))
}

/// One written form of a person's name and who wrote it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameForm {
    /// The name as the source wrote it.
    pub text: String,
    /// Its script (mixed if its parts differ).
    pub script: Script,
    /// The canonical Latin reading, for readers of another script.
    pub latin: String,
    /// The sources that wrote it so, by name.
    pub sources: Vec<String>,
}

/// One value of a field and the sources that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValue {
    /// The value, in its canonical spelling.
    pub value: String,
    /// Sources that gave it, by name.
    pub sources: Vec<String>,
}

/// What the sources said about one standard field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldView {
    /// The field.
    pub field: Field,
    /// Each distinct value with its sources, most-cited first.
    pub values: Vec<FieldValue>,
}

impl FieldView {
    /// Whether sources disagree on this field.
    pub fn disputed(&self) -> bool {
        self.values.len() > 1
    }
}

/// One timeline event with its source and place by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventView {
    /// The event.
    pub event: Event,
    /// The source's name.
    pub source: String,
    /// The place's name, if any.
    pub place: Option<String>,
    /// Whether another event disputes this one or this one disputes another.
    pub disputed: bool,
}

/// A visit that saw the person. Health findings are left out: only health officers read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitSeen {
    /// When.
    pub date: PartialDate,
    /// Where.
    pub place: String,
    /// Who visited.
    pub organisation: String,
    /// Whether a family call took place.
    pub family_call: bool,
    /// Messages delivered from family.
    pub messages_delivered: u32,
    /// Messages collected for family.
    pub messages_collected: u32,
}

/// One record with its source by name, for the side-by-side view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    /// The record.
    pub record: Record,
    /// The source's name.
    pub source: String,
}

/// Everything known about one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonView {
    /// The person.
    pub person: Person,
    /// Every written form of the name, as the sources wrote it.
    pub names: Vec<NameForm>,
    /// Every standard field any source gave (names excepted), with disagreements.
    pub fields: Vec<FieldView>,
    /// The timeline, by date.
    pub events: Vec<EventView>,
    /// Legal status changes derived from the timeline, oldest first.
    pub legal_status: Vec<LegalStatusAt>,
    /// Visits that saw the person, oldest first.
    pub visits: Vec<VisitSeen>,
    /// The linked records, side by side.
    pub records: Vec<RecordView>,
    /// How many of those records hold notes left sealed ([`Sealed::Closed`]).
    pub notes_withheld: usize,
}

/// The fields that make up a name; shown as name forms, not as fields.
const NAME_FIELDS: [Field; 4] = [
    Field::GivenName,
    Field::FamilyName,
    Field::Patronymic,
    Field::FullName,
];

/// The script of a whole name: the script of its parts if they agree.
fn script_of_name(name: &str) -> Script {
    let mut scripts = name
        .split_whitespace()
        .map(homeward_names::script_of)
        .filter(|s| *s != Script::None);
    match scripts.next() {
        None => Script::None,
        Some(first) if scripts.all(|s| s == first) => first,
        Some(_) => Script::Mixed,
    }
}

/// Whether a person view opens the records' sealed notes and original rows: opening them
/// is a read the audit log records, so a page opens them only when the reader asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// Leave them sealed; the view says how many records hold notes.
    Closed,
    /// Open them (one logged read). The records are then read again, after the dossier's
    /// snapshot: a merge committing in between can show in the records alone.
    Open,
}

/// Everything known about a person, or `None` if there is no such person.
pub async fn person(
    store: &dyn Store,
    id: &Id,
    sealed: Sealed,
) -> Result<Option<PersonView>, StoreError> {
    let Some(dossier) = store.person_dossier(id).await? else {
        return Ok(None);
    };
    let (records, notes_withheld) = match sealed {
        Sealed::Closed => (dossier.records, dossier.sealed_notes.len()),
        Sealed::Open => (store.records_of(id).await?, 0),
    };
    let person = dossier.person;
    let events = dossier.events;
    let sources = dossier.source_names;
    let source_name = |id: &Id| sources.get(id).cloned().unwrap_or_else(|| id.to_string());

    // Names: one entry per distinct written form, in order of first appearance.
    let mut names: Vec<NameForm> = Vec::new();
    for r in &records {
        let Some(text) = r.fields.display_name() else {
            continue;
        };
        let src = source_name(&r.source_id);
        match names.iter_mut().find(|n| n.text == text) {
            Some(n) => {
                if !n.sources.contains(&src) {
                    n.sources.push(src);
                }
            }
            None => names.push(NameForm {
                script: script_of_name(&text),
                latin: homeward_names::analyse(&text).canonical,
                text,
                sources: vec![src],
            }),
        }
    }

    let mut fields = Vec::new();
    for f in Field::ALL.iter().filter(|f| !NAME_FIELDS.contains(f)) {
        let mut values: Vec<FieldValue> = Vec::new();
        for r in &records {
            let Some(v) = r.fields.get(*f) else { continue };
            let src = source_name(&r.source_id);
            match values.iter_mut().find(|x| x.value == v) {
                Some(x) => {
                    if !x.sources.contains(&src) {
                        x.sources.push(src);
                    }
                }
                None => values.push(FieldValue {
                    value: v,
                    sources: vec![src],
                }),
            }
        }
        if !values.is_empty() {
            values.sort_by_key(|v| std::cmp::Reverse(v.sources.len()));
            fields.push(FieldView { field: *f, values });
        }
    }

    let places = dossier.place_names;
    let disputed: Vec<&Id> = events
        .iter()
        .filter_map(|e| e.contests.as_ref().map(|t| [&e.id, t]))
        .flatten()
        .collect();
    let category = records
        .iter()
        .find_map(|r| r.fields.category)
        .unwrap_or(Category::Unknown);
    let legal_status = legal_status_history(&events, category);
    let event_views = events
        .iter()
        .map(|e| EventView {
            source: source_name(&e.source_id),
            place: e.place_id.as_ref().and_then(|p| places.get(p).cloned()),
            disputed: disputed.contains(&&e.id),
            event: e.clone(),
        })
        .collect();

    let mut visits: Vec<VisitSeen> = dossier
        .visits
        .into_iter()
        .flat_map(|v| {
            let place = places
                .get(&v.place_id)
                .cloned()
                .unwrap_or_else(|| v.place_id.to_string());
            v.findings
                .iter()
                .filter(|f| f.person_id.as_ref() == Some(id))
                .map(|f| VisitSeen {
                    date: v.date,
                    place: place.clone(),
                    organisation: v.organisation.clone(),
                    family_call: f.family_call,
                    messages_delivered: f.messages_delivered,
                    messages_collected: f.messages_collected,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    visits.sort_by_key(|v| v.date);

    let records = records
        .into_iter()
        .map(|r| RecordView {
            source: source_name(&r.source_id),
            record: r,
        })
        .collect();
    Ok(Some(PersonView {
        person,
        names,
        fields,
        events: event_views,
        legal_status,
        visits,
        records,
        notes_withheld,
    }))
}

/// The last legal status of a history, or unknown.
pub fn current_legal_status(history: &[LegalStatusAt]) -> LegalStatus {
    history.last().map_or(LegalStatus::Unknown, |h| h.status)
}
