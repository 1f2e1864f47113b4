//! The true population: who each person is, what happened to them, and the household and
//! namesake structure that makes record linkage honestly hard.

use std::borrow::Cow;

use crate::date::SimpleDate;
use crate::monitoring::{PlaceKind, PlaceSpec};
use crate::names::{
    gendered, icao_from_russian, russian_patronymic, tables, NameEntry, Origin, Script,
};
use crate::rng::{purpose, Cumulative, Stream};
use crate::vocab::{Category, LegalStatus, Locality, Sex, Status, BIRTHPLACES, CAPTURE_PLACES};
use crate::ScenarioConfig;

/// One true person of the scenario (ground truth, never shown to the linkage engine).
#[derive(Clone, Debug, PartialEq)]
pub struct TruePerson {
    /// Index in [`crate::Scenario::persons`]; the truth vectors of the lists refer to it.
    pub id: u32,
    /// Sex.
    pub sex: Sex,
    /// Origin of the names.
    pub origin: Origin,
    /// Given name (all its forms).
    pub given: &'static NameEntry,
    /// Surname (all its forms; feminine endings are applied by the accessors).
    pub family: &'static NameEntry,
    /// Father's given name, from which the patronymic is formed.
    pub father: &'static NameEntry,
    /// Date of birth.
    pub birth: SimpleDate,
    /// Place of birth.
    pub birth_place: &'static Locality,
    /// Category.
    pub category: Category,
    /// Status as of the scenario date.
    pub status: Status,
    /// Legal status.
    pub legal_status: LegalStatus,
    /// Date of capture or disappearance.
    pub capture_date: SimpleDate,
    /// Place of capture or disappearance.
    pub capture_place: &'static Locality,
    /// Current (or last) place of detention; `None` for the missing.
    pub detention_place: Option<usize>,
    /// Authority holding (or that last held) the person.
    pub detaining_authority: Option<&'static str>,
    /// Where the person was first held, before a transfer to `detention_place`.
    pub earlier_place: Option<usize>,
    /// Date of the transfer from `earlier_place`.
    pub transfer_date: Option<SimpleDate>,
    /// Date of release, repatriation or death, when that happened.
    pub end_date: Option<SimpleDate>,
    /// Date remains were handed over, for some of the deceased.
    pub remains_date: Option<SimpleDate>,
    /// Household id; siblings share it.
    pub household: u32,
    /// The sibling (sharing surname and patronymic) this person was modelled on.
    pub sibling_of: Option<u32>,
    /// True when the sibling is a twin (same birth date).
    pub twin: bool,
    /// An earlier, unrelated person with the same given name and surname.
    pub namesake_of: Option<u32>,
    /// Latent public visibility; higher means more lists name the person (list dependence).
    pub visibility: f64,
}

impl TruePerson {
    /// Given name in Armenian script.
    pub fn given_hy(&self) -> &'static str {
        self.given.hy
    }
    /// Given name, canonical Latin.
    pub fn given_latin(&self) -> &'static str {
        self.given.canonical_latin()
    }
    /// Surname in Armenian script (feminine form where it inflects).
    pub fn family_hy(&self) -> Cow<'static, str> {
        gendered(
            self.family.hy,
            self.family,
            self.sex.is_female(),
            Script::Armenian,
        )
    }
    /// Surname in Russian Cyrillic.
    pub fn family_ru(&self) -> Cow<'static, str> {
        gendered(
            self.family.ru,
            self.family,
            self.sex.is_female(),
            Script::Cyrillic,
        )
    }
    /// Surname, canonical Latin.
    pub fn family_latin(&self) -> Cow<'static, str> {
        gendered(
            self.family.canonical_latin(),
            self.family,
            self.sex.is_female(),
            Script::Latin,
        )
    }
    /// Patronymic the Armenian way: the father's given name, in Armenian script.
    pub fn patronymic_hy(&self) -> &'static str {
        self.father.hy
    }
    /// Patronymic, canonical Latin (the father's given name).
    pub fn patronymic_latin(&self) -> &'static str {
        self.father.canonical_latin()
    }
    /// Russian-style patronymic (Арменович / Арменовна).
    pub fn patronymic_ru(&self) -> String {
        russian_patronymic(self.father.ru, self.sex.is_female())
    }
    /// Russian-style patronymic romanised as a passport would (Armenovich).
    pub fn patronymic_ru_latin(&self) -> String {
        icao_from_russian(&self.patronymic_ru())
    }
    /// "Given Family" in canonical Latin.
    pub fn full_name_latin(&self) -> String {
        format!("{} {}", self.given_latin(), self.family_latin())
    }
    /// Place where the person was held on `date`, if held then.
    pub fn place_on(&self, date: SimpleDate) -> Option<usize> {
        let place = self.detention_place?;
        if date < self.capture_date || self.end_date.is_some_and(|e| date >= e) {
            return None;
        }
        match (self.earlier_place, self.transfer_date) {
            (Some(early), Some(t)) if date < t => Some(early),
            _ => Some(place),
        }
    }
}

/// Dates of synthetic exchanges and handovers; repatriations happen in these batches.
pub(crate) const EXCHANGE_DATES: &[SimpleDate] = &[
    SimpleDate::new(2020, 12, 14),
    SimpleDate::new(2020, 12, 28),
    SimpleDate::new(2021, 1, 28),
    SimpleDate::new(2021, 5, 3),
    SimpleDate::new(2021, 6, 12),
    SimpleDate::new(2021, 7, 3),
    SimpleDate::new(2021, 12, 4),
    SimpleDate::new(2022, 10, 4),
    SimpleDate::new(2022, 12, 13),
    SimpleDate::new(2023, 6, 15),
    SimpleDate::new(2023, 12, 13),
    SimpleDate::new(2024, 1, 11),
    SimpleDate::new(2025, 1, 15),
    SimpleDate::new(2025, 8, 20),
    SimpleDate::new(2026, 3, 10),
];

struct Samplers {
    male: Cumulative,
    female: Cumulative,
    surname: Cumulative,
    birthplace: Cumulative,
    capture_place: Cumulative,
}

impl Samplers {
    fn new() -> Self {
        let t = tables();
        Self {
            // Given names are less skewed than surnames; the surname exponent makes the top
            // few surnames cover a large share, as in Armenia.
            male: Cumulative::zipf(t.male.len(), 0.9, 1.0),
            female: Cumulative::zipf(t.female.len(), 0.9, 1.0),
            surname: Cumulative::zipf(t.surnames.len(), 1.05, 0.5),
            birthplace: Cumulative::zipf(BIRTHPLACES.len(), 1.0, 0.5),
            capture_place: Cumulative::zipf(CAPTURE_PLACES.len(), 0.8, 1.0),
        }
    }
}

fn given_for(origin: Origin, sex: Sex, s: &Samplers, rng: &mut Stream) -> &'static NameEntry {
    let t = tables();
    let table = match (origin, sex) {
        (Origin::Armenian, Sex::Male) => return &t.male[s.male.sample(rng)],
        (Origin::Armenian, Sex::Female) => return &t.female[s.female.sample(rng)],
        (Origin::Russian, Sex::Male) => &t.ru_male,
        (Origin::Russian, Sex::Female) => &t.ru_female,
        (Origin::Azerbaijani, Sex::Male) => &t.az_male,
        (Origin::Azerbaijani, Sex::Female) => &t.az_female,
    };
    rng.pick(table).unwrap_or(&t.male[0])
}

fn surname_for(origin: Origin, s: &Samplers, rng: &mut Stream) -> &'static NameEntry {
    let t = tables();
    let table = match origin {
        Origin::Armenian => return &t.surnames[s.surname.sample(rng)],
        Origin::Russian => &t.ru_surnames,
        Origin::Azerbaijani => &t.az_surnames,
    };
    rng.pick(table).unwrap_or(&t.surnames[0])
}

fn random_date_in(rng: &mut Stream, from: SimpleDate, days: i64) -> SimpleDate {
    from.add_days(rng.range(0, days.max(0)))
}

fn pick_place(places: &[PlaceSpec], kinds: &[(PlaceKind, f64)], rng: &mut Stream) -> Option<usize> {
    // A fixed buffer: this runs once or twice per person, a million times at scale.
    let mut weights = [0.0f64; 64];
    let n = places.len().min(weights.len());
    for (w, p) in weights.iter_mut().zip(&places[..n]) {
        *w = kinds
            .iter()
            .find(|(k, _)| *k == p.kind)
            .map_or(0.0, |(_, w)| *w);
    }
    if n == 0 {
        return None;
    }
    if weights[..n].iter().all(|w| *w <= 0.0) {
        return Some(rng.below(n));
    }
    Some(rng.weighted(&weights[..n]))
}

fn base_person(id: usize, cfg: &ScenarioConfig, s: &Samplers, places: &[PlaceSpec]) -> TruePerson {
    let mut rng = Stream::new(cfg.seed, purpose::PERSON, id as u64);
    let origin = match rng.unit() {
        u if u < 0.985 => Origin::Armenian,
        u if u < 0.995 => Origin::Russian,
        _ => Origin::Azerbaijani,
    };
    // Three periods: the 2020 war, the years between, the September 2023 offensive.
    let period = rng.weighted(&[0.55, 0.15, 0.30]);
    let mut capture_date = match period {
        0 => random_date_in(&mut rng, SimpleDate::new(2020, 9, 27), 44),
        1 => random_date_in(&mut rng, SimpleDate::new(2020, 12, 1), 990),
        _ => random_date_in(&mut rng, SimpleDate::new(2023, 9, 19), 20),
    };
    if capture_date >= cfg.as_of {
        capture_date = cfg.as_of.add_days(-rng.range(1, 60));
    }
    let category = match period {
        0 => [Category::Military, Category::Civilian][rng.weighted(&[0.8, 0.2])],
        1 => [Category::Military, Category::Civilian][rng.weighted(&[0.6, 0.4])],
        _ => [Category::Military, Category::Civilian, Category::Official]
            [rng.weighted(&[0.45, 0.4, 0.15])],
    };
    let p_male = match category {
        Category::Military => 0.98,
        Category::Civilian => 0.62,
        Category::Official => 0.9,
    };
    let sex = if rng.chance(p_male) {
        Sex::Male
    } else {
        Sex::Female
    };
    let given = given_for(origin, sex, s, &mut rng);
    let family = surname_for(origin, s, &mut rng);
    let father = given_for(origin, Sex::Male, s, &mut rng);

    let age = match category {
        Category::Military if rng.chance(0.6) => rng.range(18, 21),
        Category::Military => rng.range(22, 52),
        Category::Civilian => rng.range(16, 60) + rng.range(0, 25),
        Category::Official => rng.range(35, 72),
    };
    let by = capture_date.year - age as i32;
    let bm = rng.range(1, 12) as u32;
    let bd = rng.range(1, i64::from(SimpleDate::days_in_month(by, bm))) as u32;
    let birth = SimpleDate::new(by, bm, bd);

    let status_weights: [f64; 5] = match (period, category) {
        (_, Category::Official) => [0.02, 0.9, 0.03, 0.03, 0.02],
        (0, _) => [0.28, 0.07, 0.08, 0.50, 0.07],
        (1, _) => [0.10, 0.30, 0.15, 0.40, 0.05],
        _ => [0.10, 0.45, 0.20, 0.20, 0.05],
    };
    let statuses = [
        Status::Missing,
        Status::Detained,
        Status::Released,
        Status::Repatriated,
        Status::Deceased,
    ];
    let mut status = statuses[rng.weighted(&status_weights)];
    let mut end_date = None;
    let mut remains_date = None;
    match status {
        Status::Repatriated => {
            let earliest = capture_date.add_days(10);
            let options = || {
                EXCHANGE_DATES
                    .iter()
                    .copied()
                    .filter(|d| *d >= earliest && *d < cfg.as_of)
            };
            // Most go home in the first exchange after capture, some wait for a later one.
            let k = if rng.chance(0.6) {
                0
            } else {
                rng.below(options().count().min(4))
            };
            match options().nth(k) {
                Some(d) => end_date = Some(d),
                None => status = Status::Detained,
            }
        }
        Status::Released => {
            let d = capture_date.add_days(rng.range(2, 120));
            if d < cfg.as_of {
                end_date = Some(d);
            } else {
                status = Status::Detained;
            }
        }
        Status::Deceased => {
            let d = capture_date.add_days(rng.range(1, 700));
            let d = if d >= cfg.as_of {
                cfg.as_of.add_days(-1)
            } else {
                d
            };
            end_date = Some(d.max(capture_date));
            if rng.chance(0.6) {
                let r = d.add_days(rng.range(20, 400));
                if r < cfg.as_of {
                    remains_date = Some(r);
                }
            }
        }
        Status::Missing | Status::Detained => {}
    }

    let long_held =
        status == Status::Detained || end_date.is_some_and(|e| capture_date.days_until(e) > 365);
    let legal_status = match (status, category) {
        (Status::Missing, _) => LegalStatus::Unknown,
        (_, Category::Official) => {
            if rng.chance(0.5) {
                LegalStatus::Convicted
            } else {
                LegalStatus::Accused
            }
        }
        (_, Category::Military) if long_held && rng.chance(0.45) => {
            if rng.chance(0.6) {
                LegalStatus::Convicted
            } else {
                LegalStatus::Accused
            }
        }
        (_, Category::Military) => LegalStatus::PrisonerOfWar,
        (_, Category::Civilian) if long_held && rng.chance(0.5) => {
            if rng.chance(0.5) {
                LegalStatus::Convicted
            } else {
                LegalStatus::Accused
            }
        }
        (_, Category::Civilian) => LegalStatus::CivilianInternee,
    };

    let (detention_place, earlier_place, transfer_date) = if status == Status::Missing {
        (None, None, None)
    } else {
        let kinds: &[(PlaceKind, f64)] = match (sex, category, legal_status) {
            (Sex::Female, _, _) => &[(PlaceKind::Women, 0.7), (PlaceKind::PreTrial, 0.3)],
            (_, Category::Official, _) => &[(PlaceKind::Security, 0.6), (PlaceKind::PreTrial, 0.4)],
            (_, _, LegalStatus::Convicted) => {
                &[(PlaceKind::Penitentiary, 0.85), (PlaceKind::PreTrial, 0.15)]
            }
            (_, _, LegalStatus::Accused) => {
                &[(PlaceKind::PreTrial, 0.7), (PlaceKind::Security, 0.3)]
            }
            (_, Category::Military, _) => &[
                (PlaceKind::MilitaryPolice, 0.45),
                (PlaceKind::PowCamp, 0.45),
                (PlaceKind::Hospital, 0.1),
            ],
            _ => &[(PlaceKind::Temporary, 0.5), (PlaceKind::PreTrial, 0.5)],
        };
        let place = pick_place(places, kinds, &mut rng);
        let span_end = end_date.unwrap_or(cfg.as_of);
        let span = capture_date.days_until(span_end);
        if span > 60 && rng.chance(0.45) {
            let early = pick_place(
                places,
                &[
                    (PlaceKind::Temporary, 0.6),
                    (PlaceKind::MilitaryPolice, 0.4),
                ],
                &mut rng,
            );
            if early != place {
                let t = capture_date.add_days(rng.range(7, (span - 1).min(150)));
                (place, early, Some(t))
            } else {
                (place, None, None)
            }
        } else {
            (place, None, None)
        }
    };
    let detaining_authority = detention_place
        .and_then(|i| places.get(i))
        .map(|p| p.authority);
    let visibility = rng.normal()
        + match category {
            Category::Official => 1.2,
            Category::Civilian => -0.1,
            Category::Military => 0.0,
        };
    TruePerson {
        id: id as u32,
        sex,
        origin,
        given,
        family,
        father,
        birth,
        birth_place: &BIRTHPLACES[s.birthplace.sample(&mut rng)],
        category,
        status,
        legal_status,
        capture_date,
        capture_place: &CAPTURE_PLACES[s.capture_place.sample(&mut rng)],
        detention_place,
        detaining_authority,
        earlier_place,
        transfer_date,
        end_date,
        remains_date,
        household: id as u32,
        sibling_of: None,
        twin: false,
        namesake_of: None,
        visibility,
    }
}

/// Rate at which a person is modelled as a sibling of the previous person.
pub(crate) const SIBLING_RATE: f64 = 0.06;
/// Share of siblings who are twins (same birth date).
pub(crate) const TWIN_SHARE: f64 = 0.2;
/// Rate at which a person copies the given name and surname of an earlier, unrelated person.
pub(crate) const NAMESAKE_RATE: f64 = 0.01;

/// Generates the population: independent persons first, then households and namesakes.
pub(crate) fn generate_persons(cfg: &ScenarioConfig, places: &[PlaceSpec]) -> Vec<TruePerson> {
    use rayon::prelude::*;
    let samplers = Samplers::new();
    let mut persons: Vec<TruePerson> = (0..cfg.persons)
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| base_person(i, cfg, &samplers, places))
        .collect();
    for i in 1..persons.len() {
        let mut rng = Stream::new(cfg.seed, purpose::FAMILY, i as u64);
        if rng.chance(SIBLING_RATE) {
            let prev = persons[i - 1].clone();
            let p = &mut persons[i];
            p.origin = prev.origin;
            p.family = prev.family;
            p.father = prev.father;
            p.birth_place = prev.birth_place;
            p.household = prev.household;
            p.sibling_of = Some(prev.id);
            // Brothers do not share a given name; draw until it differs.
            for _ in 0..8 {
                if p.given != prev.given && p.given.origin == p.origin {
                    break;
                }
                p.given = given_for(p.origin, p.sex, &samplers, &mut rng);
            }
            if rng.chance(TWIN_SHARE) {
                p.twin = true;
                p.birth = prev.birth;
                // Twins often serve together and are taken together, if their later dates allow.
                let fits = p.end_date.map_or(true, |e| e >= prev.capture_date)
                    && p.transfer_date.map_or(true, |t| t > prev.capture_date);
                if fits && rng.chance(0.5) {
                    p.capture_date = prev.capture_date;
                    p.capture_place = prev.capture_place;
                }
            }
        } else if rng.chance(NAMESAKE_RATE / (1.0 - SIBLING_RATE)) {
            let j = rng.below(i);
            let other = persons[j].clone();
            let p = &mut persons[i];
            if other.sex == p.sex {
                p.origin = other.origin;
                p.given = other.given;
                p.family = other.family;
                p.namesake_of = Some(other.id);
            }
        }
    }
    persons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::places;

    #[test]
    fn households_twins_and_namesakes_occur() {
        let cfg = ScenarioConfig::new(20_000, 5);
        let persons = generate_persons(&cfg, &places());
        let siblings = persons.iter().filter(|p| p.sibling_of.is_some()).count();
        let twins = persons.iter().filter(|p| p.twin).count();
        let namesakes = persons.iter().filter(|p| p.namesake_of.is_some()).count();
        assert!((800..1600).contains(&siblings), "{siblings}");
        assert!(twins > 100, "{twins}");
        assert!(namesakes > 50, "{namesakes}");
        for p in &persons {
            if let Some(s) = p.sibling_of {
                let s = &persons[s as usize];
                assert_eq!(s.family, p.family);
                assert_eq!(s.father, p.father);
                if p.twin {
                    assert_eq!(s.birth, p.birth);
                }
            }
            assert!(p.birth.is_valid());
            assert!(p.capture_date < cfg.as_of);
            assert!(p
                .end_date
                .map_or(true, |e| e >= p.capture_date && e < cfg.as_of));
        }
    }

    #[test]
    fn surnames_are_skewed() {
        let cfg = ScenarioConfig::new(20_000, 9);
        let persons = generate_persons(&cfg, &places());
        let top = persons.iter().filter(|p| p.family.rank == 0).count();
        assert!(top > 20_000 / 30, "top surname {top}");
    }
}
