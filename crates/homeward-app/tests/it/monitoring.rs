//! Casework: legal status from a timeline with contested events, the access gap at its
//! boundary, and death claims hidden until confirmed.

use homeward_app::casework::{self, EventInput, SeenInput, VisitInput};
use homeward_app::enquiry::{self, AnswerPolicy, EnquiryIntake};
use homeward_app::monitoring;
use homeward_domain::{Id, PartialDate};
use homeward_store::Store;
use homeward_testkit::{batch, Ids};

fn d(s: &str) -> PartialDate {
    s.parse().unwrap()
}

async fn registry(n: usize) -> (homeward_store_sql::SqlStore, tempfile::TempDir, Vec<Id>) {
    let (store, dir) = crate::store().await;
    let mut ids = Ids::new(11);
    let b = batch(&mut ids, "Ministry list", "ab12", n);
    let persons = b.persons.iter().map(|p| p.id.clone()).collect();
    store.import(b).await.unwrap();
    (store, dir, persons)
}

fn ev(person: &Id, kind: &str, date: &str, source: &str, contests: Option<&Id>) -> EventInput {
    EventInput {
        person: person.to_string(),
        kind: kind.into(),
        date: date.into(),
        source: source.into(),
        place: None,
        contests: contests.map(|c| c.to_string()),
    }
}

#[tokio::test]
async fn legal_status_as_of_a_date_with_contested_events() {
    let (store, _dir, persons) = registry(2).await;
    let mut rng = rand::rngs::OsRng;
    let p = &persons[0];
    let capture = casework::add_event(
        &store,
        &mut rng,
        &ev(p, "capture", "2023-09-20", "Ministry list", None),
    )
    .await
    .unwrap();
    // A rights group says the capture was earlier: it is recorded and flagged, it does not win.
    let dispute = casework::add_event(
        &store,
        &mut rng,
        &ev(
            p,
            "capture",
            "2023-08-01",
            "Rights group",
            Some(&capture.id),
        ),
    )
    .await
    .unwrap();
    casework::add_event(
        &store,
        &mut rng,
        &ev(p, "charge", "2024-02", "Court records", None),
    )
    .await
    .unwrap();
    casework::add_event(
        &store,
        &mut rng,
        &ev(p, "sentence", "2024-10-01", "Court records", None),
    )
    .await
    .unwrap();
    // A source may not contest itself, nor another person's event.
    let own = casework::add_event(
        &store,
        &mut rng,
        &ev(
            p,
            "capture",
            "2023-08-01",
            "Ministry list",
            Some(&capture.id),
        ),
    )
    .await;
    assert!(own.is_err());
    let other = casework::add_event(
        &store,
        &mut rng,
        &ev(
            &persons[1],
            "capture",
            "2023-08-01",
            "Rights group",
            Some(&capture.id),
        ),
    )
    .await;
    assert!(other.unwrap_err().to_string().contains("another person"));

    let events = store.events_of(p).await.unwrap();
    let cat = homeward_domain::Category::Military;
    let at = |date: &str| monitoring::legal_status_as_of(&events, cat, &d(date));
    assert_eq!(
        at("2023-08-15").status,
        homeward_domain::LegalStatus::Unknown
    );
    let pow = at("2023-12-31");
    assert_eq!(pow.status, homeward_domain::LegalStatus::PrisonerOfWar);
    assert!(pow.contested, "the capture is disputed by another source");
    assert_eq!(pow.basis.as_ref(), Some(&capture.id));
    assert_eq!(
        at("2024-02-01").status,
        homeward_domain::LegalStatus::Accused
    );
    assert_eq!(
        at("2025-01-01").status,
        homeward_domain::LegalStatus::Convicted
    );

    let t = casework::timeline(&store, p.as_str()).await.unwrap();
    assert_eq!(t.events.len(), 4);
    let c = t
        .events
        .iter()
        .find(|e| e.id == capture.id.to_string())
        .unwrap();
    assert_eq!(c.contested_by, vec![dispute.id.to_string()]);
    assert_eq!(c.source, "Ministry list");
    let steps: Vec<&str> = t.history.iter().map(|s| s.legal_status.as_str()).collect();
    assert_eq!(
        steps,
        ["civilian_internee", "accused", "convicted"],
        "the test list has no category"
    );
    assert!(t.history[0].contested);
}

#[tokio::test]
async fn access_gap_at_the_boundary_and_an_unconfirmed_death_does_not_silence_it() {
    let (store, _dir, persons) = registry(3).await;
    let mut rng = rand::rngs::OsRng;
    let place = casework::add_place(&store, &mut rng, "Facility North", None, None)
        .await
        .unwrap();
    let seen = |p: &Id| SeenInput {
        person: p.to_string(),
        items: vec!["clothing".into()],
        family_call: true,
        ..SeenInput::default()
    };
    let v = VisitInput {
        date: "2024-03-01".into(),
        place: "Facility North".into(),
        organisation: "Neutral humanitarian organisation".into(),
        seen: vec![seen(&persons[0]), seen(&persons[1])],
        ..VisitInput::default()
    };
    casework::add_visit(&store, &mut rng, "visit.toml", &v)
        .await
        .unwrap();
    // An unknown item is refused with the file and the entry named, and nothing lands.
    let mut bad = v.clone();
    bad.seen[1].items = vec!["chocolate".into()];
    let e = casework::add_visit(&store, &mut rng, "visit.toml", &bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("visit.toml: seen[2].items"), "{e}");
    assert_eq!(store.visits().await.unwrap().len(), 1);

    // Day 30 is not overdue, day 31 is.
    let r = monitoring::access_gap(&store, d("2024-03-31"), 30, false)
        .await
        .unwrap();
    assert_eq!(
        (
            r.persons[&persons[0]].days_since_visit,
            r.persons[&persons[0]].overdue
        ),
        (30, false)
    );
    let r = monitoring::access_gap(&store, d("2024-04-01"), 30, false)
        .await
        .unwrap();
    assert!(r.persons[&persons[0]].overdue);
    assert_eq!(r.places[&place.id].overdue, 2);

    // A death claim about persons[1] must not take them off the overdue list until confirmed.
    let death = casework::add_event(
        &store,
        &mut rng,
        &ev(
            &persons[1],
            "death_in_custody",
            "2024-03-10",
            "Unverified report",
            None,
        ),
    )
    .await
    .unwrap();
    let r = monitoring::access_gap(&store, d("2024-04-01"), 30, false)
        .await
        .unwrap();
    assert!(
        r.persons[&persons[1]].overdue,
        "an unconfirmed claim does not end custody"
    );
    casework::confirm_event(
        &store,
        death.id.as_str(),
        "caseworker-7",
        "2024-04-02T09:00:00Z",
    )
    .await
    .unwrap();
    let r = monitoring::access_gap(&store, d("2024-04-03"), 30, false)
        .await
        .unwrap();
    assert!(!r.persons[&persons[1]].overdue && r.persons[&persons[1]].out_of_custody);
}

async fn answer(store: &homeward_store_sql::SqlStore, reference: &str, p: &Id) -> enquiry::Answer {
    enquiry::answer(
        store,
        reference,
        p.as_str(),
        d("2024-08-01"),
        AnswerPolicy::default(),
        None,
        "cw",
        "2024-08-01T00:00:00Z",
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_death_claim_is_hidden_from_families_and_figures_until_confirmed() {
    let (store, _dir, persons) = registry(3).await;
    let mut rng = rand::rngs::OsRng;
    let h = crate::hasher();
    let p = &persons[0];
    casework::add_event(
        &store,
        &mut rng,
        &ev(p, "capture", "2023-09-20", "Ministry list", None),
    )
    .await
    .unwrap();
    let claim = casework::add_event(
        &store,
        &mut rng,
        &ev(p, "death_in_custody", "2024-06-01", "Anonymous call", None),
    )
    .await
    .unwrap();
    let receipt = enquiry::add(
        &store,
        &h,
        &mut rng,
        &EnquiryIntake {
            received: "2024-07-01".into(),
            relation: Some("mother".into()),
            contact: Some("+000 00 000 000".into()),
            consent_to_share: true,
            sought: vec![("full_name".into(), "Testyan Anna".into())],
            ..EnquiryIntake::default()
        },
    )
    .await
    .unwrap();
    let a = answer(&store, &receipt.reference, p).await;
    assert_eq!(a.status, "detained", "the unconfirmed claim is not told");
    let view = enquiry::family_status(&store, &h, &receipt.reference, &receipt.passphrase)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.answer.unwrap().status, "detained");
    let f = casework::status_figures(&store, d("2024-08-01"))
        .await
        .unwrap();
    assert_eq!(f.by_status.get("deceased"), None, "nor counted: {f:?}");
    let t = casework::timeline(&store, p.as_str()).await.unwrap();
    assert!(t.events.iter().any(|e| e.unconfirmed_death_claim));
    assert!(t.history.iter().all(|s| !s.ended));

    let c = casework::confirm_event(
        &store,
        claim.id.as_str(),
        "caseworker-3",
        "2024-08-02T10:00:00Z",
    )
    .await
    .unwrap();
    assert_eq!(c.confirmed_by, "caseworker-3");
    let a = answer(&store, &receipt.reference, p).await;
    assert_eq!(a.status, "deceased");
    let f = casework::status_figures(&store, d("2024-08-01"))
        .await
        .unwrap();
    assert_eq!(f.by_status.get("deceased"), Some(&1));
    let t = casework::timeline(&store, p.as_str()).await.unwrap();
    let e = t
        .events
        .iter()
        .find(|e| e.id == claim.id.to_string())
        .unwrap();
    assert!(e
        .confirmed_by
        .as_deref()
        .unwrap()
        .starts_with("caseworker-3"));
    assert!(t.history.last().unwrap().ended);
    // Only death claims take confirmation, and only once.
    assert!(
        casework::confirm_event(&store, claim.id.as_str(), "caseworker-3", "x")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_demo_shows_overdue_persons_and_places_and_an_unconfirmed_claim() {
    let (store, _dir, _scenario, summary) = crate::demo(300).await;
    assert!(summary.death_claims >= 1, "{summary:?}");
    assert!(summary.answered >= 1);
    let r = monitoring::access_gap(&store, d("2026-11-01"), 30, false)
        .await
        .unwrap();
    assert!(
        r.totals.overdue > 0 && r.totals.places_overdue > 0,
        "{:?}",
        r.totals
    );
    let c = store.counts().await.unwrap();
    assert!(c.events > 0 && c.visits > 0 && c.enquiries > 0);
}
