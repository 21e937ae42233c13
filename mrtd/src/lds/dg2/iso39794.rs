//! ISO/IEC 39794-5 face image data blocks (ASN.1 module `ISO-IEC-39794-5-ed-1-v1`, DER, IMPLICIT TAGS) as the ICAO
//! application profile for eMRTDs puts them in DG2 (profile Table 2: `7F2E { A1 { FaceImageDataBlock } }`).
//!
//! ```text
//! FaceImageDataBlock ::= [APPLICATION 5] SEQUENCE {
//!     versionBlock [0] VersionBlock, representationBlocks [1] RepresentationBlocks, ... }
//! RepresentationBlock ::= SEQUENCE {
//!     representationId [0] INTEGER, imageRepresentation [1] ImageRepresentation, ...,
//!     landmarkBlocks [9] LandmarkBlocks OPTIONAL, ... }
//! ImageRepresentation ::= CHOICE { base [0] CHOICE { imageRepresentation2DBlock [0] ImageRepresentation2DBlock }, ... }
//! ImageRepresentation2DBlock ::= SEQUENCE {
//!     representationData2D [0] OCTET STRING, imageInformation2DBlock [1] ImageInformation2DBlock,
//!     captureDevice2DBlock [2] CaptureDevice2DBlock OPTIONAL, ... }
//! ImageInformation2DBlock ::= SEQUENCE {
//!     imageDataFormat [0] ImageDataFormat, ..., imageSizeBlock [7] ImageSizeBlock OPTIONAL, ...,
//!     imageColourSpace [9] ImageColourSpace OPTIONAL, ... }
//! ```
//!
//! A tagged CHOICE is always explicitly tagged, so each CHOICE adds a constructed layer (`A0`, `A1`). The base
//! standard codes an enumerated field as `CHOICE { code [0], extensionBlock [1] }`, the ICAO profile as
//! `CHOICE { extensionBlock [1] { fallback [0] } }`: both are read. Components this parser has no use for are
//! skipped, as the extension markers (`...`) require.

use zeroize::Zeroizing;

use super::{
    BiometricHeader, ColourSpace, Container, FaceImage, ImageFormat, Landmark, LandmarkKind, SourceType, invalid,
    tlv_error,
};
use crate::error::{Error, TlvError};
use crate::tlv::{self, Tag, Tlv, TlvIter};

/// `A1`, the profile's wrapper around the face image data block inside `7F2E`.
pub(super) const PROFILE_WRAPPER: u8 = 0xA1;
/// `65`, `[APPLICATION 5]`: the face image data block.
pub(super) const FACE_IMAGE_DATA_BLOCK: u8 = 0x65;
const SEQUENCE: Tag = Tag(0x30);
/// Version block written by the encoder: generation 3, year 2019, as in the profile's samples.
const VERSION_GENERATION: u16 = 3;
const VERSION_YEAR: u16 = 2019;
/// `ImageDataFormatCode` values.
const FORMAT_JPEG: u32 = 2;
const FORMAT_JPEG2000_LOSSY: u32 = 3;
const FORMAT_JPEG2000_LOSSLESS: u32 = 4;

/// The components of a SEQUENCE whose components are context-tagged `[0]` to `[15]`, by tag number. Every
/// component is parsed, so that a malformed one is an error even when unused; repeated tags are refused.
struct Fields<'a> {
    slots: [Option<&'a [u8]>; 16],
}

impl<'a> Fields<'a> {
    fn parse(value: &'a [u8]) -> Result<Self, Error> {
        let mut slots = [None; 16];
        for item in TlvIter::new(value) {
            let item = item.map_err(tlv_error)?;
            // Context-specific class, low tag number; anything else is an extension this parser does not know.
            let Ok(byte) = u8::try_from(item.tag.0) else { continue };
            if byte & 0xC0 != 0x80 {
                continue;
            }
            let Some(slot) = slots.get_mut(usize::from(byte & 0x1F)) else { continue };
            if slot.replace(item.value).is_some() {
                return Err(invalid("ISO/IEC 39794-5 component repeated"));
            }
        }
        Ok(Fields { slots })
    }

    fn get(&self, number: usize) -> Option<&'a [u8]> {
        self.slots.get(number).copied().flatten()
    }

    fn required(&self, number: usize, what: &'static str) -> Result<&'a [u8], Error> {
        self.get(number).ok_or_else(|| invalid(what))
    }
}

pub(super) fn parse(block: &[u8], header: &BiometricHeader) -> Result<Vec<FaceImage>, Error> {
    let (outer, rest) = Tlv::parse(block).map_err(tlv_error)?;
    if !rest.is_empty() {
        return Err(tlv_error(TlvError::TrailingBytes { count: rest.len() }));
    }
    let data_block = if outer.tag == Tag(PROFILE_WRAPPER.into()) {
        Tlv::parse_exact(outer.value, Tag(FACE_IMAGE_DATA_BLOCK.into())).map_err(tlv_error)?
    } else if outer.tag == Tag(FACE_IMAGE_DATA_BLOCK.into()) {
        outer.value
    } else {
        return Err(invalid("ISO/IEC 39794-5 record without a face image data block"));
    };

    let fields = Fields::parse(data_block)?;
    fields.required(0, "ISO/IEC 39794-5 face image data block without a version block")?;
    let representations = fields.required(1, "ISO/IEC 39794-5 face image data block without representations")?;
    let mut faces = Vec::new();
    for item in TlvIter::new(representations) {
        let item = item.map_err(tlv_error)?;
        if item.tag != SEQUENCE {
            return Err(invalid("ISO/IEC 39794-5 representation block is not a SEQUENCE"));
        }
        faces.push(parse_representation(item.value, header)?);
    }
    if faces.is_empty() {
        return Err(invalid("ISO/IEC 39794-5 face image data block without representations"));
    }
    Ok(faces)
}

fn parse_representation(value: &[u8], header: &BiometricHeader) -> Result<FaceImage, Error> {
    let fields = Fields::parse(value)?;
    let representation = fields.required(1, "ISO/IEC 39794-5 representation without an image representation")?;
    let base = Fields::parse(representation)?
        .get(0)
        .ok_or_else(|| invalid("ISO/IEC 39794-5 image representation is not a 2D image"))?;
    let block_2d =
        Fields::parse(base)?.get(0).ok_or_else(|| invalid("ISO/IEC 39794-5 image representation is not a 2D image"))?;
    let block_2d = Fields::parse(block_2d)?;
    let image = block_2d.required(0, "ISO/IEC 39794-5 2D representation without image data")?;
    let information =
        Fields::parse(block_2d.required(1, "ISO/IEC 39794-5 2D representation without image information")?)?;

    let format = information.required(0, "ISO/IEC 39794-5 image information without an image data format")?;
    let image_format = match choice_code(format)? {
        Some(FORMAT_JPEG) => ImageFormat::Jpeg,
        Some(FORMAT_JPEG2000_LOSSY | FORMAT_JPEG2000_LOSSLESS) => ImageFormat::Jpeg2000,
        _ => ImageFormat::Other,
    };
    let (width, height) = match information.get(7) {
        Some(size) => {
            let size = Fields::parse(size)?;
            let width = integer(size.required(0, "ISO/IEC 39794-5 image size without a width")?)?;
            let height = integer(size.required(1, "ISO/IEC 39794-5 image size without a height")?)?;
            (Some(width), Some(height))
        }
        None => (None, None),
    };
    let colour_space = match information.get(9) {
        Some(choice) => colour_space(choice_code(choice)?),
        None => None,
    };
    let source_type = match block_2d.get(2) {
        Some(device) => match Fields::parse(device)?.get(1) {
            Some(choice) => source_type(choice_code(choice)?),
            None => None,
        },
        None => None,
    };
    let landmarks = match fields.get(9) {
        Some(blocks) => parse_landmarks(blocks)?,
        None => Vec::new(),
    };

    Ok(FaceImage {
        container: Container::Iso39794_5,
        header: header.clone(),
        image_format,
        width,
        height,
        colour_space,
        source_type,
        landmarks,
        image: Zeroizing::new(image.to_vec()),
    })
}

fn colour_space(code: Option<u32>) -> Option<ColourSpace> {
    Some(match code? {
        0 => return None,
        1 => ColourSpace::Other,
        2 => ColourSpace::Rgb24,
        3 => ColourSpace::Rgb48,
        4 => ColourSpace::Yuv422,
        5 => ColourSpace::Greyscale8,
        6 => ColourSpace::Greyscale16,
        code => ColourSpace::Reserved(code),
    })
}

fn source_type(code: Option<u32>) -> Option<SourceType> {
    Some(match code? {
        0 => return None,
        1 => SourceType::PhotoUnknownSource,
        2 => SourceType::PhotoDigitalCamera,
        3 => SourceType::PhotoScanner,
        4 => SourceType::VideoFrameUnknownSource,
        5 => SourceType::VideoFrameAnalogueCamera,
        6 => SourceType::VideoFrameDigitalCamera,
        code => SourceType::Reserved(code),
    })
}

/// `LandmarkBlocks ::= SEQUENCE OF SEQUENCE { landmarkKind [0] LandmarkKind, landmarkCoordinates [1] ... OPTIONAL }`.
/// Landmarks without coordinates, or with texture-image coordinates only, are left out.
fn parse_landmarks(blocks: &[u8]) -> Result<Vec<Landmark>, Error> {
    let mut landmarks = Vec::new();
    for item in TlvIter::new(blocks) {
        let item = item.map_err(tlv_error)?;
        if item.tag != SEQUENCE {
            return Err(invalid("ISO/IEC 39794-5 landmark block is not a SEQUENCE"));
        }
        let fields = Fields::parse(item.value)?;
        let kind = landmark_kind(fields.required(0, "ISO/IEC 39794-5 landmark without a kind")?)?;
        // LandmarkCoordinates ::= CHOICE { base [0] CHOICE { coordinateCartesian2DBlock [0],
        //     coordinateTextureImageBlock [1], coordinateCartesian3DBlock [2] }, extensionBlock [1] }
        let Some(coordinates) = fields.get(1) else { continue };
        let Some(base) = Fields::parse(coordinates)?.get(0) else { continue };
        let base = Fields::parse(base)?;
        let Some(cartesian) = base.get(0).or(base.get(2)) else { continue };
        let point = Fields::parse(cartesian)?;
        let x = integer(point.required(0, "ISO/IEC 39794-5 landmark without x")?)?;
        let y = integer(point.required(1, "ISO/IEC 39794-5 landmark without y")?)?;
        landmarks.push(Landmark { kind, x, y });
    }
    Ok(landmarks)
}

/// ```text
/// LandmarkKind ::= CHOICE { base [0] LandmarkKindBase, extensionBlock [1] ... }
/// LandmarkKindBase ::= CHOICE { mpeg4FeaturePoint [0] MPEG4FeaturePoint,
///                               anthropometricLandmark [1] AnthropometricLandmark }
/// AnthropometricLandmark ::= CHOICE { base [0] CHOICE { anthropometricLandmarkName [0],
///     anthropometricLandmarkPointName [1], anthropometricLandmarkPointId [2] }, extensionBlock [1] }
/// ```
fn landmark_kind(value: &[u8]) -> Result<LandmarkKind, Error> {
    let Some(base) = Fields::parse(value)?.get(0) else { return Ok(LandmarkKind::Other) };
    let base = Fields::parse(base)?;
    if let Some(point) = base.get(0) {
        return Ok(choice_code(point)?.and_then(mpeg4_point).unwrap_or(LandmarkKind::Other));
    }
    let Some(anthropometric) = base.get(1) else { return Ok(LandmarkKind::Other) };
    let Some(base) = Fields::parse(anthropometric)?.get(0) else { return Ok(LandmarkKind::Other) };
    let base = Fields::parse(base)?;
    let kind = if let Some(name) = base.get(0) {
        choice_code(name)?.map(LandmarkKind::AnthropometricName)
    } else if let Some(name) = base.get(1) {
        choice_code(name)?.map(LandmarkKind::AnthropometricPointName)
    } else if let Some(id) = base.get(2) {
        choice_code(id)?.map(LandmarkKind::AnthropometricPointId)
    } else {
        None
    };
    Ok(kind.unwrap_or(LandmarkKind::Other))
}

/// `MPEG4FeaturePointCode` numbers the points of ISO/IEC 14496-2 Annex C group by group: 2.1-2.14, 3.1-3.14,
/// 4.1-4.6, 5.1-5.4, 6.1-6.4, 7.1, 8.1-8.10, 9.1-9.15, 10.1-10.10, 11.1-11.6, 12.1-12.4.
fn mpeg4_point(code: u32) -> Option<LandmarkKind> {
    const GROUP_SIZES: [(u8, u32); 11] =
        [(2, 14), (3, 14), (4, 6), (5, 4), (6, 4), (7, 1), (8, 10), (9, 15), (10, 10), (11, 6), (12, 4)];
    let mut first = 0u32;
    for (major, size) in GROUP_SIZES {
        if code < first + size {
            let minor = u8::try_from(code - first + 1).ok()?;
            return Some(LandmarkKind::Mpeg4 { major, minor });
        }
        first += size;
    }
    None
}

/// The code of an enumerated field: base standard `CHOICE { code [0], ... }`, ICAO profile
/// `CHOICE { extensionBlock [1] SEQUENCE { fallback [0] code, ... } }`. `None` for an extension without fallback.
fn choice_code(value: &[u8]) -> Result<Option<u32>, Error> {
    let choice = Fields::parse(value)?;
    if let Some(code) = choice.get(0) {
        return integer(code).map(Some);
    }
    match choice.get(1) {
        Some(extension) => Fields::parse(extension)?.get(0).map(integer).transpose(),
        None => Ok(None),
    }
}

/// A DER INTEGER's content as an unsigned value of type `T`; negative or oversized values are refused.
fn integer<T: TryFrom<u64>>(content: &[u8]) -> Result<T, Error> {
    let out_of_range = || invalid("ISO/IEC 39794-5 integer out of range");
    let (&first, _) = content.split_first().ok_or_else(out_of_range)?;
    if first & 0x80 != 0 {
        return Err(out_of_range());
    }
    // A leading zero byte only makes room for the sign bit: up to nine bytes may still fit 64 bits.
    let significant = content.strip_prefix(&[0]).unwrap_or(content);
    if significant.len() > 8 {
        return Err(out_of_range());
    }
    let value = significant.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    T::try_from(value).map_err(|_| out_of_range())
}

/// The content octets of a DER INTEGER holding `value`: shortest form, with a zero byte in front when the top bit
/// would otherwise make it negative.
fn integer_content(value: u16) -> Vec<u8> {
    let [high, low] = value.to_be_bytes();
    let mut out = if high == 0 { vec![low] } else { vec![high, low] };
    if out.first().is_some_and(|&b| b & 0x80 != 0) {
        out.insert(0, 0);
    }
    out
}

/// `A1 { 65 { versionBlock, representationBlocks { one 2D representation } } }`, the content of `7F2E`.
/// The size block is left out when `size` is `None`, which gives the profile's mandatory-fields sample.
pub(super) fn encode(image: &[u8], format: ImageFormat, size: Option<(u16, u16)>) -> Result<Vec<u8>, Error> {
    let code = match format {
        ImageFormat::Jpeg => FORMAT_JPEG,
        ImageFormat::Jpeg2000 => FORMAT_JPEG2000_LOSSY,
        ImageFormat::Png | ImageFormat::Other => {
            return Err(invalid("the ICAO profile of ISO/IEC 39794-5 allows only JPEG and JPEG 2000 images"));
        }
    };
    if image.len() > tlv::MAX_LENGTH {
        return Err(invalid("image too large for a DG2"));
    }
    let version = seq(&[(0x80, integer_content(VERSION_GENERATION)), (0x81, integer_content(VERSION_YEAR))]);
    let code_byte = u8::try_from(code).map_err(|_| invalid("image data format code out of range"))?;
    // imageDataFormat [0] CHOICE { code [0] }: explicit because it is a CHOICE.
    let mut information = seq(&[(0xA0, tlv::to_vec(Tag(0x80), &[code_byte]))]);
    if let Some((width, height)) = size {
        let size_block = seq(&[(0x80, integer_content(width)), (0x81, integer_content(height))]);
        tlv::encode(Tag(0xA7), &size_block, &mut information);
    }

    // The image goes in last, into buffers sized beforehand: a reallocation would leave a copy of it in freed
    // memory. The small structure before it is built first, then everything is written outwards in.
    let image_tag_len = encoded_len(0x80, image.len());
    let block_2d_len = image_tag_len + encoded_len(0xA1, information.len());
    let base_len = encoded_len(0xA0, block_2d_len);
    let representation_value_len = encoded_len(0xA0, base_len);
    let representation_id = tlv::to_vec(Tag(0x80), &integer_content(0));
    let sequence_len = representation_id.len() + encoded_len(0xA1, representation_value_len);
    let representations_len = encoded_len(0x30, sequence_len);
    let version_tlv = tlv::to_vec(Tag(0xA0), &version);
    let data_block_len = version_tlv.len() + encoded_len(0xA1, representations_len);
    let wrapper_len = encoded_len(0x65, data_block_len);
    let total = encoded_len(0xA1, wrapper_len);
    if total > tlv::MAX_LENGTH {
        return Err(invalid("image too large for a DG2"));
    }

    let mut out = Vec::with_capacity(total);
    push_header(0xA1, wrapper_len, &mut out);
    push_header(0x65, data_block_len, &mut out);
    out.extend_from_slice(&version_tlv);
    push_header(0xA1, representations_len, &mut out);
    push_header(0x30, sequence_len, &mut out);
    out.extend_from_slice(&representation_id);
    push_header(0xA1, representation_value_len, &mut out);
    push_header(0xA0, base_len, &mut out);
    push_header(0xA0, block_2d_len, &mut out);
    push_header(0x80, image.len(), &mut out);
    out.extend_from_slice(image);
    tlv::encode(Tag(0xA1), &information, &mut out);
    Ok(out)
}

/// The concatenated TLVs of `components`.
fn seq(components: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, value) in components {
        tlv::encode(Tag((*tag).into()), value, &mut out);
    }
    out
}

/// Bytes a TLV with this one-byte tag and a value of `len` bytes takes.
fn encoded_len(tag: u8, len: usize) -> usize {
    let mut header = Vec::new();
    push_header(tag, len, &mut header);
    header.len() + len
}

fn push_header(tag: u8, len: usize, out: &mut Vec<u8>) {
    out.push(tag);
    tlv::encode_length(len, out);
}
