//! Check digits of the MRZ (9303-3 §4.9): the value of each character and the weighted sum modulo 10.

use super::FILLER;

/// The value of one MRZ character in the check digit computation (9303-3 §4.9): `0-9` as themselves, `A-Z` as
/// 10 to 35, the filler as 0; `None` for any other character.
pub fn char_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        'A'..='Z' => Some(c as u8 - b'A' + 10),
        FILLER => Some(0),
        _ => None,
    }
}

/// The check digit of `field` (9303-3 §4.9): the sum of its character values weighted 7, 3, 1, 7, 3, 1 ... modulo 10;
/// `None` when the field holds a character outside `A-Z0-9<`.
pub fn check_digit(field: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (c, weight) in field.chars().zip(WEIGHTS.iter().cycle()) {
        sum = (sum + u32::from(char_value(c)?) * weight) % 10;
    }
    u8::try_from(sum).ok()
}

/// [`check_digit`] as the character printed in the MRZ.
pub fn check_digit_char(field: &str) -> Option<char> {
    check_digit(field).map(|d| char::from(b'0' + d))
}

/// The check digit of text already known to hold MRZ characters only.
pub(super) fn digit_of(text: &str) -> char {
    check_digit_char(text).unwrap_or('0')
}
