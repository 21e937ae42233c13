//! Index keys: a record's blocking keys combined with what the list knows of its date of birth, and the keys a
//! traveller is looked up under.

use super::super::normalise::{self, BlockingKey, NormalName};
use super::super::record::Record;
use super::super::score::{self, DateAgreement};
use super::MAX_POSTING;

/// What of the date of birth an index key carries: nothing, the year, the year and month, or the full date.
fn date_tags(year: u16, month: Option<u8>, day: Option<u8>) -> impl Iterator<Item = u64> {
    let y = u64::from(year);
    let ym = month.map(|m| (y << 16) | (u64::from(m) << 8));
    let ymd = month.zip(day).map(|(m, d)| (y << 16) | (u64::from(m) << 8) | u64::from(d));
    [Some(y), ym, ymd].into_iter().flatten()
}

/// The tag of the year of an entry that knows only the year of birth.
fn year_only_tag(year: u16) -> u64 {
    YEAR_ONLY | u64::from(year)
}

/// Marks [`year_only_tag`]s apart from the tags of [`date_tags`], which stay below 2^32.
const YEAR_ONLY: u64 = 1 << 40;

/// Mixes a blocking key with a date tag (0: no date) into one index key (SplitMix64's finaliser).
fn index_key(key: BlockingKey, tag: u64) -> u64 {
    let mut z = key.0 ^ tag.rotate_left(29) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The index keys a record is filed under: each blocking key of each name with each part of the date of birth the
/// list knows (year; year and month; full date), or alone when the list knows no date.
pub fn record_keys(record: &Record) -> Vec<u64> {
    let tags: Vec<u64> = match record.date_of_birth {
        Some(d) if d.month.is_none() => vec![u64::from(d.year), year_only_tag(d.year)],
        Some(d) => date_tags(d.year, d.month, d.day).collect(),
        None => vec![0],
    };
    let mut keys: Vec<u64> = record
        .names
        .iter()
        .flat_map(|n| normalise::blocking_keys(&normalise::normalise_name(n)))
        .flat_map(|k| tags.iter().map(move |&t| index_key(k, t)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The index keys a traveller is looked up under, each with the longest posting worth reading: each blocking key of
/// each name with each date tag whose entries could agree with the traveller's date of birth on at least
/// `date_bits` (see [`score::date_bits`]; negative when the name alone could do): entries without a date of birth
/// (no bits), entries that know only the year (the year's), with the year alone when the traveller's month is
/// unknown, with the year and month (the year and month's), with the full date and with the date whose day and
/// month are swapped. An entry that knows the month and has another cannot
/// agree, nor can one under the year and month of a swapped date: their keys are not read.
pub fn query_keys(
    names: &[NormalName],
    date: Option<(u16, Option<u8>, Option<u8>)>,
    date_bits: f32,
) -> Vec<(u64, usize)> {
    let mut tags = Vec::new();
    let mut tag = |t: u64, reach: DateAgreement, limit: usize| {
        if score::date_bits(reach) >= date_bits {
            tags.push((t, limit));
        }
    };
    tag(0, DateAgreement::Unknown, MAX_POSTING);
    if let Some((year, month, day)) = date {
        let y = u64::from(year);
        tag(year_only_tag(year), DateAgreement::Year, MAX_POSTING);
        match (month, day) {
            (None, _) => tag(y, DateAgreement::Year, MAX_POSTING),
            (Some(m), None) => tag((y << 16) | (u64::from(m) << 8), DateAgreement::YearMonth, MAX_POSTING),
            (Some(m), Some(d)) => {
                tag((y << 16) | (u64::from(m) << 8), DateAgreement::YearMonth, MAX_POSTING);
                tag((y << 16) | (u64::from(m) << 8) | u64::from(d), DateAgreement::Same, MAX_POSTING);
                if d <= 12 && d != m {
                    tag((y << 16) | (u64::from(d) << 8) | u64::from(m), DateAgreement::Swapped, MAX_POSTING);
                }
            }
        }
    }
    let mut keys = Vec::new();
    for name in names {
        for k in normalise::blocking_keys(name) {
            keys.extend(tags.iter().map(|&(t, limit)| (index_key(k, t), limit)));
        }
    }
    keys.sort_unstable();
    keys.dedup_by_key(|(k, _)| *k);
    keys
}
