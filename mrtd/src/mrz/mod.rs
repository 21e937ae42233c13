//! The machine-readable zone of ICAO Doc 9303: check digits (Part 3 §4.9) and the three layouts of machine readable
//! travel documents, TD3 passports (Part 4 §4.2, 2x44), TD1 cards (Part 5 §4.2, 3x30) and TD2 cards (Part 6 §4.2,
//! 2x36), including the long document numbers of TD1 and TD2 whose overflow and check digit start the optional data
//! (Parts 5 and 6, and the worked example of Part 11 App. D.2).
//!
//! [`Mrz::parse`] verifies every check digit before any value is used: a misread MRZ is the first cause of failed chip
//! access, and telling the traveller at the document reader is cheaper than a failed Basic Access Control. Errors name
//! the field and its 1-based line and position as printed. [`MrzFields`] goes the other way for the simulator.
//!
//! The MRZ is personal data: `Debug` shows the format and issuing state only.

use crate::error::MrzError;

mod build;
mod check_digit;
mod dates;
mod layout;

pub use build::MrzFields;
pub use check_digit::{char_value, check_digit, check_digit_char};
pub use dates::{Ymd, birth_date_from_yymmdd, expiry_date_from_yymmdd, iso, yymmdd_from_iso};

use dates::yymmdd;
use layout::{DOCUMENT_CODE, Lines, Span, invalid};

/// The filler character of the MRZ.
pub const FILLER: char = '<';

/// The layout of a machine readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Three lines of 30 characters: identity cards (9303-5).
    Td1,
    /// Two lines of 36 characters: the older card size (9303-6).
    Td2,
    /// Two lines of 44 characters: passports (9303-4).
    Td3,
}

impl Format {
    /// Number of lines.
    pub fn line_count(self) -> usize {
        match self {
            Format::Td1 => 3,
            Format::Td2 | Format::Td3 => 2,
        }
    }

    /// Characters per line.
    pub fn line_len(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 => 36,
            Format::Td3 => 44,
        }
    }

    /// The format whose MRZ, concatenated as in DG1, has `len` characters (90, 72 or 88).
    pub fn from_concatenated_len(len: usize) -> Option<Format> {
        [Format::Td1, Format::Td2, Format::Td3].into_iter().find(|f| f.line_count() * f.line_len() == len)
    }

    fn from_line_lengths(lengths: &[usize]) -> Option<Format> {
        [Format::Td1, Format::Td2, Format::Td3]
            .into_iter()
            .find(|f| lengths.len() == f.line_count() && lengths.iter().all(|&l| l == f.line_len()))
    }
}

/// Sex of the holder as the MRZ records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<` or `X`: unspecified.
    Unspecified,
}

impl Sex {
    /// The character written into an MRZ: `M`, `F` or the filler.
    pub fn mrz_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => FILLER,
        }
    }

    /// `"M"`, `"F"` or `"X"`, as the visual zone and the command line write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unspecified => "X",
        }
    }

    fn from_mrz_char(c: char) -> Option<Sex> {
        match c {
            'M' => Some(Sex::Male),
            'F' => Some(Sex::Female),
            'X' | FILLER => Some(Sex::Unspecified),
            _ => None,
        }
    }
}

impl std::fmt::Display for Sex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text without its trailing fillers.
fn trim_fillers(s: &str) -> &str {
    s.trim_end_matches(FILLER)
}

/// Words separated by fillers, joined by single spaces.
fn words(s: &str) -> String {
    s.split(FILLER).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A machine readable zone whose check digits all verify.
///
/// Values are as printed, with fillers trimmed from their ends; names have their inner fillers turned into spaces.
/// The lines are kept, since DG1 must equal the printed MRZ character for character.
#[derive(Clone, PartialEq, Eq)]
pub struct Mrz {
    format: Format,
    document_code: String,
    issuing_state: String,
    surname: String,
    given_names: String,
    document_number: String,
    nationality: String,
    date_of_birth: String,
    sex: Sex,
    date_of_expiry: String,
    optional_data: String,
    optional_data_2: Option<String>,
    mrz_information: String,
    lines: Vec<String>,
}

impl std::fmt::Debug for Mrz {
    // Everything else is the holder's personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format)
            .field("issuing_state", &self.issuing_state)
            .finish_non_exhaustive()
    }
}

impl Mrz {
    /// Parses the lines of a TD1, TD2 or TD3 MRZ and verifies every check digit.
    ///
    /// Lines must be exactly as printed: upper case, no spaces, no line ends.
    ///
    /// # Errors
    /// [`MrzError::UnknownFormat`] when the number and lengths of the lines fit no format,
    /// [`MrzError::InvalidCharacter`] for a character outside `A-Z0-9<`, [`MrzError::CheckDigit`] for the first check
    /// digit that does not verify (document number, date of birth, date of expiry, personal number, composite) and
    /// [`MrzError::InvalidField`] for a value its field cannot hold (a visa's document code, a digit in a name, a
    /// sex other than `M`, `F`, `X` or `<`, an expiry date that is not a date).
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Result<Mrz, MrzError> {
        let lengths: Vec<usize> = lines.iter().map(|l| l.as_ref().chars().count()).collect();
        let Some(format) = Format::from_line_lengths(&lengths) else {
            return Err(MrzError::UnknownFormat { lines: lines.len(), lengths });
        };
        for (i, line) in lines.iter().enumerate() {
            if let Some((j, found)) = line.as_ref().chars().enumerate().find(|&(_, c)| char_value(c).is_none()) {
                return Err(MrzError::InvalidCharacter { line: i + 1, position: j + 1, found });
            }
        }
        let owned: Vec<String> = lines.iter().map(|l| l.as_ref().to_owned()).collect();
        Self::parse_checked(format, owned)
    }

    /// Parses an MRZ given as one string, its lines concatenated as DG1 stores them: 90 characters for TD1, 72 for
    /// TD2, 88 for TD3.
    ///
    /// # Errors
    /// As [`Mrz::parse`]; a length that fits no format is [`MrzError::UnknownFormat`] with one line.
    pub fn parse_concatenated(mrz: &str) -> Result<Mrz, MrzError> {
        let chars: Vec<char> = mrz.chars().collect();
        let Some(format) = Format::from_concatenated_len(chars.len()) else {
            return Err(MrzError::UnknownFormat { lines: 1, lengths: vec![chars.len()] });
        };
        let lines: Vec<String> = chars.chunks(format.line_len()).map(|c| c.iter().collect()).collect();
        Self::parse(&lines)
    }

    /// Parses lines of the right lengths and characters.
    fn parse_checked(format: Format, lines: Vec<String>) -> Result<Mrz, MrzError> {
        let layout = format.layout();
        let l = Lines(&lines);

        let code = l.text(DOCUMENT_CODE);
        let first = code.chars().next().unwrap_or(FILLER);
        if !first.is_ascii_uppercase() {
            return Err(invalid("document_code", DOCUMENT_CODE, "does not start with a letter"));
        }
        // MRV-A and MRV-B visas share the TD3 and TD2 sizes but have no composite check digit and no chip to open.
        if first == 'V' && format != Format::Td1 {
            return Err(invalid("document_code", DOCUMENT_CODE, "is a visa (MRV), not a travel document"));
        }

        let (document_number, key_number, optional) = Self::split_document_number(format, &l)?;
        let date_of_birth = l.text(layout.date_of_birth);
        l.verify("date_of_birth", date_of_birth, layout.date_of_birth_cd)?;
        let date_of_expiry = l.text(layout.date_of_expiry);
        l.verify("date_of_expiry", date_of_expiry, layout.date_of_expiry_cd)?;
        if let Some(cd) = layout.optional_cd {
            let personal = l.text(layout.optional);
            // 9303-4: an unused personal number may have the filler as its check digit instead of 0.
            let unused_with_filler = l.char_at(cd) == FILLER && trim_fillers(personal).is_empty();
            if !unused_with_filler {
                l.verify("optional_data", personal, cd)?;
            }
        }
        let composite: String = layout.composite.iter().map(|&s| l.text(s)).collect();
        l.verify("composite", &composite, layout.composite_cd)?;

        let issuing_state = Self::state("issuing_state", &l, layout.issuing_state)?;
        let nationality = Self::state("nationality", &l, layout.nationality)?;
        let name = l.text(layout.name);
        if name.chars().any(|c| c.is_ascii_digit()) {
            return Err(invalid("name", layout.name, "holds a digit"));
        }
        let (surname, given_names) = name.split_once("<<").unwrap_or((name, ""));
        if !date_of_birth.chars().all(|c| c.is_ascii_digit() || c == FILLER) {
            return Err(invalid("date_of_birth", layout.date_of_birth, "is not a date (YYMMDD, `<` where unknown)"));
        }
        let sex = Sex::from_mrz_char(l.char_at(layout.sex)).ok_or(invalid("sex", layout.sex, "is not M, F, X or <"))?;
        if yymmdd(date_of_expiry).is_none() {
            return Err(invalid("date_of_expiry", layout.date_of_expiry, "is not a date (YYMMDD)"));
        }

        Ok(Mrz {
            format,
            document_code: trim_fillers(code).to_owned(),
            issuing_state,
            surname: words(surname),
            given_names: words(given_names),
            document_number,
            nationality,
            date_of_birth: date_of_birth.to_owned(),
            sex,
            date_of_expiry: date_of_expiry.to_owned(),
            optional_data: trim_fillers(optional).to_owned(),
            optional_data_2: layout.optional_2.map(|s| trim_fillers(l.text(s)).to_owned()),
            mrz_information: format!(
                "{key_number}{date_of_birth}{}{date_of_expiry}{}",
                l.char_at(layout.date_of_birth_cd),
                l.char_at(layout.date_of_expiry_cd)
            ),
            lines,
        })
    }

    /// The document number, the number with its check digit as it enters the BAC key seed, and the optional data
    /// that follows the number.
    ///
    /// A TD1 or TD2 number longer than nine characters has its first nine in the number field, a filler where the
    /// check digit goes, and the rest of the number, its check digit and a filler at the start of the optional data
    /// (the notes to the data structure tables of 9303-5 and 9303-6); the key seed then takes the full number
    /// (9303-11 §9.7.1, App. D.2).
    fn split_document_number<'a>(format: Format, l: &Lines<'a>) -> Result<(String, String, &'a str), MrzError> {
        let layout = format.layout();
        let field = l.text(layout.document_number);
        let cd = layout.document_number_cd;
        let optional = l.text(layout.optional);
        let long = format != Format::Td3 && l.char_at(cd) == FILLER && !field.contains(FILLER);
        if long {
            let end = optional.find(FILLER).unwrap_or(optional.len());
            // The overflow needs at least one character before its check digit.
            if let Some(overflow_and_cd) = optional.get(..end).filter(|s| s.len() >= 2) {
                let (overflow, printed) = overflow_and_cd.split_at_checked(end - 1).unwrap_or_default();
                let full = format!("{field}{overflow}");
                let cd_span = Span { line: layout.optional.line, start: layout.optional.start + end - 1, len: 1 };
                l.verify("document_number", &full, cd_span)?;
                let rest = optional.get(end + 1..).unwrap_or_default();
                return Ok((full.clone(), format!("{full}{printed}"), rest));
            }
        }
        l.verify("document_number", field, cd)?;
        if trim_fillers(field).is_empty() {
            return Err(invalid("document_number", layout.document_number, "is empty"));
        }
        Ok((trim_fillers(field).to_owned(), format!("{field}{}", l.char_at(cd)), optional))
    }

    /// A three-letter state or organisation code (9303-3 §5), fillers trimmed: `D<<` is Germany.
    fn state(field: &'static str, l: &Lines<'_>, s: Span) -> Result<String, MrzError> {
        let code = l.text(s);
        if !code.chars().all(|c| c.is_ascii_uppercase() || c == FILLER) || trim_fillers(code).is_empty() {
            return Err(invalid(field, s, "is not a state or organisation code"));
        }
        Ok(trim_fillers(code).to_owned())
    }
    /// TD1, TD2 or TD3.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The document code, fillers trimmed: `P`, `PE`, `I`, `ID` ...
    pub fn document_code(&self) -> &str {
        &self.document_code
    }

    /// The issuing state or organisation, fillers trimmed: `IDN`, `D` (Germany), `UTO` (the specimens' Utopia).
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }

    /// The primary identifier, words separated by single spaces; empty when only a secondary identifier is printed.
    pub fn surname(&self) -> &str {
        &self.surname
    }

    /// The secondary identifier, words separated by single spaces; empty for a holder with a single name printed as
    /// the primary identifier.
    pub fn given_names(&self) -> &str {
        &self.given_names
    }

    /// The full document number, fillers trimmed; for a long TD1 or TD2 number it includes the overflow.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// The nationality, fillers trimmed.
    pub fn nationality(&self) -> &str {
        &self.nationality
    }

    /// The date of birth as printed, `YYMMDD`, with `<` for the parts that are unknown.
    pub fn date_of_birth(&self) -> &str {
        &self.date_of_birth
    }

    /// Sex.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// The date of expiry as printed, `YYMMDD`.
    pub fn date_of_expiry(&self) -> &str {
        &self.date_of_expiry
    }

    /// The personal number (TD3) or the optional data of line 1 after any document number overflow (TD1, TD2),
    /// trailing fillers trimmed.
    pub fn optional_data(&self) -> &str {
        &self.optional_data
    }

    /// The optional data of line 2, trailing fillers trimmed; TD1 only.
    pub fn optional_data_2(&self) -> Option<&str> {
        self.optional_data_2.as_deref()
    }

    /// The lines as printed.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The lines concatenated, as DG1 stores them.
    pub fn concatenated(&self) -> String {
        self.lines.concat()
    }

    /// The input of the BAC key seed (9303-11 §9.7.1): document number, date of birth and date of expiry, each
    /// followed by its check digit. The number is the 9-character field with its fillers, or the full number of a
    /// long TD1 or TD2 document number (9303-11 App. D.2: `D23145890734934071279507122`).
    pub fn mrz_information(&self) -> &str {
        &self.mrz_information
    }

    /// The date of birth in the past of `today`: the century is the latest that does not put it after `today`.
    /// `None` when a part is unknown (`<`) or the date does not exist.
    pub fn birth_date(&self, today: Ymd) -> Option<Ymd> {
        birth_date_from_yymmdd(&self.date_of_birth, today)
    }

    /// The date of expiry, its century chosen so that it lies from 50 years before `today` to 49 years after.
    pub fn expiry_date(&self, today: Ymd) -> Option<Ymd> {
        expiry_date_from_yymmdd(&self.date_of_expiry, today)
    }

    /// [`Mrz::birth_date`] as `YYYY-MM-DD`.
    pub fn birth_date_iso(&self, today: Ymd) -> Option<String> {
        self.birth_date(today).map(iso)
    }

    /// [`Mrz::expiry_date`] as `YYYY-MM-DD`.
    pub fn expiry_date_iso(&self, today: Ymd) -> Option<String> {
        self.expiry_date(today).map(iso)
    }
}

#[cfg(test)]
mod tests;
