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
//! ignored) scores 1. Otherwise the score is the name score plus adjustments for the date of birth, the nationality
//! and the sex, clamped to 0–1; a record whose names share nothing with the traveller's gives no match.
//!
//! **Names.** Every traveller name is compared with every record name (aliases included), and the best pair counts.
//! Two names are aligned token by token, order free (surname and given names swapped, MRZ order or written order),
//! greedily by evidence. A pair of tokens agrees, from strongest to weakest: exactly (1.0); in canonical form, that
//! is old spelling (0.97), abbreviation, variant of a group or transliteration (0.95), or doubled letters (0.95);
//! within an edit distance (Damerau–Levenshtein, transpositions counting once) allowed by the shorter token's
//! length: none up to 4 letters, 1 for 5–7, 2 from 8 (1 edit 0.85, or 0.9 from 8 letters; 2 edits 0.8); by phonetic
//! key, both tokens of 4 letters or more and with the same first vowel, A and O or E and I counting as one (0.70);
//! as an initial (0.5; `M` for MUHAMMAD 0.9). One token may also agree with two tokens of the other name joined
//! (ABDULRAHMAN, ABDUL RAHMAN), exactly (0.95) or within the edits allowed.
//!
//! Some near spellings are different names and never agree by edits or sound: four-letter names one letter apart
//! (BUDI, RUDI, YUDI, DEDI, DEWI: a token of four letters or fewer agrees only in full, in canonical form or by
//! sound, as RUDY/RUDI or JUNI/YUNI); male and female forms, which Indonesian names mark by their ending
//! (PUTRA/PUTRI, SUHARTO/SUHARTI, RIZKY/RIZKA, HIDAYAT/HIDAYATI, FAUZI/FAUZIAH); names that sound alike but start
//! with another vowel (HASAN/HUSIN, BUDI/BADU).
//!
//! Each token weighs what agreeing on it is worth ([`normalise`](super::normalise): by default 1 for a name of four
//! letters or more, less for short ones, 0.35 for common ones such as MUHAMMAD or SITI, little for initials and
//! particles; or from the list's token frequencies, see
//! [`frequency_weight`](super::normalise::frequency_weight)). The *evidence* `E` is the sum over aligned pairs of
//! agreement × the smaller weight; the *coverage* of each side is the share of its weight that found a partner. The
//! name score is `0.85 × S(E) × M² × (0.8 + 0.2 m)`, where `S(E) = 1 / (1 + e^(−5.86 (E − 0.73)))` and `M` is the
//! larger coverage, `m` the smaller. The logistic `S` makes a name need enough evidence before it counts at all
//! (one common token, or two, say little about who someone is); the coverage terms let a name contained in the other
//! (a single name against a full one) lose little, and two names that each have tokens the other lacks lose much
//! (AGUS SETIAWAN is not BUDI SETIAWAN). A name alone never reaches 0.9: a hit needs the date of birth or a
//! document.
//!
//! **Date of birth** (either side may be partial): unknown on either side −0.10; the same date +0.24; day and month
//! swapped +0.20; year and month agree, a day unknown +0.10; only years known and equal +0.03; same year and month
//! but another day −0.25; another month −0.30; another year −0.40. A list that does not know the date of birth
//! leaves more people the name could be, hence the penalty. **Nationality**: agrees +0.03, differs −0.10.
//! **Sex**: differs −0.15.
//!
//! With the default thresholds (possible 0.75, hit 0.90) and weights: a full name with the date of birth is a hit;
//! a full name of distinctive tokens with no date on the list is possible; a single distinctive name contained in
//! a record's longer name is a hit with the date of birth and nationality; a name of common tokens only (SITI;
//! M NUR) stays clear even with the date of birth, being held by too many people for a date to single one out; a
//! conflicting date clears even an identical name.
//!
//! Scoring one pair allocates nothing unless the result reaches [`ScoreConfig::report`] (then the `why` strings are
//! built): the alignment lives in fixed arrays on the stack.
//!
//! `why` holds names and dates: it is for the officer, and is redacted from `Debug`; it does not belong in logs or
//! the audit.

use std::fmt;

use serde::Deserialize;

use super::normalise::{BlockingKey, MAX_TOKEN_LEN, NormalName, Token, TokenKind};

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
}

impl Default for ScoreConfig {
    fn default() -> Self {
        Self { hit: 0.90, possible: 0.75, report: 0.5 }
    }
}

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
            if best.as_ref().is_none_or(|(b, _, _)| alignment.score > b.score) {
                best = Some((alignment, qi, ci));
            }
        }
    }
    let name_score = best.as_ref().map_or(0.0, |(a, _, _)| a.score);
    if name_score <= 0.0 && document.is_none() {
        return None;
    }
    let date = compare_dates(query.date_of_birth, candidate.date_of_birth);
    let nationality = compare_countries(query.nationality.as_deref(), candidate.nationality.as_deref());
    let sex = match (query.sex, candidate.sex) {
        (Some(a), Some(b)) if a != b => SEX_DIFFERS,
        _ => 0.0,
    };
    let total = if document.is_some() {
        1.0
    } else {
        (name_score + date.adjustment() + nationality.adjustment() + sex).clamp(0.0, 1.0)
    };
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
    Agrees,
    Differs,
}

const NATIONALITY_AGREES: f32 = 0.03;
const NATIONALITY_DIFFERS: f32 = -0.10;
const SEX_DIFFERS: f32 = -0.15;

fn compare_countries(query: Option<&str>, candidate: Option<&str>) -> CountryAgreement {
    match (query.map(country), candidate.map(country)) {
        (Some(a), Some(b)) if a != [0; 3] && b != [0; 3] => {
            if a == b {
                CountryAgreement::Agrees
            } else {
                CountryAgreement::Differs
            }
        }
        _ => CountryAgreement::Unknown,
    }
}

impl CountryAgreement {
    fn adjustment(self) -> f32 {
        match self {
            Self::Unknown => 0.0,
            Self::Agrees => NATIONALITY_AGREES,
            Self::Differs => NATIONALITY_DIFFERS,
        }
    }

    fn reason(self, query: Option<&str>, candidate: Option<&str>) -> Option<String> {
        match self {
            Self::Unknown => None,
            Self::Agrees => Some("nationality agrees".to_owned()),
            Self::Differs => Some(format!(
                "nationality differs: listed {}, traveller {}",
                candidate.unwrap_or_default().trim(),
                query.unwrap_or_default().trim()
            )),
        }
    }
}

// ----- dates of birth -----

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum DateAgreement {
    Unknown,
    Same,
    Swapped,
    YearMonth,
    Year,
    DayDiffers,
    MonthDiffers,
    YearDiffers,
}

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
    fn adjustment(self) -> f32 {
        match self {
            Self::Unknown => -0.10,
            Self::Same => 0.24,
            Self::Swapped => 0.20,
            Self::YearMonth => 0.10,
            Self::Year => 0.03,
            Self::DayDiffers => -0.25,
            Self::MonthDiffers => -0.30,
            Self::YearDiffers => -0.40,
        }
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

// ----- names -----

/// Tokens per side that take part in an alignment; the rest of a longer name is not aligned.
const MAX_SIDE: usize = 12;
/// Candidate pairs considered per alignment.
const MAX_EDGES: usize = 256;

const NAME_MAX: f32 = 0.85;
/// Steepness and midpoint of the logistic curve that turns evidence into name strength.
const EVIDENCE_SLOPE: f32 = 5.86;
const EVIDENCE_MIDPOINT: f32 = 0.73;

const S_EXACT: f32 = 1.0;
const S_OLD_SPELLING: f32 = 0.97;
const S_GROUP: f32 = 0.95;
const S_DOUBLED: f32 = 0.95;
const S_JOINED: f32 = 0.95;
const S_EDIT_1: f32 = 0.85;
const S_EDIT_1_LONG: f32 = 0.9;
const S_EDIT_2: f32 = 0.8;
const LONG: usize = 8;
const S_SOUND: f32 = 0.70;
const S_INITIAL: f32 = 0.5;
const S_INITIAL_M: f32 = 0.9;
const MIN_SOUND_LEN: usize = 4;

/// How two tokens (or one token and two joined) agree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Agreement {
    Exact,
    OldSpelling,
    Abbreviation,
    Variant,
    Doubled,
    Edits(u8),
    Sound,
    Initial,
}

#[derive(Clone, Copy, Debug)]
struct Edge {
    /// Positions on the traveller's side, as bits.
    q: u16,
    /// Positions on the record's side, as bits.
    r: u16,
    s: f32,
    gain: f32,
    agreement: Agreement,
    joined: bool,
}

const NO_EDGE: Edge = Edge { q: 0, r: 0, s: 0.0, gain: 0.0, agreement: Agreement::Exact, joined: false };

/// The tokens of one name that take part, by position.
struct Side<'a> {
    tokens: [Option<&'a Token>; MAX_SIDE],
    len: usize,
    total: f32,
}

impl<'a> Side<'a> {
    fn new(name: &'a NormalName) -> Self {
        let mut side = Side { tokens: [None; MAX_SIDE], len: 0, total: 0.0 };
        for (slot, token) in side.tokens.iter_mut().zip(name.matched()) {
            *slot = Some(token);
            side.len += 1;
            side.total += token.weight;
        }
        side
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &'a Token)> + '_ {
        self.tokens.iter().enumerate().filter_map(|(i, t)| t.map(|t| (i, t)))
    }

    fn weight(&self, mask: u16) -> f32 {
        self.iter().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, t)| t.weight).sum()
    }
}

/// The best alignment of two names found.
struct Alignment {
    score: f32,
    chosen: [Edge; MAX_SIDE],
    n_chosen: usize,
}

fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// Whether two spellings are the male and female forms of one name: endings `A`/`O` against `I`/`Y` (PUTRA/PUTRI,
/// SUHARTO/SUHARTI; not when one is the other cut short, PRASETY/PRASETYO), a consonant ending against the same with
/// `I` or `Y` added (HIDAYAT/HIDAYATI), or an `I` ending against the same with `A` or `AH` added (FAUZI/FAUZIAH,
/// ZAKI/ZAKIA).
fn gendered(a: &[u8], b: &[u8]) -> bool {
    let male = |c: Option<&u8>| matches!(c, Some(b'A' | b'O'));
    let female = |c: Option<&u8>| matches!(c, Some(b'I' | b'Y'));
    let vowel = |c: Option<&u8>| matches!(c, Some(b'A' | b'E' | b'I' | b'O' | b'U' | b'Y'));
    let suffixed = |short: &[u8], long: &[u8]| match long.strip_prefix(short) {
        Some(b"I" | b"Y") => !vowel(short.last()),
        Some(b"A" | b"AH") => short.last() == Some(&b'I'),
        _ => false,
    };
    let cut = a.starts_with(b) || b.starts_with(a);
    let endings = (male(a.last()) && female(b.last())) || (female(a.last()) && male(b.last()));
    (endings && !cut) || suffixed(a, b) || suffixed(b, a)
}

/// The first vowel of a spelling, with `O` counted as `A` and `E` as `I` (the alternations of Javanese and of
/// transliteration: SANTOSA/SANTOSO, SALEH/SOLEH).
fn first_vowel(s: &[u8]) -> Option<u8> {
    s.iter().find_map(|&c| match c {
        b'A' | b'O' => Some(b'A'),
        b'E' | b'I' => Some(b'I'),
        b'U' => Some(b'U'),
        _ => None,
    })
}

/// Restricted Damerau–Levenshtein distance (optimal string alignment), or `None` when above `max`.
fn edit_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    const W: usize = 2 * MAX_TOKEN_LEN + 1;
    if a.len().abs_diff(b.len()) > max || a.len() >= W || b.len() >= W {
        return None;
    }
    if max == 0 {
        return (a == b).then_some(0);
    }
    let mut prev2 = [0u8; W];
    let mut prev = [0u8; W];
    let mut cur = [0u8; W];
    for (j, p) in prev.iter_mut().enumerate() {
        *p = u8::try_from(j).unwrap_or(u8::MAX);
    }
    let max8 = u8::try_from(max).unwrap_or(u8::MAX);
    let mut a_prev = 0u8;
    for (i, &ca) in a.iter().enumerate() {
        let row = u8::try_from(i + 1).unwrap_or(u8::MAX);
        *cur.first_mut()? = row;
        let mut row_min = row;
        let mut b_prev = 0u8;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev.get(j)?.saturating_add(u8::from(ca != cb));
            let delete = prev.get(j + 1)?.saturating_add(1);
            let insert = cur.get(j)?.saturating_add(1);
            let mut v = substitute.min(delete).min(insert);
            if i > 0 && j > 0 && ca == b_prev && a_prev == cb {
                v = v.min(prev2.get(j - 1)?.saturating_add(1));
            }
            *cur.get_mut(j + 1)? = v;
            row_min = row_min.min(v);
            b_prev = cb;
        }
        if row_min > max8 {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
        a_prev = ca;
    }
    let d = usize::from(*prev.get(b.len())?);
    (d <= max).then_some(d)
}

/// How two tokens agree, if they do.
fn token_agreement(a: &Token, b: &Token) -> Option<(f32, Agreement)> {
    match (a.kind, b.kind) {
        (TokenKind::Name, TokenKind::Name) => name_agreement(a, b),
        (TokenKind::Particle, TokenKind::Particle) | (TokenKind::Initial, TokenKind::Initial) => {
            (a.folded == b.folded).then_some((S_EXACT, Agreement::Exact))
        }
        (TokenKind::Initial, TokenKind::Name) => initial_agreement(a, b),
        (TokenKind::Name, TokenKind::Initial) => initial_agreement(b, a),
        _ => None,
    }
}

fn initial_agreement(initial: &Token, name: &Token) -> Option<(f32, Agreement)> {
    let letter = initial.folded.as_bytes().first()?;
    if *letter == b'M' && name.group == Some(super::normalise::Group::Muhammad) {
        return Some((S_INITIAL_M, Agreement::Abbreviation));
    }
    (name.folded.as_bytes().first() == Some(letter) || name.canonical.as_bytes().first() == Some(letter))
        .then_some((S_INITIAL, Agreement::Initial))
}

fn name_agreement(a: &Token, b: &Token) -> Option<(f32, Agreement)> {
    if a.folded == b.folded {
        return Some((S_EXACT, Agreement::Exact));
    }
    if a.canonical == b.canonical {
        return Some(if a.abbreviated || b.abbreviated {
            (S_GROUP, Agreement::Abbreviation)
        } else if a.old_spelling || b.old_spelling {
            (S_OLD_SPELLING, Agreement::OldSpelling)
        } else if a.transliterated || b.transliterated || a.group.is_some() {
            (S_GROUP, Agreement::Variant)
        } else {
            (S_DOUBLED, Agreement::Doubled)
        });
    }
    let (ca, cb) = (a.canonical.as_bytes(), b.canonical.as_bytes());
    if gendered(ca, cb) {
        return None;
    }
    let shorter = ca.len().min(cb.len());
    if let Some(d) = edit_distance(ca, cb, allowed_edits(shorter)) {
        return Some(edit_agreement(d, shorter));
    }
    let sound = shorter >= MIN_SOUND_LEN && a.key.len() >= 2 && a.key == b.key && first_vowel(ca) == first_vowel(cb);
    sound.then_some((S_SOUND, Agreement::Sound))
}

/// How one token agrees with two tokens joined (`first` then `second`).
fn joined_agreement(single: &Token, first: &Token, second: &Token) -> Option<(f32, Agreement)> {
    let s = single.canonical.as_bytes();
    let (x, y) = (first.canonical.as_bytes(), second.canonical.as_bytes());
    let total = x.len() + y.len();
    let allowed = allowed_edits(s.len().min(total));
    if s.len().abs_diff(total) > allowed || s.first() != x.first() || y.is_empty() {
        return None;
    }
    let mut buf = [0u8; 2 * MAX_TOKEN_LEN];
    let joined = buf.get_mut(..total)?;
    let (left, right) = joined.split_at_mut(x.len());
    left.copy_from_slice(x);
    right.copy_from_slice(y);
    if s == joined {
        return Some((S_JOINED, Agreement::Exact));
    }
    let d = edit_distance(s, joined, allowed)?;
    Some(edit_agreement(d, s.len().min(total)))
}

fn edit_agreement(edits: usize, shorter: usize) -> (f32, Agreement) {
    let s = match edits {
        0 | 1 if shorter < LONG => S_EDIT_1,
        0 | 1 => S_EDIT_1_LONG,
        _ => S_EDIT_2,
    };
    (s, Agreement::Edits(u8::try_from(edits).unwrap_or(u8::MAX)))
}

fn joinable(t: &Token) -> bool {
    matches!(t.kind, TokenKind::Name | TokenKind::Particle)
}

struct Edges {
    list: [Edge; MAX_EDGES],
    len: usize,
}

impl Edges {
    fn push(&mut self, edge: Edge) {
        if let Some(slot) = self.list.get_mut(self.len) {
            *slot = edge;
            self.len += 1;
        }
    }
}

/// Adds the edges of each single Name token on one side against two joined tokens on the other.
fn push_joins(singles: &Side<'_>, pairs: &Side<'_>, single_is_query: bool, edges: &mut Edges) {
    for (i, single) in singles.iter().filter(|(_, t)| t.kind == TokenKind::Name) {
        for (j, first) in pairs.iter().filter(|(_, t)| joinable(t)) {
            for (k, second) in pairs.iter().filter(|(k, t)| *k != j && joinable(t)) {
                if first.kind != TokenKind::Name && second.kind != TokenKind::Name {
                    continue;
                }
                if let Some((s, agreement)) = joined_agreement(single, first, second) {
                    let one = 1u16 << i;
                    let two = (1u16 << j) | (1u16 << k);
                    let (q, r) = if single_is_query { (one, two) } else { (two, one) };
                    let w = single.weight.min(first.weight + second.weight);
                    edges.push(Edge { q, r, s, gain: s * w, agreement, joined: true });
                }
            }
        }
    }
}

/// Aligns the traveller's name `query` with the record's name `record`.
fn align(query: &NormalName, record: &NormalName) -> Alignment {
    let mut alignment = Alignment { score: 0.0, chosen: [NO_EDGE; MAX_SIDE], n_chosen: 0 };
    let (q, r) = (Side::new(query), Side::new(record));
    if q.len == 0 || r.len == 0 {
        return alignment;
    }
    let mut edges = Edges { list: [NO_EDGE; MAX_EDGES], len: 0 };
    for (i, a) in q.iter() {
        for (j, b) in r.iter() {
            if let Some((s, agreement)) = token_agreement(a, b) {
                let gain = s * a.weight.min(b.weight);
                edges.push(Edge { q: 1 << i, r: 1 << j, s, gain, agreement, joined: false });
            }
        }
    }
    push_joins(&q, &r, true, &mut edges);
    push_joins(&r, &q, false, &mut edges);
    let Some(found) = edges.list.get_mut(..edges.len) else {
        return alignment;
    };
    found.sort_unstable_by(|x, y| y.gain.total_cmp(&x.gain).then(y.s.total_cmp(&x.s)));

    let (mut q_used, mut r_used) = (0u16, 0u16);
    let (mut evidence, mut q_covered, mut r_covered) = (0.0f32, 0.0f32, 0.0f32);
    for edge in found.iter() {
        if edge.q & q_used != 0 || edge.r & r_used != 0 {
            continue;
        }
        let Some(slot) = alignment.chosen.get_mut(alignment.n_chosen) else {
            break;
        };
        *slot = *edge;
        alignment.n_chosen += 1;
        q_used |= edge.q;
        r_used |= edge.r;
        let (wq, wr) = (q.weight(edge.q), r.weight(edge.r));
        evidence += edge.s * wq.min(wr);
        q_covered += wq;
        r_covered += wr;
    }
    if alignment.n_chosen == 0 || q.total <= 0.0 || r.total <= 0.0 {
        return alignment;
    }
    let cov_q = (q_covered / q.total).min(1.0);
    let cov_r = (r_covered / r.total).min(1.0);
    let (most, least) = (cov_q.max(cov_r), cov_q.min(cov_r));
    let strength = 1.0 / (1.0 + (-EVIDENCE_SLOPE * (evidence - EVIDENCE_MIDPOINT)).exp());
    alignment.score = NAME_MAX * strength * most * most * (0.8 + 0.2 * least);
    alignment
}

impl Alignment {
    /// Appends the name reasons: the names compared and how, the tokens left unmatched, the tokens ignored.
    fn explain(&self, query: &NormalName, record: &NormalName, alias: bool, why: &mut Vec<String>) {
        let (q, r) = (Side::new(query), Side::new(record));
        let chosen = self.chosen.get(..self.n_chosen).unwrap_or_default();
        let label = if alias { "alias" } else { "name" };
        if chosen.is_empty() {
            why.push(format!("{label}: {} ≠ {} (no token agrees)", record.display(), query.display()));
            return;
        }
        let mut details: Vec<&str> = Vec::new();
        let mut edits = 0u32;
        let mut all_exact = true;
        for edge in chosen {
            let label = match edge.agreement {
                Agreement::Exact => None,
                Agreement::OldSpelling => Some("old spelling"),
                Agreement::Abbreviation => Some("abbreviation"),
                Agreement::Variant => Some("variant spelling"),
                Agreement::Doubled => Some("doubled letters"),
                Agreement::Edits(d) => {
                    edits += u32::from(d);
                    None
                }
                Agreement::Sound => Some("sounds alike"),
                Agreement::Initial => Some("initial"),
            };
            all_exact &= edge.agreement == Agreement::Exact && !edge.joined;
            for text in label.into_iter().chain(edge.joined.then_some("joined tokens")) {
                if !details.contains(&text) {
                    details.push(text);
                }
            }
        }
        let edits_text = match edits {
            0 => None,
            1 => Some("1 edit".to_owned()),
            n => Some(format!("{n} edits")),
        };
        let mut ordered: Vec<&Edge> = chosen.iter().collect();
        ordered.sort_by_key(|e| e.q.trailing_zeros());
        let order_differs =
            ordered.windows(2).any(|w| matches!(w, [a, b] if a.r.trailing_zeros() > b.r.trailing_zeros()));
        let mut text: Vec<String> = details.iter().map(|d| (*d).to_owned()).collect();
        text.extend(edits_text);
        if order_differs {
            text.push("order differs".to_owned());
        }
        let q_used = chosen.iter().fold(0u16, |m, e| m | e.q);
        let r_used = chosen.iter().fold(0u16, |m, e| m | e.r);
        let unmatched = |side: &Side<'_>, used: u16| -> Vec<String> {
            side.iter().filter(|(i, _)| used & (1 << i) == 0).map(|(_, t)| t.folded.to_string()).collect()
        };
        let (q_left, r_left) = (unmatched(&q, q_used), unmatched(&r, r_used));
        let exact = all_exact && text.is_empty() && q_left.is_empty() && r_left.is_empty();
        let listed = record.display();
        let traveller = query.display();
        if exact {
            why.push(format!("{label}: {listed} = {traveller} (exact)"));
        } else {
            if text.is_empty() {
                text.push("exact".to_owned());
            }
            why.push(format!("{label}: {listed} ≈ {traveller} ({})", text.join(", ")));
        }
        if !q_left.is_empty() || !r_left.is_empty() {
            let mut parts = Vec::new();
            if !r_left.is_empty() {
                parts.push(format!("{} (listed)", r_left.join(" ")));
            }
            if !q_left.is_empty() {
                parts.push(format!("{} (traveller)", q_left.join(" ")));
            }
            why.push(format!("{label}: not matched: {}", parts.join(", ")));
        }
        let ignored: Vec<&str> = record
            .tokens
            .iter()
            .chain(query.tokens.iter())
            .filter(|t| !t.kind.is_matched())
            .map(|t| &*t.folded)
            .collect();
        if !ignored.is_empty() {
            why.push(format!("{label}: ignored: {}", ignored.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests;
