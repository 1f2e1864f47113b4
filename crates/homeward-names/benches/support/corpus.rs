//! The synthetic name corpus shared by the benchmarks and the throughput example: names
//! drawn from the variant table's generic spellings, in several scripts and orders, with
//! typos. Synthetic only.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Spellings of generic names, grouped by name and by section of the variant table.
const TABLE: &str = include_str!("../../tests/data/name_variants.tsv");

pub struct Pools {
    given: Vec<Vec<Vec<&'static str>>>,
    family: Vec<Vec<Vec<&'static str>>>,
}

/// Single-word groups of the table, as (given name groups, surname groups) per nationality.
pub fn pools() -> Pools {
    let mut given = vec![Vec::new(); 3];
    let mut family = vec![Vec::new(); 3];
    let mut section: Option<(usize, bool)> = None;
    for line in TABLE.lines() {
        if let Some(h) = line.strip_prefix("# ---") {
            let nat = if h.contains("Armenian") {
                0
            } else if h.contains("Russian") {
                1
            } else if h.contains("Azerbaijani") {
                2
            } else {
                usize::MAX
            };
            section = (nat != usize::MAX).then(|| (nat, h.contains("given")));
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((nat, is_given)) = section else {
            continue;
        };
        let spellings: Vec<&str> = line.split('|').filter(|s| !s.contains(' ')).collect();
        if spellings.len() >= 2 {
            if is_given {
                given[nat].push(spellings);
            } else {
                family[nat].push(spellings);
            }
        }
    }
    Pools { given, family }
}

/// A random typo: two adjacent letters swapped, or one dropped.
fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 4 {
        return s.to_owned();
    }
    let i = rng.gen_range(1..c.len() - 1);
    if rng.gen_bool(0.5) {
        c.swap(i, i + 1);
    } else {
        c.remove(i);
    }
    c.into_iter().collect()
}

fn synthetic_name(rng: &mut ChaCha8Rng, p: &Pools) -> String {
    let nat = match rng.gen_range(0..10) {
        0..=5 => 0,
        6..=7 => 1,
        _ => 2,
    };
    let pick = |groups: &Vec<Vec<&'static str>>, rng: &mut ChaCha8Rng| -> String {
        let g = &groups[rng.gen_range(0..groups.len())];
        let s = g[rng.gen_range(0..g.len())];
        if rng.gen_bool(0.05) {
            typo(rng, s)
        } else {
            s.to_owned()
        }
    };
    let given = pick(&p.given[nat], rng);
    let family = pick(&p.family[nat], rng);
    match rng.gen_range(0..10) {
        0..=5 => format!("{given} {family}"),
        6..=7 => format!("{family} {given}"),
        _ => {
            let father = pick(&p.given[nat], rng);
            format!("{family} {given} {father}")
        }
    }
}

pub fn names(seed: u64, n: usize, p: &Pools) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| synthetic_name(&mut rng, p)).collect()
}
