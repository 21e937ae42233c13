//! Dates in watchlist records: full calendar dates (validity) and dates of birth known in full or in part.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

/// Why a date was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not `YYYY-MM-DD` (or, where partial dates are allowed, `YYYY-MM` or `YYYY`) in ASCII digits.
    #[error("it is not written as YYYY-MM-DD, YYYY-MM or YYYY")]
    Format,
    /// The year is outside 1800-9999.
    #[error("the year is not between 1800 and 9999")]
    Year,
    /// The month is outside 1-12.
    #[error("the month is not between 1 and 12")]
    Month,
    /// The day does not exist in that month.
    #[error("that month has no such day")]
    Day,
    /// A partial date where a full one is needed.
    #[error("it is not a full date YYYY-MM-DD")]
    NotFull,
}

const YEARS: std::ops::RangeInclusive<u16> = 1800..=9999;

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A calendar date (proleptic Gregorian), 1800-01-01 to 9999-12-31.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists.
    ///
    /// # Errors
    /// [`DateError::Year`], [`DateError::Month`] or [`DateError::Day`] for a date that does not exist.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !YEARS.contains(&year) {
            return Err(DateError::Year);
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Month);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day);
        }
        Ok(Self { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1-12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before), after H. Hinnant's `days_from_civil`.
    pub fn unix_days(self) -> i64 {
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`), if it lies within 1800-9999.
    pub fn from_unix_days(days: i64) -> Option<Self> {
        // Bounds the arithmetic below well inside i64; the year check does the rest.
        if !(-100_000_000..=100_000_000).contains(&days) {
            return None;
        }
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Self::new(u16::try_from(year).ok()?, u8::try_from(month).ok()?, u8::try_from(day).ok()?).ok()
    }

    /// The UTC date at `time`, if it lies within 1970-9999.
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let seconds = time.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
        Self::from_unix_days(i64::try_from(seconds / 86_400).ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Exactly `YYYY-MM-DD`.
    fn from_str(text: &str) -> Result<Self, DateError> {
        PartialDate::from_str(text)?.full().ok_or(DateError::NotFull)
    }
}

/// A date of birth as lists hold it: the year, and the month and day where known.
///
/// A day is never present without a month; values built by [`PartialDate::new`] or parsed are valid calendar dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialDate {
    /// The year, 1800-9999.
    pub year: u16,
    /// The month, 1-12, if known.
    pub month: Option<u8>,
    /// The day of the month, if known.
    pub day: Option<u8>,
}

impl PartialDate {
    /// The partial date, if it exists.
    ///
    /// # Errors
    /// [`DateError::Format`] for a day without a month; [`DateError::Year`], [`DateError::Month`] or
    /// [`DateError::Day`] for values outside the calendar.
    pub fn new(year: u16, month: Option<u8>, day: Option<u8>) -> Result<Self, DateError> {
        match (month, day) {
            (Some(month), Some(day)) => Ok(Date::new(year, month, day)?.into()),
            (Some(month), None) => {
                Date::new(year, month, 1)?;
                Ok(Self { year, month: Some(month), day: None })
            }
            (None, None) => {
                Date::new(year, 1, 1)?;
                Ok(Self { year, month: None, day: None })
            }
            (None, Some(_)) => Err(DateError::Format),
        }
    }

    /// The full date, when month and day are known.
    pub fn full(self) -> Option<Date> {
        Date::new(self.year, self.month?, self.day?).ok()
    }

    /// Whether `date` falls within this partial date (the same day, or within its month or year).
    pub fn contains(self, date: Date) -> bool {
        self.year == date.year
            && self.month.is_none_or(|month| month == date.month)
            && self.day.is_none_or(|day| day == date.day)
    }
}

impl From<Date> for PartialDate {
    fn from(date: Date) -> Self {
        Self { year: date.year, month: Some(date.month), day: Some(date.day) }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

/// `count` ASCII digits exactly, as a number.
fn digits(text: &str, count: usize) -> Option<u16> {
    (text.len() == count && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

impl FromStr for PartialDate {
    type Err = DateError;

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, in ASCII digits, nothing around them.
    fn from_str(text: &str) -> Result<Self, DateError> {
        let mut parts = text.split('-');
        let year = parts.next().and_then(|p| digits(p, 4)).ok_or(DateError::Format)?;
        let two_digits = |part: Option<&str>| match part {
            None => Ok(None),
            Some(p) => digits(p, 2).and_then(|v| u8::try_from(v).ok()).map(Some).ok_or(DateError::Format),
        };
        let month = two_digits(parts.next())?;
        let day = two_digits(parts.next())?;
        if parts.next().is_some() {
            return Err(DateError::Format);
        }
        Self::new(year, month, day)
    }
}
