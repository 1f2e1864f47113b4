//! Same seed, same scenario; different seeds, different scenarios.

use homeward_synth::{generate, Scenario, ScenarioConfig};
use proptest::prelude::*;

/// A compact fingerprint of everything generated (no hashing crate needed: Debug text).
fn fingerprint(s: &Scenario) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        s.persons, s.lists, s.visits, s.events, s.enquiries
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn same_seed_same_scenario(seed in any::<u64>(), persons in 1usize..300) {
        let cfg = ScenarioConfig::new(persons, seed);
        prop_assert_eq!(fingerprint(&generate(&cfg)), fingerprint(&generate(&cfg)));
    }

    #[test]
    fn different_seeds_differ(seed in any::<u64>()) {
        let a = generate(&ScenarioConfig::new(200, seed));
        let b = generate(&ScenarioConfig::new(200, seed.wrapping_add(1)));
        prop_assert_ne!(fingerprint(&a), fingerprint(&b));
    }
}

#[test]
fn a_person_does_not_depend_on_how_many_follow() {
    let small = generate(&ScenarioConfig::new(500, 11));
    let large = generate(&ScenarioConfig::new(5_000, 11));
    assert_eq!(small.persons[..], large.persons[..500]);
}

#[test]
fn list_count_is_at_least_five() {
    let mut cfg = ScenarioConfig::new(100, 1);
    cfg.lists = 2;
    assert_eq!(generate(&cfg).lists.len(), 5);
    cfg.lists = 11;
    let s = generate(&cfg);
    assert_eq!(s.lists.len(), 11);
    let codes: std::collections::BTreeSet<&str> = s.lists.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes.len(), 11, "list codes must be unique: {codes:?}");
}

#[test]
fn zero_persons_is_fine() {
    let s = generate(&ScenarioConfig::new(0, 3));
    assert!(s.persons.is_empty());
    assert!(s.lists.iter().all(|l| l.rows.is_empty()));
    assert!(s.enquiries.is_empty());
}

#[test]
fn thread_count_does_not_change_the_scenario() {
    let cfg = ScenarioConfig::new(20_000, 17);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fingerprint(&generate(&cfg)))
    };
    assert_eq!(run(1), run(3));
}
