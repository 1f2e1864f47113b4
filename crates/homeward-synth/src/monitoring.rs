//! Detention monitoring data: places of detention, visits with findings per person, a timeline
//! of events per person (some contested between sources), and enquiries from families.

use crate::date::SimpleDate;
use crate::names::{tables, Script};
use crate::population::{TruePerson, EXCHANGE_DATES};
use crate::rng::{purpose, Stream};
use crate::vocab::{LegalStatus, Sex, Status};
use crate::ScenarioConfig;

/// What kind of place a place of detention is; decides who is held there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    /// Pre-trial detention centre.
    PreTrial,
    /// Investigation isolator of a security service.
    Security,
    /// Penitentiary institution for the convicted.
    Penitentiary,
    /// Military police detention facility.
    MilitaryPolice,
    /// Facility for prisoners of war.
    PowCamp,
    /// Temporary holding facility (police).
    Temporary,
    /// Secure ward of a hospital.
    Hospital,
    /// Institution for women.
    Women,
}

/// A place of detention.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceSpec {
    /// Name in English.
    pub name: &'static str,
    /// Name in Armenian.
    pub name_hy: &'static str,
    /// Name in Russian.
    pub name_ru: &'static str,
    /// Detaining authority.
    pub authority: &'static str,
    /// Region.
    pub region: &'static str,
    /// Kind of place.
    pub kind: PlaceKind,
}

const fn place(
    name: &'static str,
    name_hy: &'static str,
    name_ru: &'static str,
    authority: &'static str,
    region: &'static str,
    kind: PlaceKind,
) -> PlaceSpec {
    PlaceSpec {
        name,
        name_hy,
        name_ru,
        authority,
        region,
        kind,
    }
}

const MOJ: &str = "Ministry of Justice, Penitentiary Service";
const MOD: &str = "Ministry of Defence";
const SSS: &str = "State Security Service";
const MIA: &str = "Ministry of Internal Affairs";

const PLACES: &[PlaceSpec] = &[
    place(
        "Pre-trial Detention Centre No. 1",
        "Նախնական կալանքի կենտրոն թիվ 1",
        "Следственный изолятор № 1",
        MOJ,
        "Capital",
        PlaceKind::PreTrial,
    ),
    place(
        "State Security Service Investigation Isolator",
        "Պետական անվտանգության ծառայության մեկուսարան",
        "Следственный изолятор Службы государственной безопасности",
        SSS,
        "Capital",
        PlaceKind::Security,
    ),
    place(
        "Military Police Detention Facility",
        "Ռազմական ոստիկանության կալանավայր",
        "Гауптвахта военной полиции",
        MOD,
        "Central",
        PlaceKind::MilitaryPolice,
    ),
    place(
        "Penitentiary Institution No. 12",
        "Քրեակատարողական հիմնարկ թիվ 12",
        "Пенитенциарное учреждение № 12",
        MOJ,
        "Capital",
        PlaceKind::Penitentiary,
    ),
    place(
        "Penitentiary Institution No. 5",
        "Քրեակատարողական հիմնարկ թիվ 5",
        "Пенитенциарное учреждение № 5",
        MOJ,
        "North",
        PlaceKind::Penitentiary,
    ),
    place(
        "Temporary Holding Facility, Border District",
        "Ժամանակավոր պահման վայր, սահմանամերձ շրջան",
        "Изолятор временного содержания, приграничный район",
        MIA,
        "Border district",
        PlaceKind::Temporary,
    ),
    place(
        "Military Hospital, Secure Ward",
        "Զինվորական հոսպիտալ, պահպանվող բաժանմունք",
        "Военный госпиталь, охраняемое отделение",
        MOD,
        "Capital",
        PlaceKind::Hospital,
    ),
    place(
        "Prisoner of War Holding Facility (West)",
        "Ռազմագերիների պահման վայր (արևմուտք)",
        "Место содержания военнопленных (запад)",
        MOD,
        "West",
        PlaceKind::PowCamp,
    ),
    place(
        "Women's Penitentiary Institution No. 4",
        "Կանանց քրեակատարողական հիմնարկ թիվ 4",
        "Женское пенитенциарное учреждение № 4",
        MOJ,
        "Capital",
        PlaceKind::Women,
    ),
    place(
        "Pre-trial Detention Centre No. 3 (South)",
        "Նախնական կալանքի կենտրոն թիվ 3 (հարավ)",
        "Следственный изолятор № 3 (юг)",
        MOJ,
        "South",
        PlaceKind::PreTrial,
    ),
    place(
        "Temporary Holding Facility, Central District",
        "Ժամանակավոր պահման վայր, կենտրոնական շրջան",
        "Изолятор временного содержания, центральный район",
        MIA,
        "Central",
        PlaceKind::Temporary,
    ),
];

/// The places of detention of every scenario (fictional names, generic authorities).
pub(crate) fn places() -> Vec<PlaceSpec> {
    PLACES.to_vec()
}

/// Which conditions the detaining authority granted for a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VisitConditions {
    /// Access to all detainees and all parts of the place.
    pub access_all: bool,
    /// Interviews without witnesses.
    pub private_interviews: bool,
    /// Permission to come back.
    pub repeat_allowed: bool,
    /// The authority provided a list of detainees.
    pub list_provided: bool,
}

/// What a visit found about one person.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitFinding {
    /// Person seen.
    pub person: u32,
    /// Health note (free text).
    pub health_note: &'static str,
    /// Items delivered.
    pub items_delivered: Vec<&'static str>,
    /// Messages collected for the family.
    pub messages_collected: u8,
    /// Messages from the family delivered.
    pub messages_delivered: u8,
    /// Whether a call with the family was arranged.
    pub family_call: bool,
}

/// A visit to a place of detention.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitSpec {
    /// Index in [`crate::Scenario::places`].
    pub place: usize,
    /// Date of the visit.
    pub date: SimpleDate,
    /// Visiting organisation.
    pub organisation: &'static str,
    /// Conditions granted.
    pub conditions: VisitConditions,
    /// Persons seen, with findings, in person id order.
    pub seen: Vec<VisitFinding>,
}

/// The neutral humanitarian organisation whose access is cut on [`ACCESS_CUT`].
pub const HUMANITARIAN_ORG: &str = "Neutral humanitarian organisation";
/// The date the detaining authority stopped the humanitarian organisation's visits.
pub const ACCESS_CUT: SimpleDate = SimpleDate::new(2025, 7, 1);
/// At most this many persons are seen in one visit (a team's capacity).
pub const MAX_SEEN_PER_VISIT: usize = 400;

const HEALTH_NOTES: &[&str] = &[
    "no complaints",
    "no complaints",
    "no complaints",
    "weight loss reported",
    "untreated wound, referral requested",
    "chronic condition, medication needed",
    "dental problem",
    "signs of distress",
    "recovering from surgery",
    "vision problem, glasses requested",
];
const ITEMS: &[&str] = &[
    "hygiene kit",
    "clothing",
    "blanket",
    "books",
    "shoes",
    "warm jacket",
];

/// Visits by the humanitarian organisation (until access is cut) and occasional others.
pub(crate) fn generate_visits(
    cfg: &ScenarioConfig,
    persons: &[TruePerson],
    places: &[PlaceSpec],
) -> Vec<VisitSpec> {
    // Each place's stays as compact (from, until, person) day intervals, so a visit scans a
    // small contiguous array instead of the whole population.
    let mut stays: Vec<Vec<(i64, i64, u32)>> = vec![Vec::new(); places.len()];
    for p in persons {
        let Some(place) = p.detention_place else {
            continue;
        };
        let start = p.capture_date.to_days();
        let end = p.end_date.map_or(i64::MAX, SimpleDate::to_days);
        let moved = match (p.earlier_place, p.transfer_date) {
            (Some(early), Some(t)) => {
                if let Some(v) = stays.get_mut(early) {
                    v.push((start, t.to_days(), p.id));
                }
                t.to_days()
            }
            _ => start,
        };
        if let Some(v) = stays.get_mut(place) {
            v.push((moved, end, p.id));
        }
    }
    use rayon::prelude::*;
    // Places are independent (each has its own stream), so they run in parallel.
    let per_place: Vec<Vec<VisitSpec>> = (0..places.len())
        .into_par_iter()
        .map(|pi| place_visits(cfg, pi, stays.get(pi).map(Vec::as_slice).unwrap_or(&[])))
        .collect();
    let mut visits = per_place.concat();
    visits.sort_by_key(|v| (v.date, v.place));
    visits
}

/// All visits to place `pi`, given who stayed there when.
fn place_visits(cfg: &ScenarioConfig, pi: usize, candidates: &[(i64, i64, u32)]) -> Vec<VisitSpec> {
    let mut visits = Vec::new();
    let mut rng = Stream::new(cfg.seed, purpose::VISIT, pi as u64);
    let mut date = SimpleDate::new(2020, 11, 20).add_days(rng.range(0, 40));
    let end = if cfg.as_of < ACCESS_CUT {
        cfg.as_of
    } else {
        ACCESS_CUT
    };
    while date < end {
        let late = date >= SimpleDate::new(2024, 6, 1);
        let conditions = VisitConditions {
            access_all: rng.chance(if late { 0.5 } else { 0.85 }),
            private_interviews: rng.chance(if late { 0.4 } else { 0.8 }),
            repeat_allowed: rng.chance(if late { 0.6 } else { 0.95 }),
            list_provided: rng.chance(if late { 0.3 } else { 0.7 }),
        };
        visits.push(visit(
            pi,
            date,
            HUMANITARIAN_ORG,
            conditions,
            candidates,
            &mut rng,
        ));
        date = date.add_days(rng.range(45, 110));
    }
    // After the cut only rare, restricted visits by others remain.
    let mut d = ACCESS_CUT.add_days(rng.range(30, 200));
    while d < cfg.as_of {
        let org = if rng.chance(0.5) {
            "Ombudsperson's office"
        } else {
            "Diplomatic mission"
        };
        let conditions = VisitConditions {
            access_all: false,
            private_interviews: rng.chance(0.1),
            repeat_allowed: rng.chance(0.3),
            list_provided: false,
        };
        visits.push(visit(pi, d, org, conditions, candidates, &mut rng));
        d = d.add_days(rng.range(180, 400));
    }
    visits
}

fn visit(
    place: usize,
    date: SimpleDate,
    organisation: &'static str,
    conditions: VisitConditions,
    stays: &[(i64, i64, u32)],
    rng: &mut Stream,
) -> VisitSpec {
    let day = date.to_days();
    let mut held: Vec<u32> = stays
        .iter()
        .filter(|(from, until, _)| *from <= day && day < *until)
        .map(|(_, _, id)| *id)
        .collect();
    held.sort_unstable();
    // Without full access the team sees only some of those held.
    let share = if conditions.access_all { 1.0 } else { 0.3 };
    held.retain(|_| rng.chance(share));
    if held.len() > MAX_SEEN_PER_VISIT {
        for i in 0..MAX_SEEN_PER_VISIT {
            let j = i + rng.below(held.len() - i);
            held.swap(i, j);
        }
        held.truncate(MAX_SEEN_PER_VISIT);
        held.sort_unstable();
    }
    let humanitarian = organisation == HUMANITARIAN_ORG;
    let seen = held
        .into_iter()
        .map(|person| {
            let n_items = if humanitarian { rng.below(4) } else { 0 };
            let mut items = Vec::with_capacity(n_items);
            for _ in 0..n_items {
                if let Some(it) = rng.pick(ITEMS) {
                    if !items.contains(it) {
                        items.push(*it);
                    }
                }
            }
            VisitFinding {
                person,
                health_note: rng.pick(HEALTH_NOTES).copied().unwrap_or("no complaints"),
                items_delivered: items,
                messages_collected: if humanitarian { rng.below(3) as u8 } else { 0 },
                messages_delivered: if humanitarian { rng.below(3) as u8 } else { 0 },
                family_call: humanitarian && rng.chance(0.35),
            }
        })
        .collect();
    VisitSpec {
        place,
        date,
        organisation,
        conditions,
        seen,
    }
}

/// Kinds of event in a person's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Taken or disappeared.
    Capture,
    /// Registered by the humanitarian organisation.
    Registration,
    /// Moved to another place.
    Transfer,
    /// Charged with an offence.
    Charge,
    /// Trial opened.
    Trial,
    /// Sentenced.
    Sentence,
    /// Released.
    Release,
    /// Returned home.
    Repatriation,
    /// Returned in an exchange of prisoners.
    PrisonerExchange,
    /// Died in custody.
    DeathInCustody,
    /// Remains handed over to the family.
    RemainsHandedOver,
}

impl EventKind {
    /// A snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Capture => "capture",
            EventKind::Registration => "registration",
            EventKind::Transfer => "transfer",
            EventKind::Charge => "charge",
            EventKind::Trial => "trial",
            EventKind::Sentence => "sentence",
            EventKind::Release => "release",
            EventKind::Repatriation => "repatriation",
            EventKind::PrisonerExchange => "prisoner_exchange",
            EventKind::DeathInCustody => "death_in_custody",
            EventKind::RemainsHandedOver => "remains_handed_over",
        }
    }
}

/// One event of a person's timeline, as one source reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSpec {
    /// Person id.
    pub person: u32,
    /// Kind of event.
    pub kind: EventKind,
    /// Date as the source gave it.
    pub date: SimpleDate,
    /// Index of the reporting list in [`crate::Scenario::lists`].
    pub source: usize,
    /// Place of detention involved, if any.
    pub place: Option<usize>,
    /// True for an event a second source reports differently (both versions are present, the
    /// second with a shifted date and this flag set).
    pub contested: bool,
}

/// Share of events that a second source reports with a different date.
pub const CONTESTED_RATE: f64 = 0.03;

/// Lists a source of each kind prefers (template order: HRG, AMG, RUL, RG, MED, FAM, LAW, MIP).
fn preferred_sources(kind: EventKind) -> &'static [usize] {
    match kind {
        EventKind::Capture => &[1, 3, 5],
        EventKind::Registration | EventKind::Transfer => &[0, 2],
        EventKind::Charge | EventKind::Trial | EventKind::Sentence => &[6, 2, 4],
        EventKind::Release | EventKind::Repatriation | EventKind::PrisonerExchange => &[1, 0, 4],
        EventKind::DeathInCustody | EventKind::RemainsHandedOver => &[0, 1, 7],
    }
}

fn source_for(kind: EventKind, membership: u64, lists: usize, rng: &mut Stream) -> usize {
    for &s in preferred_sources(kind) {
        if s < lists && membership & (1 << s) != 0 {
            return s;
        }
    }
    let on: Vec<usize> = (0..lists).filter(|s| membership & (1 << s) != 0).collect();
    match rng.pick(&on) {
        Some(&s) => s,
        None => preferred_sources(kind)
            .iter()
            .copied()
            .find(|&s| s < lists)
            .unwrap_or(0),
    }
}

/// The timeline of every person, from capture to release, death or the scenario date.
pub(crate) fn generate_events(
    cfg: &ScenarioConfig,
    persons: &[TruePerson],
    membership: &[u64],
    visits: &[VisitSpec],
) -> Vec<EventSpec> {
    // First registration of each person: the first humanitarian visit that saw them.
    let mut registered: Vec<Option<(SimpleDate, usize)>> = vec![None; persons.len()];
    for v in visits.iter().filter(|v| v.organisation == HUMANITARIAN_ORG) {
        for f in &v.seen {
            if let Some(slot) = registered.get_mut(f.person as usize) {
                if slot.is_none() {
                    *slot = Some((v.date, v.place));
                }
            }
        }
    }
    use rayon::prelude::*;
    let lists = cfg.lists;
    let registered = &registered;
    let chunks: Vec<Vec<EventSpec>> = persons
        .par_chunks(8192)
        .map(|chunk| {
            let mut events = Vec::with_capacity(chunk.len() * 3);
            for p in chunk {
                person_events(cfg, p, membership, registered, lists, &mut events);
            }
            events
        })
        .collect();
    chunks.concat()
}

/// Appends one person's timeline, sorted by date (contested versions after the original).
fn person_events(
    cfg: &ScenarioConfig,
    p: &TruePerson,
    membership: &[u64],
    registered: &[Option<(SimpleDate, usize)>],
    lists: usize,
    events: &mut Vec<EventSpec>,
) {
    let first = events.len();
    let mut rng = Stream::new(cfg.seed, purpose::EVENT, u64::from(p.id));
    let m = membership.get(p.id as usize).copied().unwrap_or(0);
    let mut own: Vec<(EventKind, SimpleDate, Option<usize>)> = Vec::new();
    own.push((EventKind::Capture, p.capture_date, None));
    if let Some((d, place)) = registered.get(p.id as usize).copied().flatten() {
        own.push((EventKind::Registration, d, Some(place)));
    }
    if let (Some(t), Some(_)) = (p.transfer_date, p.earlier_place) {
        own.push((EventKind::Transfer, t, p.detention_place));
    }
    if matches!(
        p.legal_status,
        LegalStatus::Accused | LegalStatus::Convicted
    ) {
        let limit = p.end_date.unwrap_or(cfg.as_of);
        let charge = p.capture_date.add_days(rng.range(20, 200));
        if charge < limit {
            own.push((EventKind::Charge, charge, p.detention_place));
            let trial = charge.add_days(rng.range(60, 400));
            if trial < limit {
                own.push((EventKind::Trial, trial, p.detention_place));
                let sentence = trial.add_days(rng.range(14, 120));
                if p.legal_status == LegalStatus::Convicted && sentence < limit {
                    own.push((EventKind::Sentence, sentence, p.detention_place));
                }
            }
        }
    }
    match (p.status, p.end_date) {
        (Status::Released, Some(d)) => own.push((EventKind::Release, d, p.detention_place)),
        (Status::Repatriated, Some(d)) => {
            let kind = if EXCHANGE_DATES.contains(&d) && rng.chance(0.6) {
                EventKind::PrisonerExchange
            } else {
                EventKind::Repatriation
            };
            own.push((kind, d, p.detention_place));
        }
        (Status::Deceased, Some(d)) => {
            own.push((EventKind::DeathInCustody, d, p.detention_place));
            if let Some(r) = p.remains_date {
                own.push((EventKind::RemainsHandedOver, r, None));
            }
        }
        _ => {}
    }
    for (kind, date, place) in own {
        let source = source_for(kind, m, lists, &mut rng);
        events.push(EventSpec {
            person: p.id,
            kind,
            date,
            source,
            place,
            contested: false,
        });
        if rng.chance(CONTESTED_RATE) {
            let other = (source + 1 + rng.below(lists - 1)) % lists;
            let shift = rng.range(3, 60) * if rng.chance(0.5) { 1 } else { -1 };
            let d = date.add_days(shift);
            events.push(EventSpec {
                person: p.id,
                kind,
                date: if d < cfg.as_of {
                    d
                } else {
                    date.add_days(-shift.abs())
                },
                source: other,
                place,
                contested: true,
            });
        }
    }
    events[first..].sort_by_key(|e| (e.date, e.contested));
}

/// An enquiry from a family.
#[derive(Clone, Debug, PartialEq)]
pub struct EnquirySpec {
    /// Enquiry number, 0-based.
    pub id: u32,
    /// The person sought; `None` when the family asks about someone outside the scenario's
    /// population (on no list).
    pub person: Option<u32>,
    /// The name as the family wrote it (often another script, sometimes misspelt).
    pub name_written: String,
    /// Script of `name_written` (`Armn`, `Cyrl`, `Latn`).
    pub script: &'static str,
    /// Birth year as the family gave it, if they did.
    pub birth_year: Option<i32>,
    /// Relation of the enquirer to the person sought.
    pub relation: &'static str,
    /// Enquirer's contact (a synthetic, non-dialable pattern).
    pub contact: String,
    /// Date of the enquiry.
    pub date: SimpleDate,
}

/// Enquiries per person in the population.
pub const ENQUIRY_RATE: f64 = 0.12;
/// Share of enquiries about someone outside the population.
pub const UNKNOWN_ENQUIRY_SHARE: f64 = 0.15;

const RELATIONS: &[&str] = &[
    "mother", "father", "wife", "husband", "sister", "brother", "son", "daughter",
];

/// Enquiries, mostly about the missing and the detained.
pub(crate) fn generate_enquiries(
    cfg: &ScenarioConfig,
    persons: &[TruePerson],
    _membership: &[u64],
) -> Vec<EnquirySpec> {
    let n = (persons.len() as f64 * ENQUIRY_RATE).round() as usize;
    let mut out = Vec::with_capacity(n);
    if persons.is_empty() {
        return out;
    }
    for i in 0..n {
        let mut rng = Stream::new(cfg.seed, purpose::ENQUIRY, i as u64);
        let unknown = rng.chance(UNKNOWN_ENQUIRY_SHARE);
        let person = if unknown {
            None
        } else {
            // Families of the missing ask most; draw until the status fits (bounded).
            let mut pick = rng.below(persons.len());
            for _ in 0..4 {
                let w = match persons[pick].status {
                    Status::Missing => 1.0,
                    Status::Detained => 0.6,
                    Status::Deceased => 0.4,
                    Status::Released | Status::Repatriated => 0.1,
                };
                if rng.chance(w) {
                    break;
                }
                pick = rng.below(persons.len());
            }
            Some(pick as u32)
        };
        let script =
            [Script::Armenian, Script::Cyrillic, Script::Latin][rng.weighted(&[0.45, 0.2, 0.35])];
        let (name_written, birth_year, after) = match person.and_then(|id| persons.get(id as usize))
        {
            Some(p) => (
                written_name(p, script, &mut rng),
                p.birth.year,
                p.capture_date,
            ),
            None => (
                outsider_name(script, &mut rng),
                rng.range(1950, 2004) as i32,
                SimpleDate::new(2020, 10, 1),
            ),
        };
        let birth_year = if rng.chance(0.7) {
            Some(birth_year + rng.range(-1, 1) as i32 * i32::from(rng.chance(0.2)))
        } else {
            None
        };
        let span = after.days_until(cfg.as_of).max(1);
        let date = after.add_days(rng.range(1, span));
        let date = if date >= cfg.as_of {
            cfg.as_of.add_days(-1)
        } else {
            date
        };
        out.push(EnquirySpec {
            id: i as u32,
            person,
            name_written,
            script: script.code(),
            birth_year,
            relation: rng.pick(RELATIONS).copied().unwrap_or("relative"),
            contact: format!("+374 00 {:03} {:03}", rng.below(1000), rng.below(1000)),
            date,
        });
    }
    out
}

fn written_name(p: &TruePerson, script: Script, rng: &mut Stream) -> String {
    let (given, family) = match script {
        Script::Armenian => (p.given.hy.to_string(), p.family_hy().into_owned()),
        Script::Cyrillic => (p.given.ru.to_string(), p.family_ru().into_owned()),
        Script::Latin => {
            let g = rng.pick(&p.given.latin).copied().unwrap_or(p.given_latin());
            let f = rng
                .pick(&p.family.latin)
                .copied()
                .unwrap_or(p.family.canonical_latin());
            let f = crate::names::gendered(f, p.family, p.sex == Sex::Female, Script::Latin);
            (g.to_string(), f.into_owned())
        }
    };
    let family = if rng.chance(0.15) {
        crate::lists::typo(&family, rng)
    } else {
        family
    };
    if rng.chance(0.3) {
        format!("{family} {given}")
    } else {
        format!("{given} {family}")
    }
}

fn outsider_name(script: Script, rng: &mut Stream) -> String {
    let t = tables();
    let g = rng.pick(&t.male).unwrap_or(&t.male[0]);
    let f = rng.pick(&t.surnames).unwrap_or(&t.surnames[0]);
    match script {
        Script::Armenian => format!("{} {}", g.hy, f.hy),
        Script::Cyrillic => format!("{} {}", g.ru, f.ru),
        Script::Latin => format!("{} {}", g.canonical_latin(), f.canonical_latin()),
    }
}
