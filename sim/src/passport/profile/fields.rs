//! Reading one key of a profile: required or defaulted, a word from a list, a number in range, a code, a name, a
//! date; each error names the key.

use super::{Problem, ProfileError};

pub(super) fn field(key: &'static str, problem: Problem) -> ProfileError {
    ProfileError::Field { key, problem }
}

pub(super) fn required(key: &'static str, value: Option<String>) -> Result<String, ProfileError> {
    value.ok_or(field(key, Problem::Missing))
}

pub(super) fn one_of<T: Copy>(
    key: &'static str,
    value: Option<String>,
    default: T,
    choices: &[(&str, T)],
    allowed: &'static str,
) -> Result<T, ProfileError> {
    let Some(value) = value else { return Ok(default) };
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&value))
        .map(|&(_, v)| v)
        .ok_or(field(key, Problem::NotOneOf { found: value, allowed }))
}

pub(super) fn range(
    key: &'static str,
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ProfileError> {
    let v = value.unwrap_or(default);
    if (min..=max).contains(&v) { Ok(v) } else { Err(field(key, Problem::OutOfRange { found: v, min, max })) }
}

/// A three-letter state, organisation or nationality code (ICAO 9303-3 §5): letters, with fillers after a shorter
/// code (`D<<` is Germany).
pub(super) fn state_code(key: &'static str, value: Option<String>) -> Result<String, ProfileError> {
    let code = required(key, value)?;
    let letters = code.trim_end_matches('<');
    let ok = code.len() == 3 && !letters.is_empty() && letters.bytes().all(|b| b.is_ascii_uppercase());
    if ok {
        Ok(code)
    } else {
        Err(field(key, Problem::BadCode { found: code, expected: "a three-letter code such as IDN" }))
    }
}

/// A name as the MRZ prints it: upper-case letters and single spaces; leading, trailing and repeated spaces are
/// dropped, which changes nothing in the MRZ.
pub(super) fn name(key: &'static str, value: Option<String>) -> Result<String, ProfileError> {
    let value = value.unwrap_or_default();
    if !value.chars().all(|c| c.is_ascii_uppercase() || c == ' ') {
        return Err(field(key, Problem::BadName));
    }
    Ok(value.split_whitespace().collect::<Vec<_>>().join(" "))
}

pub(super) fn iso_date(key: &'static str, value: Option<String>) -> Result<(String, String), ProfileError> {
    let value = required(key, value)?;
    match mrtd::mrz::yymmdd_from_iso(&value) {
        Some(yymmdd) => Ok((value, yymmdd)),
        None => Err(field(key, Problem::NotADate { found: value })),
    }
}

/// A parse error as one line that names the line and the key on it, instead of the parser's multi-line snippet.
pub(super) fn syntax(text: &str, source: toml::de::Error) -> ProfileError {
    let start = source.span().map_or(0, |s| s.start);
    let before = text.get(..start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_owned())
        .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    ProfileError::Syntax { line, key, source }
}

/// Maps a field name of the MRZ builder back to the profile's key.
pub(super) fn mrz_key(field_name: &str) -> &'static str {
    match field_name {
        "document_code" => "document_code",
        "issuing_state" => "issuing_state",
        "nationality" => "nationality",
        "document_number" => "document_number",
        "optional_data" => "optional_data",
        "optional_data_2" => "optional_data_2",
        "date_of_birth" => "date_of_birth",
        "date_of_expiry" => "date_of_expiry",
        "name" => "surname",
        _ => "format",
    }
}
