//! How alike a traveller and a list record are, as a score from 0 to 1 with the reasons an officer reads (`why`).
//!
//! [`score`] compares a [`Query`] (the traveller: names, date of birth, nationality, sex, documents, direction of
//! travel) with a [`Candidate`] (a record, its names normalised once by the index), and [`classify`] turns the
//! score into an [`Outcome`] with the configured thresholds ([`ScoreConfig`]).
//!
//! # Which lists apply
//!
//! *Cegah* applies to departures, of anyone; *tangkal* applies to arrivals of foreigners (nationality other than
//! `IDN`, or unknown: the gate fails closed). A record that does not apply gives no match.
//!
//! # The score
//!
//! A document number with its issuing state equal on both sides (letters and digits compared, case and fillers
//! ignored) scores 1. Otherwise the score weighs the evidence in *bits*: how unlikely it is that a record of the
//! list agrees with the traveller this well by chance. Agreeing on a name token borne by one entry in 2^b carries
//! b bits; the bits of the name, the date of birth, the nationality and the sex add up to `B`, and a list of `N`
//! entries is expected to hold `N × 2^−B` records agreeing so by chance. The score is
//! `0.5 + (B − log2 N) × 0.25 / 6`, clamped to 0–1, with `N` at least [`REFERENCE_ENTRIES`]: 0.5 when one chance
//! agreement is expected per screening, `possible` (0.75) when one in 64, `hit` (0.9) when one in about 780. A
//! record whose names share nothing with the traveller's gives no match.
//!
//! **Names.** Every traveller name is compared with every record name (aliases included), and the best pair counts.
//! Two names are aligned token by token, order free (surname and given names swapped, MRZ order or written order),
//! greedily, the most bits first. A pair of tokens carries the smaller of their bits (see
//! [`normalise`](super::normalise): fixed, or counted in the list), less what its way of agreeing costs, for the
//! spellings it lets meet: exactly, or in canonical form by old spelling, nothing; doubled letters 0.3,
//! abbreviation 0.5, variant of a group or transliteration 0.7; vowels that Indonesian spellings alternate (A/O,
//! E/I, Y/J/I; NUGRAHA/NUGROHO, PRASETYO/PRASETIO, HIDAJAT/HIDAYAT) 1.5, for tokens of five letters or more; within
//! an edit distance (Damerau–Levenshtein, transpositions counting once) allowed by the shorter token's length (none
//! up to 4 letters, 1 for 5–7, 2 from 8): one edit 4.5 (4 from 8 letters), two 7.5; by phonetic key, both tokens of
//! 4 letters or more and with the same first vowel, A and O or E and I counting as one, 6; an initial carries the
//! bits of a letter (`M` for MUHAMMAD those of MUHAMMAD, less 0.5). One token may also agree with two tokens of the
//! other name joined (ABDULRAHMAN, ABDUL RAHMAN) for one bit more.
//!
//! Tokens left over cost: a name token on each side that found no partner means two people (AGUS SETIAWAN is not
//! BUDI SETIAWAN), 8 bits a pair; a name token only one side has (a single name against a full one, a middle name
//! dropped), 1.5. Names that agree in full gain 1 bit (2.5 for a single name): a record holding the tokens and no
//! others is rarer than one holding them. Where the list counts how many entries bear exactly the record's name
//! (the traveller's, or a part of it), and that count shows the tokens going together more often than their bits
//! say (MUHAMMAD with an Arabic name), the count's bits replace the tokens'.
//!
//! Some near spellings are different names and never agree by edits or sound: four-letter names one letter apart
//! (BUDI, RUDI, YUDI, DEDI, DEWI: a token of four letters or fewer agrees only in full, in canonical form or by
//! sound, as RUDY/RUDI or JUNI/YUNI); male and female forms, which Indonesian names mark by their ending
//! (PUTRA/PUTRI, SUHARTO/SUHARTI, RIZKY/RIZKA, HIDAYAT/HIDAYATI, FAUZI/FAUZIAH); names that sound alike but start
//! with another vowel (HASAN/HUSIN, BUDI/BADU).
//!
//! **Date of birth** (either side may be partial): the same date 14.4 bits (one day in some 60 years); day and month
//! swapped 13.4; year and month 9.5; year 5.9; unknown on either side nothing; another day or month −10, another
//! year −12: a list's error is rarer than a chance match. **Nationality**: agrees 0.5 for Indonesian, which most of
//! a list is, 4 for another; differs −5.5. **Sex**: differs −4.
//!
//! A hit needs the date of birth to agree to the month at least, or a document: a name alone, or with the year,
//! stops below `hit`. With the default thresholds (possible 0.75, hit 0.90) and the fixed bits: a full name with
//! the date of birth is a hit; a single distinctive name is a hit with the date of birth, and possible within a
//! record's longer name; a full name of distinctive tokens with no date on the list is possible; a name of common
//! tokens only (SITI; M NUR) stays clear even with the date of birth, being held by too many people for a date to
//! single one out; a conflicting date clears even an identical name.
//!
//! Scoring one pair allocates nothing unless the result reaches [`ScoreConfig::report`] (then the `why` strings are
//! built): the alignment lives in fixed arrays on the stack.
//!
//! `why` holds names and dates: it is for the officer, and is redacted from `Debug`; it does not belong in logs or
//! the audit.

use std::fmt;

use serde::Deserialize;

use super::normalise::{BlockingKey, NormalName};

mod names;

pub use names::complete_bits;
use names::{Alignment, align};

/// A date of birth, in full or in part: the year, and the month and day where known. A month outside 1–12 or a day
/// outside 1–31 counts as unknown.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    /// The year.
    pub year: u16,
    /// The month, 1–12, if known.
    pub month: Option<u8>,
    /// The day, 1–31, if known (only with a month).
    pub day: Option<u8>,
}

impl BirthDate {
    /// A full date.
    #[must_use]
    pub fn full(year: u16, month: u8, day: u8) -> Self {
        Self { year, month: Some(month), day: Some(day) }
    }

    fn month(self) -> Option<u8> {
        self.month.filter(|m| (1..=12).contains(m))
    }

    fn day(self) -> Option<u8> {
        self.month().and(self.day.filter(|d| (1..=31).contains(d)))
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate(redacted)")
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month() {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day() {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

/// A travel document: its number and issuing state (ICAO 9303 code).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TravelDocument {
    /// The number as written; only letters and digits are compared, case ignored.
    pub number: String,
    /// The issuing state, e.g. `IDN` (`D<<` and `D` mean `DEU`).
    pub issuing_state: String,
}

impl fmt::Debug for TravelDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TravelDocument")
            .field("number", &"redacted")
            .field("issuing_state", &self.issuing_state)
            .finish()
    }
}

/// Which list a record is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum List {
    /// *Cegah*: may not leave Indonesia.
    Cegah,
    /// *Tangkal*: a foreigner who may not enter Indonesia.
    Tangkal,
}

/// The traveller's direction through the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Entering Indonesia.
    Arrival,
    /// Leaving Indonesia.
    Departure,
}

/// Sex, where it is stated as female or male (ICAO `X` is unknown here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `F`.
    Female,
    /// `M`.
    Male,
}

/// The traveller, as read from the document.
#[derive(Clone)]
pub struct Query {
    /// The traveller's names, normalised: the MRZ name, and the full name where the chip has one.
    pub names: Vec<NormalName>,
    /// Date of birth; the MRZ may leave the day or month unknown.
    pub date_of_birth: Option<BirthDate>,
    /// Nationality, ICAO 9303 code.
    pub nationality: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
    /// The document presented.
    pub documents: Vec<TravelDocument>,
    /// The direction of travel.
    pub direction: Direction,
}

impl Query {
    /// A traveller known by names only; fill in the other fields as read.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>, direction: Direction) -> Self {
        Self {
            names: names.into_iter().map(|n| super::normalise::normalise_name(n.as_ref())).collect(),
            date_of_birth: None,
            nationality: None,
            sex: None,
            documents: Vec::new(),
            direction,
        }
    }
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query").field("names", &self.names.len()).field("direction", &self.direction).finish()
    }
}

/// A list record, prepared for scoring: its names normalised once.
#[derive(Clone)]
pub struct Candidate {
    /// The record's names, normalised; the first is the primary name, the others aliases.
    pub names: Vec<NormalName>,
    /// Date of birth, in full or in part.
    pub date_of_birth: Option<BirthDate>,
    /// Nationality, ICAO 9303 code.
    pub nationality: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
    /// The list.
    pub list: List,
    /// Known travel documents.
    pub documents: Vec<TravelDocument>,
}

impl Candidate {
    /// A record known by names only; fill in the other fields from the record.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>, list: List) -> Self {
        Self {
            names: names.into_iter().map(|n| super::normalise::normalise_name(n.as_ref())).collect(),
            date_of_birth: None,
            nationality: None,
            sex: None,
            list,
            documents: Vec::new(),
        }
    }
}

impl fmt::Debug for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Candidate").field("names", &self.names.len()).field("list", &self.list).finish()
    }
}

/// Thresholds of the watchlist score (`[watchlist.score]` in the configuration).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// From this score on, a hit: the traveller is referred.
    pub hit: f32,
    /// From this score on, a possible match for the officer.
    pub possible: f32,
    /// Below this score, [`score`] reports nothing (and builds no `why`).
    pub report: f32,
    /// How many entries the list in force holds: set by the screening, not configured. Scores are reckoned for a
    /// list of this many entries or of [`REFERENCE_ENTRIES`], whichever is larger.
    #[serde(skip)]
    pub entries: u64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        Self { hit: 0.90, possible: 0.75, report: 0.5, entries: 0 }
    }
}

/// The list size scores are reckoned for at least: a small list is scored as if it were this large, so that what
/// a score means does not depend on how few entries a list holds.
pub const REFERENCE_ENTRIES: u64 = 1_000_000;
/// How much of the score one bit of evidence is worth: `report` (0.5) is reached when the evidence matches the
/// list's size in bits (one chance agreement per screening expected), `possible` (0.75) 6 bits beyond, one chance
/// agreement in 64 screenings, `hit` (0.9) 9.6 bits beyond, one in 780.
const SCORE_PER_BIT: f32 = 0.25 / 6.0;

/// A configuration whose thresholds are out of order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreConfigError {
    /// The thresholds must satisfy 0 ≤ report ≤ possible ≤ hit ≤ 1.
    #[error(
        "watchlist.score: need 0 <= report <= possible <= hit <= 1, got report {report}, possible {possible}, hit {hit}"
    )]
    Thresholds {
        /// `report`.
        report: f32,
        /// `possible`.
        possible: f32,
        /// `hit`.
        hit: f32,
    },
}

impl ScoreConfig {
    /// Checks that the thresholds are in order.
    ///
    /// # Errors
    /// [`ScoreConfigError::Thresholds`] unless 0 ≤ report ≤ possible ≤ hit ≤ 1 (NaN fails).
    pub fn validate(&self) -> Result<(), ScoreConfigError> {
        let ordered =
            0.0 <= self.report && self.report <= self.possible && self.possible <= self.hit && self.hit <= 1.0;
        if ordered {
            Ok(())
        } else {
            Err(ScoreConfigError::Thresholds { report: self.report, possible: self.possible, hit: self.hit })
        }
    }
}

/// What a score means for the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Below `possible`.
    Clear,
    /// From `possible` to below `hit`.
    Possible,
    /// From `hit` on.
    Hit,
}

impl Outcome {
    /// `clear`, `possible` or `hit`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Possible => "possible",
            Self::Hit => "hit",
        }
    }
}

/// A scored record.
#[derive(Clone, PartialEq)]
pub struct Match {
    /// 0 to 1.
    pub score: f32,
    /// The score classified.
    pub outcome: Outcome,
    /// The reasons, stable and readable: which list, then document, name, date of birth, nationality, sex.
    pub why: Vec<String>,
}

impl fmt::Debug for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Match")
            .field("score", &self.score)
            .field("outcome", &self.outcome)
            .field("why", &format_args!("{} reasons, redacted", self.why.len()))
            .finish()
    }
}

/// Classifies a score with the configured thresholds.
#[must_use]
pub fn classify(score: f32, config: &ScoreConfig) -> Outcome {
    if score >= config.hit {
        Outcome::Hit
    } else if score >= config.possible {
        Outcome::Possible
    } else {
        Outcome::Clear
    }
}

/// Whether a record on `list` concerns a traveller going in `direction` with `nationality`: cegah on departure,
/// tangkal on arrival unless the traveller is Indonesian (an unknown nationality counts as foreign).
#[must_use]
pub fn applies(list: List, direction: Direction, nationality: Option<&str>) -> bool {
    match (list, direction) {
        (List::Cegah, Direction::Departure) => true,
        (List::Tangkal, Direction::Arrival) => nationality.is_none_or(|n| country(n) != *b"IDN"),
        _ => false,
    }
}

/// The blocking keys of a date of birth: none unless it is a full date; the date, and when day and month could be
/// swapped, the swapped date too. Both sides use them the same way (see
/// [`blocking_keys`](super::normalise::blocking_keys)).
#[must_use]
pub fn date_blocking_keys(date: &BirthDate) -> Vec<BlockingKey> {
    let (Some(month), Some(day)) = (date.month(), date.day()) else {
        return Vec::new();
    };
    let mut keys = vec![BlockingKey::date(date.year, month, day)];
    if day <= 12 && day != month {
        keys.push(BlockingKey::date(date.year, day, month));
    }
    keys
}

/// Scores `candidate` for `query`: `None` when the record's list does not apply to this traveller, when the names
/// share nothing and no document agrees, or when the score is below `config.report`.
#[must_use]
pub fn score(query: &Query, candidate: &Candidate, config: &ScoreConfig) -> Option<Match> {
    if !applies(candidate.list, query.direction, query.nationality.as_deref()) {
        return None;
    }
    let document = agreeing_document(&query.documents, &candidate.documents);
    let mut best: Option<(Alignment, usize, usize)> = None;
    for (qi, qname) in query.names.iter().enumerate() {
        for (ci, cname) in candidate.names.iter().enumerate() {
            let alignment = align(qname, cname);
            let better =
                best.as_ref().is_none_or(|(b, _, _)| (alignment.agrees(), alignment.bits) > (b.agrees(), b.bits));
            if better {
                best = Some((alignment, qi, ci));
            }
        }
    }
    let agrees = best.as_ref().is_some_and(|(a, _, _)| a.agrees());
    if !agrees && document.is_none() {
        return None;
    }
    let date = compare_dates(query.date_of_birth, candidate.date_of_birth);
    let nationality = compare_countries(query.nationality.as_deref(), candidate.nationality.as_deref());
    let sex = match (query.sex, candidate.sex) {
        (Some(a), Some(b)) if a != b => SEX_DIFFERS,
        _ => 0.0,
    };
    let name_bits = best.as_ref().filter(|(a, _, _)| a.agrees()).map_or(0.0, |(a, _, _)| a.bits);
    let bits = name_bits + date.bits() + nationality.bits() + sex;
    let chance = (config.entries.max(REFERENCE_ENTRIES) as f32).log2();
    let mut total = (0.5 + SCORE_PER_BIT * (bits - chance)).clamp(0.0, 1.0);
    if !date.confirms() {
        total = total.min((config.hit - 0.001).max(0.0));
    }
    if document.is_some() {
        total = 1.0;
    }
    if total < config.report {
        return None;
    }

    let mut why = Vec::with_capacity(6);
    why.push(match candidate.list {
        List::Cegah => "list: cegah, traveller departing".to_owned(),
        List::Tangkal => "list: tangkal, foreigner arriving".to_owned(),
    });
    if let Some(doc) = document {
        why.push(format!("document number agrees ({})", String::from_utf8_lossy(&country(&doc.issuing_state))));
    }
    if let Some((alignment, qi, ci)) = &best
        && let (Some(qname), Some(cname)) = (query.names.get(*qi), candidate.names.get(*ci))
    {
        alignment.explain(qname, cname, *ci > 0, &mut why);
    }
    if let Some(reason) = date.reason(query.date_of_birth, candidate.date_of_birth) {
        why.push(reason);
    }
    if let Some(reason) = nationality.reason(query.nationality.as_deref(), candidate.nationality.as_deref()) {
        why.push(reason);
    }
    if sex < 0.0 {
        why.push("sex differs".to_owned());
    }
    Some(Match { score: total, outcome: classify(total, config), why })
}

// ----- documents and countries -----

/// An ICAO 9303 country code, upper-cased, fillers and spaces dropped, `D` as `DEU`; `[0; 3]` when unusable.
fn country(code: &str) -> [u8; 3] {
    let mut out = [0u8; 3];
    let mut n = 0;
    for b in code.bytes().filter(|b| b.is_ascii_alphabetic()) {
        match out.get_mut(n) {
            Some(slot) => *slot = b.to_ascii_uppercase(),
            None => return [0; 3],
        }
        n += 1;
    }
    match (n, out) {
        (1, [b'D', 0, 0]) => *b"DEU",
        (3, _) => out,
        _ => [0; 3],
    }
}

fn document_number(number: &str) -> impl Iterator<Item = u8> + '_ {
    number.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_uppercase())
}

fn agreeing_document<'c>(query: &[TravelDocument], candidate: &'c [TravelDocument]) -> Option<&'c TravelDocument> {
    candidate.iter().find(|c| {
        let state = country(&c.issuing_state);
        state != [0; 3]
            && document_number(&c.number).next().is_some()
            && query.iter().any(|q| {
                country(&q.issuing_state) == state && document_number(&q.number).eq(document_number(&c.number))
            })
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CountryAgreement {
    Unknown,
    Agrees([u8; 3]),
    Differs,
}

/// Bits of a nationality that agrees: Indonesian, which most entries of a list are, says little; another says
/// much, a list holding few of each.
const NATIONALITY_AGREES_IDN: f32 = 0.5;
const NATIONALITY_AGREES: f32 = 4.0;
/// Bits of a nationality that differs: dual nationals and errors in a list are rare (some 2 in 100), where two
/// people met by chance mostly differ.
const NATIONALITY_DIFFERS: f32 = -5.5;
/// Bits of a sex that differs.
const SEX_DIFFERS: f32 = -4.0;

fn compare_countries(query: Option<&str>, candidate: Option<&str>) -> CountryAgreement {
    match (query.map(country), candidate.map(country)) {
        (Some(a), Some(b)) if a != [0; 3] && b != [0; 3] => {
            if a == b {
                CountryAgreement::Agrees(a)
            } else {
                CountryAgreement::Differs
            }
        }
        _ => CountryAgreement::Unknown,
    }
}

impl CountryAgreement {
    fn bits(self) -> f32 {
        match self {
            Self::Unknown => 0.0,
            Self::Agrees(code) if code == *b"IDN" => NATIONALITY_AGREES_IDN,
            Self::Agrees(_) => NATIONALITY_AGREES,
            Self::Differs => NATIONALITY_DIFFERS,
        }
    }

    fn reason(self, query: Option<&str>, candidate: Option<&str>) -> Option<String> {
        match self {
            Self::Unknown => None,
            Self::Agrees(_) => Some("nationality agrees".to_owned()),
            Self::Differs => Some(format!(
                "nationality differs: listed {}, traveller {}",
                candidate.unwrap_or_default().trim(),
                query.unwrap_or_default().trim()
            )),
        }
    }
}

// ----- dates of birth -----

/// How two dates of birth agree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DateAgreement {
    /// One side does not know it.
    Unknown,
    /// The same date.
    Same,
    /// Day and month swapped.
    Swapped,
    /// Year and month agree; a day is unknown.
    YearMonth,
    /// The years agree; a month is unknown.
    Year,
    /// Year and month agree, the day differs.
    DayDiffers,
    /// The year agrees, the month differs.
    MonthDiffers,
    /// The years differ.
    YearDiffers,
}

/// What an agreement of the dates of birth is worth, in bits (see the module documentation).
#[must_use]
pub fn date_bits(agreement: DateAgreement) -> f32 {
    agreement.bits()
}

/// The bits a candidate must reach to be `possible` in a list of `entries`: what [`score`] needs above the list's
/// size in bits.
#[must_use]
pub fn possible_bits(config: &ScoreConfig, entries: u64) -> f32 {
    (entries.max(REFERENCE_ENTRIES) as f32).log2() + (config.possible - 0.5) / SCORE_PER_BIT
}

/// The most the nationality and sex of a record can add, in bits.
pub const MAX_OTHER_BITS: f32 = NATIONALITY_AGREES;

fn compare_dates(query: Option<BirthDate>, candidate: Option<BirthDate>) -> DateAgreement {
    let (Some(q), Some(c)) = (query, candidate) else {
        return DateAgreement::Unknown;
    };
    if q.year != c.year {
        return DateAgreement::YearDiffers;
    }
    match (q.month(), c.month()) {
        (Some(qm), Some(cm)) => match (q.day(), c.day()) {
            (Some(qd), Some(cd)) if qm == cm => {
                if qd == cd {
                    DateAgreement::Same
                } else {
                    DateAgreement::DayDiffers
                }
            }
            (Some(qd), Some(cd)) if qd == cm && qm == cd => DateAgreement::Swapped,
            _ if qm == cm => DateAgreement::YearMonth,
            _ => DateAgreement::MonthDiffers,
        },
        _ => DateAgreement::Year,
    }
}

impl DateAgreement {
    /// The bits of the agreement: a full date singles out one day of some 60 years (`log2(365.25 × 60)`), a year
    /// and month one month of them, a year one year; day and month swapped costs a bit (either order could meet by
    /// chance); a date that differs is evidence against, a list's error being rare.
    fn bits(self) -> f32 {
        match self {
            Self::Unknown => 0.0,
            Self::Same => 14.4,
            Self::Swapped => 13.4,
            Self::YearMonth => 9.5,
            Self::Year => 5.9,
            Self::DayDiffers | Self::MonthDiffers => -10.0,
            Self::YearDiffers => -12.0,
        }
    }

    /// Whether the date confirms a name enough for a hit: the year and month at least.
    fn confirms(self) -> bool {
        matches!(self, Self::Same | Self::Swapped | Self::YearMonth)
    }

    fn reason(self, query: Option<BirthDate>, candidate: Option<BirthDate>) -> Option<String> {
        let text = match self {
            Self::Unknown if candidate.is_none() => "date of birth: none listed",
            Self::Unknown => "date of birth: the traveller's is unknown",
            Self::Same => "date of birth agrees",
            Self::Swapped => "date of birth: day and month swapped",
            Self::YearMonth => "date of birth: year and month agree",
            Self::Year => "date of birth: year agrees",
            Self::DayDiffers => "date of birth: year and month agree, day differs",
            Self::MonthDiffers => "date of birth: year agrees, month differs",
            Self::YearDiffers => "date of birth differs",
        };
        match (self, query, candidate) {
            (Self::Same | Self::Unknown, _, _) => Some(text.to_owned()),
            (_, Some(q), Some(c)) => Some(format!("{text}: listed {c}, traveller {q}")),
            _ => Some(text.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests;
