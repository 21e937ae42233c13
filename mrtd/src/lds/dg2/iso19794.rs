//! ISO/IEC 19794-5:2005 face records (§5.4 to §5.8), the binary format of DG2 before ISO/IEC 39794-5:
//!
//! ```text
//! record header      "FAC\0"  "010\0"  record length (4)  number of faces (2)
//! per face:
//!   facial information  block length (4)  feature points (2)  gender  eye colour  hair colour
//!                       feature mask (3)  expression (2)  pose angles (3)  pose uncertainty (3)
//!   feature points      8 bytes each: type, major<<4 | minor, x (2), y (2), reserved (2)
//!   image information   face image type, image data type (0 JPEG, 1 JPEG 2000), width (2), height (2),
//!                       colour space, source type, device type (2), quality (2)
//!   image data          the rest of the block
//! ```
//!
//! All numbers are big-endian.

use zeroize::Zeroizing;

use super::{
    BiometricHeader, ColourSpace, Container, FaceImage, ImageFormat, Landmark, LandmarkKind, SourceType, invalid,
};
use crate::error::Error;
use crate::tlv;

pub(super) const FORMAT_ID: &[u8] = b"FAC\0";
/// The 2005 edition, the one ICAO 9303 specifies; the 2011 edition (`030\0`) lays faces out differently.
const VERSION: &[u8] = b"010\0";
const RECORD_HEADER_LEN: usize = 14;
const FACIAL_INFORMATION_LEN: usize = 20;
const IMAGE_INFORMATION_LEN: usize = 12;
/// Feature type of a 2D MPEG-4 feature point (§5.6.1).
const FEATURE_TYPE_MPEG4: u8 = 1;
/// Face image type "full frontal" (§5.7.1).
const FULL_FRONTAL: u8 = 1;

/// A cursor over the record that fails instead of reading past its end.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let (taken, rest) = self.rest.split_at_checked(n).ok_or_else(cut_short)?;
        self.rest = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        self.take(N)?.try_into().map_err(|_| cut_short())
    }

    fn u16(&mut self) -> Result<u16, Error> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, Error> {
        self.array().map(u32::from_be_bytes)
    }
}

pub(super) fn parse(block: &[u8], header: &BiometricHeader) -> Result<Vec<FaceImage>, Error> {
    let mut record = Reader { rest: block };
    if record.take(FORMAT_ID.len())? != FORMAT_ID {
        return Err(invalid("ISO/IEC 19794-5 record does not start with FAC"));
    }
    if record.take(VERSION.len())? != VERSION {
        return Err(invalid("ISO/IEC 19794-5 record of a version other than 010 (2005)"));
    }
    // Not checked against the block: some issuers write a length 8 bytes short of it (seen on New Zealand
    // passports), and the face blocks' own lengths, which are checked, are what parsing relies on.
    let _record_length = record.u32()?;
    let count = record.u16()?;
    if count == 0 {
        return Err(invalid("ISO/IEC 19794-5 record with no face"));
    }
    let mut faces = Vec::new();
    for _ in 0..count {
        faces.push(parse_face(&mut record, header)?);
    }
    if !record.rest.is_empty() {
        return Err(invalid("bytes after the last face of an ISO/IEC 19794-5 record"));
    }
    Ok(faces)
}

fn parse_face(record: &mut Reader<'_>, header: &BiometricHeader) -> Result<FaceImage, Error> {
    let length = usize::try_from(record.u32()?).map_err(|_| cut_short())?;
    let body_length =
        length.checked_sub(4).ok_or_else(|| invalid("ISO/IEC 19794-5 face block shorter than its header"))?;
    let mut body = Reader { rest: record.take(body_length)? };

    let points = body.u16()?;
    // Gender, eye and hair colour, feature mask, expression and pose: personal details the gate has no use for, so
    // they are not kept.
    body.take(FACIAL_INFORMATION_LEN - 6)?;

    let mut landmarks = Vec::new();
    for _ in 0..points {
        let [feature_type, point] = body.array()?;
        let x = body.u16()?;
        let y = body.u16()?;
        let _reserved = body.take(2)?;
        let kind = if feature_type == FEATURE_TYPE_MPEG4 {
            LandmarkKind::Mpeg4 { major: point >> 4, minor: point & 0x0F }
        } else {
            LandmarkKind::Other
        };
        landmarks.push(Landmark { kind, x, y });
    }

    let [_face_image_type, data_type] = body.array()?;
    let width = body.u16()?;
    let height = body.u16()?;
    let [colour_space, source_type] = body.array()?;
    let _device_type_and_quality = body.take(4)?;

    Ok(FaceImage {
        container: Container::Iso19794_5,
        header: header.clone(),
        image_format: match data_type {
            0 => ImageFormat::Jpeg,
            1 => ImageFormat::Jpeg2000,
            _ => ImageFormat::Other,
        },
        width: Some(width),
        height: Some(height),
        colour_space: match colour_space {
            0 => None,
            1 => Some(ColourSpace::Rgb24),
            2 => Some(ColourSpace::Yuv422),
            3 => Some(ColourSpace::Greyscale8),
            4 => Some(ColourSpace::Other),
            code => Some(ColourSpace::Reserved(u32::from(code))),
        },
        source_type: match source_type {
            // 0 is "unspecified" and 7 "unknown": neither says anything.
            0 | 7 => None,
            1 => Some(SourceType::PhotoUnknownSource),
            2 => Some(SourceType::PhotoDigitalCamera),
            3 => Some(SourceType::PhotoScanner),
            4 => Some(SourceType::VideoFrameUnknownSource),
            5 => Some(SourceType::VideoFrameAnalogueCamera),
            6 => Some(SourceType::VideoFrameDigitalCamera),
            code => Some(SourceType::Reserved(u32::from(code))),
        },
        landmarks,
        image: Zeroizing::new(body.rest.to_vec()),
    })
}

/// One record with one full-frontal face, no feature points, every optional detail unspecified.
pub(super) fn encode(image: &[u8], format: ImageFormat, width: u16, height: u16) -> Result<Vec<u8>, Error> {
    let data_type: u8 = match format {
        ImageFormat::Jpeg => 0,
        ImageFormat::Jpeg2000 => 1,
        ImageFormat::Png | ImageFormat::Other => {
            return Err(invalid("ISO/IEC 19794-5:2005 carries only JPEG and JPEG 2000 images"));
        }
    };
    let face_length = FACIAL_INFORMATION_LEN + IMAGE_INFORMATION_LEN + image.len();
    let record_length = RECORD_HEADER_LEN + face_length;
    let too_large = || invalid("image too large for a DG2");
    if record_length > tlv::MAX_LENGTH {
        return Err(too_large());
    }
    let face_length_field = u32::try_from(face_length).map_err(|_| too_large())?;
    let record_length_field = u32::try_from(record_length).map_err(|_| too_large())?;

    let mut out = Vec::with_capacity(record_length);
    out.extend_from_slice(FORMAT_ID);
    out.extend_from_slice(VERSION);
    out.extend_from_slice(&record_length_field.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&face_length_field.to_be_bytes());
    // No feature points; gender, eye colour, hair colour, feature mask, expression, pose and its uncertainty all
    // "unspecified" (zero).
    out.extend_from_slice(&[0; FACIAL_INFORMATION_LEN - 4]);
    out.extend_from_slice(&[FULL_FRONTAL, data_type]);
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    // Colour space, source type, device type and quality unspecified.
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(image);
    Ok(out)
}

fn cut_short() -> Error {
    invalid("ISO/IEC 19794-5 face record cut short")
}
