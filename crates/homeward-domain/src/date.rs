//! Partial dates (YYYY, YYYY-MM, YYYY-MM-DD): what sources actually know about when
//! something happened. Comparisons and "days since" work on the range of days a partial
//! date may stand for, so that a year-only date is never treated as 1 January.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

/// A date known to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: i32,
    month: Option<u8>,
    day: Option<u8>,
}

/// Why a text is not a partial date.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PartialDateError {
    /// The text is not of the form YYYY, YYYY-MM or YYYY-MM-DD.
    #[error("expected YYYY, YYYY-MM or YYYY-MM-DD")]
    Format,
    /// The year is outside 1800..=2200.
    #[error("year {0} is out of range (1800-2200)")]
    Year(i32),
    /// The month is not 1 to 12.
    #[error("month {0} does not exist")]
    Month(u32),
    /// The day does not exist in that month.
    #[error("day {day} does not exist in {year}-{month:02}")]
    Day {
        /// The year.
        year: i32,
        /// The month.
        month: u32,
        /// The offending day.
        day: u32,
    },
}

/// Days in a month of a year of the proleptic Gregorian calendar.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn day_number(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl PartialDate {
    /// A date known only to the year.
    pub fn year(year: i32) -> Result<Self, PartialDateError> {
        Self::new(year, None, None)
    }

    /// A date known to the month.
    pub fn month(year: i32, month: u32) -> Result<Self, PartialDateError> {
        Self::new(year, Some(month), None)
    }

    /// A full calendar date.
    pub fn ymd(year: i32, month: u32, day: u32) -> Result<Self, PartialDateError> {
        Self::new(year, Some(month), Some(day))
    }

    /// Builds a partial date, checking that the parts exist; a day needs a month.
    pub fn new(year: i32, month: Option<u32>, day: Option<u32>) -> Result<Self, PartialDateError> {
        if !(1800..=2200).contains(&year) {
            return Err(PartialDateError::Year(year));
        }
        let month = match month {
            Some(m) if (1..=12).contains(&m) => Some(m),
            Some(m) => return Err(PartialDateError::Month(m)),
            None => None,
        };
        let day = match (month, day) {
            (_, None) => None,
            (None, Some(_)) => return Err(PartialDateError::Format),
            (Some(m), Some(d)) if d >= 1 && d <= days_in_month(year, m) => Some(d),
            (Some(m), Some(d)) => {
                return Err(PartialDateError::Day {
                    year,
                    month: m,
                    day: d,
                })
            }
        };
        // Both fit in u8 after the checks above.
        Ok(PartialDate {
            year,
            month: month.map(|m| m as u8),
            day: day.map(|d| d as u8),
        })
    }

    /// The full date of a day number (days since 1970-01-01), e.g. today's date from a clock.
    pub fn from_day_number(days: i64) -> Result<Self, PartialDateError> {
        // Howard Hinnant's `civil_from_days`, the inverse of `day_number`.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let y = i32::try_from(y).map_err(|_| PartialDateError::Format)?;
        PartialDate::ymd(y, m as u32, d as u32)
    }

    /// The year.
    pub fn year_part(&self) -> i32 {
        self.year
    }

    /// The month, if known.
    pub fn month_part(&self) -> Option<u32> {
        self.month.map(u32::from)
    }

    /// The day, if known.
    pub fn day_part(&self) -> Option<u32> {
        self.day.map(u32::from)
    }

    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// The first day this date may stand for, as days since 1970-01-01.
    pub fn earliest_day(&self) -> i64 {
        let m = self.month_part().unwrap_or(1);
        day_number(self.year, m, self.day_part().unwrap_or(1))
    }

    /// The last day this date may stand for, as days since 1970-01-01.
    pub fn latest_day(&self) -> i64 {
        let m = self.month_part().unwrap_or(12);
        let d = self
            .day_part()
            .unwrap_or_else(|| days_in_month(self.year, m));
        day_number(self.year, m, d)
    }

    /// The range of whole days elapsed from this date to `today` (inclusive bounds): the
    /// least if the event happened on its latest possible day, the most if on its earliest.
    pub fn days_since(&self, today: &PartialDate) -> (i64, i64) {
        let t = today.latest_day();
        (t - self.latest_day(), t - self.earliest_day())
    }

    /// Whether this date is certainly before `other` whatever the unknown parts are.
    pub fn definitely_before(&self, other: &PartialDate) -> bool {
        self.latest_day() < other.earliest_day()
    }

    /// Whether the two dates may stand for the same day.
    pub fn may_equal(&self, other: &PartialDate) -> bool {
        self.earliest_day() <= other.latest_day() && other.earliest_day() <= self.latest_day()
    }
}

/// Orders by the earliest possible day, then by precision (less precise first), so that
/// sorting a timeline is total and stable.
impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.earliest_day()
            .cmp(&other.earliest_day())
            .then(self.latest_day().cmp(&other.latest_day()).reverse())
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for PartialDate {
    type Err = PartialDateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let mut parts = s.split('-');
        let num = |p: Option<&str>, len: usize| -> Result<Option<u32>, PartialDateError> {
            match p {
                None => Ok(None),
                Some(t) if t.len() == len && t.bytes().all(|b| b.is_ascii_digit()) => {
                    t.parse().map(Some).map_err(|_| PartialDateError::Format)
                }
                Some(_) => Err(PartialDateError::Format),
            }
        };
        let year = num(parts.next(), 4)?.ok_or(PartialDateError::Format)?;
        let month = num(parts.next(), 2)?;
        let day = num(parts.next(), 2)?;
        if parts.next().is_some() {
            return Err(PartialDateError::Format);
        }
        let year = i32::try_from(year).map_err(|_| PartialDateError::Format)?;
        PartialDate::new(year, month, day)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_three_precisions_and_rejects_the_rest() {
        assert_eq!(d("1985").precision(), Precision::Year);
        assert_eq!(d("1985-03").precision(), Precision::Month);
        assert_eq!(d("1985-03-07").precision(), Precision::Day);
        for bad in [
            "85",
            "1985-3",
            "1985-13",
            "1985-02-30",
            "1985-03-07-01",
            "",
            "abcd",
        ] {
            assert!(bad.parse::<PartialDate>().is_err(), "{bad}");
        }
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        assert!("2023-02-29".parse::<PartialDate>().is_err());
    }

    #[test]
    fn days_since_respects_precision() {
        let today = d("2024-01-31");
        assert_eq!(d("2024-01-01").days_since(&today), (30, 30));
        assert_eq!(d("2024-01").days_since(&today), (0, 30));
        assert_eq!(d("2023").days_since(&today), (31, 395));
        assert_eq!(day_number(1970, 1, 1), 0);
        assert_eq!(day_number(2000, 3, 1), 11_017);
        for n in [0, 11_017, 20_000, -1, 19_782] {
            assert_eq!(PartialDate::from_day_number(n).unwrap().earliest_day(), n);
        }
    }

    #[test]
    fn ordering_puts_less_precise_first_and_certainty_is_separate() {
        let mut v = [d("1985-03-07"), d("1985"), d("1985-03"), d("1984-12-31")];
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["1984-12-31", "1985", "1985-03", "1985-03-07"]);
        assert!(!d("1985").definitely_before(&d("1985-03-07")));
        assert!(d("1984").definitely_before(&d("1985-01")));
        assert!(d("1985").may_equal(&d("1985-06-01")));
    }

    proptest! {
        #[test]
        fn display_round_trips(y in 1800i32..2200, m in 1u32..=12, day in 1u32..=28, p in 0u8..3) {
            let date = match p {
                0 => PartialDate::year(y),
                1 => PartialDate::month(y, m),
                _ => PartialDate::ymd(y, m, day),
            }.unwrap();
            prop_assert_eq!(date.to_string().parse::<PartialDate>().unwrap(), date);
            prop_assert!(date.earliest_day() <= date.latest_day());
        }
    }
}
