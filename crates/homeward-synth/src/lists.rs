//! Source lists: who each source names (coverage that depends on category, status, place and a
//! person's visibility, so lists are positively dependent), how it writes them (script, columns,
//! date style) and which errors it makes, at documented rates, with a ground-truth flag per row.

use crate::date::{DateStyle, SimpleDate};
use crate::monitoring::PlaceSpec;
use crate::names::{armenian_genitive, Script};
use crate::population::TruePerson;
use crate::rng::{mix, purpose, sigmoid, Stream};
use crate::vocab::{Category, LegalStatus, Sex, Status};
use crate::{ScenarioConfig, SynthError};

/// The kinds of error a list makes; each has a rate in [`ErrorRates`] and a bit in [`ErrorFlags`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// One typo (substitution, deletion, insertion or transposition) in the surname or given name.
    Typo,
    /// One non-name field left blank (or the given name, rarely).
    MissingField,
    /// Surname written first in a full-name column that normally starts with the given name
    /// (or the reverse in a Russian surname-first column).
    SwappedOrder,
    /// Birth year one too high or too low.
    YearOffByOne,
    /// Day and month of the birth date exchanged (only where both are 12 or less and differ).
    DayMonthSwap,
    /// A non-canonical Latin spelling (Western, passport-from-Russian, English) of a name.
    AltTransliteration,
    /// A Ter- prefix dropped, fused (Terpetrosyan) or spaced (Ter Petrosyan).
    TerVariation,
    /// The row repeats an earlier row of the same list exactly (apart from its record id).
    Duplicate,
    /// The row names the same person as an earlier row of the list, written differently.
    NearDuplicate,
}

impl ErrorKind {
    /// Every kind, in bit order.
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::Typo,
        ErrorKind::MissingField,
        ErrorKind::SwappedOrder,
        ErrorKind::YearOffByOne,
        ErrorKind::DayMonthSwap,
        ErrorKind::AltTransliteration,
        ErrorKind::TerVariation,
        ErrorKind::Duplicate,
        ErrorKind::NearDuplicate,
    ];

    /// A short snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Typo => "typo",
            ErrorKind::MissingField => "missing_field",
            ErrorKind::SwappedOrder => "swapped_order",
            ErrorKind::YearOffByOne => "year_off_by_one",
            ErrorKind::DayMonthSwap => "day_month_swap",
            ErrorKind::AltTransliteration => "alt_transliteration",
            ErrorKind::TerVariation => "ter_variation",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::NearDuplicate => "near_duplicate",
        }
    }
}

/// Which errors were applied to one row (ground truth for measuring error handling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ErrorFlags(pub u16);

impl ErrorFlags {
    /// True when `kind` was applied.
    pub fn contains(self, kind: ErrorKind) -> bool {
        self.0 & (1 << kind as u16) != 0
    }
    /// Marks `kind` as applied.
    pub fn insert(&mut self, kind: ErrorKind) {
        self.0 |= 1 << kind as u16;
    }
    /// True when no error was applied.
    pub fn is_clean(self) -> bool {
        self.0 == 0
    }
}

/// Error rates of a list. Each is a probability per row that is eligible for that error: every
/// primary row for typos and duplicates, rows with a full-name column for swapped order, rows
/// whose surname has a Ter- prefix for Ter- variation, Latin rows whose name has another
/// spelling for alternative transliteration, and so on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorRates {
    /// See [`ErrorKind::Typo`].
    pub typo: f64,
    /// See [`ErrorKind::MissingField`].
    pub missing_field: f64,
    /// See [`ErrorKind::SwappedOrder`].
    pub swapped_order: f64,
    /// See [`ErrorKind::YearOffByOne`].
    pub year_off_by_one: f64,
    /// See [`ErrorKind::DayMonthSwap`].
    pub day_month_swap: f64,
    /// See [`ErrorKind::AltTransliteration`].
    pub alt_transliteration: f64,
    /// See [`ErrorKind::TerVariation`].
    pub ter_variation: f64,
    /// See [`ErrorKind::Duplicate`].
    pub duplicate: f64,
    /// See [`ErrorKind::NearDuplicate`].
    pub near_duplicate: f64,
}

impl ErrorRates {
    /// The rate of `kind`.
    pub fn get(&self, kind: ErrorKind) -> f64 {
        match kind {
            ErrorKind::Typo => self.typo,
            ErrorKind::MissingField => self.missing_field,
            ErrorKind::SwappedOrder => self.swapped_order,
            ErrorKind::YearOffByOne => self.year_off_by_one,
            ErrorKind::DayMonthSwap => self.day_month_swap,
            ErrorKind::AltTransliteration => self.alt_transliteration,
            ErrorKind::TerVariation => self.ter_variation,
            ErrorKind::Duplicate => self.duplicate,
            ErrorKind::NearDuplicate => self.near_duplicate,
        }
    }

    fn scaled(self, s: f64) -> Self {
        let f = |r: f64| (r * s).clamp(0.0, 1.0);
        Self {
            typo: f(self.typo),
            missing_field: f(self.missing_field),
            swapped_order: f(self.swapped_order),
            year_off_by_one: f(self.year_off_by_one),
            day_month_swap: f(self.day_month_swap),
            alt_transliteration: f(self.alt_transliteration),
            ter_variation: f(self.ter_variation),
            duplicate: f(self.duplicate),
            near_duplicate: f(self.near_duplicate),
        }
    }
}

/// How often each error could have been applied and was applied, over a list's primary rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorStats {
    /// Rows eligible for each [`ErrorKind`] (indexed by `kind as usize`).
    pub eligible: [usize; 9],
    /// Rows where it was applied.
    pub applied: [usize; 9],
}

impl ErrorStats {
    fn add(&mut self, other: &ErrorStats) {
        for k in 0..9 {
            self.eligible[k] += other.eligible[k];
            self.applied[k] += other.applied[k];
        }
    }
    /// Observed rate of `kind` (applied / eligible), `None` when nothing was eligible.
    pub fn rate(&self, kind: ErrorKind) -> Option<f64> {
        let e = self.eligible[kind as usize];
        (e > 0).then(|| self.applied[kind as usize] as f64 / e as f64)
    }
}

/// One source list as the source wrote it, with its ground truth.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceList {
    /// Short code, also the record id prefix where the list has one (e.g. `HRG`).
    pub code: String,
    /// Human-readable name.
    pub name: String,
    /// What the source is and how it was compiled.
    pub description: String,
    /// Dominant script (ISO 15924: `Armn`, `Cyrl`, `Latn`).
    pub script: &'static str,
    /// Column headers, in the list's own language.
    pub columns: Vec<String>,
    /// The standard person field each column maps to (`record_id`, `family_name`, ...).
    pub fields: Vec<&'static str>,
    /// How the list writes dates.
    pub date_style: DateStyle,
    /// Rows; each has `columns.len()` cells, empty when the source left a field blank.
    pub rows: Vec<Vec<String>>,
    /// The true person id of each row.
    pub truth: Vec<u32>,
    /// The errors applied to each row.
    pub flags: Vec<ErrorFlags>,
    /// The configured error rates (after the scenario's error scale).
    pub rates: ErrorRates,
    /// Eligible and applied counts per error kind.
    pub stats: ErrorStats,
}

impl SourceList {
    /// Index of the column mapped to standard field `field`.
    pub fn column_of(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|f| *f == field)
    }
}

/// Encodes a list as CSV text (header row first) with the `csv` crate; no I/O.
pub fn list_to_csv(list: &SourceList) -> Result<String, SynthError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&list.columns)
        .map_err(|e| SynthError::Csv(e.to_string()))?;
    for row in &list.rows {
        w.write_record(row)
            .map_err(|e| SynthError::Csv(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| SynthError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| SynthError::Csv(e.to_string()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    RecordId,
    Surname,
    Given,
    Patronymic,
    FullName,
    Sex,
    BirthDate,
    BirthYear,
    ApproxBirthYear,
    BirthPlace,
    Category,
    Status,
    LegalStatus,
    CaptureDate,
    CapturePlace,
    DetentionPlace,
    LastSeen,
    Reporter,
}

impl Col {
    fn field(self) -> &'static str {
        match self {
            Col::RecordId => "record_id",
            Col::Surname => "family_name",
            Col::Given => "given_name",
            Col::Patronymic => "patronymic",
            Col::FullName => "full_name",
            Col::Sex => "sex",
            Col::BirthDate | Col::BirthYear | Col::ApproxBirthYear => "birth_date",
            Col::BirthPlace => "birth_place",
            Col::Category => "category",
            Col::Status => "status",
            Col::LegalStatus => "legal_status",
            Col::CaptureDate => "capture_date",
            Col::CapturePlace => "capture_place",
            Col::DetentionPlace => "detention_place",
            Col::LastSeen => "last_seen_date",
            Col::Reporter => "notes",
        }
    }
    fn is_name(self) -> bool {
        matches!(
            self,
            Col::Surname | Col::Given | Col::Patronymic | Col::FullName
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    GivenFamily,
    FamilyGivenPatronymic,
}

/// A list's inclusion model: logit = base + category + status + legal + visibility + place.
#[derive(Clone, Copy, Debug)]
struct Coverage {
    base: f64,
    category: [f64; 3],
    status: [f64; 5],
    legal: [f64; 5],
    visibility: f64,
    place_spread: f64,
}

#[derive(Clone, Copy, Debug)]
struct Template {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    script: Script,
    cols: &'static [(Col, &'static str)],
    date_style: DateStyle,
    id_width: usize,
    order: Order,
    patronymic_share: f64,
    /// In Latin lists, share of patronymics written the Russian way (Armenovich).
    ru_patronymic_share: f64,
    /// In Armenian lists, share of patronymics in the genitive (Արմենի).
    genitive_share: f64,
    standard_vocab: bool,
    coverage: Coverage,
    rates: ErrorRates,
}

const NO_LEGAL: [f64; 5] = [0.0; 5];

const TEMPLATES: &[Template] = &[
    Template {
        code: "HRG",
        name: "Humanitarian organisation: registered detainees",
        description: "Persons the neutral humanitarian organisation registered during its visits to places of detention; Latin script, canonical spellings, full dates, low error rates.",
        script: Script::Latin,
        cols: &[
            (Col::RecordId, "record_id"),
            (Col::Surname, "surname"),
            (Col::Given, "first_name"),
            (Col::Patronymic, "father_name"),
            (Col::Sex, "sex"),
            (Col::BirthDate, "date_of_birth"),
            (Col::Category, "category"),
            (Col::LegalStatus, "legal_status"),
            (Col::DetentionPlace, "detention_place"),
            (Col::Status, "status"),
        ],
        date_style: DateStyle::Iso,
        id_width: 5,
        order: Order::GivenFamily,
        patronymic_share: 0.85,
        ru_patronymic_share: 0.0,
        genitive_share: 0.0,
        standard_vocab: true,
        coverage: Coverage {
            base: 0.3,
            category: [0.0, -0.2, 0.3],
            status: [-4.0, 1.3, 0.2, 0.8, 0.1],
            legal: NO_LEGAL,
            visibility: 0.4,
            place_spread: 0.7,
        },
        rates: ErrorRates {
            typo: 0.01,
            missing_field: 0.03,
            swapped_order: 0.0,
            year_off_by_one: 0.01,
            day_month_swap: 0.005,
            alt_transliteration: 0.05,
            ter_variation: 0.10,
            duplicate: 0.002,
            near_duplicate: 0.004,
        },
    },
    Template {
        code: "AMG",
        name: "Government list of captured and missing persons (Armenian)",
        description: "Official list compiled from military records and family reports; Armenian script, birth year only, patronymic as the father's name.",
        script: Script::Armenian,
        cols: &[
            (Col::RecordId, "Հ/Հ"),
            (Col::Surname, "Ազգանուն"),
            (Col::Given, "Անուն"),
            (Col::Patronymic, "Հայրանուն"),
            (Col::BirthYear, "Ծննդյան տարեթիվ"),
            (Col::Sex, "Սեռ"),
            (Col::Category, "Կատեգորիա"),
            (Col::Status, "Կարգավիճակ"),
            (Col::CaptureDate, "Գերեվարման ամսաթիվ"),
            (Col::CapturePlace, "Գերեվարման վայր"),
        ],
        date_style: DateStyle::Dotted,
        id_width: 6,
        order: Order::GivenFamily,
        patronymic_share: 0.95,
        ru_patronymic_share: 0.0,
        genitive_share: 0.3,
        standard_vocab: false,
        coverage: Coverage {
            base: 1.0,
            category: [0.7, -0.3, 0.2],
            status: [0.8, 0.5, -0.6, 0.1, 0.3],
            legal: NO_LEGAL,
            visibility: 0.4,
            place_spread: 0.2,
        },
        rates: ErrorRates {
            typo: 0.02,
            missing_field: 0.04,
            swapped_order: 0.0,
            year_off_by_one: 0.02,
            day_month_swap: 0.0,
            alt_transliteration: 0.0,
            ter_variation: 0.06,
            duplicate: 0.004,
            near_duplicate: 0.004,
        },
    },
    Template {
        code: "RUL",
        name: "List of persons held (Russian-language)",
        description: "Russian-language list of persons held, as circulated by an intermediary; Cyrillic, Russian patronymics (-ович/-овна), dotted dates, strongly dependent on the place of detention.",
        script: Script::Cyrillic,
        cols: &[
            (Col::RecordId, "№"),
            (Col::Surname, "Фамилия"),
            (Col::Given, "Имя"),
            (Col::Patronymic, "Отчество"),
            (Col::BirthDate, "Дата рождения"),
            (Col::Sex, "Пол"),
            (Col::DetentionPlace, "Место содержания"),
            (Col::Status, "Статус"),
        ],
        date_style: DateStyle::Dotted,
        id_width: 1,
        order: Order::FamilyGivenPatronymic,
        patronymic_share: 0.9,
        ru_patronymic_share: 1.0,
        genitive_share: 0.0,
        standard_vocab: false,
        coverage: Coverage {
            base: -0.3,
            category: [0.0, 0.0, 0.5],
            status: [-4.5, 1.4, -0.4, 0.3, -0.6],
            legal: NO_LEGAL,
            visibility: 0.3,
            place_spread: 1.2,
        },
        rates: ErrorRates {
            typo: 0.03,
            missing_field: 0.06,
            swapped_order: 0.0,
            year_off_by_one: 0.03,
            day_month_swap: 0.02,
            alt_transliteration: 0.0,
            ter_variation: 0.08,
            duplicate: 0.01,
            near_duplicate: 0.006,
        },
    },
    Template {
        code: "RG",
        name: "Rights group: documented cases",
        description: "Cases documented by a human rights group from interviews and media; one full-name column in mixed transliterations, year of birth, capture details.",
        script: Script::Latin,
        cols: &[
            (Col::RecordId, "ID"),
            (Col::FullName, "Full name"),
            (Col::BirthYear, "Year of birth"),
            (Col::Sex, "Sex"),
            (Col::Category, "Category"),
            (Col::CaptureDate, "Date of capture"),
            (Col::CapturePlace, "Place of capture"),
            (Col::Status, "Status"),
        ],
        date_style: DateStyle::Iso,
        id_width: 4,
        order: Order::GivenFamily,
        patronymic_share: 0.15,
        ru_patronymic_share: 0.4,
        genitive_share: 0.0,
        standard_vocab: false,
        coverage: Coverage {
            base: -0.6,
            category: [0.0, 0.8, 0.6],
            status: [0.4, 0.5, -0.3, -0.2, 0.4],
            legal: NO_LEGAL,
            visibility: 0.8,
            place_spread: 0.3,
        },
        rates: ErrorRates {
            typo: 0.04,
            missing_field: 0.08,
            swapped_order: 0.08,
            year_off_by_one: 0.04,
            day_month_swap: 0.0,
            alt_transliteration: 0.35,
            ter_variation: 0.15,
            duplicate: 0.01,
            near_duplicate: 0.01,
        },
    },
    Template {
        code: "MED",
        name: "Press compilation of reported detainees",
        description: "Names compiled by journalists from news reports and trial coverage; Western and passport spellings common, year of birth, month of capture; favours officials and well-known cases.",
        script: Script::Latin,
        cols: &[
            (Col::RecordId, "No."),
            (Col::FullName, "Name"),
            (Col::BirthYear, "Born"),
            (Col::CaptureDate, "Captured"),
            (Col::DetentionPlace, "Where held"),
            (Col::Status, "Status"),
        ],
        date_style: DateStyle::YearMonth,
        id_width: 1,
        order: Order::GivenFamily,
        patronymic_share: 0.05,
        ru_patronymic_share: 0.5,
        genitive_share: 0.0,
        standard_vocab: false,
        coverage: Coverage {
            base: -1.7,
            category: [0.0, 0.3, 2.8],
            status: [0.0, 0.7, -0.2, -0.1, 0.6],
            legal: [0.0, 0.0, 0.4, 0.6, 0.0],
            visibility: 1.2,
            place_spread: 0.2,
        },
        rates: ErrorRates {
            typo: 0.05,
            missing_field: 0.15,
            swapped_order: 0.10,
            year_off_by_one: 0.05,
            day_month_swap: 0.0,
            alt_transliteration: 0.50,
            ter_variation: 0.25,
            duplicate: 0.015,
            near_duplicate: 0.01,
        },
    },
    Template {
        code: "FAM",
        name: "Reports from families",
        description: "Relatives' reports of a missing or detained family member; a full name in Latin as the family spells it, an approximate birth year, where and when last seen; no record ids.",
        script: Script::Latin,
        cols: &[
            (Col::FullName, "Full name"),
            (Col::ApproxBirthYear, "Approx. birth year"),
            (Col::LastSeen, "Last seen"),
            (Col::CapturePlace, "Where last seen"),
            (Col::Reporter, "Reported by"),
        ],
        date_style: DateStyle::YearMonth,
        id_width: 0,
        order: Order::GivenFamily,
        patronymic_share: 0.1,
        ru_patronymic_share: 0.5,
        genitive_share: 0.0,
        standard_vocab: false,
        coverage: Coverage {
            base: -0.9,
            category: [0.0, 0.3, -0.5],
            status: [2.6, 0.5, -1.0, -1.0, 0.9],
            legal: NO_LEGAL,
            visibility: 0.3,
            place_spread: 0.0,
        },
        rates: ErrorRates {
            typo: 0.06,
            missing_field: 0.10,
            swapped_order: 0.12,
            year_off_by_one: 0.15,
            day_month_swap: 0.0,
            alt_transliteration: 0.50,
            ter_variation: 0.25,
            duplicate: 0.01,
            near_duplicate: 0.04,
        },
    },
    Template {
        code: "LAW",
        name: "Defence lawyers' list of clients (Russian-language)",
        description: "Clients of defence lawyers in criminal proceedings; Cyrillic, one ФИО column surname first, dotted dates; only the accused and convicted.",
        script: Script::Cyrillic,
        cols: &[
            (Col::RecordId, "Рег. №"),
            (Col::FullName, "ФИО"),
            (Col::BirthDate, "Дата рождения"),
            (Col::LegalStatus, "Процессуальный статус"),
            (Col::DetentionPlace, "Учреждение"),
        ],
        date_style: DateStyle::Dotted,
        id_width: 5,
        order: Order::FamilyGivenPatronymic,
        patronymic_share: 0.95,
        ru_patronymic_share: 1.0,
        genitive_share: 0.0,
        standard_vocab: false,
        coverage: Coverage {
            base: -5.0,
            category: [0.0, 0.0, 0.8],
            status: [0.0, 0.6, 0.0, -0.2, 0.0],
            legal: [0.0, 0.0, 5.5, 5.8, 0.0],
            visibility: 0.3,
            place_spread: 0.4,
        },
        rates: ErrorRates {
            typo: 0.03,
            missing_field: 0.05,
            swapped_order: 0.05,
            year_off_by_one: 0.02,
            day_month_swap: 0.02,
            alt_transliteration: 0.0,
            ter_variation: 0.10,
            duplicate: 0.005,
            near_duplicate: 0.005,
        },
    },
    Template {
        code: "MIP",
        name: "Human rights defender's office: persons of concern (Armenian)",
        description: "The ombudsperson's list; Armenian script, one full-name column, dotted birth dates, category, status and place of detention.",
        script: Script::Armenian,
        cols: &[
            (Col::RecordId, "Հ/Հ"),
            (Col::FullName, "Անուն Ազգանուն"),
            (Col::BirthDate, "Ծննդյան ամսաթիվ"),
            (Col::BirthPlace, "Ծննդավայր"),
            (Col::Category, "Կատեգորիա"),
            (Col::Status, "Կարգավիճակ"),
            (Col::DetentionPlace, "Պահման վայր"),
        ],
        date_style: DateStyle::Dotted,
        id_width: 4,
        order: Order::GivenFamily,
        patronymic_share: 0.3,
        ru_patronymic_share: 0.0,
        genitive_share: 0.0,
        standard_vocab: false,
        coverage: Coverage {
            base: -0.2,
            category: [0.2, 0.4, 0.6],
            status: [0.6, 0.8, -0.8, -0.6, 0.2],
            legal: NO_LEGAL,
            visibility: 0.6,
            place_spread: 0.4,
        },
        rates: ErrorRates {
            typo: 0.02,
            missing_field: 0.05,
            swapped_order: 0.05,
            year_off_by_one: 0.02,
            day_month_swap: 0.01,
            alt_transliteration: 0.0,
            ter_variation: 0.08,
            duplicate: 0.005,
            near_duplicate: 0.005,
        },
    },
];

/// Generates the lists; also returns, per person, a bit mask of the lists that name them.
pub(crate) fn generate_lists(
    cfg: &ScenarioConfig,
    persons: &[TruePerson],
    places: &[PlaceSpec],
) -> (Vec<SourceList>, Vec<u64>) {
    let mut membership = vec![0u64; persons.len()];
    let mut lists = Vec::with_capacity(cfg.lists);
    for li in 0..cfg.lists {
        let tpl = TEMPLATES[li % TEMPLATES.len()];
        let edition = li / TEMPLATES.len();
        let list = generate_list(cfg, li, edition, &tpl, persons, places);
        for &id in &list.truth {
            if let Some(m) = membership.get_mut(id as usize) {
                *m |= 1 << li;
            }
        }
        lists.push(list);
    }
    (lists, membership)
}

/// One row to write: whose it is and whether it repeats an earlier row.
#[derive(Clone, Copy, Debug)]
enum Copy {
    Primary,
    Duplicate,
    Near,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    person: u32,
    copy: Copy,
}

struct Produced {
    rows: Vec<Vec<String>>,
    truth: Vec<u32>,
    flags: Vec<ErrorFlags>,
    stats: ErrorStats,
}

fn generate_list(
    cfg: &ScenarioConfig,
    li: usize,
    edition: usize,
    tpl: &Template,
    persons: &[TruePerson],
    places: &[PlaceSpec],
) -> SourceList {
    use rayon::prelude::*;
    let list_seed = mix(cfg.seed ^ mix(li as u64 + 1));
    let rates = tpl.rates.scaled(cfg.error_scale);
    let mut place_rng = Stream::new(cfg.seed, purpose::LIST, li as u64);
    let place_effect: Vec<f64> = places
        .iter()
        .map(|_| place_rng.normal() * tpl.coverage.place_spread)
        .collect();

    // Who is named, and how often: cheap decisions first, so that the expensive rows can be
    // rendered directly in the list's final order (allocated, and later freed, in that order).
    let mut stats = ErrorStats::default();
    let chunks: Vec<(Vec<Slot>, usize, usize, usize)> = persons
        .par_chunks(8192)
        .map(|chunk| {
            let mut slots = Vec::new();
            let (mut primaries, mut dups, mut nears) = (0, 0, 0);
            for p in chunk {
                let mut rng = Stream::new(list_seed, purpose::LIST_ROW, u64::from(p.id));
                if !rng.chance(inclusion(tpl, p, &place_effect)) {
                    continue;
                }
                primaries += 1;
                slots.push(Slot {
                    person: p.id,
                    copy: Copy::Primary,
                });
                if rng.chance(rates.duplicate) {
                    dups += 1;
                    slots.push(Slot {
                        person: p.id,
                        copy: Copy::Duplicate,
                    });
                }
                if rng.chance(rates.near_duplicate) {
                    nears += 1;
                    slots.push(Slot {
                        person: p.id,
                        copy: Copy::Near,
                    });
                }
            }
            (slots, primaries, dups, nears)
        })
        .collect();
    let total: usize = chunks.iter().map(|c| c.0.len()).sum();
    let mut keyed: Vec<(u64, Slot)> = Vec::with_capacity(total);
    for (slots, primaries, dups, nears) in chunks {
        stats.eligible[ErrorKind::Duplicate as usize] += primaries;
        stats.eligible[ErrorKind::NearDuplicate as usize] += primaries;
        stats.applied[ErrorKind::Duplicate as usize] += dups;
        stats.applied[ErrorKind::NearDuplicate as usize] += nears;
        for slot in slots {
            let i = keyed.len() as u64;
            // Sources do not list people in our id order; a seeded shuffle hides it.
            keyed.push((
                mix(list_seed ^ mix(purpose::LIST_ORDER.wrapping_mul(1 << 40) + i)),
                slot,
            ));
        }
    }
    keyed.sort_unstable_by_key(|(k, _)| *k);

    let code = if edition == 0 {
        tpl.code.to_string()
    } else {
        format!("{}{}", tpl.code, edition + 1)
    };
    let id_col = tpl.cols.iter().position(|(c, _)| *c == Col::RecordId);
    let by_id = |id: u32| persons.get(id as usize);
    let parts: Vec<Produced> = keyed
        .par_chunks(8192)
        .enumerate()
        .map(|(ci, chunk)| {
            let mut out = Produced {
                rows: Vec::with_capacity(chunk.len()),
                truth: Vec::with_capacity(chunk.len()),
                flags: Vec::with_capacity(chunk.len()),
                stats: ErrorStats::default(),
            };
            for (k, (_, slot)) in chunk.iter().enumerate() {
                let Some(p) = by_id(slot.person) else {
                    continue;
                };
                let near = matches!(slot.copy, Copy::Near);
                // A duplicate replays the primary row's stream, so it comes out identical.
                let mut rng = Stream::new(
                    list_seed,
                    purpose::LIST_RENDER,
                    u64::from(slot.person) * 2 + u64::from(near),
                );
                let (mut row, mut flags) = match slot.copy {
                    Copy::Primary => {
                        render_row(tpl, &rates, p, places, &mut rng, Some(&mut out.stats))
                    }
                    Copy::Duplicate => render_row(tpl, &rates, p, places, &mut rng, None),
                    Copy::Near => {
                        // The second report is written independently, with a little more noise.
                        let noisier = ErrorRates {
                            typo: (rates.typo * 4.0 + 0.2).min(1.0),
                            alt_transliteration: (rates.alt_transliteration * 2.0 + 0.2).min(1.0),
                            ..rates
                        };
                        render_row(tpl, &noisier, p, places, &mut rng, None)
                    }
                };
                match slot.copy {
                    Copy::Primary => {}
                    Copy::Duplicate => flags.insert(ErrorKind::Duplicate),
                    Copy::Near => flags.insert(ErrorKind::NearDuplicate),
                }
                if let Some(c) = id_col {
                    let n = ci * 8192 + k + 1;
                    row[c] = if tpl.id_width <= 1 {
                        n.to_string()
                    } else {
                        format!("{code}-{n:0w$}", w = tpl.id_width)
                    };
                }
                out.rows.push(row);
                out.truth.push(slot.person);
                out.flags.push(flags);
            }
            out
        })
        .collect();
    let mut rows = Vec::with_capacity(total);
    let mut truth = Vec::with_capacity(total);
    let mut flags = Vec::with_capacity(total);
    for c in parts {
        rows.extend(c.rows);
        truth.extend(c.truth);
        flags.extend(c.flags);
        stats.add(&c.stats);
    }
    let name = if edition == 0 {
        tpl.name.to_string()
    } else {
        format!("{} (edition {})", tpl.name, edition + 1)
    };
    SourceList {
        code,
        name,
        description: tpl.description.to_string(),
        script: tpl.script.code(),
        columns: tpl.cols.iter().map(|(_, h)| (*h).to_string()).collect(),
        fields: tpl.cols.iter().map(|(c, _)| c.field()).collect(),
        date_style: tpl.date_style,
        rows,
        truth,
        flags,
        rates,
        stats,
    }
}

fn legal_index(l: LegalStatus) -> usize {
    l as usize
}

fn inclusion(tpl: &Template, p: &TruePerson, place_effect: &[f64]) -> f64 {
    let c = &tpl.coverage;
    let place = p
        .detention_place
        .and_then(|i| place_effect.get(i))
        .copied()
        .unwrap_or(0.0);
    sigmoid(
        c.base
            + c.category[p.category.index()]
            + c.status[p.status.index()]
            + c.legal[legal_index(p.legal_status)]
            + c.visibility * p.visibility
            + place,
    )
}

/// Name parts as one row writes them.
struct Parts {
    surname: String,
    given: String,
    patronymic: String,
}

/// Counts eligibility and application of one error kind.
fn attempt(
    stats: &mut Option<&mut ErrorStats>,
    flags: &mut ErrorFlags,
    kind: ErrorKind,
    eligible: bool,
    rate: f64,
    rng: &mut Stream,
) -> bool {
    if !eligible {
        return false;
    }
    let hit = rng.chance(rate);
    if let Some(s) = stats.as_deref_mut() {
        s.eligible[kind as usize] += 1;
        if hit {
            s.applied[kind as usize] += 1;
        }
    }
    if hit {
        flags.insert(kind);
    }
    hit
}

fn render_row(
    tpl: &Template,
    rates: &ErrorRates,
    p: &TruePerson,
    places: &[PlaceSpec],
    rng: &mut Stream,
    mut stats: Option<&mut ErrorStats>,
) -> (Vec<String>, ErrorFlags) {
    let mut flags = ErrorFlags::default();
    let female = p.sex.is_female();
    let mut parts = match tpl.script {
        Script::Armenian => Parts {
            surname: p.family_hy().into_owned(),
            given: p.given.hy.to_string(),
            patronymic: if rng.chance(tpl.genitive_share) {
                armenian_genitive(p.father.hy)
            } else {
                p.father.hy.to_string()
            },
        },
        Script::Cyrillic => Parts {
            surname: p.family_ru().into_owned(),
            given: p.given.ru.to_string(),
            patronymic: p.patronymic_ru(),
        },
        Script::Latin => Parts {
            surname: p.family_latin().into_owned(),
            given: p.given_latin().to_string(),
            patronymic: if rng.chance(tpl.ru_patronymic_share) {
                p.patronymic_ru_latin()
            } else {
                p.patronymic_latin().to_string()
            },
        },
    };
    if tpl.script == Script::Latin {
        let (s_alts, g_alts) = (p.family.alternative_count(), p.given.alternative_count());
        let eligible = s_alts > 0 || g_alts > 0;
        if attempt(
            &mut stats,
            &mut flags,
            ErrorKind::AltTransliteration,
            eligible,
            rates.alt_transliteration,
            rng,
        ) {
            // Change whichever part has alternatives; both when both do, half of the time.
            let both = s_alts > 0 && g_alts > 0 && rng.chance(0.5);
            let do_surname = s_alts > 0 && (both || g_alts == 0 || rng.chance(0.6));
            let do_given = g_alts > 0 && (both || !do_surname);
            if do_surname {
                let s = p.family.alternative(rng.below(s_alts));
                parts.surname =
                    crate::names::gendered(s, p.family, female, Script::Latin).into_owned();
            }
            if do_given {
                parts.given = p.given.alternative(rng.below(g_alts)).to_string();
            }
        }
    }
    let has_ter = ter_split(&parts.surname).is_some();
    if attempt(
        &mut stats,
        &mut flags,
        ErrorKind::TerVariation,
        has_ter,
        rates.ter_variation,
        rng,
    ) {
        parts.surname = ter_variant(&parts.surname, rng);
    }
    if attempt(
        &mut stats,
        &mut flags,
        ErrorKind::Typo,
        true,
        rates.typo,
        rng,
    ) {
        if rng.chance(0.6) {
            parts.surname = typo(&parts.surname, rng);
        } else {
            parts.given = typo(&parts.given, rng);
        }
    }
    let with_patronymic = rng.chance(tpl.patronymic_share);

    let has = |c: Col| tpl.cols.iter().any(|(x, _)| *x == c);
    let mut birth = p.birth;
    let has_birth = has(Col::BirthDate) || has(Col::BirthYear) || has(Col::ApproxBirthYear);
    if attempt(
        &mut stats,
        &mut flags,
        ErrorKind::YearOffByOne,
        has_birth,
        rates.year_off_by_one,
        rng,
    ) {
        birth.year += if rng.chance(0.5) { 1 } else { -1 };
        // 29 February does not exist in the neighbouring years.
        birth.day = birth
            .day
            .min(SimpleDate::days_in_month(birth.year, birth.month));
    }
    let full_date = has(Col::BirthDate) && tpl.date_style != DateStyle::YearOnly;
    let dm_eligible = full_date && birth.day <= 12 && birth.day != birth.month;
    if attempt(
        &mut stats,
        &mut flags,
        ErrorKind::DayMonthSwap,
        dm_eligible,
        rates.day_month_swap,
        rng,
    ) {
        std::mem::swap(&mut birth.day, &mut birth.month);
    }
    let swapped = attempt(
        &mut stats,
        &mut flags,
        ErrorKind::SwappedOrder,
        has(Col::FullName),
        rates.swapped_order,
        rng,
    );

    let lang = tpl.script;
    let mut row: Vec<String> = Vec::with_capacity(tpl.cols.len());
    for (col, _) in tpl.cols {
        let cell = match col {
            Col::RecordId => String::new(),
            Col::Surname => std::mem::take(&mut parts.surname),
            Col::Given => std::mem::take(&mut parts.given),
            Col::Patronymic => {
                if with_patronymic {
                    std::mem::take(&mut parts.patronymic)
                } else {
                    String::new()
                }
            }
            Col::FullName => full_name(tpl.order, &parts, with_patronymic, swapped),
            Col::Sex => sex_word(lang, tpl.standard_vocab, p.sex).to_string(),
            Col::BirthDate => birth.format(tpl.date_style),
            Col::BirthYear => birth.year.to_string(),
            Col::ApproxBirthYear => {
                if rng.chance(0.3) {
                    format!("c. {}", birth.year)
                } else {
                    birth.year.to_string()
                }
            }
            Col::BirthPlace => locality(lang, p.birth_place).to_string(),
            Col::Category => category_word(lang, tpl.standard_vocab, p.category).to_string(),
            Col::Status => status_word(lang, tpl.standard_vocab, p.status).to_string(),
            Col::LegalStatus => legal_word(lang, tpl.standard_vocab, p.legal_status).to_string(),
            Col::CaptureDate => p.capture_date.format(tpl.date_style),
            Col::CapturePlace => locality(lang, p.capture_place).to_string(),
            Col::DetentionPlace => p
                .detention_place
                .and_then(|i| places.get(i))
                .map(|pl| match lang {
                    Script::Armenian => pl.name_hy,
                    Script::Cyrillic => pl.name_ru,
                    Script::Latin => pl.name,
                })
                .unwrap_or("")
                .to_string(),
            Col::LastSeen => p.capture_date.format(tpl.date_style),
            Col::Reporter => {
                let rel = [
                    "mother", "father", "wife", "sister", "brother", "son", "daughter", "cousin",
                ];
                rng.pick(&rel).copied().unwrap_or("relative").to_string()
            }
        };
        row.push(cell);
    }
    // A blank field: any filled non-name column, or (rarely) the given name of a split list.
    let blankable = |i: usize, c: Col| {
        (!c.is_name() && c != Col::RecordId && !row[i].is_empty()) || c == Col::Given
    };
    let candidates = (0..tpl.cols.len())
        .filter(|&i| blankable(i, tpl.cols[i].0))
        .count();
    if attempt(
        &mut stats,
        &mut flags,
        ErrorKind::MissingField,
        candidates > 0,
        rates.missing_field,
        rng,
    ) {
        let k = rng.below(candidates);
        let pick = (0..tpl.cols.len())
            .filter(|&i| blankable(i, tpl.cols[i].0))
            .nth(k);
        if let Some(i) = pick {
            row[i].clear();
        }
    }
    (row, flags)
}

fn full_name(order: Order, parts: &Parts, with_patronymic: bool, swapped: bool) -> String {
    let mut words: Vec<&str> = Vec::with_capacity(3);
    let patr = with_patronymic && !parts.patronymic.is_empty();
    match (order, swapped) {
        (Order::GivenFamily, false) => {
            words.push(&parts.given);
            if patr {
                words.push(&parts.patronymic);
            }
            words.push(&parts.surname);
        }
        (Order::GivenFamily, true) | (Order::FamilyGivenPatronymic, false) => {
            words.push(&parts.surname);
            words.push(&parts.given);
            if patr {
                words.push(&parts.patronymic);
            }
        }
        (Order::FamilyGivenPatronymic, true) => {
            words.push(&parts.given);
            if patr {
                words.push(&parts.patronymic);
            }
            words.push(&parts.surname);
        }
    }
    words.retain(|w| !w.is_empty());
    words.join(" ")
}

const TER_PREFIXES: &[&str] = &["Ter-", "Der-", "Տեր-", "Тер-"];

/// Splits "Ter-Petrosyan" into ("Ter", "Petrosyan").
fn ter_split(s: &str) -> Option<(&str, &str)> {
    TER_PREFIXES.iter().find_map(|p| {
        s.strip_prefix(p)
            .filter(|rest| !rest.is_empty())
            .map(|rest| (&p[..p.len() - 1], rest))
    })
}

fn ter_variant(s: &str, rng: &mut Stream) -> String {
    let Some((prefix, rest)) = ter_split(s) else {
        return s.to_string();
    };
    match rng.weighted(&[0.5, 0.3, 0.2]) {
        0 => rest.to_string(),
        1 => format!("{prefix}{}", rest.to_lowercase()),
        _ => format!("{prefix} {rest}"),
    }
}

const LATIN_LETTERS: &[char] = &[
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's', 't',
    'u', 'v', 'y', 'z',
];
const ARMENIAN_LETTERS: &[char] = &[
    'ա', 'բ', 'գ', 'դ', 'ե', 'զ', 'է', 'ը', 'թ', 'ժ', 'ի', 'լ', 'խ', 'ծ', 'կ', 'հ', 'ձ', 'ղ', 'ճ',
    'մ', 'յ', 'ն', 'շ', 'ո', 'չ', 'պ', 'ջ', 'ռ', 'ս', 'վ', 'տ', 'ր', 'ց', 'ւ', 'փ', 'ք', 'օ', 'ֆ',
];
const CYRILLIC_LETTERS: &[char] = &[
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'й', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т',
    'у', 'ф', 'х', 'ц', 'ч', 'ш', 'ы', 'ь', 'э', 'ю', 'я',
];

/// One keyboard-style slip: substitution, deletion, insertion or transposition, never on the
/// first letter (people rarely mistype it) and never on a hyphen or space.
pub(crate) fn typo(s: &str, rng: &mut Stream) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return format!("{s}{}", chars.last().copied().unwrap_or('a'));
    }
    let alphabet = match chars.iter().find(|c| c.is_alphabetic()) {
        Some(c) if ('\u{0531}'..='\u{058F}').contains(c) => ARMENIAN_LETTERS,
        Some(c) if ('\u{0400}'..='\u{04FF}').contains(c) => CYRILLIC_LETTERS,
        _ => LATIN_LETTERS,
    };
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    let Some(&pos) = rng.pick(&letters) else {
        return s.to_string();
    };
    match rng.below(4) {
        0 => {
            let mut c = chars[pos];
            for _ in 0..4 {
                c = rng.pick(alphabet).copied().unwrap_or('a');
                if c != chars[pos] {
                    break;
                }
            }
            chars[pos] = c;
        }
        1 => {
            chars.remove(pos);
        }
        2 => {
            let c = chars[pos];
            chars.insert(pos, c);
        }
        _ => {
            let next = if pos + 1 < chars.len() && chars[pos + 1].is_alphabetic() {
                pos + 1
            } else {
                pos - 1
            };
            if chars[next].is_alphabetic() && next >= 1 && chars[next] != chars[pos] {
                chars.swap(pos, next);
            } else {
                chars.remove(pos);
            }
        }
    }
    let out: String = chars.into_iter().collect();
    if out == s {
        format!("{s}{}", alphabet[0])
    } else {
        out
    }
}

fn locality(lang: Script, l: &crate::vocab::Locality) -> &'static str {
    match lang {
        Script::Armenian => l.hy,
        Script::Cyrillic => l.ru,
        Script::Latin => l.en,
    }
}

fn sex_word(lang: Script, standard: bool, s: Sex) -> &'static str {
    match (lang, standard, s) {
        (_, true, s) => s.as_str(),
        (Script::Armenian, _, Sex::Male) => "արական",
        (Script::Armenian, _, Sex::Female) => "իգական",
        (Script::Cyrillic, _, Sex::Male) => "м",
        (Script::Cyrillic, _, Sex::Female) => "ж",
        (Script::Latin, _, Sex::Male) => "M",
        (Script::Latin, _, Sex::Female) => "F",
    }
}

fn category_word(lang: Script, standard: bool, c: Category) -> &'static str {
    if standard {
        return c.as_str();
    }
    let words = match lang {
        Script::Armenian => ["զինծառայող", "քաղաքացիական", "պաշտոնյա"],
        Script::Cyrillic => ["военнослужащий", "гражданское лицо", "должностное лицо"],
        Script::Latin => ["Soldier", "Civilian", "Official"],
    };
    words[c.index()]
}

fn status_word(lang: Script, standard: bool, s: Status) -> &'static str {
    if standard {
        return s.as_str();
    }
    let words = match lang {
        Script::Armenian => [
            "անհայտ կորած",
            "գերության մեջ",
            "ազատված",
            "վերադարձված",
            "մահացած",
        ],
        Script::Cyrillic => [
            "пропал без вести",
            "содержится под стражей",
            "освобождён",
            "репатриирован",
            "умер",
        ],
        Script::Latin => ["Missing", "In custody", "Released", "Returned", "Died"],
    };
    words[s.index()]
}

fn legal_word(lang: Script, standard: bool, l: LegalStatus) -> &'static str {
    if standard {
        return l.as_str();
    }
    let words = match lang {
        Script::Armenian => [
            "ռազմագերի",
            "ինտերնացված քաղաքացի",
            "մեղադրյալ",
            "դատապարտված",
            "անհայտ",
        ],
        Script::Cyrillic => [
            "военнопленный",
            "интернированный",
            "обвиняемый",
            "осуждённый",
            "неизвестно",
        ],
        Script::Latin => [
            "POW",
            "Civilian internee",
            "Accused",
            "Convicted",
            "Unknown",
        ],
    };
    words[legal_index(l)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_change_the_string_but_keep_the_first_letter() {
        let mut rng = Stream::new(1, 1, 1);
        for s in ["Petrosyan", "Պետրոսյան", "Петросян", "Ter-Petrosyan", "Al"] {
            for _ in 0..200 {
                let t = typo(s, &mut rng);
                assert_ne!(t, s);
                assert_eq!(t.chars().next(), s.chars().next());
            }
        }
    }

    #[test]
    fn ter_variants() {
        let mut rng = Stream::new(2, 2, 2);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            seen.insert(ter_variant("Ter-Petrosyan", &mut rng));
        }
        let expected: std::collections::BTreeSet<String> =
            ["Petrosyan", "Terpetrosyan", "Ter Petrosyan"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(seen, expected);
        assert_eq!(ter_variant("Petrosyan", &mut rng), "Petrosyan");
        assert!(ter_split("Тер-Оганесян").is_some());
    }

    #[test]
    fn full_name_orders() {
        let parts = Parts {
            surname: "Petrosyan".into(),
            given: "Aram".into(),
            patronymic: "Armeni".into(),
        };
        assert_eq!(
            full_name(Order::GivenFamily, &parts, false, false),
            "Aram Petrosyan"
        );
        assert_eq!(
            full_name(Order::GivenFamily, &parts, true, true),
            "Petrosyan Aram Armeni"
        );
        assert_eq!(
            full_name(Order::FamilyGivenPatronymic, &parts, true, false),
            "Petrosyan Aram Armeni"
        );
        assert_eq!(
            full_name(Order::FamilyGivenPatronymic, &parts, true, true),
            "Aram Armeni Petrosyan"
        );
    }
}
