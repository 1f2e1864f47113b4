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

mod props {
    use homeward_synth::{generate, ScenarioConfig, SimpleDate};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn nothing_happens_after_as_of_and_rows_are_sound(
            seed in any::<u64>(),
            persons in 1usize..400,
            year in 2021i32..2028,
            month in 1u32..=12,
            lists in 5usize..10,
        ) {
            let mut cfg = ScenarioConfig::new(persons, seed);
            cfg.as_of = SimpleDate::new(year, month, 1);
            cfg.lists = lists;
            let s = generate(&cfg);
            prop_assert_eq!(s.lists.len(), lists);
            for p in &s.persons {
                prop_assert!(p.birth.is_valid());
                prop_assert!(p.birth < p.capture_date);
                prop_assert!(p.capture_date < cfg.as_of);
                for d in [p.end_date, p.transfer_date, p.remains_date].into_iter().flatten() {
                    prop_assert!(d >= p.capture_date && d < cfg.as_of, "{:?} {:?}", d, p);
                }
            }
            for v in &s.visits {
                prop_assert!(v.date < cfg.as_of);
            }
            for e in &s.events {
                prop_assert!(e.date < cfg.as_of, "{:?}", e);
                prop_assert!(e.source < lists);
            }
            for q in &s.enquiries {
                prop_assert!(q.date < cfg.as_of);
            }
            for l in &s.lists {
                for (row, &id) in l.rows.iter().zip(&l.truth) {
                    prop_assert!((id as usize) < persons);
                    let named = ["family_name", "given_name", "full_name"]
                        .iter()
                        .filter_map(|f| l.column_of(f))
                        .any(|i| !row[i].trim().is_empty());
                    prop_assert!(named);
                }
            }
        }
    }
}
