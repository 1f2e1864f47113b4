//! Input records of the linkage engine: the standard person fields, partial dates and sex,
//! with lenient parsers that turn unreadable values into `None` instead of failing.

use serde::{Deserialize, Serialize};

/// A date of which only the year, or the year and month, may be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    /// The year, e.g. 1985.
    pub year: u16,
    /// The month 1-12, when known.
    pub month: Option<u8>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u8>,
}

impl PartialDate {
    /// Builds a checked partial date: month in 1-12, day valid for the month (leap years
    /// included), a day only with a month, year in 1000-2999.
    pub fn new(year: u16, month: Option<u8>, day: Option<u8>) -> Option<PartialDate> {
        if !(1000..=2999).contains(&year) {
            return None;
        }
        match (month, day) {
            (None, Some(_)) => None,
            (Some(m), _) if !(1..=12).contains(&m) => None,
            (Some(m), Some(d)) if d == 0 || d > days_in_month(year, m) => None,
            _ => Some(PartialDate { year, month, day }),
        }
    }

    /// Parses the forms found in lists: `1985`, `1985-03`, `1985-03-07`, `1985/03/07`,
    /// `19850307`, `07.03.1985`, `07/03/1985`, `7-3-1985`, `03.1985`. Returns `None` for
    /// anything else or for an impossible date such as `1985-13-45`.
    pub fn parse(text: &str) -> Option<PartialDate> {
        let mut t = text.trim();
        // "About 1985" in the forms lists use: the year is what is known.
        for prefix in [
            "circa",
            "approx.",
            "approx",
            "ca.",
            "ca",
            "c.",
            "~",
            "около",
            "շուրջ",
        ] {
            if let Some(rest) = t.strip_prefix(prefix) {
                if rest.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                    t = rest.trim_start();
                    break;
                }
            }
        }
        // Spreadsheets often append a midnight time to a date.
        let t = t.split(['T', ' ']).next().unwrap_or(t);
        if t.is_empty() {
            return None;
        }
        if t.chars().all(|c| c.is_ascii_digit()) {
            return match t.len() {
                4 => PartialDate::new(t.parse().ok()?, None, None),
                6 => PartialDate::new(t[..4].parse().ok()?, Some(t[4..].parse().ok()?), None),
                8 => PartialDate::new(
                    t[..4].parse().ok()?,
                    Some(t[4..6].parse().ok()?),
                    Some(t[6..].parse().ok()?),
                ),
                _ => None,
            };
        }
        let parts: Vec<&str> = t.split(['-', '.', '/']).collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
        {
            return None;
        }
        let num = |s: &str| s.parse::<u16>().ok();
        match parts.as_slice() {
            [y, m] if y.len() == 4 => {
                PartialDate::new(num(y)?, Some(u8::try_from(num(m)?).ok()?), None)
            }
            [m, y] if y.len() == 4 => {
                PartialDate::new(num(y)?, Some(u8::try_from(num(m)?).ok()?), None)
            }
            [y, m, d] if y.len() == 4 => PartialDate::new(
                num(y)?,
                Some(u8::try_from(num(m)?).ok()?),
                Some(u8::try_from(num(d)?).ok()?),
            ),
            // Day first, as in the Russian, Armenian and European forms of these lists.
            [d, m, y] if y.len() == 4 => PartialDate::new(
                num(y)?,
                Some(u8::try_from(num(m)?).ok()?),
                Some(u8::try_from(num(d)?).ok()?),
            ),
            _ => None,
        }
    }
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Sex as recorded; `unknown` is kept as `None` in [`LinkRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Reads `f`, `female`, `w`, `ж`, `жен`, `իգական`... and `m`, `male`, `м`, `муж`,
    /// `արական`...; anything else (including `unknown`) is `None`.
    pub fn parse(text: &str) -> Option<Sex> {
        let t = text.trim().to_lowercase();
        match t.as_str() {
            "f" | "female" | "w" | "woman" | "ж" | "жен" | "женский" | "իգական" | "կին"
            | "qadın" => Some(Sex::Female),
            "m" | "male" | "man" | "м" | "муж" | "мужской" | "արական" | "տղամարդ" | "kişi" => {
                Some(Sex::Male)
            }
            _ => None,
        }
    }
}

/// One record to link: optional standard person fields (PRODUCT.md) plus the index of the
/// source list it came from. Names may be in any script.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// Index of the source list (0 for the first input); link modes compare across it.
    pub source: u32,
    /// The source's own identifier, used for deterministic ordering and in output.
    pub record_id: Option<String>,
    /// Given name(s).
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Patronymic (father's name form).
    pub patronymic: Option<String>,
    /// The whole name when the source does not split it (any order of parts).
    pub full_name: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth, possibly partial.
    pub birth_date: Option<PartialDate>,
    /// Place of birth, free text.
    pub birth_place: Option<String>,
    /// Place of residence, free text.
    pub residence: Option<String>,
    /// A document or service number.
    pub id_number: Option<String>,
    /// Date of capture, possibly partial.
    pub capture_date: Option<PartialDate>,
    /// Place of capture, free text.
    pub capture_place: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let full = PartialDate::new(1985, Some(3), Some(7));
        assert_eq!(PartialDate::parse("1985-03-07"), full);
        assert_eq!(PartialDate::parse("07.03.1985"), full);
        assert_eq!(PartialDate::parse("19850307"), full);
        assert_eq!(PartialDate::parse("1985/3/7"), full);
        assert_eq!(PartialDate::parse("1985-03-07T00:00:00"), full);
        assert_eq!(
            PartialDate::parse("1985-03"),
            PartialDate::new(1985, Some(3), None)
        );
        assert_eq!(
            PartialDate::parse("03.1985"),
            PartialDate::new(1985, Some(3), None)
        );
        assert_eq!(
            PartialDate::parse(" 1985 "),
            PartialDate::new(1985, None, None)
        );
    }

    #[test]
    fn refuses_impossible_dates() {
        for bad in [
            "1985-13-45",
            "1985-02-30",
            "1900-02-29",
            "abc",
            "",
            "85",
            "1985-03-",
            "12.13.1985",
        ] {
            assert_eq!(PartialDate::parse(bad), None, "{bad}");
        }
        assert!(PartialDate::parse("2000-02-29").is_some());
    }

    #[test]
    fn displays_partial_dates() {
        assert_eq!(
            PartialDate::parse("1985-03")
                .map(|d| d.to_string())
                .as_deref(),
            Some("1985-03")
        );
    }

    #[test]
    fn reads_sex_in_several_languages() {
        assert_eq!(Sex::parse("Ж"), Some(Sex::Female));
        assert_eq!(Sex::parse("male"), Some(Sex::Male));
        assert_eq!(Sex::parse("unknown"), None);
    }
}
