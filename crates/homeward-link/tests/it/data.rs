//! A small seeded generator of synthetic people and noisy copies across scripts, so that the
//! tests do not depend on another crate's data.

use homeward_link::{LinkRecord, PartialDate, Sex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// (Latin, Cyrillic, Armenian) forms of synthetic given names.
const GIVEN: &[(&str, &str, &str)] = &[
    ("Armen", "Армен", "Արմեն"),
    ("Karen", "Карен", "Կարեն"),
    ("Davit", "Давит", "Դավիթ"),
    ("Gor", "Гор", "Գոռ"),
    ("Tigran", "Тигран", "Տիգրան"),
    ("Vahe", "Ваге", "Վահե"),
    ("Aram", "Арам", "Արամ"),
    ("Hayk", "Айк", "Հայկ"),
    ("Narek", "Нарек", "Նարեկ"),
    ("Levon", "Левон", "Լևոն"),
    ("Ruben", "Рубен", "Ռուբեն"),
    ("Artur", "Артур", "Արթուր"),
];

/// (Latin, Cyrillic, Armenian) forms of synthetic family names.
const FAMILY: &[(&str, &str, &str)] = &[
    ("Petrosyan", "Петросян", "Պետրոսյան"),
    ("Vardanyan", "Варданян", "Վարդանյան"),
    ("Sargsyan", "Саргсян", "Սարգսյան"),
    ("Grigoryan", "Григорян", "Գրիգորյան"),
    ("Karapetyan", "Карапетян", "Կարապետյան"),
    ("Avetisyan", "Аветисян", "Ավետիսյան"),
    ("Mkrtchyan", "Мкртчян", "Մկրտչյան"),
    ("Poghosyan", "Погосян", "Պողոսյան"),
    ("Khachatryan", "Хачатрян", "Խաչատրյան"),
    ("Gevorgyan", "Геворкян", "Գևորգյան"),
    ("Hakobyan", "Акопян", "Հակոբյան"),
    ("Martirosyan", "Мартиросян", "Մարտիրոսյան"),
    ("Ghazaryan", "Казарян", "Ղազարյան"),
    ("Simonyan", "Симонян", "Սիմոնյան"),
    ("Aslanyan", "Асланян", "Ասլանյան"),
    ("Melkonyan", "Мелконян", "Մելքոնյան"),
];

const PLACES: &[&str] = &[
    "Goris", "Kapan", "Sisian", "Martuni", "Hadrut", "Askeran", "Shushi", "Berdzor",
];

/// A scenario: records and the person each record belongs to.
pub struct Synthetic {
    pub records: Vec<LinkRecord>,
    pub truth: Vec<u32>,
}

fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() > 3 {
        let i = rng.gen_range(1..chars.len() - 1);
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

/// `persons` people, each listed 1-3 times with script changes, typos, partial dates and
/// missing fields; `sources` > 1 spreads the copies over that many lists.
pub fn generate(persons: usize, sources: u32, seed: u64) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    for p in 0..persons {
        let g = GIVEN[rng.gen_range(0..GIVEN.len())];
        let f = FAMILY[rng.gen_range(0..FAMILY.len())];
        let father = GIVEN[rng.gen_range(0..GIVEN.len())];
        let date = PartialDate::new(
            rng.gen_range(1950..2004),
            Some(rng.gen_range(1..=12)),
            Some(rng.gen_range(1..=28)),
        )
        .unwrap();
        let place = PLACES[rng.gen_range(0..PLACES.len())];
        let id = format!("AM{:06}", rng.gen_range(0..1_000_000));
        let copies = rng.gen_range(1..=3);
        let mut used_sources: Vec<u32> = (0..sources).collect();
        used_sources.shuffle(&mut rng);
        for c in 0..copies {
            let source = if sources > 1 {
                used_sources[c % sources as usize]
            } else {
                0
            };
            let script = rng.gen_range(0..3);
            let pick = |t: (&str, &str, &str)| match script {
                0 => t.0.to_owned(),
                1 => t.1.to_owned(),
                _ => t.2.to_owned(),
            };
            let mut given = pick(g);
            let mut family = pick(f);
            if script == 0 && rng.gen_bool(0.2) {
                family = typo(&mut rng, &family);
            }
            if script == 0 && rng.gen_bool(0.1) {
                given = typo(&mut rng, &given);
            }
            let birth = match rng.gen_range(0..10) {
                0 => None,
                1 => PartialDate::new(date.year, None, None),
                2 => PartialDate::new(date.year, date.month, None),
                _ => Some(date),
            };
            let mut r = LinkRecord {
                source,
                record_id: Some(format!("p{p}c{c}")),
                sex: if rng.gen_bool(0.8) {
                    Some(Sex::Male)
                } else {
                    None
                },
                birth_date: birth,
                birth_place: rng.gen_bool(0.6).then(|| place.to_owned()),
                id_number: rng.gen_bool(0.3).then(|| id.clone()),
                ..LinkRecord::default()
            };
            if rng.gen_bool(0.15) {
                r.full_name = Some(format!("{family} {given} {}", pick(father)));
            } else {
                r.given_name = Some(given);
                r.family_name = Some(family);
                r.patronymic = rng.gen_bool(0.3).then(|| pick(father));
            }
            records.push(r);
            truth.push(p as u32);
        }
    }
    Synthetic { records, truth }
}

/// True pairs (i < j) by input index.
pub fn true_pairs(truth: &[u32]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            if truth[i] == truth[j] {
                out.push((i as u32, j as u32));
            }
        }
    }
    out
}

/// (precision, recall) of predicted pairs against true pairs.
pub fn precision_recall(predicted: &[(u32, u32)], truth: &[u32]) -> (f64, f64) {
    let truths = true_pairs(truth);
    let tp = predicted
        .iter()
        .filter(|&&(i, j)| truth[i as usize] == truth[j as usize])
        .count();
    let p = if predicted.is_empty() {
        1.0
    } else {
        tp as f64 / predicted.len() as f64
    };
    let r = if truths.is_empty() {
        1.0
    } else {
        tp as f64 / truths.len() as f64
    };
    (p, r)
}
