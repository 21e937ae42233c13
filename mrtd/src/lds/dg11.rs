//! DG11, additional personal details (ICAO 9303-10 §4.7.11).
//!
//! ```text
//! 6B L
//!    5C   L  tag list: the tags of the fields present (5F0F stands for the A0 group)
//!    5F0E L  full name of the holder in national characters, primary and secondary identifiers separated by <<
//!    A0   L  other names: 02 01 count, then 5F0F L name, repeated
//!    5F10 L  personal number          5F2B L  full date of birth YYYYMMDD
//!    5F11 L  place of birth           5F42 L  permanent address
//!    5F12 L  telephone                5F13 L  profession
//!    5F14 L  title                    5F15 L  personal summary
//!    5F16 L  proof of citizenship (an image)
//!    5F17 L  other valid travel document numbers
//!    5F18 L  custody information
//! ```
//!
//! Text is UTF-8; list fields keep their `<` separators as stored. Tags this parser does not know are skipped; a
//! structure that does not parse is an error. Everything here is personal data: `Debug` names the fields present
//! and shows no value.

use crate::error::{Error, LdsError, TlvError};
use crate::lds::com::{TAG_LIST, encode_tag_list, file_content, parse_tag_list};
use crate::tlv::{self, Tag, TlvIter};

const FILE: &str = "DG11";
const TAG: Tag = Tag(0x6B);
const FULL_NAME: Tag = Tag(0x5F0E);
const OTHER_NAME: Tag = Tag(0x5F0F);
const PERSONAL_NUMBER: Tag = Tag(0x5F10);
const FULL_DATE_OF_BIRTH: Tag = Tag(0x5F2B);
const PLACE_OF_BIRTH: Tag = Tag(0x5F11);
const ADDRESS: Tag = Tag(0x5F42);
const TELEPHONE: Tag = Tag(0x5F12);
const PROFESSION: Tag = Tag(0x5F13);
const TITLE: Tag = Tag(0x5F14);
const PERSONAL_SUMMARY: Tag = Tag(0x5F15);
const PROOF_OF_CITIZENSHIP: Tag = Tag(0x5F16);
const OTHER_TD_NUMBERS: Tag = Tag(0x5F17);
const CUSTODY: Tag = Tag(0x5F18);
/// The group that holds repeated objects with their count (9303-10 §4.7.11, §4.7.12).
pub(crate) const GROUP: Tag = Tag(0xA0);
/// The count inside a group.
pub(crate) const COUNT: Tag = Tag(0x02);

/// The content of DG11. Every field is optional.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dg11 {
    /// Full name in national characters, as stored (`SURNAME<<GIVEN<NAMES`).
    pub full_name: Option<String>,
    /// Other names, each as stored.
    pub other_names: Vec<String>,
    /// Personal number.
    pub personal_number: Option<String>,
    /// Full date of birth, `YYYYMMDD` (chips that store it as four BCD bytes are read as the same digits).
    pub full_date_of_birth: Option<String>,
    /// Place of birth, parts separated by `<`.
    pub place_of_birth: Option<String>,
    /// Permanent address, parts separated by `<`.
    pub address: Option<String>,
    /// Telephone.
    pub telephone: Option<String>,
    /// Profession.
    pub profession: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Personal summary.
    pub personal_summary: Option<String>,
    /// Proof of citizenship: an image (ISO/IEC 10918, JPEG).
    pub proof_of_citizenship: Option<Vec<u8>>,
    /// Other valid travel document numbers, separated by `<`.
    pub other_valid_td_numbers: Option<String>,
    /// Custody information.
    pub custody_information: Option<String>,
}

impl std::fmt::Debug for Dg11 {
    // Personal data: the names of the fields present, no values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dg11").field("present", &self.present()).finish_non_exhaustive()
    }
}

impl Dg11 {
    /// Parses DG11.
    ///
    /// # Errors
    /// [`LdsError::WrongFileTag`] when the file does not start with tag `6B`, [`LdsError::Tlv`] for a malformed
    /// structure, trailing bytes or a missing tag list, [`LdsError::Invalid`] for a malformed group of other names.
    pub fn parse(bytes: &[u8]) -> Result<Dg11, Error> {
        let content = file_content(bytes, FILE, TAG)?;
        let tlv_err = |source| LdsError::Tlv { file: FILE, source };
        let mut dg = Dg11::default();
        let mut tag_list = false;
        for item in TlvIter::new(content) {
            let item = item.map_err(tlv_err)?;
            let v = item.value;
            match item.tag {
                TAG_LIST => {
                    parse_tag_list(v).map_err(tlv_err)?;
                    tag_list = true;
                }
                FULL_NAME => dg.full_name = Some(text(v)),
                GROUP => dg.other_names.extend(parse_group(v, OTHER_NAME, FILE)?),
                // Early documents put other names at the top level, outside their group.
                OTHER_NAME => dg.other_names.push(text(v)),
                PERSONAL_NUMBER => dg.personal_number = Some(text(v)),
                FULL_DATE_OF_BIRTH => dg.full_date_of_birth = Some(digits(v)),
                PLACE_OF_BIRTH => dg.place_of_birth = Some(text(v)),
                ADDRESS => dg.address = Some(text(v)),
                TELEPHONE => dg.telephone = Some(text(v)),
                PROFESSION => dg.profession = Some(text(v)),
                TITLE => dg.title = Some(text(v)),
                PERSONAL_SUMMARY => dg.personal_summary = Some(text(v)),
                PROOF_OF_CITIZENSHIP => dg.proof_of_citizenship = Some(v.to_vec()),
                OTHER_TD_NUMBERS => dg.other_valid_td_numbers = Some(text(v)),
                CUSTODY => dg.custody_information = Some(text(v)),
                _ => {}
            }
        }
        if !tag_list {
            return Err(tlv_err(TlvError::Missing(TAG_LIST)).into());
        }
        Ok(dg)
    }

    /// Encodes DG11: the tag list, then the fields present in the order of 9303-10 §4.7.11.
    pub fn to_bytes(&self) -> Vec<u8> {
        let fields: [(Tag, Option<&[u8]>); 12] = [
            (FULL_NAME, self.full_name.as_deref().map(str::as_bytes)),
            (PERSONAL_NUMBER, self.personal_number.as_deref().map(str::as_bytes)),
            (FULL_DATE_OF_BIRTH, self.full_date_of_birth.as_deref().map(str::as_bytes)),
            (PLACE_OF_BIRTH, self.place_of_birth.as_deref().map(str::as_bytes)),
            (ADDRESS, self.address.as_deref().map(str::as_bytes)),
            (TELEPHONE, self.telephone.as_deref().map(str::as_bytes)),
            (PROFESSION, self.profession.as_deref().map(str::as_bytes)),
            (TITLE, self.title.as_deref().map(str::as_bytes)),
            (PERSONAL_SUMMARY, self.personal_summary.as_deref().map(str::as_bytes)),
            (PROOF_OF_CITIZENSHIP, self.proof_of_citizenship.as_deref()),
            (OTHER_TD_NUMBERS, self.other_valid_td_numbers.as_deref().map(str::as_bytes)),
            (CUSTODY, self.custody_information.as_deref().map(str::as_bytes)),
        ];
        // The other names follow the full name.
        encode_with_tag_list(TAG, &fields, Some((0, OTHER_NAME, &self.other_names)))
    }

    /// The names of the fields present.
    pub fn present(&self) -> Vec<&'static str> {
        let fields = [
            ("full_name", self.full_name.is_some()),
            ("other_names", !self.other_names.is_empty()),
            ("personal_number", self.personal_number.is_some()),
            ("full_date_of_birth", self.full_date_of_birth.is_some()),
            ("place_of_birth", self.place_of_birth.is_some()),
            ("address", self.address.is_some()),
            ("telephone", self.telephone.is_some()),
            ("profession", self.profession.is_some()),
            ("title", self.title.is_some()),
            ("personal_summary", self.personal_summary.is_some()),
            ("proof_of_citizenship", self.proof_of_citizenship.is_some()),
            ("other_valid_td_numbers", self.other_valid_td_numbers.is_some()),
            ("custody_information", self.custody_information.is_some()),
        ];
        fields.into_iter().filter(|f| f.1).map(|f| f.0).collect()
    }
}

/// Text as UTF-8; a byte sequence that is not UTF-8 keeps its valid parts rather than losing the whole file.
pub(crate) fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(value).into_owned()
}

/// A date stored as ASCII digits, or as packed BCD (two digits a byte) by some chips, as its digits.
pub(crate) fn digits(value: &[u8]) -> String {
    let bcd = !value.is_empty() && value.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9);
    let ascii = value.iter().all(u8::is_ascii_digit);
    // ASCII digits are also valid BCD, but a BCD date made only of bytes 0x30 to 0x39 would be in the year 3030 or
    // later; reading short ASCII digits as BCD would also make `to_bytes`, which writes ASCII, not parse back.
    if bcd && !ascii {
        value.iter().flat_map(|b| [char::from(b'0' + (b >> 4)), char::from(b'0' + (b & 0x0F))]).collect()
    } else {
        text(value)
    }
}

/// The values of a group `A0 { 02 count, member... }`. The count is checked against the members found.
pub(crate) fn parse_group(value: &[u8], member: Tag, file: &'static str) -> Result<Vec<String>, Error> {
    let mut count = None;
    let mut out = Vec::new();
    for item in TlvIter::new(value) {
        let item = item.map_err(|source| LdsError::Tlv { file, source })?;
        if item.tag == COUNT {
            let [n] = item.value else {
                return Err(LdsError::Invalid { file, what: "count of a group is not one byte" }.into());
            };
            count = Some(usize::from(*n));
        } else if item.tag == member {
            out.push(text(item.value));
        }
    }
    match count {
        Some(n) if n == out.len() => Ok(out),
        Some(_) => Err(LdsError::Invalid { file, what: "count of a group differs from its members" }.into()),
        None => Err(LdsError::Tlv { file, source: TlvError::Missing(COUNT) }.into()),
    }
}

/// A group `A0 { 02 count, member... }`. More than 255 members cannot be counted in one byte; the rest are left out.
/// Encodes a file of DG11's and DG12's shape: its tag list (`5C`), then each field present in order, with the group
/// of repeated values (`A0`) after the field at `group.0` when it has members.
pub(crate) fn encode_with_tag_list(
    file: Tag,
    fields: &[(Tag, Option<&[u8]>)],
    group: Option<(usize, Tag, &[String])>,
) -> Vec<u8> {
    let mut tags = Vec::new();
    let mut body = Vec::new();
    for (i, (tag, value)) in fields.iter().enumerate() {
        if let Some(value) = value {
            tags.push(*tag);
            tlv::encode(*tag, value, &mut body);
        }
        if let Some((after, member, values)) = group
            && i == after
            && !values.is_empty()
        {
            tags.push(member);
            body.extend(encode_group(member, values));
        }
    }
    let mut content = tlv::to_vec(TAG_LIST, &encode_tag_list(&tags));
    content.extend(body);
    tlv::to_vec(file, &content)
}

pub(crate) fn encode_group(member: Tag, values: &[String]) -> Vec<u8> {
    let values = values.get(..values.len().min(255)).unwrap_or_default();
    let mut group = tlv::to_vec(COUNT, &[u8::try_from(values.len()).unwrap_or(u8::MAX)]);
    for v in values {
        tlv::encode(member, v.as_bytes(), &mut group);
    }
    tlv::to_vec(GROUP, &group)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dg11 {
        Dg11 {
            full_name: Some("SETIAWAN<<BUDI<ANDRI".into()),
            other_names: vec!["BUDI<A".into(), "ANDRI<BUDI".into()],
            personal_number: Some("3171234567890001".into()),
            full_date_of_birth: Some("19850314".into()),
            place_of_birth: Some("JAKARTA<INDONESIA".into()),
            address: Some("JL<SUDIRMAN<1<JAKARTA".into()),
            telephone: Some("+62215550100".into()),
            profession: Some("PEGAWAI SWASTA".into()),
            title: Some("DR".into()),
            personal_summary: Some("-".into()),
            proof_of_citizenship: Some(vec![0xFF, 0xD8, 0xFF, 0xD9]),
            other_valid_td_numbers: Some("X1234567<Y7654321".into()),
            custody_information: Some("NONE".into()),
        }
    }

    #[test]
    fn round_trips_every_field() {
        let dg = sample();
        let bytes = dg.to_bytes();
        assert_eq!(bytes[0], 0x6B);
        assert_eq!(Dg11::parse(&bytes).unwrap(), dg);
        let empty = Dg11::default();
        assert_eq!(empty.to_bytes(), vec![0x6B, 0x02, 0x5C, 0x00]);
        assert_eq!(Dg11::parse(&empty.to_bytes()).unwrap(), empty);
    }

    #[test]
    fn reads_the_9303_10_layout() {
        // Built by hand from the structure of 9303-10 §4.7.11: tag list 5F0E 5F0F 5F2B, full name, the group of
        // other names with its count, a BCD date of birth, and an unknown tag 5F7F to skip.
        let bytes = hex::decode(concat!(
            "6B33",
            "5C065F0E5F0F5F2B",
            "5F0E0B534D4954483C3C4A4F484E",
            "A010020102",
            "5F0F04534D4954",
            "5F0F034A4F45",
            "5F2B0419710101",
            "5F7F0101",
        ))
        .unwrap();
        let dg = Dg11::parse(&bytes).unwrap();
        assert_eq!(dg.full_name.as_deref(), Some("SMITH<<JOHN"));
        assert_eq!(dg.other_names, vec!["SMIT".to_owned(), "JOE".to_owned()]);
        assert_eq!(dg.full_date_of_birth.as_deref(), Some("19710101"));
        assert_eq!(dg.present(), vec!["full_name", "other_names", "full_date_of_birth"]);
        assert_eq!(format!("{dg:?}"), "Dg11 { present: [\"full_name\", \"other_names\", \"full_date_of_birth\"], .. }");
        assert!(!format!("{dg:?}").contains("SMITH"));
    }

    #[test]
    fn refuses_malformed_files() {
        let good = sample().to_bytes();
        for cut in 0..good.len() {
            assert!(Dg11::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0x90);
        assert!(Dg11::parse(&trailing).is_err());
        // No tag list.
        assert!(matches!(
            Dg11::parse(&hex::decode("6B045F0E0141").unwrap()),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::Missing(TAG_LIST), .. }))
        ));
        // A group whose count says two but holds one name.
        assert!(matches!(
            Dg11::parse(&hex::decode("6B0D5C025F0FA0070201025F0F0141").unwrap()),
            Err(Error::Lds(LdsError::Invalid { .. }))
        ));
        // A field running past its parent.
        assert!(Dg11::parse(&hex::decode("6B065C005F0E0541").unwrap()).is_err());
        assert!(matches!(
            Dg11::parse(&hex::decode("6C025C00").unwrap()),
            Err(Error::Lds(LdsError::WrongFileTag { .. }))
        ));
        for garbage in [&[][..], &[0x6B], &[0x6B, 0x80, 0x00, 0x00], &[0xFF; 4], &[0x6B, 0x03, 0x5C, 0x01, 0x5F]] {
            assert!(Dg11::parse(garbage).is_err());
        }
    }

    #[test]
    fn dg11_short_ascii_date_is_not_read_as_bcd() {
        assert_eq!(digits(b"19"), "19");
        assert_eq!(digits(b"1974"), "1974");
        // A one-byte BCD value, written back as ASCII digits, parses to the same digits.
        let bcd = tlv::to_vec(
            TAG,
            &[tlv::to_vec(TAG_LIST, &[0x5F, 0x2B]), tlv::to_vec(FULL_DATE_OF_BIRTH, &[0x19])].concat(),
        );
        let dg = Dg11::parse(&bcd).unwrap();
        assert_eq!(dg.full_date_of_birth.as_deref(), Some("19"));
        assert_eq!(Dg11::parse(&dg.to_bytes()).unwrap(), dg);
    }

    #[test]
    fn dates_are_read_as_ascii_or_bcd() {
        assert_eq!(digits(b"19850314"), "19850314");
        assert_eq!(digits(&[0x19, 0x85, 0x03, 0x14]), "19850314");
        assert_eq!(digits(&[0x20, 0x24, 0x01, 0x31, 0x12, 0x30, 0x59]), "20240131123059");
    }
}
