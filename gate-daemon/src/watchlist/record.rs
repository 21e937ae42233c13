//! The watchlist's records, one JSON object per line as the list authority writes them (../shared/CLI.md, "Watchlist
//! record"), checked strictly before anything is matched against them.
//!
//! A full list is a file of records. A delta is a file of operations: `{"op":"add", ...record}` adds a record or
//! replaces the one with the same `entry_id`, `{"op":"remove","entry_id":"..."}` removes one; an entry appears at
//! most once in a delta, so the order of its lines does not matter. Either file is refused whole at its first broken
//! line, and the error names that line (1-based; blank lines are allowed and counted).
//!
//! Keys this version does not know are ignored, so that the authority can add fields before every gate knows them.
//! The one exception is `op` in a full list: it marks a delta signed as a full list, which would otherwise replace
//! the whole list with the delta's additions.
//!
//! Dates of birth are full (`1975-08-17`), year and month (`1975-08`) or year only (`1975`), as lists hold them when
//! the day or the month is unknown; `valid_from` and `valid_until` are full dates, both days included. Country codes
//! are ICAO 9303-3 codes (Part 3, section 5): three letters (`IDN`), or fewer letters padded with `<` (`D<<`,
//! Germany); lower case is accepted and stored upper case. A NIK (*Nomor Induk Kependudukan*) is 16 digits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest line accepted, in bytes, without its line end.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// The most records (or delta operations) one file may hold.
pub const MAX_RECORDS: usize = 1_000_000;
/// The longest `entry_id`, in characters.
pub const MAX_ENTRY_ID_CHARS: usize = 64;
/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest document number, in characters.
pub const MAX_DOCUMENT_NUMBER_CHARS: usize = 32;
/// The longest `reason_code`, in characters.
pub const MAX_REASON_CODE_CHARS: usize = 64;
/// The longest `authority`, in characters.
pub const MAX_AUTHORITY_CHARS: usize = 200;

/// Which list an entry is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// *Cegah*: the person may not leave Indonesia (checked on departure).
    Cegah,
    /// *Tangkal*: the person may not enter Indonesia (checked on arrival).
    Tangkal,
}

impl ListKind {
    /// The name used in records and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cegah => "cegah",
            Self::Tangkal => "tangkal",
        }
    }

    /// `cegah` or `tangkal`, exactly as written in records.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cegah" => Some(Self::Cegah),
            "tangkal" => Some(Self::Tangkal),
            _ => None,
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sex as ICAO 9303 writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `X`: unspecified.
    Unspecified,
}

impl Sex {
    /// `M`, `F` or `X`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "M",
            Self::Female => "F",
            Self::Unspecified => "X",
        }
    }

    /// `M`, `F` or `X`, in either case.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "M" | "m" => Some(Self::Male),
            "F" | "f" => Some(Self::Female),
            "X" | "x" => Some(Self::Unspecified),
            _ => None,
        }
    }
}

/// An ICAO 9303-3 country code: three letters A-Z, or one or two letters padded with `<` (`D<<`), upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 3]);

impl CountryCode {
    /// The code, upper-cased, or `None` when it is not three characters of letters followed by `<` fillers.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes: [u8; 3] = text.as_bytes().try_into().ok()?;
        let code = bytes.map(|b| b.to_ascii_uppercase());
        let letters = code.iter().take_while(|b| b.is_ascii_uppercase()).count();
        let fillers = code.iter().skip(letters).all(|&b| b == b'<');
        (letters >= 1 && fillers).then_some(Self(code))
    }

    /// The code as written in an MRZ, e.g. `IDN` or `D<<`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

mod date;
mod delta;
mod lines;

pub use date::{Date, DateError, PartialDate};
pub use delta::{DeltaError, DeltaOp, apply_delta, parse_delta_jsonl};
pub use lines::{Line, LineChecker, as_text, line_too_long, parse_jsonl};

/// A travel document of a listed person.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Document {
    /// The document number as written by the authority.
    pub number: String,
    /// The issuing state.
    pub issuing_state: CountryCode,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document").field("number", &Redacted).field("issuing_state", &self.issuing_state).finish()
    }
}

/// One entry of the list: who is listed, on which list, by whom and until when.
///
/// Records are built by parsing ([`parse_jsonl`], [`parse_delta_jsonl`] or serde), which checks every field; `Debug`
/// leaves out the personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRecord", into = "RawRecord")]
pub struct Record {
    /// The authority's identifier of the entry, unique within the list.
    pub entry_id: String,
    /// Which list.
    pub list: ListKind,
    /// Full names as written, at least one; the first is the primary name, the others aliases.
    pub names: Vec<String>,
    /// Date of birth, in full or in part.
    pub date_of_birth: Option<PartialDate>,
    /// Nationality.
    pub nationality: Option<CountryCode>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Known travel documents.
    pub documents: Vec<Document>,
    /// The Indonesian national identity number, 16 digits.
    pub nik: Option<String>,
    /// The authority's reason code.
    pub reason_code: String,
    /// The authority that listed the person.
    pub authority: String,
    /// The first day the entry applies.
    pub valid_from: Option<Date>,
    /// The last day the entry applies.
    pub valid_until: Option<Date>,
}

impl Record {
    /// The primary name.
    pub fn primary_name(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }

    /// Whether the entry applies on `day` (both ends of the validity included).
    pub fn in_force_on(&self, day: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// Stands in for personal data in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

fn redacted<T>(value: &Option<T>) -> Option<Redacted> {
    value.as_ref().map(|_| Redacted)
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("entry_id", &self.entry_id)
            .field("list", &self.list)
            .field("names", &format_args!("<{} redacted>", self.names.len()))
            .field("date_of_birth", &redacted(&self.date_of_birth))
            .field("nationality", &self.nationality)
            .field("sex", &redacted(&self.sex))
            .field("documents", &self.documents)
            .field("nik", &redacted(&self.nik))
            .field("reason_code", &self.reason_code)
            .field("authority", &self.authority)
            .field("valid_from", &self.valid_from)
            .field("valid_until", &self.valid_until)
            .finish()
    }
}

/// A field of a record, to say which one is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// `entry_id`.
    EntryId,
    /// The name at this position in `names`, from 1.
    Name(usize),
    /// `date_of_birth`.
    DateOfBirth,
    /// `nationality`.
    Nationality,
    /// `number` of the document at this position in `documents`, from 1.
    DocumentNumber(usize),
    /// `issuing_state` of the document at this position in `documents`, from 1.
    IssuingState(usize),
    /// `reason_code`.
    ReasonCode,
    /// `authority`.
    Authority,
    /// `valid_from`.
    ValidFrom,
    /// `valid_until`.
    ValidUntil,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EntryId => f.write_str("`entry_id`"),
            Self::Name(n) => write!(f, "name {n} of `names`"),
            Self::DateOfBirth => f.write_str("`date_of_birth`"),
            Self::Nationality => f.write_str("`nationality`"),
            Self::DocumentNumber(n) => write!(f, "`number` of document {n}"),
            Self::IssuingState(n) => write!(f, "`issuing_state` of document {n}"),
            Self::ReasonCode => f.write_str("`reason_code`"),
            Self::Authority => f.write_str("`authority`"),
            Self::ValidFrom => f.write_str("`valid_from`"),
            Self::ValidUntil => f.write_str("`valid_until`"),
        }
    }
}

/// What is wrong with a text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextProblem {
    /// Empty or only spaces.
    #[error("is blank")]
    Blank,
    /// Too long.
    #[error("is {length} characters long, over the limit of {limit}")]
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// Holds a control character (a line break, a tab, NUL...).
    #[error("contains a control character")]
    ControlCharacter,
    /// Begins or ends with white space, where that would make two spellings of one identifier.
    #[error("begins or ends with a space")]
    SurroundingSpace,
}

/// Why a line was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The line is too long.
    #[error("the line is {length} bytes long, over the limit of {limit}")]
    LineTooLong {
        /// Its length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The file is not UTF-8 text from this line on.
    #[error("the line is not UTF-8 text")]
    NotUtf8,
    /// The file holds more entries than the limit; this is the first line over it.
    #[error("the file holds more than {limit} entries")]
    TooManyRecords {
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or a key is missing or of the wrong type.
    #[error("not a valid record: {}", json_message(.0))]
    Json(#[source] serde_json::Error),
    /// A text field is blank, too long or holds control characters.
    #[error("{field} {problem}")]
    Text {
        /// The field.
        field: Field,
        /// What is wrong.
        problem: TextProblem,
    },
    /// `list` is neither `cegah` nor `tangkal`.
    #[error("`list` is \"{found}\", not \"cegah\" or \"tangkal\"")]
    UnknownList {
        /// What it is (at most 32 characters of it).
        found: String,
    },
    /// `names` is empty.
    #[error("`names` is empty: a record needs at least one name")]
    NoName,
    /// A date is malformed or does not exist.
    #[error("{field} is not a valid date: {problem}")]
    Date {
        /// The field.
        field: Field,
        /// What is wrong.
        problem: DateError,
    },
    /// A country code is malformed.
    #[error("{field} is not an ICAO 9303 country code (three letters A-Z, or fewer padded with `<` as in `D<<`)")]
    CountryCode {
        /// The field.
        field: Field,
    },
    /// `sex` is not `M`, `F` or `X`.
    #[error("`sex` is not \"M\", \"F\" or \"X\"")]
    Sex,
    /// `nik` is not 16 digits.
    #[error("`nik` is not 16 digits")]
    Nik,
    /// `valid_from` is after `valid_until`.
    #[error("`valid_from` ({from}) is after `valid_until` ({until})")]
    ValidityReversed {
        /// `valid_from`.
        from: Date,
        /// `valid_until`.
        until: Date,
    },
    /// A line of a full list carries `op`, as delta lines do.
    #[error("the line has an `op` key, as delta lines do, but the file is a full list")]
    OpInFullList,
    /// The entry appears on an earlier line too.
    #[error("`entry_id` \"{entry_id}\" appears already on line {first_line}")]
    Duplicate {
        /// The entry.
        entry_id: String,
        /// The line where it appears first.
        first_line: usize,
    },
}

/// serde_json's message with the column but without its line number, which is always 1 for a single line.
fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&position) {
        Some(bare) => format!("{bare} (column {})", error.column()),
        None => message,
    }
}

/// A records or delta file refused, and the line (from 1) that made it so.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RecordError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    #[source]
    pub reason: Problem,
}

/// A record as it is written, before its fields are checked.
#[derive(Serialize, Deserialize)]
struct RawRecord {
    entry_id: String,
    list: String,
    names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    documents: Option<Vec<RawDocument>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nik: Option<String>,
    reason_code: String,
    authority: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    #[serde(default, skip_serializing)]
    op: Option<serde::de::IgnoredAny>,
}

#[derive(Serialize, Deserialize)]
struct RawDocument {
    number: String,
    issuing_state: String,
}

/// Checks a text field: not blank, at most `limit` characters, no control characters, and (unless `spaces_around`)
/// no white space at either end.
fn check_text(field: Field, text: &str, limit: usize, spaces_around: bool) -> Result<(), Problem> {
    let problem = if text.trim().is_empty() {
        TextProblem::Blank
    } else if text.chars().count() > limit {
        TextProblem::TooLong { length: text.chars().count(), limit }
    } else if text.chars().any(char::is_control) {
        TextProblem::ControlCharacter
    } else if !spaces_around && text.trim() != text {
        TextProblem::SurroundingSpace
    } else {
        return Ok(());
    };
    Err(Problem::Text { field, problem })
}

fn check_entry_id(entry_id: &str) -> Result<(), Problem> {
    check_text(Field::EntryId, entry_id, MAX_ENTRY_ID_CHARS, false)
}

fn country(field: Field, text: &str) -> Result<CountryCode, Problem> {
    CountryCode::parse(text).ok_or(Problem::CountryCode { field })
}

fn date(field: Field, text: &str) -> Result<Date, Problem> {
    text.parse().map_err(|problem| Problem::Date { field, problem })
}

impl TryFrom<RawRecord> for Record {
    type Error = Problem;

    fn try_from(raw: RawRecord) -> Result<Self, Problem> {
        if raw.op.is_some() {
            return Err(Problem::OpInFullList);
        }
        check_entry_id(&raw.entry_id)?;
        let list = ListKind::from_name(&raw.list)
            .ok_or_else(|| Problem::UnknownList { found: raw.list.chars().take(32).collect() })?;
        if raw.names.is_empty() {
            return Err(Problem::NoName);
        }
        for (index, name) in raw.names.iter().enumerate() {
            check_text(Field::Name(index + 1), name, MAX_NAME_CHARS, true)?;
        }
        let date_of_birth = raw
            .date_of_birth
            .map(|text| text.parse().map_err(|problem| Problem::Date { field: Field::DateOfBirth, problem }))
            .transpose()?;
        let nationality = raw.nationality.map(|text| country(Field::Nationality, &text)).transpose()?;
        let sex = raw.sex.map(|text| Sex::from_code(&text).ok_or(Problem::Sex)).transpose()?;
        let documents = raw
            .documents
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, document)| {
                check_text(Field::DocumentNumber(index + 1), &document.number, MAX_DOCUMENT_NUMBER_CHARS, false)?;
                let issuing_state = country(Field::IssuingState(index + 1), &document.issuing_state)?;
                Ok(Document { number: document.number, issuing_state })
            })
            .collect::<Result<Vec<_>, Problem>>()?;
        if let Some(nik) = &raw.nik
            && !(nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Problem::Nik);
        }
        check_text(Field::ReasonCode, &raw.reason_code, MAX_REASON_CODE_CHARS, false)?;
        check_text(Field::Authority, &raw.authority, MAX_AUTHORITY_CHARS, false)?;
        let valid_from = raw.valid_from.map(|text| date(Field::ValidFrom, &text)).transpose()?;
        let valid_until = raw.valid_until.map(|text| date(Field::ValidUntil, &text)).transpose()?;
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && from > until
        {
            return Err(Problem::ValidityReversed { from, until });
        }
        Ok(Self {
            entry_id: raw.entry_id,
            list,
            names: raw.names,
            date_of_birth,
            nationality,
            sex,
            documents,
            nik: raw.nik,
            reason_code: raw.reason_code,
            authority: raw.authority,
            valid_from,
            valid_until,
        })
    }
}

impl From<Record> for RawRecord {
    fn from(record: Record) -> Self {
        Self {
            entry_id: record.entry_id,
            list: record.list.as_str().to_owned(),
            names: record.names,
            date_of_birth: record.date_of_birth.map(|d| d.to_string()),
            nationality: record.nationality.map(|c| c.as_str().to_owned()),
            sex: record.sex.map(|s| s.as_str().to_owned()),
            documents: (!record.documents.is_empty()).then(|| {
                record
                    .documents
                    .into_iter()
                    .map(|d| RawDocument { number: d.number, issuing_state: d.issuing_state.as_str().to_owned() })
                    .collect()
            }),
            nik: record.nik,
            reason_code: record.reason_code,
            authority: record.authority,
            valid_from: record.valid_from.map(|d| d.to_string()),
            valid_until: record.valid_until.map(|d| d.to_string()),
            op: None,
        }
    }
}

#[cfg(test)]
mod tests;
