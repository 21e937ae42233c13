//! Building MRZ lines from their fields with every check digit computed, for the simulator's documents: the reverse
//! of [`Mrz::parse`].

use super::check_digit::{char_value, digit_of};
use super::dates::yymmdd;
use super::layout::{DOCUMENT_CODE, Lines, Span, invalid};
use super::{FILLER, Format, Mrz, Sex};
use crate::error::MrzError;

/// The fields of an MRZ to build, for the simulator's documents.
///
/// Text is taken as already transliterated (9303-3 §6): it is upper-cased, spaces become fillers, and in names
/// hyphens become fillers and apostrophes are dropped. Names are truncated to the field; everything else must fit.
#[derive(Clone, PartialEq, Eq)]
pub struct MrzFields {
    /// TD1, TD2 or TD3.
    pub format: Format,
    /// `P`, `PE`, `I` ...
    pub document_code: String,
    /// Three-letter code of the issuing state or organisation.
    pub issuing_state: String,
    /// Primary identifier; may be empty for a holder with a single name.
    pub surname: String,
    /// Secondary identifier; may be empty.
    pub given_names: String,
    /// The document number; TD1 and TD2 take more than nine characters.
    pub document_number: String,
    /// Three-letter code of the nationality.
    pub nationality: String,
    /// `YYMMDD`, `<` for unknown parts.
    pub date_of_birth: String,
    /// Sex.
    pub sex: Sex,
    /// `YYMMDD`.
    pub date_of_expiry: String,
    /// The personal number (TD3) or the optional data of line 1 (TD1, TD2).
    pub optional_data: String,
    /// The optional data of line 2 (TD1 only; must be empty otherwise).
    pub optional_data_2: String,
}

impl std::fmt::Debug for MrzFields {
    // The holder's personal data stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MrzFields")
            .field("format", &self.format)
            .field("issuing_state", &self.issuing_state)
            .finish_non_exhaustive()
    }
}

/// A field's text in MRZ characters: upper case, spaces as fillers; refused when it holds anything else or is
/// longer than `s`.
fn mrz_text(field: &'static str, text: &str, s: Span) -> Result<String, MrzError> {
    let out: String = text.chars().map(|c| if c == ' ' { FILLER } else { c.to_ascii_uppercase() }).collect();
    if out.chars().any(|c| char_value(c).is_none()) {
        return Err(invalid(field, s, "holds a character outside A-Z, 0-9, < and space"));
    }
    if out.chars().count() > s.len {
        return Err(invalid(field, s, "is longer than its field"));
    }
    Ok(out)
}

/// A name component in MRZ characters (9303-3, names in the MRZ): words separated by single fillers.
fn mrz_name(text: &str, s: Span) -> Result<String, MrzError> {
    let upper: String = text
        .chars()
        .filter(|&c| c != '\'')
        .map(|c| if c == ' ' || c == '-' { FILLER } else { c.to_ascii_uppercase() })
        .collect();
    if upper.chars().any(|c| !(c.is_ascii_uppercase() || c == FILLER)) {
        return Err(invalid("name", s, "holds a character outside A-Z after transliteration"));
    }
    Ok(upper.split(FILLER).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("<"))
}

impl MrzFields {
    /// The MRZ lines with every check digit computed.
    ///
    /// # Errors
    /// [`MrzError::InvalidField`] naming the field, and the line and position where it would start, when a value
    /// holds characters the MRZ cannot, does not fit its field (a TD3 document number longer than nine characters,
    /// optional data too long for what a long document number leaves), or a date is not `YYMMDD`.
    pub fn to_lines(&self) -> Result<Vec<String>, MrzError> {
        let format = self.format;
        let layout = format.layout();
        let mut grid = vec![vec![FILLER; format.line_len()]; format.line_count()];
        let mut put = |s: Span, text: &str| put_text(&mut grid, s, text);

        let code = mrz_text("document_code", &self.document_code, DOCUMENT_CODE)?;
        if !code.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(invalid("document_code", DOCUMENT_CODE, "does not start with a letter"));
        }
        put(DOCUMENT_CODE, &code);
        for (field, value, s) in [
            ("issuing_state", &self.issuing_state, layout.issuing_state),
            ("nationality", &self.nationality, layout.nationality),
        ] {
            let text = mrz_text(field, value, s)?;
            if text.is_empty() || !text.chars().all(|c| c.is_ascii_uppercase() || c == FILLER) {
                return Err(invalid(field, s, "is not a state or organisation code"));
            }
            put(s, &text);
        }

        let surname = mrz_name(&self.surname, layout.name)?;
        let given = mrz_name(&self.given_names, layout.name)?;
        let name = if given.is_empty() { surname } else { format!("{surname}<<{given}") };
        // 9303-3 allows truncating names to the field; the other fields must fit as given.
        let name: String = name.chars().take(layout.name.len).collect();
        put(layout.name, &name);

        let number: String = self.document_number.chars().map(|c| c.to_ascii_uppercase()).collect();
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            return Err(invalid(
                "document_number",
                layout.document_number,
                "is empty or holds a character outside A-Z, 0-9",
            ));
        }
        // Only TD1 and TD2 can carry a number's overflow in their optional data.
        if format == Format::Td3 && number.len() > layout.document_number.len {
            return Err(invalid("document_number", layout.document_number, "is longer than its field"));
        }
        let optional = mrz_text("optional_data", &self.optional_data, layout.optional)?;
        if number.len() <= layout.document_number.len {
            let padded = format!("{number:<<9}");
            put(layout.document_number, &padded);
            put(layout.document_number_cd, &digit_of(&padded).to_string());
            put(layout.optional, &optional);
        } else {
            let (head, overflow) = number.split_at_checked(layout.document_number.len).unwrap_or((&number, ""));
            let cd = digit_of(&number);
            let tail =
                if optional.is_empty() { format!("{overflow}{cd}") } else { format!("{overflow}{cd}<{optional}") };
            if tail.chars().count() > layout.optional.len {
                return Err(invalid(
                    "document_number",
                    layout.document_number,
                    "is too long, with the optional data, for the optional data field",
                ));
            }
            put(layout.document_number, head);
            put(layout.document_number_cd, "<");
            put(layout.optional, &tail);
        }
        if let Some(cd) = layout.optional_cd {
            let personal = format!("{optional:<<14}");
            let digit = if optional.chars().all(|c| c == FILLER) { FILLER } else { digit_of(&personal) };
            put(cd, &digit.to_string());
        }
        match layout.optional_2 {
            Some(s) => put(s, &mrz_text("optional_data_2", &self.optional_data_2, s)?),
            None if !self.optional_data_2.is_empty() => {
                return Err(invalid("optional_data_2", layout.optional, "exists in TD1 only"));
            }
            None => {}
        }

        if self.date_of_birth.len() != 6 || !self.date_of_birth.chars().all(|c| c.is_ascii_digit() || c == FILLER) {
            return Err(invalid("date_of_birth", layout.date_of_birth, "is not YYMMDD"));
        }
        put(layout.date_of_birth, &self.date_of_birth);
        put(layout.date_of_birth_cd, &digit_of(&self.date_of_birth).to_string());
        if yymmdd(&self.date_of_expiry).is_none() {
            return Err(invalid("date_of_expiry", layout.date_of_expiry, "is not YYMMDD"));
        }
        put(layout.date_of_expiry, &self.date_of_expiry);
        put(layout.date_of_expiry_cd, &digit_of(&self.date_of_expiry).to_string());
        put(layout.sex, &self.sex.mrz_char().to_string());

        let lines: Vec<String> = grid.iter().map(|l| l.iter().collect()).collect();
        let composite: String = layout.composite.iter().map(|&s| Lines(&lines).text(s)).collect();
        put_text(&mut grid, layout.composite_cd, &digit_of(&composite).to_string());
        Ok(grid.iter().map(|l| l.iter().collect()).collect())
    }
}

/// Writes `text` into the span `s` of the grid, cut to the span.
fn put_text(grid: &mut [Vec<char>], s: Span, text: &str) {
    if let Some(line) = grid.get_mut(s.line.saturating_sub(1)) {
        for (cell, c) in line.iter_mut().skip(s.start.saturating_sub(1)).take(s.len).zip(text.chars()) {
            *cell = c;
        }
    }
}

impl Mrz {
    /// Builds the MRZ lines from their fields, computing every check digit, and parses them back.
    ///
    /// # Errors
    /// As [`MrzFields::to_lines`].
    pub fn build(fields: &MrzFields) -> Result<Mrz, MrzError> {
        Self::parse(&fields.to_lines()?)
    }

    /// The fields this MRZ was built from, for a builder to change one and build again.
    pub fn to_fields(&self) -> MrzFields {
        MrzFields {
            format: self.format,
            document_code: self.document_code.clone(),
            issuing_state: self.issuing_state.clone(),
            surname: self.surname.clone(),
            given_names: self.given_names.clone(),
            document_number: self.document_number.clone(),
            nationality: self.nationality.clone(),
            date_of_birth: self.date_of_birth.clone(),
            sex: self.sex,
            date_of_expiry: self.date_of_expiry.clone(),
            optional_data: self.optional_data.clone(),
            optional_data_2: self.optional_data_2.clone().unwrap_or_default(),
        }
    }
}
