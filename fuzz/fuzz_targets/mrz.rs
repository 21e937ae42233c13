//! `Mrz::parse` (lines) and `Mrz::parse_concatenated` on arbitrary text, and `Mrz::build` on arbitrary fields.
//!
//! The first byte picks the mode; the rest is the input:
//! - even: the bytes as ISO 8859-1 text, split at `\n` into lines and also taken whole as a DG1-style string;
//! - odd: `MrzFields` drawn from the bytes, built into lines.
//!
//! Round trips asserted:
//! - a parsed MRZ parses again, from its lines and from its concatenation, to itself, and DG1 carries it unchanged;
//! - parse -> `to_fields` -> `build` gives the same fields, and a built MRZ is a fixed point: its fields build the same
//!   lines again. Lines themselves are only asserted equal for built MRZs, since parsing normalises names (runs of
//!   fillers become one) and the unused personal number's check digit (`0` or `<`);
//! - the dates, placed against a date taken from the input, fall where their rules say and survive ISO 8601.

#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mrtd::lds::dg1::Dg1;
use mrtd::mrz::{self, Format, Mrz, MrzFields, Sex, Ymd};
use mrtd_fuzz::{TODAY, latin1};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 0 {
        text(rest);
    } else {
        let _ = fields(&mut Unstructured::new(rest));
    }
});

fn text(bytes: &[u8]) {
    let text = latin1(bytes);
    let lines: Vec<&str> = text.split('\n').collect();
    if let Ok(m) = Mrz::parse(&lines) {
        check(&m);
    }
    if let Ok(m) = Mrz::parse_concatenated(&text) {
        check(&m);
    }
    if let Ok(utf8) = std::str::from_utf8(bytes) {
        let _ = Mrz::parse_concatenated(utf8);
        let _ = Mrz::parse(&utf8.lines().collect::<Vec<_>>());
        if let Some(yymmdd) = mrz::yymmdd_from_iso(utf8) {
            assert_eq!(yymmdd.len(), 6);
        }
    }
    for c in text.chars() {
        let _ = mrz::char_value(c);
    }
    let _ = mrz::check_digit(&text);
}

/// Everything that must hold of an MRZ that parsed.
fn check(m: &Mrz) {
    assert_eq!(&Mrz::parse(m.lines()).expect("own lines parse"), m);
    let concatenated = m.concatenated();
    assert_eq!(concatenated.len(), m.format().line_count() * m.format().line_len());
    assert_eq!(&Mrz::parse_concatenated(&concatenated).expect("own concatenation parses"), m);
    let dg1 = Dg1::from(m.clone());
    assert_eq!(&Dg1::parse(&dg1.to_bytes()).expect("own DG1 parses").mrz, m);
    // Document number and its check digit (ten characters at least), then both dates with theirs.
    assert!(m.mrz_information().len() >= 10 + 7 + 7);

    let fields = m.to_fields();
    // A document number with fillers inside it parses but is refused by the builder, which takes A-Z and 0-9 only.
    if fields.document_number.contains(mrz::FILLER) {
        return;
    }
    let rebuilt = Mrz::build(&fields).unwrap_or_else(|e| panic!("fields of a parsed MRZ do not build: {e}"));
    assert_eq!(rebuilt.to_fields(), fields, "parse -> to_fields -> build changed the fields");
    fixed_point(&rebuilt);
    dates(m, TODAY);
}

/// A built MRZ builds the same lines from its own fields.
fn fixed_point(m: &Mrz) {
    let again = Mrz::build(&m.to_fields()).unwrap_or_else(|e| panic!("fields of a built MRZ do not build: {e}"));
    assert_eq!(again.lines(), m.lines(), "parse -> to_fields -> build changed the lines");
    assert_eq!(&again, m);
}

fn dates(m: &Mrz, today: Ymd) {
    if let Some(birth) = m.birth_date(today) {
        assert!(birth <= today, "date of birth after today");
        let iso = mrz::iso(birth);
        assert_eq!(mrz::yymmdd_from_iso(&iso).as_deref(), Some(m.date_of_birth()));
        assert_eq!(m.birth_date_iso(today), Some(iso));
    }
    // A parsed expiry date exists in some century; only 29 February may fall in a year without one.
    let Some(expiry) = m.expiry_date(today) else {
        assert!(m.date_of_expiry().ends_with("0229"), "expiry {} not placed", m.date_of_expiry());
        return;
    };
    assert!(expiry.0 + 50 >= today.0 && expiry.0 <= today.0 + 49, "expiry {expiry:?} outside today's window");
    assert_eq!(mrz::yymmdd_from_iso(&mrz::iso(expiry)).as_deref(), Some(m.date_of_expiry()));
}

/// Characters the builder sees most: MRZ characters, the separators it transliterates, and a few it must refuse.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<   --''abz";

fn draw_text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let len = u.int_in_range(0..=max)?;
    let mut out = String::with_capacity(len);
    for _ in 0..len {
        let b: u8 = u.arbitrary()?;
        out.push(match ALPHABET.get(usize::from(b)) {
            Some(&c) => char::from(c),
            None if b >= 0xF0 => char::from(b),
            None => char::from(ALPHABET[usize::from(b) % ALPHABET.len()]),
        });
    }
    Ok(out)
}

fn draw_date(u: &mut Unstructured<'_>) -> Result<String> {
    let mut out = String::new();
    for _ in 0..6 {
        out.push(*u.choose(&['0', '1', '2', '3', '4', '5', '6', '9', '<'])?);
    }
    Ok(out)
}

fn fields(u: &mut Unstructured<'_>) -> Result<()> {
    let format = *u.choose(&[Format::Td1, Format::Td2, Format::Td3])?;
    let fields = MrzFields {
        format,
        document_code: draw_text(u, 3)?,
        issuing_state: draw_text(u, 4)?,
        surname: draw_text(u, 45)?,
        given_names: draw_text(u, 45)?,
        document_number: draw_text(u, 20)?,
        nationality: draw_text(u, 4)?,
        date_of_birth: draw_date(u)?,
        sex: *u.choose(&[Sex::Male, Sex::Female, Sex::Unspecified])?,
        date_of_expiry: draw_date(u)?,
        optional_data: draw_text(u, 16)?,
        optional_data_2: if u.arbitrary()? { draw_text(u, 12)? } else { String::new() },
    };
    let today: Ymd = (u.int_in_range(1900..=2999)?, u.int_in_range(1..=12)?, u.int_in_range(1..=28)?);
    let Ok(m) = Mrz::build(&fields) else { return Ok(()) };
    assert_eq!(m.format(), format);
    assert_eq!(m.document_number(), fields.document_number.to_ascii_uppercase());
    assert_eq!(
        (m.date_of_birth(), m.date_of_expiry(), m.sex()),
        (&*fields.date_of_birth, &*fields.date_of_expiry, fields.sex)
    );
    assert_eq!(Mrz::parse(m.lines()).as_ref(), Ok(&m));
    fixed_point(&m);
    check(&m);
    dates(&m, today);
    Ok(())
}
