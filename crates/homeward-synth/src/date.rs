//! A small calendar date type, so the generator needs no date crate and stays pure.

use std::fmt;

/// A proleptic Gregorian calendar date; ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimpleDate {
    /// Year, e.g. 2020.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day of month 1-31.
    pub day: u32,
}

/// How a source list writes dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateStyle {
    /// `2020-11-03`.
    Iso,
    /// `03.11.2020`, usual in Russian and Armenian documents.
    Dotted,
    /// `03/11/2020`, day first.
    Slashed,
    /// `2020`, the year only.
    YearOnly,
    /// `2020-11`, year and month.
    YearMonth,
}

impl SimpleDate {
    /// Builds a date without checking it; see [`SimpleDate::is_valid`].
    pub const fn new(year: i32, month: u32, day: u32) -> Self {
        Self { year, month, day }
    }

    /// Number of days in `month` of `year` (0 for a month outside 1-12).
    pub fn days_in_month(year: i32, month: u32) -> u32 {
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => 0,
        }
    }

    /// True when month and day exist in the calendar.
    pub fn is_valid(self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= Self::days_in_month(self.year, self.month)
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's civil algorithm.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01; inverse of [`SimpleDate::to_days`].
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// The date `n` days later (earlier when negative).
    pub fn add_days(self, n: i64) -> Self {
        Self::from_days(self.to_days() + n)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: SimpleDate) -> i64 {
        later.to_days() - self.to_days()
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Writes the date in `style`.
    pub fn format(self, style: DateStyle) -> String {
        match style {
            DateStyle::Iso => self.iso(),
            DateStyle::Dotted => format!("{:02}.{:02}.{:04}", self.day, self.month, self.year),
            DateStyle::Slashed => format!("{:02}/{:02}/{:04}", self.day, self.month, self.year),
            DateStyle::YearOnly => format!("{:04}", self.year),
            DateStyle::YearMonth => format!("{:04}-{:02}", self.year, self.month),
        }
    }
}

impl fmt::Display for SimpleDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_over_a_century() {
        let start = SimpleDate::new(1930, 1, 1).to_days();
        let mut prev = SimpleDate::from_days(start - 1);
        for d in start..start + 40_000 {
            let date = SimpleDate::from_days(d);
            assert!(date.is_valid(), "{date}");
            assert_eq!(date.to_days(), d);
            assert!(date > prev);
            prev = date;
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(SimpleDate::new(1970, 1, 1).to_days(), 0);
        assert_eq!(SimpleDate::new(2000, 3, 1).to_days(), 11_017);
        assert_eq!(
            SimpleDate::new(2024, 2, 28).add_days(1),
            SimpleDate::new(2024, 2, 29)
        );
        assert_eq!(
            SimpleDate::new(2023, 2, 28).add_days(1),
            SimpleDate::new(2023, 3, 1)
        );
        assert_eq!(
            SimpleDate::new(2020, 11, 3).format(DateStyle::Dotted),
            "03.11.2020"
        );
        assert_eq!(
            SimpleDate::new(2020, 11, 3).format(DateStyle::YearMonth),
            "2020-11"
        );
    }
}
