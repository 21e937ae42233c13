//! The operator's policy for crossings: who this gate serves and how long each step may take (the `[gate]` table
//! of the configuration).
//!
//! Everything here has a default that matches how Indonesian immigration runs its autogates (DOMAIN.md: minimum age
//! 6, e-passport holders), and [`Policy::validate`] names the key of every value it refuses.

use std::time::Duration;

use mrtd::mrz::Ymd;
use serde::Deserialize;

use super::Referral;

/// The direction of travel this gate serves: it decides which list of the cekal applies (*cegah* on departure,
/// *tangkal* on arrival).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Into Indonesia.
    Arrival,
    /// Out of Indonesia.
    Departure,
}

impl Direction {
    /// `arrival` or `departure`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Arrival => "arrival",
            Direction::Departure => "departure",
        }
    }
}

/// The gate's policy, as read from the `[gate]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Arrival or departure.
    pub direction: Direction,
    /// Document codes served (MRZ positions 1-2 with fillers removed: `P`, `PE`, ...); `*` serves any, and a code
    /// ending in `*` serves every code it begins.
    pub eligible_document_types: Vec<String>,
    /// Nationalities served, as ICAO alpha-3 codes (`IDN`, and `D` for Germany as the MRZ writes it); `*` serves any.
    pub eligible_nationalities: Vec<String>,
    /// The youngest traveller served, in whole years on the day of the crossing.
    pub minimum_age: u8,
    /// Days of validity a document must have left beyond today; 0 serves a document up to its last day.
    pub minimum_validity_days: u32,
    /// How many live captures the traveller gets before a face mismatch or poor quality refers them.
    pub face_attempts: u8,
    /// How long each step may take.
    pub timeouts: Timeouts,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            direction: Direction::Departure,
            eligible_document_types: vec!["P".to_owned(), "PE".to_owned()],
            eligible_nationalities: vec!["IDN".to_owned()],
            minimum_age: 6,
            minimum_validity_days: 0,
            face_attempts: 3,
            timeouts: Timeouts::default(),
        }
    }
}

/// The time every step may take, in seconds (`[gate.timeouts]`). A step that runs out refers the traveller with
/// `timeout`, or with `door_fault` when a door did not reach its position.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// From the MRZ read to the chip's answer: access control, reading and the proofs.
    pub chip: f64,
    /// The watchlist screening.
    pub screening: f64,
    /// A door's travel, from its drive to its position switch.
    pub door: f64,
    /// From the entry door open to one person inside the mantrap.
    pub enter: f64,
    /// One live capture and match.
    pub face: f64,
    /// From the exit door open to the traveller out of the mantrap.
    pub exit: f64,
    /// From a referral to the traveller back out of the mantrap; after it the gate keeps the entry door open and
    /// waits for the officer.
    pub leave: f64,
    /// How long the mantrap may stay occupied with nobody crossing before it counts as an object left.
    pub clear: f64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { chip: 10.0, screening: 2.0, door: 4.0, enter: 15.0, face: 8.0, exit: 15.0, leave: 30.0, clear: 5.0 }
    }
}

/// The longest any timeout may be: an hour. A step that long is a configuration mistake.
const MAX_TIMEOUT_S: f64 = 3600.0;

impl Timeouts {
    fn each(&self) -> [(&'static str, f64); 8] {
        [
            ("chip", self.chip),
            ("screening", self.screening),
            ("door", self.door),
            ("enter", self.enter),
            ("face", self.face),
            ("exit", self.exit),
            ("leave", self.leave),
            ("clear", self.clear),
        ]
    }
}

/// A policy value that cannot be used, with the key it sits under.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct PolicyError {
    /// The key, dotted from the `[gate]` table: `gate.timeouts.door`.
    pub key: String,
    /// What is wrong with it, and what would do.
    pub problem: String,
}

fn refuse(key: &str, problem: impl Into<String>) -> PolicyError {
    PolicyError { key: format!("gate.{key}"), problem: problem.into() }
}

/// The facts of a read document that eligibility depends on; no names, no numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    /// MRZ document code with fillers removed (`P`, `PE`, `I` ...).
    pub document_code: String,
    /// ICAO alpha-3 code of the holder's nationality, fillers removed.
    pub nationality: String,
    /// Date of birth, when the MRZ gives one that can be placed.
    pub date_of_birth: Option<Ymd>,
    /// Date of expiry.
    pub date_of_expiry: Option<Ymd>,
}

impl Policy {
    /// Checks every value, and returns the first one that cannot be used.
    ///
    /// # Errors
    /// A [`PolicyError`] naming the key: an empty or malformed list of document types or nationalities, a minimum
    /// age above 120, no face attempt or more than 10, a timeout that is not a positive number of seconds up to an
    /// hour.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.eligible_document_types.is_empty() {
            return Err(refuse(
                "eligible_document_types",
                "is empty, so nobody could cross; give [\"*\"] to serve any",
            ));
        }
        for code in &self.eligible_document_types {
            let bare = code.strip_suffix('*').unwrap_or(code);
            if code.len() > 2 || !bare.bytes().all(|b| b.is_ascii_uppercase()) || (bare.is_empty() && code != "*") {
                return Err(refuse(
                    "eligible_document_types",
                    format!("{code:?} is not a document code (one or two capital letters, or ending in *)"),
                ));
            }
        }
        if self.eligible_nationalities.is_empty() {
            return Err(refuse("eligible_nationalities", "is empty, so nobody could cross; give [\"*\"] to serve any"));
        }
        for code in &self.eligible_nationalities {
            let letters = (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase());
            if code != "*" && !letters {
                return Err(refuse(
                    "eligible_nationalities",
                    format!("{code:?} is not an ICAO nationality code (up to three capital letters) or *"),
                ));
            }
        }
        if self.minimum_age > 120 {
            return Err(refuse("minimum_age", format!("{} years is not an age a traveller has", self.minimum_age)));
        }
        if self.minimum_validity_days > 3660 {
            return Err(refuse("minimum_validity_days", "is more than the ten years a passport lasts"));
        }
        if !(1..=10).contains(&self.face_attempts) {
            return Err(refuse("face_attempts", "must be from 1 to 10"));
        }
        for (key, seconds) in self.timeouts.each() {
            if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_S) {
                return Err(refuse(
                    &format!("timeouts.{key}"),
                    format!("{seconds} is not a number of seconds from 0 to 3600"),
                ));
            }
        }
        Ok(())
    }

    /// Whether this gate serves the document, on `today`.
    ///
    /// # Errors
    /// [`Referral::DocumentExpired`] when the document has expired, or has less validity left than the policy asks
    /// (or its expiry cannot be read); [`Referral::Ineligible`] when its type, its holder's nationality or age is not
    /// served, or the age cannot be told. Security fails closed: a date that cannot be placed refers.
    pub fn check_document(&self, doc: &DocumentFacts, today: Ymd) -> Result<(), Referral> {
        if !self.eligible_document_types.iter().any(|c| code_matches(c, &doc.document_code)) {
            return Err(Referral::Ineligible);
        }
        if !self.eligible_nationalities.iter().any(|c| c == "*" || *c == doc.nationality) {
            return Err(Referral::Ineligible);
        }
        let birth = doc.date_of_birth.ok_or(Referral::Ineligible)?;
        if age_on(birth, today) < u32::from(self.minimum_age) {
            return Err(Referral::Ineligible);
        }
        let expiry = doc.date_of_expiry.ok_or(Referral::DocumentExpired)?;
        let left = day_number(expiry) - day_number(today);
        if left < 0 || left < i64::from(self.minimum_validity_days) {
            return Err(Referral::DocumentExpired);
        }
        Ok(())
    }
}

fn code_matches(pattern: &str, code: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => code.starts_with(prefix),
        None => pattern == code,
    }
}

/// Whole years from `birth` to `today`; someone born on 29 February turns a year older on 1 March in other years.
#[must_use]
pub fn age_on(birth: Ymd, today: Ymd) -> u32 {
    let years = u32::from(today.0.saturating_sub(birth.0));
    if (today.1, today.2) < (birth.1, birth.2) { years.saturating_sub(1) } else { years }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
#[must_use]
pub fn day_number(date: Ymd) -> i64 {
    let (y, m, d) = (i64::from(date.0), i64::from(date.1), i64::from(date.2));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A timeout in seconds as a [`Duration`]; validated values are finite and positive.
#[must_use]
pub fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::{DocumentFacts, Policy, Referral, age_on, day_number};

    fn doc(code: &str, nat: &str, birth: (u16, u8, u8), expiry: (u16, u8, u8)) -> DocumentFacts {
        DocumentFacts {
            document_code: code.to_owned(),
            nationality: nat.to_owned(),
            date_of_birth: Some(birth),
            date_of_expiry: Some(expiry),
        }
    }

    const TODAY: (u16, u8, u8) = (2026, 11, 22);

    #[test]
    fn day_numbers_match_the_unix_epoch() {
        assert_eq!(day_number((1970, 1, 1)), 0);
        assert_eq!(day_number((2000, 3, 1)), 11_017);
        assert_eq!(day_number((2026, 11, 22)) - day_number((2026, 11, 21)), 1);
        assert_eq!(day_number((2024, 3, 1)) - day_number((2024, 2, 28)), 2);
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on((2020, 11, 22), TODAY), 6);
        assert_eq!(age_on((2020, 11, 23), TODAY), 5);
        assert_eq!(age_on((2008, 2, 29), (2026, 2, 28)), 17);
        assert_eq!(age_on((2008, 2, 29), (2026, 3, 1)), 18);
    }

    #[test]
    fn the_default_policy_serves_an_adult_citizen_and_refers_the_rest() {
        let p = Policy::default();
        p.validate().unwrap();
        assert_eq!(p.check_document(&doc("P", "IDN", (1985, 3, 14), (2033, 5, 1)), TODAY), Ok(()));
        // Expiry: the last day still serves, the day after does not.
        assert_eq!(p.check_document(&doc("P", "IDN", (1985, 3, 14), TODAY), TODAY), Ok(()));
        assert_eq!(
            p.check_document(&doc("P", "IDN", (1985, 3, 14), (2026, 11, 21)), TODAY),
            Err(Referral::DocumentExpired)
        );
        // A five-year-old, a foreigner under the default list, an identity card.
        assert_eq!(p.check_document(&doc("P", "IDN", (2020, 11, 23), (2030, 1, 1)), TODAY), Err(Referral::Ineligible));
        assert_eq!(p.check_document(&doc("P", "AUS", (1985, 3, 14), (2030, 1, 1)), TODAY), Err(Referral::Ineligible));
        assert_eq!(p.check_document(&doc("I", "IDN", (1985, 3, 14), (2030, 1, 1)), TODAY), Err(Referral::Ineligible));
        // A date that cannot be placed refers: fail closed.
        let mut unknown = doc("P", "IDN", (1985, 3, 14), (2030, 1, 1));
        unknown.date_of_birth = None;
        assert_eq!(p.check_document(&unknown, TODAY), Err(Referral::Ineligible));
    }

    #[test]
    fn minimum_validity_and_wildcards() {
        let p = Policy {
            eligible_nationalities: vec!["*".into()],
            eligible_document_types: vec!["P*".into()],
            minimum_validity_days: 180,
            ..Policy::default()
        };
        p.validate().unwrap();
        assert_eq!(p.check_document(&doc("PD", "AUS", (1985, 3, 14), (2027, 6, 1)), TODAY), Ok(()));
        assert_eq!(
            p.check_document(&doc("P", "AUS", (1985, 3, 14), (2027, 5, 1)), TODAY),
            Err(Referral::DocumentExpired)
        );
    }

    #[test]
    fn validation_names_the_key() {
        let from = |toml_text: &str| toml::from_str::<Policy>(toml_text).map(|p| p.validate());
        let err = |toml_text: &str| from(toml_text).unwrap().unwrap_err().key;
        assert_eq!(err("minimum_age = 200"), "gate.minimum_age");
        assert_eq!(err("eligible_nationalities = []"), "gate.eligible_nationalities");
        assert_eq!(err("eligible_nationalities = [\"indonesia\"]"), "gate.eligible_nationalities");
        assert_eq!(err("eligible_document_types = [\"PASS\"]"), "gate.eligible_document_types");
        assert_eq!(err("face_attempts = 0"), "gate.face_attempts");
        assert_eq!(err("[timeouts]\ndoor = -1.0"), "gate.timeouts.door");
        assert_eq!(err("[timeouts]\nface = nan"), "gate.timeouts.face");
        // Unknown keys and wrong types are refused by the parser, with the key in its message.
        let unknown = from("minimum_agee = 6").unwrap_err().to_string();
        assert!(unknown.contains("minimum_agee"), "{unknown}");
        let direction = from("direction = \"sideways\"").unwrap_err().to_string();
        assert!(direction.contains("direction") || direction.contains("sideways"), "{direction}");
        assert_eq!(from("direction = \"arrival\"\nminimum_age = 0").unwrap(), Ok(()));
    }
}
