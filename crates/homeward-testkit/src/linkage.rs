//! Conformance checks of `LinkageStore`: linked imports, review, merge, split, reject and
//! exact undo, settings, candidates and overlap rows. Run on SQLite and PostgreSQL alike.

use crate::Ids;
use homeward_domain::{Field, Id, IdKind, PartialDate, Person, Record, Source, StandardFields};
use homeward_store::{
    DecisionKind, DecisionMeta, ImportBatch, ImportLinks, ImportMerge, ImportOutcome, MergeRequest,
    NameIndexRows, NewReview, ReviewState, ScoredToken, SplitRequest, Store, StoreError,
    VocabularyEntry,
};

/// Runs every linkage conformance check (the store may already hold other data).
pub async fn conformance(store: &dyn Store) {
    settings_round_trip(store).await;
    linked_import_merges_and_queues(store).await;
    failed_linked_import_changes_nothing(store).await;
    accept_then_undo_restores_exactly(store).await;
    reject_is_remembered_and_undoable(store).await;
    split_then_undo_restores_exactly(store).await;
    undo_refuses_when_a_later_decision_depends_on_it(store).await;
    overlap_rows_name_sources(store).await;
}

fn meta(ids: &mut Ids, reason: &str) -> DecisionMeta {
    DecisionMeta {
        id: ids.next(IdKind::Decision),
        actor: "tester".into(),
        at: "2026-11-02T10:00:00Z".into(),
        reason: reason.into(),
    }
}

/// A batch of records with the given (given, family) names, each its own person with the
/// unique search term `tag:i`.
fn named_batch(
    ids: &mut Ids,
    source: &str,
    hash: &str,
    tag: &str,
    names: &[(&str, &str)],
) -> ImportBatch {
    let source = Source {
        id: ids.next(IdKind::Source),
        name: source.to_owned(),
        description: None,
    };
    let mut b = ImportBatch {
        source: source.clone(),
        file_sha256: hash.to_owned(),
        file_name: "linked.csv".into(),
        records: Vec::new(),
        persons: Vec::new(),
        names: NameIndexRows::default(),
        imported_at: "2026-11-02T09:00:00Z".into(),
    };
    for (i, (g, f)) in names.iter().enumerate() {
        let person = ids.next(IdKind::Person);
        let fields = StandardFields {
            given_name: Some((*g).to_owned()),
            family_name: Some((*f).to_owned()),
            birth_date: Some(PartialDate::year(1980 + i as i32).unwrap()),
            category: Some("civilian".parse().unwrap()),
            capture_date: Some(PartialDate::ymd(2023, 9, 20 + i as u32).unwrap()),
            ..StandardFields::default()
        };
        b.persons.push(Person {
            id: person.clone(),
            display_name: fields.display_name().unwrap(),
            reviewed: false,
        });
        // Synthetic index entries: each part is its own key, so a lookup by key finds it.
        let parts = vec![format!("{tag}:{i}"), format!("{tag}:all")];
        b.names
            .vocabulary
            .extend(parts.iter().map(|p| VocabularyEntry {
                token: p.clone(),
                keys: vec![p.clone()],
                grams: Vec::new(),
            }));
        b.names.person_tokens.push((person.clone(), parts));
        b.records.push(Record {
            id: ids.next(IdKind::Record),
            source_id: source.id.clone(),
            person_id: person,
            row_number: i as u64 + 2,
            original: vec![("Name".into(), format!("{g} {f}"))],
            fields,
        });
    }
    b
}

/// Everything observable about some persons: the person, its records, and which of the
/// probe terms find it.
async fn snapshot(
    store: &dyn Store,
    persons: &[&Id],
    probes: &[String],
) -> Vec<(Option<Person>, Vec<Record>, Vec<String>)> {
    let mut out = Vec::new();
    for p in persons {
        let mut found = Vec::new();
        for t in probes {
            let hits = store.name_candidates(&part(t), 10_000).await.unwrap();
            if hits.iter().any(|c| &&c.person_id == p) {
                found.push(t.clone());
            }
        }
        out.push((
            store.person(p).await.unwrap(),
            store.records_of(p).await.unwrap(),
            found,
        ));
    }
    out
}

async fn settings_round_trip(store: &dyn Store) {
    assert_eq!(store.setting("link.auto_accept").await.unwrap(), None);
    store
        .set_setting("link.auto_accept", "true", "admin", "2026-11-01T00:00:00Z")
        .await
        .unwrap();
    store
        .set_setting(
            "link.auto_accept",
            "false",
            "admin2",
            "2026-11-01T01:00:00Z",
        )
        .await
        .unwrap();
    assert_eq!(
        store.setting("link.auto_accept").await.unwrap().as_deref(),
        Some("false")
    );
    let all = store.settings().await.unwrap();
    assert_eq!(
        all,
        vec![(
            "link.auto_accept".to_owned(),
            "false".to_owned(),
            "2026-11-01T01:00:00Z".to_owned(),
            "admin2".to_owned()
        )]
    );
}

async fn linked_import_merges_and_queues(store: &dyn Store) {
    let mut ids = Ids::new(301);
    let b = named_batch(
        &mut ids,
        "linked-a",
        "la01",
        "la",
        &[
            ("Armen", "Sargsyan"),
            ("Արմեն", "Սարգսյան"),
            ("Armen", "Sarkisov"),
        ],
    );
    let (p0, p1, p2) = (
        b.persons[0].id.clone(),
        b.persons[1].id.clone(),
        b.persons[2].id.clone(),
    );
    let (r0, r1, r2) = (
        b.records[0].id.clone(),
        b.records[1].id.clone(),
        b.records[2].id.clone(),
    );
    let before = store.counts().await.unwrap();
    let merge_id = ids.next(IdKind::Decision);
    let review_id = ids.next(IdKind::Review);
    let links = ImportLinks {
        merges: vec![ImportMerge {
            meta: DecisionMeta {
                id: merge_id.clone(),
                actor: "auto".into(),
                at: "2026-11-02T09:00:00Z".into(),
                reason: "automatic".into(),
            },
            source: p1.clone(),
            target: p0.clone(),
            probability: 0.999,
        }],
        reviews: vec![NewReview {
            id: review_id.clone(),
            left_record: r0.clone(),
            right_record: r2.clone(),
            probability: 0.7,
            weight: 1.5,
            evidence: "{\"fields\":[]}".into(),
            created_at: "2026-11-02T09:00:00Z".into(),
        }],
    };
    let out = store.import_linked(b.clone(), links.clone()).await.unwrap();
    assert_eq!(
        out,
        ImportOutcome::Imported {
            records: 3,
            new_source: true
        }
    );
    let after = store.counts().await.unwrap();
    assert_eq!(after.records, before.records + 3);
    assert_eq!(
        after.persons,
        before.persons + 2,
        "one record joined another's person"
    );
    let recs = store.records_of(&p0).await.unwrap();
    assert_eq!(recs.len(), 2);
    assert!(
        recs.iter().any(|r| r.id == r1),
        "the merged record kept with its source"
    );
    assert!(store.person(&p1).await.unwrap().is_none());
    // The kept person is found by the joined person's terms too.
    let hits = store.name_candidates(&part("la:1"), 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].person_id, p0);

    let d = store.decision(&merge_id).await.unwrap().unwrap();
    assert_eq!(d.kind, DecisionKind::Merge);
    assert_eq!(
        (d.person.clone(), d.other_person.clone()),
        (p0.clone(), p1.clone())
    );
    assert_eq!(d.records, vec![r1.clone()]);
    assert_eq!(d.probability, Some(0.999));
    let open = store.reviews(Some(ReviewState::Open)).await.unwrap();
    let item = open.iter().find(|i| i.id == review_id).unwrap();
    assert_eq!(
        (item.left_person.clone(), item.right_person.clone()),
        (p0.clone(), p2.clone())
    );
    assert_eq!(item.evidence, "{\"fields\":[]}");
    assert_eq!(
        store.review(&review_id).await.unwrap().unwrap().probability,
        0.7
    );

    // The same file again changes nothing, decisions included.
    let last = store.last_decision().await.unwrap().unwrap();
    let again = store.import_linked(b, links).await.unwrap();
    assert!(matches!(again, ImportOutcome::AlreadyImported { .. }));
    assert_eq!(store.counts().await.unwrap(), after);
    assert_eq!(store.last_decision().await.unwrap().unwrap().id, last.id);

    // Undo the automatic merge: the record is a person of its own again, with its terms.
    let undone = store
        .undo_decision(&merge_id, "tester", "2026-11-02T11:00:00Z", "wrong")
        .await
        .unwrap();
    assert!(undone.undone.is_some());
    let back = store.records_of(&p1).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].id, r1);
    let hits = store.name_candidates(&part("la:1"), 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].person_id, p1);
    assert_eq!(store.counts().await.unwrap().persons, before.persons + 3);
    let err = store
        .undo_decision(&merge_id, "tester", "2026-11-02T11:00:00Z", "again")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    // Candidates come through the index: records of persons holding the terms.
    let cands = store.link_candidates(&["la:all".to_owned()]).await.unwrap();
    let mut got: Vec<&Id> = cands.iter().map(|r| &r.id).collect();
    got.sort();
    let mut want = vec![&r0, &r1, &r2];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(store.record(&r2).await.unwrap().unwrap().person_id, p2);
}

async fn failed_linked_import_changes_nothing(store: &dyn Store) {
    let mut ids = Ids::new(302);
    let b = named_batch(
        &mut ids,
        "linked-bad",
        "lb01",
        "lb",
        &[("Gor", "Petrosyan")],
    );
    let before = store.counts().await.unwrap();
    let last = store.last_decision().await.unwrap().map(|d| d.id);
    let links = ImportLinks {
        merges: vec![ImportMerge {
            meta: meta(&mut ids, "automatic"),
            source: b.persons[0].id.clone(),
            target: ids.next(IdKind::Person), // no such person
            probability: 0.99,
        }],
        reviews: vec![],
    };
    let err = store.import_linked(b, links).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(store.counts().await.unwrap(), before);
    assert!(store.source_by_name("linked-bad").await.unwrap().is_none());
    assert_eq!(store.last_decision().await.unwrap().map(|d| d.id), last);
}

async fn accept_then_undo_restores_exactly(store: &dyn Store) {
    let mut ids = Ids::new(303);
    let b = named_batch(
        &mut ids,
        "linked-c",
        "lc01",
        "lc",
        &[("Ани", "Мкртчян"), ("Ani", "Mkrtchyan")],
    );
    let (p0, p1) = (b.persons[0].id.clone(), b.persons[1].id.clone());
    let review_id = ids.next(IdKind::Review);
    store
        .import_linked(
            b.clone(),
            ImportLinks {
                merges: vec![],
                reviews: vec![NewReview {
                    id: review_id.clone(),
                    left_record: b.records[0].id.clone(),
                    right_record: b.records[1].id.clone(),
                    probability: 0.93,
                    weight: 3.8,
                    evidence: "{}".into(),
                    created_at: "2026-11-02T09:00:00Z".into(),
                }],
            },
        )
        .await
        .unwrap();
    let probes = vec!["lc:0".to_owned(), "lc:1".to_owned(), "lc:all".to_owned()];
    let before = snapshot(store, &[&p0, &p1], &probes).await;
    let counts = store.counts().await.unwrap();
    let m = meta(&mut ids, "same person: same name in two scripts");
    let d = store
        .merge_persons(MergeRequest {
            meta: m.clone(),
            target: p0.clone(),
            source: p1.clone(),
            review: Some(review_id.clone()),
            mark_reviewed: true,
            probability: Some(0.93),
        })
        .await
        .unwrap();
    assert_eq!(d.review.as_ref(), Some(&review_id));
    assert_eq!(d.actor, "tester");
    assert_eq!(d.reason, "same person: same name in two scripts");
    let item = store.review(&review_id).await.unwrap().unwrap();
    assert_eq!(item.state, ReviewState::Accepted);
    assert_eq!(item.decision.as_ref(), Some(&m.id));
    assert!(store.person(&p0).await.unwrap().unwrap().reviewed);
    assert_eq!(store.records_of(&p0).await.unwrap().len(), 2);
    assert_eq!(store.counts().await.unwrap().persons, counts.persons - 1);
    // Accepting twice is refused.
    let err = store
        .merge_persons(MergeRequest {
            meta: meta(&mut ids, "again"),
            target: p0.clone(),
            source: p1.clone(),
            review: Some(review_id.clone()),
            mark_reviewed: true,
            probability: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(_) | StoreError::Conflict(_)),
        "{err}"
    );

    let last = store.last_decision().await.unwrap().unwrap();
    assert_eq!(last.id, m.id);
    store
        .undo_decision(&m.id, "tester", "2026-11-02T12:00:00Z", "too hasty")
        .await
        .unwrap();
    assert_eq!(
        snapshot(store, &[&p0, &p1], &probes).await,
        before,
        "exact restore"
    );
    assert_eq!(store.counts().await.unwrap(), counts);
    assert_eq!(
        store.review(&review_id).await.unwrap().unwrap().state,
        ReviewState::Open
    );
    let hist = store.decisions_of(&p1).await.unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(
        hist[0].undone.as_ref().map(|u| u.2.as_str()),
        Some("too hasty")
    );
}

async fn reject_is_remembered_and_undoable(store: &dyn Store) {
    let mut ids = Ids::new(304);
    let b = named_batch(
        &mut ids,
        "linked-d",
        "ld01",
        "ld",
        &[("Karen", "Hakobyan"), ("Karen", "Akopyan")],
    );
    let review_id = ids.next(IdKind::Review);
    let (r0, r1) = (b.records[0].id.clone(), b.records[1].id.clone());
    store
        .import_linked(
            b,
            ImportLinks {
                merges: vec![],
                reviews: vec![NewReview {
                    id: review_id.clone(),
                    left_record: r0.clone(),
                    right_record: r1.clone(),
                    probability: 0.6,
                    weight: 0.5,
                    evidence: "{}".into(),
                    created_at: "2026-11-02T09:00:00Z".into(),
                }],
            },
        )
        .await
        .unwrap();
    let m = meta(&mut ids, "different fathers");
    let d = store.reject_review(&review_id, m.clone()).await.unwrap();
    assert_eq!(d.kind, DecisionKind::Reject);
    assert_eq!(d.records, vec![r0.clone(), r1.clone()]);
    assert!(store
        .rejections()
        .await
        .unwrap()
        .contains(&(r0.clone(), r1.clone())));
    assert_eq!(
        store.review(&review_id).await.unwrap().unwrap().state,
        ReviewState::Rejected
    );
    let err = store
        .reject_review(&review_id, meta(&mut ids, "again"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    store
        .undo_decision(&m.id, "tester", "2026-11-02T13:00:00Z", "")
        .await
        .unwrap();
    assert!(!store.rejections().await.unwrap().contains(&(r0, r1)));
    assert_eq!(
        store.review(&review_id).await.unwrap().unwrap().state,
        ReviewState::Open
    );
}

async fn split_then_undo_restores_exactly(store: &dyn Store) {
    let mut ids = Ids::new(305);
    let b = named_batch(
        &mut ids,
        "linked-e",
        "le01",
        "le",
        &[
            ("Lusine", "Grigoryan"),
            ("Lusine", "Grigorian"),
            ("Lilit", "Grigoryan"),
        ],
    );
    let p: Vec<Id> = b.persons.iter().map(|x| x.id.clone()).collect();
    let r: Vec<Id> = b.records.iter().map(|x| x.id.clone()).collect();
    store
        .import_linked(
            b,
            ImportLinks {
                merges: vec![
                    ImportMerge {
                        meta: meta(&mut ids, "automatic"),
                        source: p[1].clone(),
                        target: p[0].clone(),
                        probability: 0.995,
                    },
                    ImportMerge {
                        meta: meta(&mut ids, "automatic"),
                        source: p[2].clone(),
                        target: p[0].clone(),
                        probability: 0.991,
                    },
                ],
                reviews: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(store.records_of(&p[0]).await.unwrap().len(), 3);
    let probes: Vec<String> = (0..3).map(|i| format!("le:{i}")).collect();
    let before = snapshot(store, &[&p[0]], &probes).await;
    let counts = store.counts().await.unwrap();
    let new_person = ids.next(IdKind::Person);
    let m = meta(&mut ids, "Lilit is a sister");
    let d = store
        .split_person(SplitRequest {
            meta: m.clone(),
            person: p[0].clone(),
            records: vec![r[2].clone()],
            new_person: new_person.clone(),
            display_name: "Grigoryan Lilit".into(),
            terms: vec!["le:split".into()],
        })
        .await
        .unwrap();
    assert_eq!(d.kind, DecisionKind::Split);
    assert_eq!(store.records_of(&new_person).await.unwrap()[0].id, r[2]);
    assert_eq!(store.records_of(&p[0]).await.unwrap().len(), 2);
    assert_eq!(store.counts().await.unwrap().persons, counts.persons + 1);
    // Splitting off every record, or a record of someone else, is refused.
    let err = store
        .split_person(SplitRequest {
            meta: meta(&mut ids, "all"),
            person: new_person.clone(),
            records: vec![r[2].clone()],
            new_person: ids.next(IdKind::Person),
            display_name: "x".into(),
            terms: vec![],
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = store
        .split_person(SplitRequest {
            meta: meta(&mut ids, "foreign"),
            person: p[0].clone(),
            records: vec![r[2].clone()],
            new_person: ids.next(IdKind::Person),
            display_name: "x".into(),
            terms: vec![],
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    store
        .undo_decision(&m.id, "tester", "2026-11-02T14:00:00Z", "")
        .await
        .unwrap();
    assert_eq!(snapshot(store, &[&p[0]], &probes).await, before);
    assert!(store.person(&new_person).await.unwrap().is_none());
    assert!(store
        .name_candidates(&part("le:split"), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.counts().await.unwrap(), counts);
}

async fn undo_refuses_when_a_later_decision_depends_on_it(store: &dyn Store) {
    let mut ids = Ids::new(306);
    let b = named_batch(
        &mut ids,
        "linked-f",
        "lf01",
        "lf",
        &[
            ("Hayk", "Avetisyan"),
            ("Hayk", "Avetisian"),
            ("Haik", "Avetisyan"),
        ],
    );
    let p: Vec<Id> = b.persons.iter().map(|x| x.id.clone()).collect();
    store.import(b).await.unwrap();
    let first = meta(&mut ids, "one");
    store
        .merge_persons(MergeRequest {
            meta: first.clone(),
            target: p[0].clone(),
            source: p[1].clone(),
            review: None,
            mark_reviewed: true,
            probability: None,
        })
        .await
        .unwrap();
    let second = meta(&mut ids, "two");
    store
        .merge_persons(MergeRequest {
            meta: second.clone(),
            target: p[2].clone(),
            source: p[0].clone(),
            review: None,
            mark_reviewed: true,
            probability: None,
        })
        .await
        .unwrap();
    let counts = store.counts().await.unwrap();
    let err = store
        .undo_decision(&first.id, "tester", "2026-11-02T15:00:00Z", "")
        .await
        .unwrap_err();
    match err {
        StoreError::Conflict(m) => assert!(m.contains(second.id.as_str()), "{m}"),
        other => panic!("expected a conflict, got {other}"),
    }
    assert_eq!(
        store.counts().await.unwrap(),
        counts,
        "a refused undo changes nothing"
    );
    // In reverse order both undo, and every record is back where it was.
    store
        .undo_decision(&second.id, "tester", "2026-11-02T15:00:00Z", "")
        .await
        .unwrap();
    store
        .undo_decision(&first.id, "tester", "2026-11-02T15:00:01Z", "")
        .await
        .unwrap();
    for person in &p {
        assert_eq!(store.records_of(person).await.unwrap().len(), 1);
        assert!(!store.person(person).await.unwrap().unwrap().reviewed);
    }
    let err = store
        .merge_persons(MergeRequest {
            meta: meta(&mut ids, "self"),
            target: p[0].clone(),
            source: p[0].clone(),
            review: None,
            mark_reviewed: true,
            probability: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
}

async fn overlap_rows_name_sources(store: &dyn Store) {
    let rows = store.overlap_rows(Some(Field::CaptureDate)).await.unwrap();
    let records = store.counts().await.unwrap().records;
    assert_eq!(rows.len() as u64, records, "one row per record");
    let sources: Vec<String> = store
        .sources()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(rows.iter().all(|r| sources.contains(&r.source)));
    assert!(rows
        .iter()
        .any(|r| r.source == "linked-e" && r.value.as_deref() == Some("2023-09-20")));
    let plain = store.overlap_rows(None).await.unwrap();
    assert!(plain.iter().all(|r| r.value.is_none()));
}

/// A lookup of one index part (as the search does once it has scored the vocabulary).
fn part(token: &str) -> Vec<ScoredToken> {
    vec![ScoredToken {
        part: 0,
        token: token.to_owned(),
        score: 1.0,
    }]
}
