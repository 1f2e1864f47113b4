//! The name tables (generic, frequency-ranked Armenian, Russian and Azerbaijani names) and the
//! rules that turn a name into the forms different sources write: Russian patronymics,
//! feminine surname endings, passport-style romanisation from Russian.

use std::borrow::Cow;
use std::sync::OnceLock;

/// Where a name comes from; decides the tables a person's names are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// An Armenian name.
    Armenian,
    /// A Russian name.
    Russian,
    /// An Azerbaijani name.
    Azerbaijani,
}

/// One name with the forms each script writes it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameEntry {
    /// Armenian-script form.
    pub hy: &'static str,
    /// Russian Cyrillic form.
    pub ru: &'static str,
    /// Latin spellings; the first is the canonical (BGN-like Eastern) one.
    pub latin: Vec<&'static str>,
    /// Passport-style spelling romanised from the Russian form (ICAO Doc 9303), e.g. Oganesian.
    pub passport: String,
    /// Where the name comes from.
    pub origin: Origin,
    /// Frequency rank within its table (0 = most common).
    pub rank: usize,
}

impl NameEntry {
    /// The canonical Latin spelling.
    pub fn canonical_latin(&self) -> &'static str {
        self.latin.first().copied().unwrap_or(self.ru)
    }

    /// Number of Latin spellings other than the canonical one (the passport form included when
    /// it differs from every table spelling).
    pub fn alternative_count(&self) -> usize {
        self.latin.len().saturating_sub(1) + usize::from(self.passport_is_distinct())
    }

    /// The `k`-th non-canonical Latin spelling, `k < alternative_count()`.
    pub fn alternative(&self, k: usize) -> &str {
        match self.latin.get(k + 1) {
            Some(v) => v,
            None => &self.passport,
        }
    }

    fn passport_is_distinct(&self) -> bool {
        !self.latin.iter().any(|v| *v == self.passport)
    }

    /// True for surnames that take a feminine ending (Russian-style -ov, -ev, -in).
    pub fn inflects(&self) -> bool {
        ["ов", "ев", "ин"].iter().any(|e| self.ru.ends_with(e))
    }
}

/// All name tables, each ordered most common first.
#[derive(Debug)]
pub struct NameTables {
    /// Armenian male given names.
    pub male: Vec<NameEntry>,
    /// Armenian female given names.
    pub female: Vec<NameEntry>,
    /// Armenian surnames.
    pub surnames: Vec<NameEntry>,
    /// Russian male given names.
    pub ru_male: Vec<NameEntry>,
    /// Russian female given names.
    pub ru_female: Vec<NameEntry>,
    /// Russian surnames.
    pub ru_surnames: Vec<NameEntry>,
    /// Azerbaijani male given names.
    pub az_male: Vec<NameEntry>,
    /// Azerbaijani female given names.
    pub az_female: Vec<NameEntry>,
    /// Azerbaijani surnames.
    pub az_surnames: Vec<NameEntry>,
}

const GIVEN_MALE: &str = include_str!("../data/given_male.tsv");
const GIVEN_FEMALE: &str = include_str!("../data/given_female.tsv");
const SURNAMES: &str = include_str!("../data/surnames.tsv");
const OTHER: &str = include_str!("../data/other_names.tsv");

/// The name tables, parsed once from the data files compiled into the crate.
pub fn tables() -> &'static NameTables {
    static TABLES: OnceLock<NameTables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> NameTables {
    let mut t = NameTables {
        male: parse_table(GIVEN_MALE, Origin::Armenian),
        female: parse_table(GIVEN_FEMALE, Origin::Armenian),
        surnames: parse_table(SURNAMES, Origin::Armenian),
        ru_male: Vec::new(),
        ru_female: Vec::new(),
        ru_surnames: Vec::new(),
        az_male: Vec::new(),
        az_female: Vec::new(),
        az_surnames: Vec::new(),
    };
    for line in data_lines(OTHER) {
        let mut cols = line.split('\t');
        let (Some(origin), Some(part), Some(hy), Some(ru), Some(latin)) = (
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
        ) else {
            continue;
        };
        let origin = match origin {
            "ru" => Origin::Russian,
            "az" => Origin::Azerbaijani,
            _ => continue,
        };
        let table = match (origin, part) {
            (Origin::Russian, "m") => &mut t.ru_male,
            (Origin::Russian, "f") => &mut t.ru_female,
            (Origin::Russian, "s") => &mut t.ru_surnames,
            (_, "m") => &mut t.az_male,
            (_, "f") => &mut t.az_female,
            (_, "s") => &mut t.az_surnames,
            _ => continue,
        };
        let rank = table.len();
        table.push(entry(hy, ru, latin, origin, rank));
    }
    t
}

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn parse_table(text: &'static str, origin: Origin) -> Vec<NameEntry> {
    let mut out: Vec<NameEntry> = Vec::new();
    for line in data_lines(text) {
        let mut cols = line.split('\t');
        if let (Some(hy), Some(ru), Some(latin)) = (cols.next(), cols.next(), cols.next()) {
            let rank = out.len();
            out.push(entry(hy, ru, latin, origin, rank));
        }
    }
    out
}

fn entry(
    hy: &'static str,
    ru: &'static str,
    latin: &'static str,
    origin: Origin,
    rank: usize,
) -> NameEntry {
    let mut variants: Vec<&'static str> = Vec::new();
    for v in latin.split('|').map(str::trim).filter(|v| !v.is_empty()) {
        if !variants.contains(&v) {
            variants.push(v);
        }
    }
    NameEntry {
        hy: hy.trim(),
        ru: ru.trim(),
        passport: icao_from_russian(ru.trim()),
        latin: variants,
        origin,
        rank,
    }
}

/// The surname form for a woman where the surname inflects (Иванов -> Иванова), else unchanged.
pub fn gendered<'a>(
    form: &'a str,
    entry: &NameEntry,
    female: bool,
    script: Script,
) -> Cow<'a, str> {
    if !(female && entry.inflects()) {
        return Cow::Borrowed(form);
    }
    let ending = match script {
        Script::Armenian => "ա",
        Script::Cyrillic => "а",
        Script::Latin => "a",
    };
    Cow::Owned(format!("{form}{ending}"))
}

/// The writing system of a list or a name form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Script {
    /// Armenian script.
    Armenian,
    /// Cyrillic (Russian).
    Cyrillic,
    /// Latin.
    Latin,
}

impl Script {
    /// ISO 15924 code: `Armn`, `Cyrl`, `Latn`.
    pub fn code(self) -> &'static str {
        match self {
            Script::Armenian => "Armn",
            Script::Cyrillic => "Cyrl",
            Script::Latin => "Latn",
        }
    }
}

/// The Russian patronymic from a father's Russian given name: Армен -> Арменович / Арменовна,
/// Сергей -> Сергеевич, Юрий -> Юрьевич, Рафаэль -> Рафаэлевич.
pub fn russian_patronymic(father_ru: &str, female: bool) -> String {
    let (m, f) = ("ович", "овна");
    let (soft_m, soft_f) = ("евич", "евна");
    let suffix = |hard: bool| match (hard, female) {
        (true, false) => m,
        (true, true) => f,
        (false, false) => soft_m,
        (false, true) => soft_f,
    };
    if let Some(stem) = father_ru.strip_suffix("ий") {
        return format!("{stem}ь{}", suffix(false));
    }
    if let Some(stem) = father_ru.strip_suffix('й') {
        return format!("{stem}{}", suffix(false));
    }
    if let Some(stem) = father_ru.strip_suffix('ь') {
        return format!("{stem}{}", suffix(false));
    }
    if let Some(stem) = father_ru
        .strip_suffix('а')
        .or_else(|| father_ru.strip_suffix('я'))
    {
        // Diminutives and names in -а/-я: Soviet clerks wrote Никита -> Никитич; keep it regular.
        return format!("{stem}{}", if female { "ична" } else { "ич" });
    }
    let last = father_ru.chars().last().unwrap_or('н');
    let hard = !matches!(
        last,
        'ж' | 'ш' | 'ч' | 'щ' | 'ц' | 'е' | 'и' | 'о' | 'у' | 'э'
    );
    format!("{father_ru}{}", suffix(hard))
}

/// The Armenian genitive patronymic some Armenian documents use (Արմեն -> Արմենի).
pub fn armenian_genitive(father_hy: &str) -> String {
    if father_hy.ends_with('ի') {
        format!("{father_hy}ի")
    } else if father_hy.ends_with('ա') || father_hy.ends_with('ե') || father_hy.ends_with('ո') {
        format!("{father_hy}յի")
    } else {
        format!("{father_hy}ի")
    }
}

/// Romanises Russian Cyrillic the way current passports do (ICAO Doc 9303):
/// Оганесян -> Oganesian, Юрий -> Iurii, Цатурян -> Tsaturian.
pub fn icao_from_russian(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let rom = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "ie",
            'ы' => "y",
            'ь' => "",
            'ю' => "iu",
            'я' => "ia",
            _ => {
                out.push(c);
                continue;
            }
        };
        if c != lower && !rom.is_empty() {
            let mut chars = rom.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(rom);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_script(s: &str, script: Script) -> bool {
        s.chars().all(|c| {
            c == '-'
                || c == '\''
                || match script {
                    Script::Armenian => ('\u{0531}'..='\u{058F}').contains(&c),
                    Script::Cyrillic => ('\u{0400}'..='\u{04FF}').contains(&c),
                    Script::Latin => c.is_ascii_alphabetic() || "əüöçşğı".contains(c),
                }
        })
    }

    #[test]
    fn tables_have_the_promised_sizes() {
        let t = tables();
        assert!(t.male.len() >= 140, "{}", t.male.len());
        assert!(t.female.len() >= 95, "{}", t.female.len());
        assert!(t.surnames.len() >= 250, "{}", t.surnames.len());
        assert!(!t.ru_male.is_empty() && !t.az_surnames.is_empty());
    }

    #[test]
    fn every_form_is_in_its_own_script() {
        let t = tables();
        for table in [
            &t.male,
            &t.female,
            &t.surnames,
            &t.ru_male,
            &t.ru_female,
            &t.ru_surnames,
            &t.az_male,
            &t.az_female,
            &t.az_surnames,
        ] {
            for e in table {
                assert!(is_script(e.hy, Script::Armenian), "hy {:?}", e);
                assert!(is_script(e.ru, Script::Cyrillic), "ru {:?}", e);
                assert!(!e.latin.is_empty(), "{:?}", e);
                for l in &e.latin {
                    assert!(is_script(l, Script::Latin), "latin {:?}", e);
                }
            }
        }
    }

    #[test]
    fn no_duplicate_armenian_forms_within_a_table() {
        let t = tables();
        for table in [&t.male, &t.female, &t.surnames] {
            let mut seen = std::collections::BTreeSet::new();
            for e in table {
                assert!(seen.insert(e.hy), "duplicate {}", e.hy);
            }
        }
    }

    #[test]
    fn russian_patronymics() {
        assert_eq!(russian_patronymic("Армен", false), "Арменович");
        assert_eq!(russian_patronymic("Армен", true), "Арменовна");
        assert_eq!(russian_patronymic("Сергей", false), "Сергеевич");
        assert_eq!(russian_patronymic("Николай", true), "Николаевна");
        assert_eq!(russian_patronymic("Юрий", false), "Юрьевич");
        assert_eq!(russian_patronymic("Рафаэль", false), "Рафаэлевич");
        assert_eq!(russian_patronymic("Вреж", false), "Врежевич");
    }

    #[test]
    fn passport_romanisation() {
        assert_eq!(icao_from_russian("Оганесян"), "Oganesian");
        assert_eq!(icao_from_russian("Тер-Петросян"), "Ter-Petrosian");
        assert_eq!(icao_from_russian("Юрий"), "Iurii");
        assert_eq!(icao_from_russian("Хачатрян"), "Khachatrian");
    }

    #[test]
    fn feminine_surnames_only_for_inflecting_ones() {
        let t = tables();
        let ivanov = &t.ru_surnames[0];
        assert_eq!(
            gendered(ivanov.ru, ivanov, true, Script::Cyrillic),
            "Иванова"
        );
        let grigoryan = &t.surnames[0];
        assert_eq!(
            gendered(grigoryan.ru, grigoryan, true, Script::Cyrillic),
            "Григорян"
        );
    }
}
