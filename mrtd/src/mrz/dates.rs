//! Dates as the MRZ prints them, `YYMMDD`: placed in their century against today's date, and converted to and from
//! ISO 8601.

/// A calendar date as (year, month, day); tuples compare in date order.
pub type Ymd = (u16, u8, u8);

/// Year within the century, month and day of a `YYMMDD` made of digits with a month and a day that can exist.
pub(super) fn yymmdd(raw: &str) -> Option<(u16, u8, u8)> {
    if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy = raw.get(0..2)?.parse().ok()?;
    let mm = raw.get(2..4)?.parse().ok()?;
    let dd = raw.get(4..6)?.parse().ok()?;
    // 29 February is checked once the century is known.
    ((1..=12).contains(&mm) && dd >= 1 && dd <= days_in_month(2000, mm)).then_some((yy, mm, dd))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 31,
    }
}

fn valid(date: Ymd) -> Option<Ymd> {
    let (year, month, day) = date;
    ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(date)
}

/// A `YYMMDD` date of birth placed in the latest century that does not put it after `today`.
pub fn birth_date_from_yymmdd(raw: &str, today: Ymd) -> Option<Ymd> {
    let (yy, mm, dd) = yymmdd(raw)?;
    let century = today.0 - today.0 % 100;
    let this = (century + yy, mm, dd);
    let date = if this <= today { this } else { (century.checked_sub(100)? + yy, mm, dd) };
    valid(date)
}

/// A `YYMMDD` date of expiry placed in the century that puts it from 50 years before `today` to 49 years after.
pub fn expiry_date_from_yymmdd(raw: &str, today: Ymd) -> Option<Ymd> {
    let (yy, mm, dd) = yymmdd(raw)?;
    let base = today.0.checked_sub(50)?;
    let year = base + (yy + 100 - base % 100) % 100;
    valid((year, mm, dd))
}

/// A date as ISO 8601 `YYYY-MM-DD`.
pub fn iso(date: Ymd) -> String {
    format!("{:04}-{:02}-{:02}", date.0, date.1, date.2)
}

/// An ISO 8601 `YYYY-MM-DD` date as the MRZ's `YYMMDD`; `None` when it is not such a date.
pub fn yymmdd_from_iso(date: &str) -> Option<String> {
    let (y, rest) = date.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return None;
    }
    let year: u16 = y.parse().ok()?;
    let date = valid((year, m.parse().ok()?, d.parse().ok()?))?;
    Some(format!("{:02}{:02}{:02}", date.0 % 100, date.1, date.2))
}
