//! DG12, additional document details (ICAO 9303-10 §4.7.12).
//!
//! ```text
//! 6C L
//!    5C   L  tag list: the tags of the fields present (5F1A stands for the A0 group)
//!    5F19 L  issuing authority        5F26 L  date of issue YYYYMMDD
//!    A0   L  other persons: 02 01 count, then 5F1A L name, repeated
//!    5F1B L  endorsements and observations
//!    5F1C L  tax or exit requirements
//!    5F1D L  image of the front of the document   5F1E L  image of the rear
//!    5F55 L  date and time of personalisation YYYYMMDDhhmmss
//!    5F56 L  serial number of the personalisation system
//! ```
//!
//! Tags this parser does not know are skipped; a structure that does not parse is an error. The names of other
//! persons, the endorsements and the images are personal data: `Debug` shows the issuing authority and the date of
//! issue, and only names the other fields present.

use crate::error::{Error, LdsError, TlvError};
use crate::lds::com::{TAG_LIST, file_content, parse_tag_list};
use crate::lds::dg11::{GROUP, digits, encode_with_tag_list, parse_group, text};
use crate::tlv::{Tag, TlvIter};

const FILE: &str = "DG12";
const TAG: Tag = Tag(0x6C);
const ISSUING_AUTHORITY: Tag = Tag(0x5F19);
const DATE_OF_ISSUE: Tag = Tag(0x5F26);
const OTHER_PERSON: Tag = Tag(0x5F1A);
const ENDORSEMENTS: Tag = Tag(0x5F1B);
const TAX_EXIT: Tag = Tag(0x5F1C);
const IMAGE_FRONT: Tag = Tag(0x5F1D);
const IMAGE_REAR: Tag = Tag(0x5F1E);
const PERSONALISATION_TIME: Tag = Tag(0x5F55);
const PERSONALISATION_SERIAL: Tag = Tag(0x5F56);

/// The content of DG12. Every field is optional.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dg12 {
    /// Issuing authority.
    pub issuing_authority: Option<String>,
    /// Date of issue, `YYYYMMDD` (chips that store it as four BCD bytes are read as the same digits).
    pub date_of_issue: Option<String>,
    /// Names of other persons recorded in the document (children on a parent's passport), each as stored.
    pub other_persons: Vec<String>,
    /// Endorsements and observations.
    pub endorsements: Option<String>,
    /// Tax or exit requirements.
    pub tax_exit_requirements: Option<String>,
    /// Image of the front of the document (ISO/IEC 10918, JPEG).
    pub image_front: Option<Vec<u8>>,
    /// Image of the rear of the document.
    pub image_rear: Option<Vec<u8>>,
    /// Date and time of personalisation, `YYYYMMDDhhmmss`.
    pub personalisation_time: Option<String>,
    /// Serial number of the personalisation system.
    pub personalisation_device: Option<String>,
}

impl std::fmt::Debug for Dg12 {
    // Names, endorsements and images are personal data: name them, do not show them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dg12")
            .field("issuing_authority", &self.issuing_authority)
            .field("date_of_issue", &self.date_of_issue)
            .field("present", &self.present())
            .finish_non_exhaustive()
    }
}

impl Dg12 {
    /// Parses DG12.
    ///
    /// # Errors
    /// [`LdsError::WrongFileTag`] when the file does not start with tag `6C`, [`LdsError::Tlv`] for a malformed
    /// structure, trailing bytes or a missing tag list, [`LdsError::Invalid`] for a malformed group of other persons.
    pub fn parse(bytes: &[u8]) -> Result<Dg12, Error> {
        let content = file_content(bytes, FILE, TAG)?;
        let tlv_err = |source| LdsError::Tlv { file: FILE, source };
        let mut dg = Dg12::default();
        let mut tag_list = false;
        for item in TlvIter::new(content) {
            let item = item.map_err(tlv_err)?;
            let v = item.value;
            match item.tag {
                TAG_LIST => {
                    parse_tag_list(v).map_err(tlv_err)?;
                    tag_list = true;
                }
                ISSUING_AUTHORITY => dg.issuing_authority = Some(text(v)),
                DATE_OF_ISSUE => dg.date_of_issue = Some(digits(v)),
                GROUP => dg.other_persons.extend(parse_group(v, OTHER_PERSON, FILE)?),
                // Early documents put the names at the top level, outside their group.
                OTHER_PERSON => dg.other_persons.push(text(v)),
                ENDORSEMENTS => dg.endorsements = Some(text(v)),
                TAX_EXIT => dg.tax_exit_requirements = Some(text(v)),
                IMAGE_FRONT => dg.image_front = Some(v.to_vec()),
                IMAGE_REAR => dg.image_rear = Some(v.to_vec()),
                PERSONALISATION_TIME => dg.personalisation_time = Some(digits(v)),
                PERSONALISATION_SERIAL => dg.personalisation_device = Some(text(v)),
                _ => {}
            }
        }
        if !tag_list {
            return Err(tlv_err(TlvError::Missing(TAG_LIST)).into());
        }
        Ok(dg)
    }

    /// Encodes DG12: the tag list, then the fields present in the order of 9303-10 §4.7.12.
    pub fn to_bytes(&self) -> Vec<u8> {
        let fields: [(Tag, Option<&[u8]>); 8] = [
            (ISSUING_AUTHORITY, self.issuing_authority.as_deref().map(str::as_bytes)),
            (DATE_OF_ISSUE, self.date_of_issue.as_deref().map(str::as_bytes)),
            (ENDORSEMENTS, self.endorsements.as_deref().map(str::as_bytes)),
            (TAX_EXIT, self.tax_exit_requirements.as_deref().map(str::as_bytes)),
            (IMAGE_FRONT, self.image_front.as_deref()),
            (IMAGE_REAR, self.image_rear.as_deref()),
            (PERSONALISATION_TIME, self.personalisation_time.as_deref().map(str::as_bytes)),
            (PERSONALISATION_SERIAL, self.personalisation_device.as_deref().map(str::as_bytes)),
        ];
        // The other persons follow the date of issue.
        encode_with_tag_list(TAG, &fields, Some((1, OTHER_PERSON, &self.other_persons)))
    }

    /// The names of the fields present.
    pub fn present(&self) -> Vec<&'static str> {
        let fields = [
            ("issuing_authority", self.issuing_authority.is_some()),
            ("date_of_issue", self.date_of_issue.is_some()),
            ("other_persons", !self.other_persons.is_empty()),
            ("endorsements", self.endorsements.is_some()),
            ("tax_exit_requirements", self.tax_exit_requirements.is_some()),
            ("image_front", self.image_front.is_some()),
            ("image_rear", self.image_rear.is_some()),
            ("personalisation_time", self.personalisation_time.is_some()),
            ("personalisation_device", self.personalisation_device.is_some()),
        ];
        fields.into_iter().filter(|f| f.1).map(|f| f.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dg12 {
        Dg12 {
            issuing_authority: Some("KANTOR IMIGRASI JAKARTA SELATAN".into()),
            date_of_issue: Some("20230501".into()),
            other_persons: vec!["SETIAWAN<<SITI".into()],
            endorsements: Some("NONE".into()),
            tax_exit_requirements: Some("FISKAL".into()),
            image_front: Some(vec![0xFF, 0xD8, 0x00, 0xFF, 0xD9]),
            image_rear: Some(vec![0xFF, 0xD8, 0x01, 0xFF, 0xD9]),
            personalisation_time: Some("20230501093000".into()),
            personalisation_device: Some("PERSO-0042".into()),
        }
    }

    #[test]
    fn round_trips_every_field() {
        let dg = sample();
        let bytes = dg.to_bytes();
        assert_eq!(bytes[0], 0x6C);
        assert_eq!(Dg12::parse(&bytes).unwrap(), dg);
        let one = Dg12 { issuing_authority: Some("X".into()), ..Dg12::default() };
        assert_eq!(one.to_bytes(), hex::decode("6C085C025F195F190158").unwrap());
        assert_eq!(Dg12::parse(&one.to_bytes()).unwrap(), one);
    }

    #[test]
    fn reads_the_9303_10_layout() {
        // Built by hand from the structure of 9303-10 §4.7.12: tag list 5F19 5F26 5F1A 5F55, issuing authority,
        // BCD date of issue, the group of other persons, BCD date and time of personalisation, an unknown 5F7F.
        let bytes = hex::decode(concat!(
            "6C30",
            "5C085F195F265F1A5F55",
            "5F190355544F",
            "5F260420230501",
            "A0090201015F1A03414E4E",
            "5F550720230501093000",
            "5F7F0100",
        ))
        .unwrap();
        let dg = Dg12::parse(&bytes).unwrap();
        assert_eq!(dg.issuing_authority.as_deref(), Some("UTO"));
        assert_eq!(dg.date_of_issue.as_deref(), Some("20230501"));
        assert_eq!(dg.other_persons, vec!["ANN".to_owned()]);
        assert_eq!(dg.personalisation_time.as_deref(), Some("20230501093000"));
        let debug = format!("{dg:?}");
        assert!(debug.contains("UTO") && debug.contains("other_persons") && !debug.contains("ANN\""), "{debug}");
    }

    #[test]
    fn refuses_malformed_files() {
        let good = sample().to_bytes();
        for cut in 0..good.len() {
            assert!(Dg12::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0x00);
        assert!(Dg12::parse(&trailing).is_err());
        assert!(matches!(
            Dg12::parse(&hex::decode("6C045F190158").unwrap()),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::Missing(TAG_LIST), .. }))
        ));
        // A group without its count.
        assert!(matches!(
            Dg12::parse(&hex::decode("6C0C5C025F1AA0045F1A01415C00").unwrap()),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::Missing(Tag(0x02)), .. }))
        ));
        // A count of two bytes.
        assert!(matches!(
            Dg12::parse(&hex::decode("6C0A5C025F1AA00402020001").unwrap()),
            Err(Error::Lds(LdsError::Invalid { .. }))
        ));
        assert!(matches!(
            Dg12::parse(&hex::decode("6B025C00").unwrap()),
            Err(Error::Lds(LdsError::WrongFileTag { .. }))
        ));
        for garbage in [&[][..], &[0x6C], &[0x6C, 0x85, 1, 1, 1, 1, 1], &[0x00; 4], &[0x6C, 0x02, 0xA0, 0x05]] {
            assert!(Dg12::parse(garbage).is_err());
        }
    }
}
