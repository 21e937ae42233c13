//! EF.COM (ICAO 9303-10 §4.6.1): the LDS and Unicode versions and the list of data groups present, and the two
//! pieces the other LDS files share with it: opening a file's outer tag, and the tag list (`5C`, 9303-10 §4.6.1,
//! §4.7.11, §4.7.12).
//!
//! ```text
//! 60 L
//!    5F01 04 "0107"     LDS version aabb
//!    5F36 06 "040000"   Unicode version aabbcc
//!    5C   L  61 75 ...  tags of the data groups present
//! ```
//!
//! EF.COM is not covered by the document security object, so the gate uses it as a hint of what to read, never as
//! evidence.

use crate::error::{Error, LdsError, TlvError};
use crate::lds::FileId;
use crate::tlv::{self, Tag, Tlv, TlvIter};

const FILE: &str = "EF.COM";
const TAG: Tag = Tag(0x60);
const LDS_VERSION: Tag = Tag(0x5F01);
const UNICODE_VERSION: Tag = Tag(0x5F36);
/// The tag list of EF.COM, DG11 and DG12.
pub(crate) const TAG_LIST: Tag = Tag(0x5C);

/// The content of EF.COM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Com {
    /// LDS version as (major, minor): `0107` is (1, 7). Absent in some early documents.
    pub lds_version: Option<(u8, u8)>,
    /// Unicode version as (major, minor, release): `040000` is (4, 0, 0). Absent in some early documents.
    pub unicode_version: Option<(u8, u8, u8)>,
    /// The data groups present, in the order listed; tags that name no data group are left out.
    pub data_groups: Vec<FileId>,
}

impl Com {
    /// Parses EF.COM.
    ///
    /// # Errors
    /// [`LdsError::WrongFileTag`] when the file does not start with tag `60`, [`LdsError::Tlv`] for a malformed
    /// structure, trailing bytes or a missing tag list, [`LdsError::Invalid`] for a version that is not all digits.
    pub fn parse(bytes: &[u8]) -> Result<Com, Error> {
        let content = file_content(bytes, FILE, TAG)?;
        let mut com = Com { lds_version: None, unicode_version: None, data_groups: Vec::new() };
        let mut tag_list = None;
        for item in TlvIter::new(content) {
            let item = item.map_err(|source| LdsError::Tlv { file: FILE, source })?;
            match item.tag {
                LDS_VERSION => {
                    let [a, b] = digit_pairs(item.value).ok_or(invalid("LDS version is not four digits"))?;
                    com.lds_version = Some((a, b));
                }
                UNICODE_VERSION => {
                    let [a, b, c] = digit_pairs(item.value).ok_or(invalid("Unicode version is not six digits"))?;
                    com.unicode_version = Some((a, b, c));
                }
                TAG_LIST => tag_list = Some(item.value),
                // Later LDS versions may add objects; what we do not know we do not need.
                _ => {}
            }
        }
        let tag_list = tag_list.ok_or(LdsError::Tlv { file: FILE, source: TlvError::Missing(TAG_LIST) })?;
        com.data_groups = parse_tag_list(tag_list)
            .map_err(|source| LdsError::Tlv { file: FILE, source })?
            .into_iter()
            .filter_map(|t| FileId::from_tag(t.0))
            .collect();
        Ok(com)
    }

    /// Encodes EF.COM: versions first when present, then the tag list.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut content = Vec::new();
        if let Some((a, b)) = self.lds_version {
            tlv::encode(LDS_VERSION, format!("{a:02}{b:02}").as_bytes(), &mut content);
        }
        if let Some((a, b, c)) = self.unicode_version {
            tlv::encode(UNICODE_VERSION, format!("{a:02}{b:02}{c:02}").as_bytes(), &mut content);
        }
        let tags: Vec<Tag> = self.data_groups.iter().filter_map(|f| f.tag().map(Tag)).collect();
        tlv::encode(TAG_LIST, &encode_tag_list(&tags), &mut content);
        tlv::to_vec(TAG, &content)
    }

    /// True when EF.COM lists `file`.
    pub fn lists(&self, file: FileId) -> bool {
        self.data_groups.contains(&file)
    }
}

fn invalid(what: &'static str) -> LdsError {
    LdsError::Invalid { file: FILE, what }
}

/// `N` numbers of two ASCII digits each.
fn digit_pairs<const N: usize>(value: &[u8]) -> Option<[u8; N]> {
    if value.len() != 2 * N || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut out = [0u8; N];
    for (slot, pair) in out.iter_mut().zip(value.chunks_exact(2)) {
        *slot = pair.iter().fold(0, |acc, d| acc * 10 + (d - b'0'));
    }
    Some(out)
}

/// The value of a file that is one TLV with the tag `tag`, refusing another tag and trailing bytes.
pub(crate) fn file_content<'a>(bytes: &'a [u8], file: &'static str, tag: Tag) -> Result<&'a [u8], Error> {
    let (outer, rest) = Tlv::parse(bytes).map_err(|source| LdsError::Tlv { file, source })?;
    if outer.tag != tag {
        return Err(LdsError::WrongFileTag { file, expected: tag, found: outer.tag }.into());
    }
    if !rest.is_empty() {
        return Err(LdsError::Tlv { file, source: TlvError::TrailingBytes { count: rest.len() } }.into());
    }
    Ok(outer.value)
}

/// The tags of a tag list: tags back to back without lengths, each one to three bytes as in BER.
pub(crate) fn parse_tag_list(mut list: &[u8]) -> Result<Vec<Tag>, TlvError> {
    let mut tags = Vec::new();
    while let Some((&first, rest)) = list.split_first() {
        let mut value = u32::from(first);
        list = rest;
        if first == 0x00 || first == 0xFF {
            return Err(TlvError::InvalidTag { byte: first });
        }
        if first & 0x1F == 0x1F {
            // Subsequent bytes continue while bit 8 is set (ISO/IEC 8825-1 §8.1.2.4).
            let mut more = 0;
            loop {
                let (&b, rest) =
                    list.split_first().ok_or(TlvError::Truncated { needed: more + 2, available: more + 1 })?;
                list = rest;
                more += 1;
                if more > 2 {
                    return Err(TlvError::TagTooLong);
                }
                value = (value << 8) | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        tags.push(Tag(value));
    }
    Ok(tags)
}

/// The bytes of a tag list.
pub(crate) fn encode_tag_list(tags: &[Tag]) -> Vec<u8> {
    tags.iter().flat_map(|t| t.to_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A file of the shared test data, or `None` (with a message) where that folder is not present.
    fn testdata(rel: &str) -> Option<Vec<u8>> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao").join(rel);
        if !path.exists() {
            println!("skipped: {} is absent", path.display());
            return None;
        }
        Some(std::fs::read(path).unwrap())
    }

    #[test]
    fn parses_and_round_trips_9303_11_app_d4() {
        // EF.COM of 9303-11 App. D.4 (testdata/icao/vectors/icao9303_p11_appD_bac_sm3des.json, EF_COM_plain).
        let bytes = hex::decode("60145F0104303130365F36063034303030305C026175").unwrap();
        let com = Com::parse(&bytes).unwrap();
        assert_eq!(com.lds_version, Some((1, 6)));
        assert_eq!(com.unicode_version, Some((4, 0, 0)));
        assert_eq!(com.data_groups, vec![FileId::Dg(1), FileId::Dg(2)]);
        assert!(com.lists(FileId::Dg(2)) && !com.lists(FileId::Dg(15)));
        assert_eq!(com.to_bytes(), bytes);
    }

    #[test]
    fn parses_and_round_trips_specimens() {
        // BSI 2008 specimen (testdata/icao/data/jmrtd/lds/bsi2008/EF_COM.bin): DG1, DG2, DG3, DG14.
        if let Some(bytes) = testdata("data/jmrtd/lds/bsi2008/EF_COM.bin") {
            let com = Com::parse(&bytes).unwrap();
            assert_eq!(com.lds_version, Some((1, 7)));
            assert_eq!(com.unicode_version, Some((4, 0, 0)));
            assert_eq!(com.data_groups, vec![FileId::Dg(1), FileId::Dg(2), FileId::Dg(3), FileId::Dg(14)]);
            assert_eq!(com.to_bytes(), bytes);
        }
        // Dutch 2006 specimen (testdata/icao/data/jmrtd/lds/loes2006/ef011E.bin): DG1, DG2, DG15.
        if let Some(bytes) = testdata("data/jmrtd/lds/loes2006/ef011E.bin") {
            let com = Com::parse(&bytes).unwrap();
            assert_eq!(com.lds_version, Some((1, 7)));
            assert_eq!(com.data_groups, vec![FileId::Dg(1), FileId::Dg(2), FileId::Dg(15)]);
            assert_eq!(com.to_bytes(), bytes);
        }
    }

    #[test]
    fn refuses_malformed_files() {
        let good = hex::decode("60145F0104303130365F36063034303030305C026175").unwrap();
        for cut in 0..good.len() {
            assert!(Com::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            Com::parse(&trailing),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::TrailingBytes { count: 1 }, .. }))
        ));
        assert!(matches!(
            Com::parse(&hex::decode("61025C00").unwrap()),
            Err(Error::Lds(LdsError::WrongFileTag { found: Tag(0x61), .. }))
        ));
        assert!(matches!(
            Com::parse(&hex::decode("60075F010430313036").unwrap()),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::Missing(Tag(0x5C)), .. }))
        ));
        assert!(matches!(
            Com::parse(&hex::decode("600B5F0104303130415C026175").unwrap()),
            Err(Error::Lds(LdsError::Invalid { .. }))
        ));
        // A value running past its parent.
        assert!(Com::parse(&hex::decode("60045C056175").unwrap()).is_err());
        // A tag list ending inside a two-byte tag.
        assert!(Com::parse(&hex::decode("60035C015F").unwrap()).is_err());
        for garbage in [&[][..], &[0xFF; 8], &[0x60, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], &[0x60, 0x80, 0x00, 0x00]] {
            assert!(Com::parse(garbage).is_err());
        }
    }

    #[test]
    fn tag_lists_take_multi_byte_tags() {
        let tags = parse_tag_list(&[0x5F, 0x0E, 0x5F, 0x0F, 0x61]).unwrap();
        assert_eq!(tags, vec![Tag(0x5F0E), Tag(0x5F0F), Tag(0x61)]);
        assert_eq!(encode_tag_list(&tags), vec![0x5F, 0x0E, 0x5F, 0x0F, 0x61]);
        assert_eq!(parse_tag_list(&[0x5F, 0x81, 0x81, 0x01]), Err(TlvError::TagTooLong));
        assert!(parse_tag_list(&[0x5F]).is_err());
        assert!(parse_tag_list(&[0x00]).is_err());
    }
}
