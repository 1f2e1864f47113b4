//! Places, visits, events and enquiries are consistent with the ground truth.

use homeward_synth::{generate, EventKind, ScenarioConfig, Status};

#[test]
fn visits_see_only_persons_held_there_then() {
    let s = generate(&ScenarioConfig::new(8_000, 31));
    assert!(!s.visits.is_empty());
    let mut seen_any = 0;
    for v in &s.visits {
        assert!(v.place < s.places.len());
        assert!(v.date < s.config.as_of);
        for f in &v.seen {
            let p = &s.persons[f.person as usize];
            assert_eq!(p.place_on(v.date), Some(v.place));
            seen_any += 1;
        }
    }
    assert!(seen_any > 1_000, "{seen_any}");
    assert!(s.visits.windows(2).all(|w| w[0].date <= w[1].date));
}

#[test]
fn events_are_in_range_and_ordered() {
    let s = generate(&ScenarioConfig::new(8_000, 32));
    let mut contested = 0;
    for e in &s.events {
        assert!((e.person as usize) < s.persons.len());
        assert!(e.source < s.lists.len());
        assert!(e.place.map_or(true, |p| p < s.places.len()));
        assert!(e.date < s.config.as_of, "{e:?}");
        contested += usize::from(e.contested);
    }
    assert!(contested > 0);
    // Every person has exactly one uncontested capture.
    let captures = s
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Capture && !e.contested)
        .count();
    assert_eq!(captures, s.persons.len());
    let deaths = s
        .events
        .iter()
        .filter(|e| e.kind == EventKind::DeathInCustody && !e.contested)
        .count();
    let deceased = s
        .persons
        .iter()
        .filter(|p| p.status == Status::Deceased)
        .count();
    assert_eq!(deaths, deceased);
    assert!(s
        .events
        .iter()
        .any(|e| e.kind == EventKind::PrisonerExchange));
    assert!(s.events.iter().any(|e| e.kind == EventKind::Sentence));
}

#[test]
fn enquiries_point_at_persons_or_at_nobody() {
    let s = generate(&ScenarioConfig::new(8_000, 33));
    assert!(s.enquiries.len() > 500);
    let nobody = s.enquiries.iter().filter(|e| e.person.is_none()).count();
    assert!(nobody > 0 && nobody < s.enquiries.len() / 3);
    for e in &s.enquiries {
        assert!(e.person.map_or(true, |p| (p as usize) < s.persons.len()));
        assert!(!e.name_written.trim().is_empty());
        assert!(e.contact.starts_with("+374 00 "));
        assert!(e.date < s.config.as_of);
    }
}
