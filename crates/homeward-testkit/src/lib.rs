//! Dev-only helpers: builders of synthetic entities and the storage conformance suite,
//! written once and run unchanged against SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod linkage;

use homeward_domain::{
    DetentionPlace, Enquiry, EnquiryState, Event, EventKind, Id, IdKind, PartialDate, Person,
    Record, Role, Source, StandardFields, User, Visit, VisitConditions, VisitFinding,
};
use homeward_store::{
    ChangeSet, ImportBatch, ImportChunk, ImportHeader, ImportOutcome, ImportStart, NameIndexRows,
    ScoredToken, Store, StoreError, VocabularyEntry,
};
mod monitoring;

pub use monitoring::monitoring;

use rand::rngs::StdRng;
use rand::SeedableRng;

pub mod trust;

/// A seeded id generator, so that tests are reproducible.
pub struct Ids(StdRng);

impl Ids {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Ids(StdRng::seed_from_u64(seed))
    }

    /// The next id of a kind.
    pub fn next(&mut self, kind: IdKind) -> Id {
        Id::generate(kind, &mut self.0)
    }
}

/// A synthetic import batch of `n` records (synthetic names), each its own person.
pub fn batch(ids: &mut Ids, source: &str, file_hash: &str, n: usize) -> ImportBatch {
    let source = Source {
        id: ids.next(IdKind::Source),
        name: source.to_owned(),
        description: Some("synthetic test list".into()),
    };
    let given = ["Anna", "Աննա", "Армен", "Gor", "Lusine"];
    let family = ["Testyan", "Թեստյան", "Тестян", "Sampleyan", "Exampleian"];
    let mut records = Vec::new();
    let mut persons = Vec::new();
    let mut person_tokens = Vec::new();
    for i in 0..n {
        let person = ids.next(IdKind::Person);
        let fields = StandardFields {
            record_id: Some(format!("T-{i:05}")),
            given_name: Some(given[i % given.len()].to_owned()),
            family_name: Some(family[i % family.len()].to_owned()),
            birth_date: Some(PartialDate::year(1970 + (i % 30) as i32).unwrap()),
            ..StandardFields::default()
        };
        let name = fields.display_name().unwrap();
        person_tokens.push((person.clone(), vec![format!("tok{}", i % family.len())]));
        persons.push(Person {
            id: person.clone(),
            display_name: name,
            reviewed: false,
        });
        records.push(Record {
            id: ids.next(IdKind::Record),
            source_id: source.id.clone(),
            person_id: person,
            row_number: i as u64 + 1,
            original: vec![
                ("Surname ".into(), format!(" {} ", family[i % family.len()])),
                ("Name".into(), given[i % given.len()].to_owned()),
            ],
            fields,
        });
    }
    ImportBatch {
        source,
        file_sha256: file_hash.to_owned(),
        file_name: "list.csv".into(),
        records,
        persons,
        names: NameIndexRows {
            person_tokens,
            // tok0..tok4, each with one key and the grams "g{j}" and "shared".
            vocabulary: (0..family.len())
                .map(|j| VocabularyEntry {
                    token: format!("tok{j}"),
                    keys: vec![format!("key{j}")],
                    grams: vec![format!("g{j}"), "shared".into()],
                })
                .collect(),
        },
        imported_at: "2026-11-01T00:00:00Z".into(),
    }
}

/// Runs every conformance check against a fresh, empty store.
pub async fn conformance(store: &dyn Store) {
    empty_store_counts_nothing(store).await;
    import_lands_whole_and_keeps_the_original(store).await;
    same_file_twice_is_a_no_op(store).await;
    failed_import_changes_nothing(store).await;
    change_sets_round_trip(store).await;
    failed_change_set_changes_nothing(store).await;
    name_index_finds_vocabulary_and_ranks_persons(store).await;
    a_streamed_import_lands_whole_or_not_at_all(store).await;
    browse_counts_and_pages(store).await;
    linkage::conformance(store).await;
    trust::conformance(store).await;
    monitoring(store).await;
}

async fn empty_store_counts_nothing(store: &dyn Store) {
    let c = store.counts().await.unwrap();
    assert_eq!(c, Default::default(), "a new store is empty");
}

async fn import_lands_whole_and_keeps_the_original(store: &dyn Store) {
    let mut ids = Ids::new(1);
    let b = batch(&mut ids, "list-a", "aa11", 1200);
    let first = b.records[0].clone();
    let out = store.import(b).await.unwrap();
    assert_eq!(
        out,
        ImportOutcome::Imported {
            records: 1200,
            new_source: true
        }
    );
    let c = store.counts().await.unwrap();
    assert_eq!((c.sources, c.records, c.persons), (1, 1200, 1200));
    let back = store.records_of(&first.person_id).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(
        back[0].original, first.original,
        "original row kept verbatim"
    );
    assert_eq!(back[0].fields, first.fields);
    let p = store.person(&first.person_id).await.unwrap().unwrap();
    assert_eq!(p.display_name, "Testyan Anna");
    let missing = ids.next(IdKind::Person);
    assert!(store.person(&missing).await.unwrap().is_none());
    assert_eq!(store.sources().await.unwrap().len(), 1);
    assert!(store.source_by_name("list-a").await.unwrap().is_some());
}

async fn same_file_twice_is_a_no_op(store: &dyn Store) {
    let before = store.counts().await.unwrap();
    let mut ids = Ids::new(2);
    let out = store
        .import(batch(&mut ids, "list-a", "aa11", 1200))
        .await
        .unwrap();
    assert!(matches!(out, ImportOutcome::AlreadyImported { .. }));
    assert_eq!(store.counts().await.unwrap(), before);
    // The same file into another source is a different import.
    let out = store
        .import(batch(&mut ids, "list-b", "aa11", 3))
        .await
        .unwrap();
    assert_eq!(
        out,
        ImportOutcome::Imported {
            records: 3,
            new_source: true
        }
    );
}

async fn failed_import_changes_nothing(store: &dyn Store) {
    let before = store.counts().await.unwrap();
    let mut ids = Ids::new(3);
    let mut b = batch(&mut ids, "list-c", "cc33", 700);
    // The last record points at a person that does not exist: the whole batch must fail.
    let last = b.records.len() - 1;
    b.records[last].person_id = ids.next(IdKind::Person);
    let err = store.import(b).await;
    assert!(err.is_err(), "a batch with a dangling reference is refused");
    assert_eq!(
        store.counts().await.unwrap(),
        before,
        "nothing of it landed"
    );
    assert!(store.source_by_name("list-c").await.unwrap().is_none());
}

/// A change set with a place, two events (one contesting the other), a visit with a finding,
/// an enquiry and a user, about `person` and citing `source`.
pub fn change_set(ids: &mut Ids, person: &Id, source: &Id) -> ChangeSet {
    let place = DetentionPlace {
        id: ids.next(IdKind::Place),
        name: "Facility North".into(),
        authority: Some("Authority A".into()),
        region: Some("Region 1".into()),
    };
    let capture = Event {
        id: ids.next(IdKind::Event),
        person_id: person.clone(),
        kind: EventKind::Capture,
        date: "2023-09-20".parse().unwrap(),
        source_id: source.clone(),
        place_id: Some(place.id.clone()),
        contests: None,
    };
    let contest = Event {
        id: ids.next(IdKind::Event),
        person_id: person.clone(),
        kind: EventKind::Capture,
        date: "2023-09".parse().unwrap(),
        source_id: source.clone(),
        place_id: None,
        contests: Some(capture.id.clone()),
    };
    let visit = Visit {
        id: ids.next(IdKind::Visit),
        place_id: place.id.clone(),
        date: "2024-01-10".parse().unwrap(),
        organisation: "Neutral Org".into(),
        conditions: VisitConditions {
            access_all: true,
            private_interviews: true,
            repeat_allowed: false,
            list_provided: true,
        },
        findings: vec![VisitFinding {
            person_id: Some(person.clone()),
            health: Some("synthetic finding".into()),
            items: vec!["clothing".into(), "hygiene items".into()],
            messages_collected: 2,
            messages_delivered: 1,
            family_call: true,
            consent_share_with_family: true,
            conditions: Some("synthetic conditions".into()),
            consent_representations: true,
            consent_reports: false,
        }],
    };
    let enquiry = Enquiry {
        id: ids.next(IdKind::Enquiry),
        received: "2024-02-01".parse().unwrap(),
        sought_name: "Тестян Армен".into(),
        sought_birth_date: Some("1975".parse().unwrap()),
        relation: Some("sister".into()),
        contact: Some("+000 00 000000".into()),
        state: EnquiryState::Open,
        person_id: None,
    };
    let user = User {
        id: ids.next(IdKind::User),
        username: format!("caseworker-{}", ids.next(IdKind::User)),
        role: Role::Caseworker,
    };
    ChangeSet {
        places: vec![place],
        events: vec![contest, capture],
        visits: vec![visit],
        enquiries: vec![(enquiry, "hash".into())],
        users: vec![(user, "$argon2id$synthetic".into())],
    }
}

async fn change_sets_round_trip(store: &dyn Store) {
    let src = store.source_by_name("list-a").await.unwrap().unwrap();
    let person = store.all_person_names().await.unwrap()[0].0.clone();
    let before = store.counts().await.unwrap();
    let mut ids = Ids::new(4);
    let c = change_set(&mut ids, &person, &src.id);
    let visit = c.visits[0].clone();
    store.apply(c).await.unwrap();
    let after = store.counts().await.unwrap();
    assert_eq!(after.events, before.events + 2);
    assert_eq!(after.visits, before.visits + 1);
    assert_eq!(after.enquiries, before.enquiries + 1);
    let events = store.events_of(&person).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].date.to_string(), "2023-09", "less precise first");
    assert!(events[0].contests.is_some());
    let visits = store.visits().await.unwrap();
    let mut without_health = visit;
    for f in &mut without_health.findings {
        f.health = None;
    }
    assert_eq!(
        visits,
        vec![without_health.clone()],
        "health findings are read one at a time"
    );
    assert_eq!(
        store.visits_of(&person).await.unwrap(),
        vec![without_health],
        "the person's own visits"
    );
    let names = store.all_person_names().await.unwrap();
    let other = names.iter().find(|(p, _)| *p != person).map(|(p, _)| p);
    if let Some(other) = other {
        assert!(
            store.visits_of(other).await.unwrap().is_empty(),
            "a person no visit saw has no visits"
        );
    }
    assert_eq!(store.places().await.unwrap().len(), 1);
    person_dossier_agrees_with_the_single_reads(store, &person).await;
}

/// The dossier (one statement) says what the single reads say, minus everything sealed.
async fn person_dossier_agrees_with_the_single_reads(store: &dyn Store, person: &Id) {
    let d = store.person_dossier(person).await.unwrap().unwrap();
    assert_eq!(Some(d.person.clone()), store.person(person).await.unwrap());
    let mut records = store.records_of(person).await.unwrap();
    let with_notes: std::collections::BTreeSet<Id> = records
        .iter()
        .filter(|r| r.fields.notes.is_some())
        .map(|r| r.id.clone())
        .collect();
    for r in &mut records {
        r.fields.notes = None;
        r.original = Vec::new();
    }
    assert_eq!(d.records, records, "records without notes and original row");
    assert_eq!(d.sealed_notes, with_notes);
    assert_eq!(d.events, store.events_of(person).await.unwrap());
    let mut visits = store.visits_of(person).await.unwrap();
    for f in visits.iter_mut().flat_map(|v| v.findings.iter_mut()) {
        f.conditions = None;
    }
    assert_eq!(d.visits, visits, "visits without the sealed conditions");
    let sources: std::collections::BTreeMap<Id, String> = store
        .sources()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    for r in &d.records {
        assert_eq!(d.source_names.get(&r.source_id), sources.get(&r.source_id));
    }
    for e in &d.events {
        assert_eq!(d.source_names.get(&e.source_id), sources.get(&e.source_id));
    }
    let places: std::collections::BTreeMap<Id, String> = store
        .places()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let named: Vec<&Id> = d
        .events
        .iter()
        .filter_map(|e| e.place_id.as_ref())
        .chain(d.visits.iter().map(|v| &v.place_id))
        .collect();
    assert!(!named.is_empty(), "the change set names a place");
    for p in named {
        assert_eq!(d.place_names.get(p), places.get(p));
    }
    let nobody = Ids::new(99).next(IdKind::Person);
    assert_eq!(store.person_dossier(&nobody).await.unwrap(), None);
}

async fn failed_change_set_changes_nothing(store: &dyn Store) {
    let src = store.source_by_name("list-a").await.unwrap().unwrap();
    let person = store.all_person_names().await.unwrap()[0].0.clone();
    let before = store.counts().await.unwrap();
    let mut ids = Ids::new(5);
    let mut c = change_set(&mut ids, &person, &src.id);
    // A visit to a place that does not exist: the places and events before it must not land.
    c.visits[0].place_id = ids.next(IdKind::Place);
    let r: Result<(), StoreError> = store.apply(c).await;
    assert!(r.is_err());
    assert_eq!(store.counts().await.unwrap(), before);
    assert_eq!(store.places().await.unwrap().len(), 1);
}

async fn name_index_finds_vocabulary_and_ranks_persons(store: &dyn Store) {
    // Several imports carried the same vocabulary entries: each is held once.
    let voc = |keys: &[&str], grams: &[(&str, u32)], min: u32| {
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let grams: Vec<(String, u32)> = grams.iter().map(|(g, w)| ((*g).to_owned(), *w)).collect();
        async move { store.name_vocabulary(&keys, &grams, min).await.unwrap() }
    };
    assert_eq!(
        voc(&["key1", "key3", "nokey"], &[], 1).await,
        ["tok1", "tok3"]
    );
    assert_eq!(voc(&[], &[("g2", 1), ("shared", 1)], 2).await, ["tok2"]);
    assert_eq!(
        voc(&[], &[("shared", 1)], 1).await,
        ["tok0", "tok1", "tok2", "tok3", "tok4"]
    );
    assert_eq!(voc(&[], &[("g2", 1), ("shared", 2)], 3).await, ["tok2"]);
    assert!(voc(&[], &[("shared", 1)], 2).await.is_empty());
    assert_eq!(voc(&["key4"], &[("g4", 1)], 1).await, ["tok4"]);

    let scored = |part: u32, token: &str, score: f64| ScoredToken {
        part,
        token: token.to_owned(),
        score,
    };
    let hits = store
        .name_candidates(&[scored(0, "tok1", 0.9), scored(0, "tok2", 0.8)], 5)
        .await
        .unwrap();
    assert_eq!(hits.len(), 5);
    assert!(
        hits.iter().all(|h| (h.estimate - 0.9).abs() < 1e-9),
        "best first"
    );
    let sorted: Vec<_> = {
        let mut v = hits.clone();
        v.sort_by(|a, b| a.person_id.cmp(&b.person_id));
        v
    };
    assert_eq!(hits, sorted, "ties broken by id, deterministically");
    assert_eq!(hits[0].display_name.split(' ').count(), 2);
    // Per query part the best score counts once; scores of different parts add up.
    let hits = store
        .name_candidates(
            &[
                scored(0, "tok1", 0.5),
                scored(0, "tok1", 0.7),
                scored(1, "tok1", 0.25),
                scored(0, "tok2", 0.8),
            ],
            3000,
        )
        .await
        .unwrap();
    assert!(
        (hits[0].estimate - 0.95).abs() < 1e-9,
        "{}",
        hits[0].estimate
    );
    assert!((hits.last().unwrap().estimate - 0.8).abs() < 1e-9);
    assert!(store.name_candidates(&[], 5).await.unwrap().is_empty());
}

async fn a_streamed_import_lands_whole_or_not_at_all(store: &dyn Store) {
    let before = store.counts().await.unwrap();
    let mut ids = Ids::new(4);
    let whole = batch(&mut ids, "list-s", "ss44", 30);
    let header = || ImportHeader {
        source: whole.source.clone(),
        file_sha256: whole.file_sha256.clone(),
        file_name: whole.file_name.clone(),
        imported_at: whole.imported_at.clone(),
    };
    let chunk = |from: usize, to: usize| ImportChunk {
        records: whole.records[from..to].to_vec(),
        persons: whole.persons[from..to].to_vec(),
        names: NameIndexRows {
            person_tokens: whole.names.person_tokens[from..to].to_vec(),
            vocabulary: whole.names.vocabulary.clone(),
        },
    };
    // Rolled back after two chunks: nothing stays, and the same file may come again.
    let ImportStart::Writing(mut w) = store.begin_import(header()).await.unwrap() else {
        panic!("a new file starts writing");
    };
    w.write(chunk(0, 10)).await.unwrap();
    w.write(chunk(10, 20)).await.unwrap();
    w.rollback().await.unwrap();
    assert_eq!(store.counts().await.unwrap(), before);
    assert!(store.source_by_name("list-s").await.unwrap().is_none());
    // Dropped without a commit (a crash, a cancelled task): nothing stays either.
    let ImportStart::Writing(mut w) = store.begin_import(header()).await.unwrap() else {
        panic!("a rolled-back file starts again");
    };
    w.write(chunk(0, 10)).await.unwrap();
    drop(w);
    assert_eq!(store.counts().await.unwrap(), before);
    // Three chunks, committed: all of them, counted once in the import log.
    let ImportStart::Writing(mut w) = store.begin_import(header()).await.unwrap() else {
        panic!("a dropped file starts again");
    };
    for (a, b) in [(0, 10), (10, 20), (20, 30)] {
        w.write(chunk(a, b)).await.unwrap();
    }
    let out = w.commit().await.unwrap();
    assert_eq!(
        out,
        ImportOutcome::Imported {
            records: 30,
            new_source: true
        }
    );
    assert_eq!(store.counts().await.unwrap().records, before.records + 30);
    assert!(matches!(
        store.begin_import(header()).await.unwrap(),
        ImportStart::AlreadyImported { .. }
    ));
}

/// Browsing: facet counts by what the records say, and persons paged by name.
async fn browse_counts_and_pages(store: &dyn Store) {
    let facets = store.facet_counts().await.unwrap();
    let total: u64 = facets.iter().map(|f| f.persons).sum();
    let c = store.counts().await.unwrap();
    // The batches of this suite give neither status nor category: one unknown bucket.
    assert_eq!(facets.len(), 1, "{facets:?}");
    assert_eq!((facets[0].status, facets[0].category), (None, None));
    assert_eq!(total, c.persons);

    let (first, n) = store.persons_page(0, 7).await.unwrap();
    assert_eq!(n, c.persons);
    assert_eq!(first.len(), 7);
    let (second, _) = store.persons_page(7, 7).await.unwrap();
    let mut both = first.clone();
    both.extend(second);
    let mut sorted = both.clone();
    sorted.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
    assert_eq!(
        both, sorted,
        "pages follow name then id order without overlap"
    );
    let (past_end, _) = store.persons_page(n + 10, 7).await.unwrap();
    assert!(past_end.is_empty());

    // Filtered: by source, every person kept has a record from it, in the same order.
    let source = store.sources().await.unwrap().remove(0);
    let by_source = homeward_store::PersonFilter {
        source: Some(source.id.clone()),
        ..Default::default()
    };
    let (kept, kept_n) = store.persons_filtered(&by_source, 0, 50).await.unwrap();
    assert_eq!(kept.len() as u64, kept_n.min(50));
    assert!(kept_n > 0 && kept_n <= n);
    for p in &kept {
        let records = store.records_of(&p.id).await.unwrap();
        assert!(records.iter().any(|r| r.source_id == source.id));
    }
    let mut sorted = kept.clone();
    sorted.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
    assert_eq!(kept, sorted);
    // No record of this suite states a status: a status filter keeps nobody.
    let detained = homeward_store::PersonFilter {
        status: Some(homeward_domain::Status::Detained),
        ..by_source
    };
    assert_eq!(
        store.persons_filtered(&detained, 0, 10).await.unwrap(),
        (Vec::new(), 0)
    );
}
