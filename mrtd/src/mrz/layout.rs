//! Where each field sits in the TD1, TD2 and TD3 layouts (9303-4, 9303-5 and 9303-6 §4.2.2), and reading fields and
//! verifying check digits in lines already checked against them.

use super::check_digit::digit_of;
use super::{FILLER, Format};
use crate::error::MrzError;

/// Characters of one line: 1-based line number, 1-based first position, length.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) line: usize,
    pub(super) start: usize,
    pub(super) len: usize,
}

/// The span from `start` to `end` inclusive, as the tables of Parts 4 to 6 give them.
const fn span(line: usize, start: usize, end: usize) -> Span {
    Span { line, start, len: end + 1 - start }
}

/// Where each field sits (9303-4 §4.2.2, 9303-5 §4.2.2, 9303-6 §4.2.2). The document code is always line 1,
/// positions 1-2.
pub(super) struct Layout {
    pub(super) issuing_state: Span,
    pub(super) name: Span,
    pub(super) document_number: Span,
    pub(super) document_number_cd: Span,
    pub(super) nationality: Span,
    pub(super) date_of_birth: Span,
    pub(super) date_of_birth_cd: Span,
    pub(super) sex: Span,
    pub(super) date_of_expiry: Span,
    pub(super) date_of_expiry_cd: Span,
    /// TD3: the personal number; TD1 and TD2: optional data, which also takes a long document number's overflow.
    pub(super) optional: Span,
    /// TD3 only: the personal number's check digit.
    pub(super) optional_cd: Option<Span>,
    /// TD1 only: the optional data of line 2.
    pub(super) optional_2: Option<Span>,
    pub(super) composite_cd: Span,
    /// The characters the composite check digit covers, in order.
    pub(super) composite: &'static [Span],
}

pub(super) const DOCUMENT_CODE: Span = span(1, 1, 2);

const TD1: Layout = Layout {
    issuing_state: span(1, 3, 5),
    document_number: span(1, 6, 14),
    document_number_cd: span(1, 15, 15),
    optional: span(1, 16, 30),
    date_of_birth: span(2, 1, 6),
    date_of_birth_cd: span(2, 7, 7),
    sex: span(2, 8, 8),
    date_of_expiry: span(2, 9, 14),
    date_of_expiry_cd: span(2, 15, 15),
    nationality: span(2, 16, 18),
    optional_2: Some(span(2, 19, 29)),
    composite_cd: span(2, 30, 30),
    composite: &[span(1, 6, 30), span(2, 1, 7), span(2, 9, 15), span(2, 19, 29)],
    optional_cd: None,
    name: span(3, 1, 30),
};

const TD2: Layout = Layout {
    issuing_state: span(1, 3, 5),
    name: span(1, 6, 36),
    document_number: span(2, 1, 9),
    document_number_cd: span(2, 10, 10),
    nationality: span(2, 11, 13),
    date_of_birth: span(2, 14, 19),
    date_of_birth_cd: span(2, 20, 20),
    sex: span(2, 21, 21),
    date_of_expiry: span(2, 22, 27),
    date_of_expiry_cd: span(2, 28, 28),
    optional: span(2, 29, 35),
    optional_cd: None,
    optional_2: None,
    composite_cd: span(2, 36, 36),
    composite: &[span(2, 1, 10), span(2, 14, 20), span(2, 22, 35)],
};

const TD3: Layout = Layout {
    issuing_state: span(1, 3, 5),
    name: span(1, 6, 44),
    document_number: span(2, 1, 9),
    document_number_cd: span(2, 10, 10),
    nationality: span(2, 11, 13),
    date_of_birth: span(2, 14, 19),
    date_of_birth_cd: span(2, 20, 20),
    sex: span(2, 21, 21),
    date_of_expiry: span(2, 22, 27),
    date_of_expiry_cd: span(2, 28, 28),
    optional: span(2, 29, 42),
    optional_cd: Some(span(2, 43, 43)),
    optional_2: None,
    composite_cd: span(2, 44, 44),
    composite: &[span(2, 1, 10), span(2, 14, 20), span(2, 22, 43)],
};

/// Lines already checked to have the format's lengths and MRZ characters only, so that every span is in bounds.
pub(super) struct Lines<'a>(pub(super) &'a [String]);

impl<'a> Lines<'a> {
    pub(super) fn text(&self, s: Span) -> &'a str {
        let from = s.start.saturating_sub(1);
        self.0.get(s.line.saturating_sub(1)).and_then(|l| l.get(from..from.saturating_add(s.len))).unwrap_or_default()
    }

    pub(super) fn char_at(&self, s: Span) -> char {
        self.text(s).chars().next().unwrap_or(FILLER)
    }

    pub(super) fn verify(&self, field: &'static str, covered: &str, cd: Span) -> Result<(), MrzError> {
        let found = self.char_at(cd);
        let expected = digit_of(covered);
        if found == expected {
            Ok(())
        } else {
            Err(MrzError::CheckDigit { field, line: cd.line, position: cd.start, found, expected })
        }
    }
}

impl Format {
    pub(super) fn layout(self) -> &'static Layout {
        match self {
            Format::Td1 => &TD1,
            Format::Td2 => &TD2,
            Format::Td3 => &TD3,
        }
    }
}

pub(super) fn invalid(field: &'static str, s: Span, reason: &'static str) -> MrzError {
    MrzError::InvalidField { field, line: s.line, position: s.start, reason }
}
