//! The `prepared` table's form of a record: what screening needs of an entry, read without JSON.

use std::fmt;

use super::super::record::{self, ListKind, Record};

/// What screening needs of an entry, as the `prepared` table holds it: read without JSON.
#[derive(Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The authority's entry id.
    pub entry_id: String,
    /// Which list.
    pub list: ListKind,
    /// Full names as written.
    pub names: Vec<String>,
    /// Date of birth: year, month, day, as far as known.
    pub date_of_birth: Option<(u16, Option<u8>, Option<u8>)>,
    /// Nationality, as an ICAO 9303 code.
    pub nationality: Option<String>,
    /// Sex, when male or female.
    pub sex: Option<record::Sex>,
    /// Known travel documents: issuing state and number.
    pub documents: Vec<(String, String)>,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prepared({}, {}, redacted)", self.entry_id, self.list)
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or_default());
}

fn put_count(out: &mut Vec<u8>, count: usize) {
    out.extend_from_slice(&u16::try_from(count).unwrap_or(u16::MAX).to_le_bytes());
}

/// The `prepared` form of a record: list, sex, date of birth (year, month, day; 0 when unknown), nationality,
/// entry id, names and documents, each string as a little-endian `u16` length and its UTF-8 bytes, each sequence
/// as a `u16` count and its items.
pub(super) fn encode_prepared(record: &Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.push(match record.list {
        ListKind::Cegah => 0,
        ListKind::Tangkal => 1,
    });
    out.push(match record.sex {
        Some(record::Sex::Male) => 1,
        Some(record::Sex::Female) => 2,
        _ => 0,
    });
    let (year, month, day) =
        record.date_of_birth.map_or((0, 0, 0), |d| (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0)));
    out.extend_from_slice(&year.to_le_bytes());
    out.push(month);
    out.push(day);
    put_str(&mut out, record.nationality.as_ref().map_or("", |c| c.as_str()));
    put_str(&mut out, &record.entry_id);
    let names = record.names.len().min(usize::from(u16::MAX));
    put_count(&mut out, names);
    for name in record.names.iter().take(names) {
        put_str(&mut out, name);
    }
    let documents = record.documents.len().min(usize::from(u16::MAX));
    put_count(&mut out, documents);
    for d in record.documents.iter().take(documents) {
        put_str(&mut out, d.issuing_state.as_str());
        put_str(&mut out, &d.number);
    }
    out
}

/// Reads the `prepared` form, refusing short input and trailing bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = self.u16()?;
        std::str::from_utf8(self.take(usize::from(len))?).ok()
    }
}

pub(super) fn decode_prepared(bytes: &[u8]) -> Option<Prepared> {
    let mut r = Reader(bytes);
    let list = match r.u8()? {
        0 => ListKind::Cegah,
        1 => ListKind::Tangkal,
        _ => return None,
    };
    let sex = match r.u8()? {
        0 => None,
        1 => Some(record::Sex::Male),
        2 => Some(record::Sex::Female),
        _ => return None,
    };
    let (year, month, day) = (r.u16()?, r.u8()?, r.u8()?);
    let date_of_birth = (year != 0).then_some((year, (month != 0).then_some(month), (day != 0).then_some(day)));
    let nationality = Some(r.str()?).filter(|n| !n.is_empty()).map(str::to_owned);
    let entry_id = r.str()?.to_owned();
    let names = (0..r.u16()?).map(|_| r.str().map(str::to_owned)).collect::<Option<Vec<_>>>()?;
    let documents =
        (0..r.u16()?).map(|_| Some((r.str()?.to_owned(), r.str()?.to_owned()))).collect::<Option<Vec<_>>>()?;
    r.0.is_empty().then_some(Prepared { entry_id, list, names, date_of_birth, nationality, sex, documents })
}

/// What screening needs of a record.
pub fn prepare(record: &Record) -> Prepared {
    Prepared {
        entry_id: record.entry_id.clone(),
        list: record.list,
        names: record.names.clone(),
        date_of_birth: record.date_of_birth.map(|d| (d.year, d.month, d.day)),
        nationality: record.nationality.as_ref().map(|c| c.as_str().to_owned()),
        sex: record.sex.filter(|s| *s != record::Sex::Unspecified),
        documents: record.documents.iter().map(|d| (d.issuing_state.as_str().to_owned(), d.number.clone())).collect(),
    }
}
