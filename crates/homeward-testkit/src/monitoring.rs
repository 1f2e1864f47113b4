//! Conformance of `MonitoringStore`: confirmations, the list of items, enquiries, PFIF
//! batches with notes, all-or-nothing.

use crate::{batch, Ids};
use homeward_domain::{Enquiry, EnquiryState, Event, EventKind, IdKind, Source};
use homeward_store::{
    ChangeSet, EnquiryDecision, EnquiryFile, EventConfirmation, ImportOutcome, Note, PfifBatch,
    Store, StoreError,
};

/// Runs the monitoring checks (after the base suite, on the same store).
pub async fn monitoring(store: &dyn Store) {
    confirmations(store).await;
    visit_items(store).await;
    enquiries(store).await;
    pfif_batches(store).await;
}

async fn confirmations(store: &dyn Store) {
    let mut ids = Ids::new(40);
    let src = Source {
        id: ids.next(IdKind::Source),
        name: "caseworker channel".into(),
        description: None,
    };
    store.add_source(src.clone()).await.unwrap();
    assert!(matches!(
        store.add_source(src.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let person = store.all_person_names().await.unwrap()[1].0.clone();
    let death = Event {
        id: ids.next(IdKind::Event),
        person_id: person.clone(),
        kind: EventKind::DeathInCustody,
        date: "2024-05-01".parse().unwrap(),
        source_id: src.id.clone(),
        place_id: None,
        contests: None,
    };
    store
        .apply(ChangeSet {
            events: vec![death.clone()],
            ..ChangeSet::default()
        })
        .await
        .unwrap();
    assert_eq!(store.event(&death.id).await.unwrap(), Some(death.clone()));
    assert!(store.confirmations_of(&person).await.unwrap().is_empty());
    let c = EventConfirmation {
        event_id: death.id.clone(),
        confirmed_by: "caseworker-1".into(),
        confirmed_at: "2026-11-01T10:00:00Z".into(),
    };
    store.confirm_event(c.clone()).await.unwrap();
    assert_eq!(
        store.confirmations_of(&person).await.unwrap(),
        vec![c.clone()]
    );
    assert!(matches!(
        store.confirm_event(c).await,
        Err(StoreError::Conflict(_))
    ));
    let missing = EventConfirmation {
        event_id: ids.next(IdKind::Event),
        confirmed_by: "x".into(),
        confirmed_at: "2026-11-01T10:00:00Z".into(),
    };
    assert!(matches!(
        store.confirm_event(missing).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn visit_items(store: &dyn Store) {
    let items = store.visit_items().await.unwrap();
    assert!(
        items.contains(&"clothing".to_owned()),
        "seeded list: {items:?}"
    );
    store.add_visit_item("reading glasses").await.unwrap();
    store.add_visit_item("reading glasses").await.unwrap();
    let after = store.visit_items().await.unwrap();
    assert_eq!(after.len(), items.len() + 1);
    store.remove_visit_item("reading glasses").await.unwrap();
    assert!(matches!(
        store.remove_visit_item("reading glasses").await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.visit_items().await.unwrap(), items);
}

async fn enquiries(store: &dyn Store) {
    let mut ids = Ids::new(41);
    let before = store.enquiries().await.unwrap().len();
    let file = EnquiryFile {
        enquiry: Enquiry {
            id: ids.next(IdKind::Enquiry),
            received: "2024-03-01".parse().unwrap(),
            sought_name: "Թեստյան Աննա".into(),
            sought_birth_date: Some("1971".parse().unwrap()),
            relation: Some("mother".into()),
            contact: Some("+000 00 000 001".into()),
            state: EnquiryState::Open,
            person_id: None,
        },
        enquirer_name: Some("Synthetic Enquirer".into()),
        consent_to_share: true,
        sought: vec![
            ("full_name".into(), "Թեստյան Աննա".into()),
            ("birth_date".into(), "1971".into()),
        ],
        answer: None,
        decided_by: None,
        decided_at: None,
        close_reason: None,
    };
    store
        .add_enquiry(file.clone(), "$argon2id$synthetic".into())
        .await
        .unwrap();
    let (back, hash) = store.enquiry(&file.enquiry.id).await.unwrap().unwrap();
    assert_eq!(back, file);
    assert_eq!(hash, "$argon2id$synthetic");
    assert_eq!(store.enquiries().await.unwrap().len(), before + 1);
    let person = store.all_person_names().await.unwrap()[2].0.clone();
    let d = EnquiryDecision {
        enquiry_id: file.enquiry.id.clone(),
        state: EnquiryState::Answered,
        person_id: Some(person.clone()),
        answer: Some("{\"status\":\"detained\"}".into()),
        close_reason: None,
        decided_by: "caseworker-2".into(),
        decided_at: "2026-11-02T00:00:00Z".into(),
    };
    store.decide_enquiry(d.clone()).await.unwrap();
    let (back, _) = store.enquiry(&file.enquiry.id).await.unwrap().unwrap();
    assert_eq!(back.enquiry.state, EnquiryState::Answered);
    assert_eq!(back.enquiry.person_id, Some(person));
    assert_eq!(back.answer, d.answer);
    assert_eq!(back.decided_by.as_deref(), Some("caseworker-2"));
    let unknown = EnquiryDecision {
        enquiry_id: ids.next(IdKind::Enquiry),
        ..d
    };
    assert!(matches!(
        store.decide_enquiry(unknown).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store
        .enquiry(&ids.next(IdKind::Enquiry))
        .await
        .unwrap()
        .is_none());
}

async fn pfif_batches(store: &dyn Store) {
    let mut ids = Ids::new(42);
    let mut b = batch(&mut ids, "PFIF example.org", "pf01", 3);
    for (i, r) in b.records.iter_mut().enumerate() {
        r.fields.record_id = Some(format!("example.org/p{i}"));
    }
    let person = b.persons[0].id.clone();
    let note = |ids: &mut Ids, source: &homeward_domain::Id, n: u32| Note {
        id: ids.next(IdKind::Note),
        person_id: person.clone(),
        source_id: source.clone(),
        note_record_id: format!("example.org/n{n}"),
        person_record_id: "example.org/p0".into(),
        entry_date: "2024-01-02T00:00:00Z".into(),
        source_date: format!("2024-01-0{n}T00:00:00Z"),
        author_name: "Synthetic author".into(),
        status: Some("believed_alive".into()),
        last_known_location: None,
        text: format!("note {n}"),
    };
    let src = b.source.id.clone();
    let notes = vec![note(&mut ids, &src, 2), note(&mut ids, &src, 1)];
    // A note about a person that does not exist sinks the whole file.
    let mut bad_note = note(&mut ids, &src, 3);
    bad_note.person_id = ids.next(IdKind::Person);
    let before = store.counts().await.unwrap();
    let r = store
        .import_pfif(PfifBatch {
            batches: vec![b.clone()],
            notes: vec![notes[0].clone(), bad_note],
        })
        .await;
    assert!(r.is_err());
    assert_eq!(store.counts().await.unwrap(), before, "nothing landed");
    assert!(store
        .person_by_record_id("example.org/p0")
        .await
        .unwrap()
        .is_none());

    let out = store
        .import_pfif(PfifBatch {
            batches: vec![b.clone()],
            notes: notes.clone(),
        })
        .await
        .unwrap();
    assert!(matches!(out[0], ImportOutcome::Imported { records: 3, .. }));
    assert_eq!(
        store.person_by_record_id("example.org/p0").await.unwrap(),
        Some(person.clone())
    );
    let held = store.notes_of(&person).await.unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].text, "note 1", "by source date");
    assert_eq!(held[1], notes[0]);
    // The same file again changes nothing.
    let out = store
        .import_pfif(PfifBatch {
            batches: vec![b],
            notes,
        })
        .await
        .unwrap();
    assert!(matches!(out[0], ImportOutcome::AlreadyImported { .. }));
    assert_eq!(store.notes_of(&person).await.unwrap().len(), 2);
}
