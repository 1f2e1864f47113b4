//! Error rates match the configured ones, and the flags tell the truth about the rows.

use homeward_synth::ErrorKind;
use homeward_synth::{generate, ScenarioConfig};

/// Four binomial standard deviations, plus a little slack for tiny rates.
fn tolerance(rate: f64, n: usize) -> f64 {
    4.0 * (rate * (1.0 - rate) / n as f64).sqrt() + 0.002
}

#[test]
fn applied_error_rates_are_within_tolerance_of_configured_ones() {
    let s = generate(&ScenarioConfig::new(40_000, 21));
    for list in &s.lists {
        for kind in ErrorKind::ALL {
            let eligible = list.stats.eligible[kind as usize];
            if eligible < 200 {
                continue;
            }
            let observed = list.stats.rate(kind).unwrap();
            let configured = list.rates.get(kind);
            assert!(
                (observed - configured).abs() <= tolerance(configured, eligible),
                "{} {}: observed {observed:.4} configured {configured:.4} over {eligible}",
                list.code,
                kind.as_str()
            );
        }
        // The flags on the rows agree with the counts (near-duplicate rows carry their own
        // noise, so only the primary-row kinds are compared on primary rows).
        let primary = list
            .flags
            .iter()
            .filter(|f| !f.contains(ErrorKind::Duplicate) && !f.contains(ErrorKind::NearDuplicate));
        let typos = primary.filter(|f| f.contains(ErrorKind::Typo)).count();
        assert_eq!(
            typos,
            list.stats.applied[ErrorKind::Typo as usize],
            "{}",
            list.code
        );
    }
}

#[test]
fn error_scale_zero_gives_clean_lists() {
    let mut cfg = ScenarioConfig::new(5_000, 22);
    cfg.error_scale = 0.0;
    let s = generate(&cfg);
    for list in &s.lists {
        assert!(list.flags.iter().all(|f| f.is_clean()), "{}", list.code);
        // Without errors each person appears once per list.
        let mut ids = list.truth.clone();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}

/// The only four-digit run in any of the lists' date formats is the year.
fn year_of(cell: &str) -> Option<i32> {
    cell.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4)
        .and_then(|y| y.parse().ok())
}

#[test]
fn birth_years_are_exact_unless_flagged_off_by_one() {
    let s = generate(&ScenarioConfig::new(20_000, 23));
    let mut checked = 0;
    for list in &s.lists {
        let Some(ci) = list.column_of("birth_date") else {
            continue;
        };
        for ((row, &id), flags) in list.rows.iter().zip(&list.truth).zip(&list.flags) {
            if flags.contains(ErrorKind::NearDuplicate) || row[ci].is_empty() {
                continue;
            }
            let year = year_of(&row[ci]).unwrap_or_else(|| panic!("{} {:?}", list.code, row[ci]));
            let truth = s.persons[id as usize].birth.year;
            if flags.contains(ErrorKind::YearOffByOne) {
                assert_eq!((year - truth).abs(), 1, "{} {:?}", list.code, row);
            } else {
                assert_eq!(year, truth, "{} {:?}", list.code, row);
            }
            checked += 1;
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn unflagged_latin_split_names_are_canonical() {
    let s = generate(&ScenarioConfig::new(10_000, 24));
    let hrg = &s.lists[0];
    let (sc, gc) = (
        hrg.column_of("family_name").unwrap(),
        hrg.column_of("given_name").unwrap(),
    );
    for ((row, &id), flags) in hrg.rows.iter().zip(&hrg.truth).zip(&hrg.flags) {
        if !flags.is_clean() {
            continue;
        }
        let p = &s.persons[id as usize];
        assert_eq!(row[sc], p.family_latin());
        assert_eq!(row[gc], p.given_latin());
    }
}

#[test]
fn flagged_ter_variants_lose_the_hyphenated_prefix() {
    let s = generate(&ScenarioConfig::new(40_000, 25));
    let mut seen = 0;
    for list in &s.lists {
        let Some(sc) = list.column_of("family_name") else {
            continue;
        };
        for (row, flags) in list.rows.iter().zip(&list.flags) {
            if flags.contains(ErrorKind::TerVariation) && !flags.contains(ErrorKind::NearDuplicate)
            {
                assert!(
                    !["Ter-", "Der-", "Տեր-", "Тер-"]
                        .iter()
                        .any(|p| row[sc].starts_with(p)),
                    "{:?}",
                    row[sc]
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 0);
}
