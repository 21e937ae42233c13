//! DG2, the encoded face (ICAO 9303-10 §4.7.2): the biometric information group template `7F61` holding one
//! biometric information template `7F60` per face record, each a header template `A1` (ISO/IEC 7816-11 / CBEFF) and
//! a biometric data block, `5F2E` or `7F2E`. The block holds an ISO/IEC 19794-5:2005 face record (`FAC\0`, the
//! format of every passport issued before ISO/IEC 39794 arrived) or an ISO/IEC 39794-5 face image data block in the
//! ICAO application profile (tag `7F2E`, content `A1 { [APPLICATION 5] ... }`).
//!
//! ```text
//! 75                      DG2
//!   7F61                  biometric information group template
//!     02 01 n             number of instances
//!     7F60                biometric information template (n times)
//!       A1                biometric header template: 80 version, 81 type, 82 subtype, 83 creation date,
//!                         85 validity period, 86 creator, 87 format owner, 88 format type
//!       5F2E | 7F2E       biometric data block
//! ```
//!
//! The container is recognised by its content, not by the header's format type or the block's tag, which issuers
//! get wrong more often than the content. Image bytes are biometric data: they are held in [`Zeroizing`] buffers and
//! never printed by `Debug`. Decoding them to pixels is [`crate::face_image`]'s job.

mod iso19794;
mod iso39794;

use zeroize::Zeroizing;

use crate::error::{Error, LdsError, TlvError};
use crate::tlv::{self, Tag, Tlv, TlvIter};

const FILE: &str = "DG2";
const DG2_TAG: Tag = Tag(0x75);
const GROUP_TEMPLATE: Tag = Tag(0x7F61);
const INSTANCE_COUNT: Tag = Tag(0x02);
const INFO_TEMPLATE: Tag = Tag(0x7F60);
const HEADER_TEMPLATE: Tag = Tag(0xA1);
const DATA_BLOCK: Tag = Tag(0x5F2E);
const DATA_BLOCK_CONSTRUCTED: Tag = Tag(0x7F2E);

/// Format owner of both face formats: ISO/IEC JTC 1/SC 37 (CBEFF registry).
pub const FORMAT_OWNER_SC37: u16 = 0x0101;
/// Format type of an ISO/IEC 19794-5 face record.
pub const FORMAT_TYPE_19794_5: u16 = 0x0008;
/// Format type of an ISO/IEC 39794-5 face image data block (ICAO application profile for eMRTDs).
pub const FORMAT_TYPE_39794_5: u16 = 0x002A;

/// Data group 2: the face images of the holder, in the order the chip stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    /// One entry per face image, across all biometric information templates.
    pub faces: Vec<FaceImage>,
}

/// The standard the face record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// ISO/IEC 19794-5:2005, the binary `FAC\0` record.
    Iso19794_5,
    /// ISO/IEC 39794-5, the ASN.1 tagged record (ICAO application profile or base standard).
    Iso39794_5,
}

/// The image encoding a container declares. The bytes may say otherwise: see [`FaceImage::format_agrees`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (ISO/IEC 10918-1).
    Jpeg,
    /// JPEG 2000 (ISO/IEC 15444-1), lossy or lossless, JP2 file or raw codestream.
    Jpeg2000,
    /// PNG (ISO/IEC 15948). No declared code of either container maps here (the ICAO profile allows only JPEG and
    /// JPEG 2000); it is what [`crate::face_image::Encoding::Png`] bytes amount to.
    Png,
    /// Any other or unknown declared encoding.
    Other,
}

/// The colour space a container declares for the image (19794-5 §5.7.4, 39794-5 `ImageColourSpaceCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColourSpace {
    /// 24-bit RGB.
    Rgb24,
    /// 48-bit RGB (39794-5 only).
    Rgb48,
    /// YUV 4:2:2.
    Yuv422,
    /// 8-bit greyscale.
    Greyscale8,
    /// 16-bit greyscale (39794-5 only).
    Greyscale16,
    /// "Other", as declared.
    Other,
    /// A code the standard reserves; its meaning depends on the container.
    Reserved(u32),
}

/// How the image was captured (19794-5 §5.7.5 source type, 39794-5 `CaptureDeviceTechnologyId2DCode`; both number
/// the same six kinds alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceType {
    /// Static photograph from an unknown source.
    PhotoUnknownSource,
    /// Static photograph from a digital still-image camera.
    PhotoDigitalCamera,
    /// Static photograph from a scanner.
    PhotoScanner,
    /// Single video frame from an unknown source.
    VideoFrameUnknownSource,
    /// Single video frame from an analogue video camera.
    VideoFrameAnalogueCamera,
    /// Single video frame from a digital video camera.
    VideoFrameDigitalCamera,
    /// A code the standard reserves.
    Reserved(u32),
}

/// What a landmark marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LandmarkKind {
    /// MPEG-4 facial feature point `major.minor` (ISO/IEC 14496-2 Annex C, extended by 19794-5 with group 12, the
    /// eye centres).
    Mpeg4 {
        /// Feature point group, 2 to 12.
        major: u8,
        /// Point within the group.
        minor: u8,
    },
    /// 39794-5 `AnthropometricLandmarkNameCode` (21 and 22 are the centres of the left and right pupils).
    AnthropometricName(u32),
    /// 39794-5 `AnthropometricLandmarkPointNameCode`.
    AnthropometricPointName(u32),
    /// 39794-5 `AnthropometricLandmarkPointIdCode`.
    AnthropometricPointId(u32),
    /// A kind this parser does not interpret (another 19794-5 feature type, a 39794-5 extension).
    Other,
}

/// A landmark on the face image, in pixels from the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Landmark {
    /// What the point marks.
    pub kind: LandmarkKind,
    /// Column.
    pub x: u16,
    /// Row.
    pub y: u16,
}

/// The biometric header template `A1` (9303-10 §4.7.2.1, ISO/IEC 7816-11). Only the format owner and type are
/// mandatory, and even those are sometimes missing, so every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BiometricHeader {
    /// `80`: ICAO header version, `0101` for 1.1.
    pub version: Option<u16>,
    /// `81`: biometric type, `02` for the face.
    pub biometric_type: Option<u32>,
    /// `82`: biometric subtype.
    pub subtype: Option<u8>,
    /// `83`: creation date and time, seven BCD bytes as stored.
    pub creation_date: Option<Vec<u8>>,
    /// `85`: validity period, two four-byte BCD dates as stored.
    pub validity_period: Option<Vec<u8>>,
    /// `86`: creator of the biometric reference data (a product identifier), as stored.
    pub creator: Option<Vec<u8>>,
    /// `87`: format owner, [`FORMAT_OWNER_SC37`] for both face formats.
    pub format_owner: Option<u16>,
    /// `88`: format type, [`FORMAT_TYPE_19794_5`] or [`FORMAT_TYPE_39794_5`].
    pub format_type: Option<u16>,
}

/// One face image and what the container says about it.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// The standard of the record it came from.
    pub container: Container,
    /// The header template of its biometric information template.
    pub header: BiometricHeader,
    /// The encoding the record declares.
    pub image_format: ImageFormat,
    /// Width in pixels as declared; 39794-5 makes the size optional, and declared sizes can be wrong.
    pub width: Option<u16>,
    /// Height in pixels as declared.
    pub height: Option<u16>,
    /// Colour space as declared; `None` when unspecified.
    pub colour_space: Option<ColourSpace>,
    /// How the image was captured; `None` when unspecified.
    pub source_type: Option<SourceType>,
    /// Landmarks with 2D coordinates (or the x and y of 3D ones); others are left out.
    pub landmarks: Vec<Landmark>,
    /// The encoded image (JPEG, JPEG 2000 or PNG bytes), wiped on drop.
    pub image: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The image is biometric data: its size is all a log may show.
        f.debug_struct("FaceImage")
            .field("container", &self.container)
            .field("header", &self.header)
            .field("image_format", &self.image_format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("colour_space", &self.colour_space)
            .field("source_type", &self.source_type)
            .field("landmarks", &self.landmarks)
            .field("image", &format_args!("<{} bytes redacted>", self.image.len()))
            .finish()
    }
}

impl FaceImage {
    /// The encoding the image bytes start with, whatever the container declares.
    pub fn sniffed_encoding(&self) -> Option<crate::face_image::Encoding> {
        crate::face_image::sniff(&self.image)
    }

    /// True when the bytes are in the encoding the container declares. A disagreement is worth reporting (some
    /// issuers declare JPEG 2000 for a JPEG) but not fatal: decoding goes by the bytes.
    pub fn format_agrees(&self) -> bool {
        self.sniffed_encoding().map(crate::face_image::Encoding::image_format) == Some(self.image_format)
    }

    /// Decodes the image to 8-bit pixels, refusing images above `max_pixels` before decoding them (see
    /// [`crate::face_image::decode`]).
    ///
    /// # Errors
    /// [`crate::error::ImageError`] when the bytes are not a supported image, too large, or undecodable.
    #[cfg(feature = "decode")]
    pub fn decode(&self, max_pixels: u64) -> Result<crate::face_image::DecodedImage, crate::error::ImageError> {
        crate::face_image::decode(&self.image, max_pixels)
    }
}

impl Dg2 {
    /// Parses DG2 (the whole file, tag `75`).
    ///
    /// # Errors
    /// [`Error::Lds`] when the file or a face record in it is malformed, or holds a format other than ISO/IEC
    /// 19794-5 and 39794-5 (an enciphered block, for instance). The image bytes themselves are not checked here:
    /// an undecodable image fails in [`FaceImage::decode`].
    pub fn parse(bytes: &[u8]) -> Result<Dg2, Error> {
        let (file, rest) = Tlv::parse(bytes).map_err(tlv_error)?;
        if file.tag != DG2_TAG {
            return Err(LdsError::WrongFileTag { file: FILE, expected: DG2_TAG, found: file.tag }.into());
        }
        if !rest.is_empty() {
            return Err(tlv_error(TlvError::TrailingBytes { count: rest.len() }));
        }
        let group = Tlv::parse_exact(file.value, GROUP_TEMPLATE).map_err(tlv_error)?;

        let mut declared = None;
        let mut templates = 0usize;
        let mut faces = Vec::new();
        for item in TlvIter::new(group) {
            let item = item.map_err(tlv_error)?;
            match item.tag {
                INSTANCE_COUNT if declared.is_none() => declared = Some(unsigned(item.value, 1)?),
                INFO_TEMPLATE => {
                    templates += 1;
                    faces.extend(parse_information_template(item.value)?);
                }
                _ => return Err(invalid("unexpected data object in the biometric information group template")),
            }
        }
        let declared = declared.ok_or_else(|| tlv_error(TlvError::Missing(INSTANCE_COUNT)))?;
        if templates == 0 {
            return Err(tlv_error(TlvError::Missing(INFO_TEMPLATE)));
        }
        if usize::try_from(declared).ok() != Some(templates) {
            return Err(invalid("number of instances differs from the biometric information templates present"));
        }
        Ok(Dg2 { faces })
    }

    /// Encodes a DG2 holding one ISO/IEC 19794-5:2005 face record with one face image, laid out as the BSI 2008
    /// specimen is: header `81 02`, `82 00`, `87 0101`, `88 0008`, block `5F2E`. The image is declared full
    /// frontal, colour space and source unspecified, no landmarks.
    ///
    /// # Errors
    /// [`Error::Lds`] when `format` is not JPEG or JPEG 2000 (the only two 19794-5:2005 knows), or the image is too
    /// large for a DG2.
    pub fn encode_19794_5(image: &[u8], format: ImageFormat, width: u16, height: u16) -> Result<Vec<u8>, Error> {
        let record = iso19794::encode(image, format, width, height)?;
        let header = [
            (Tag(0x81), &[0x02][..]),
            (Tag(0x82), &[0x00][..]),
            (Tag(0x87), &FORMAT_OWNER_SC37.to_be_bytes()[..]),
            (Tag(0x88), &FORMAT_TYPE_19794_5.to_be_bytes()[..]),
        ];
        wrap(&header, DATA_BLOCK, &record)
    }

    /// Encodes a DG2 holding one ISO/IEC 39794-5 face image data block in the ICAO application profile (version
    /// block generation 3, year 2019; one 2D representation with the image data format and the image size), under
    /// header `87 0101`, `88 002A` and block `7F2E { A1 { ... } }` as the profile's Table 2 lays out.
    ///
    /// # Errors
    /// [`Error::Lds`] when `format` is not JPEG or JPEG 2000 (the profile allows no other), or the image is too large
    /// for a DG2.
    pub fn encode_39794_5(image: &[u8], format: ImageFormat, width: u16, height: u16) -> Result<Vec<u8>, Error> {
        let block = iso39794::encode(image, format, Some((width, height)))?;
        let header =
            [(Tag(0x87), &FORMAT_OWNER_SC37.to_be_bytes()[..]), (Tag(0x88), &FORMAT_TYPE_39794_5.to_be_bytes()[..])];
        wrap(&header, DATA_BLOCK_CONSTRUCTED, &block)
    }
}

/// Parses the content of a biometric data block (`5F2E`/`7F2E`), a face record on its own: a 19794-5 `FAC\0`
/// record, or a 39794-5 face image data block with or without the profile's `A1` wrapper. The faces get an empty
/// header.
///
/// # Errors
/// [`Error::Lds`] when the record is malformed or of another format.
pub fn parse_face_record(block: &[u8]) -> Result<Vec<FaceImage>, Error> {
    parse_data_block(block, &BiometricHeader::default())
}

fn parse_information_template(template: &[u8]) -> Result<Vec<FaceImage>, Error> {
    let mut header = None;
    let mut block = None;
    for item in TlvIter::new(template) {
        let item = item.map_err(tlv_error)?;
        match item.tag {
            HEADER_TEMPLATE if header.is_none() => header = Some(parse_header(item.value)?),
            DATA_BLOCK | DATA_BLOCK_CONSTRUCTED if block.is_none() => block = Some(item.value),
            _ => return Err(invalid("unexpected data object in a biometric information template")),
        }
    }
    let header = header.ok_or_else(|| tlv_error(TlvError::Missing(HEADER_TEMPLATE)))?;
    let block = block.ok_or_else(|| tlv_error(TlvError::Missing(DATA_BLOCK)))?;
    parse_data_block(block, &header)
}

fn parse_data_block(block: &[u8], header: &BiometricHeader) -> Result<Vec<FaceImage>, Error> {
    if block.starts_with(iso19794::FORMAT_ID) {
        iso19794::parse(block, header)
    } else if matches!(block.first(), Some(&(iso39794::PROFILE_WRAPPER | iso39794::FACE_IMAGE_DATA_BLOCK))) {
        iso39794::parse(block, header)
    } else {
        Err(invalid("biometric data block is neither an ISO/IEC 19794-5 nor an ISO/IEC 39794-5 face record"))
    }
}

fn parse_header(template: &[u8]) -> Result<BiometricHeader, Error> {
    let mut header = BiometricHeader::default();
    for item in TlvIter::new(template) {
        let item = item.map_err(tlv_error)?;
        let value = item.value;
        match item.tag.0 {
            0x80 => header.version = Some(narrow(unsigned(value, 2)?)?),
            0x81 => header.biometric_type = Some(unsigned(value, 3)?),
            0x82 => header.subtype = Some(narrow(unsigned(value, 1)?)?),
            0x83 => header.creation_date = Some(value.to_vec()),
            0x85 => header.validity_period = Some(value.to_vec()),
            0x86 => header.creator = Some(value.to_vec()),
            0x87 => header.format_owner = Some(narrow(unsigned(value, 2)?)?),
            0x88 => header.format_type = Some(narrow(unsigned(value, 2)?)?),
            // 7816-11 allows other data objects here (a PID, an index): nothing the gate needs.
            _ => {}
        }
    }
    Ok(header)
}

/// Wraps a biometric data block into `75 { 7F61 { 02 01 01, 7F60 { A1 {header}, tag {block} } } }`.
fn wrap(header: &[(Tag, &[u8])], block_tag: Tag, block: &[u8]) -> Result<Vec<u8>, Error> {
    let mut header_value = Vec::new();
    for (tag, value) in header {
        tlv::encode(*tag, value, &mut header_value);
    }
    let header_tlv = tlv::to_vec(HEADER_TEMPLATE, &header_value);
    let block_len = encoded_len(block_tag, block.len());
    let template_len = header_tlv.len() + block_len;
    let count = [0x02, 0x01, 0x01];
    let group_len = count.len() + encoded_len(INFO_TEMPLATE, template_len);
    let file_len = encoded_len(DG2_TAG, encoded_len(GROUP_TEMPLATE, group_len));
    if file_len > tlv::MAX_LENGTH {
        return Err(invalid("image too large for a DG2"));
    }
    // Sized once: a reallocation would leave a copy of the image behind in freed memory.
    let mut out = Vec::with_capacity(file_len);
    push_header(DG2_TAG, encoded_len(GROUP_TEMPLATE, group_len), &mut out);
    push_header(GROUP_TEMPLATE, group_len, &mut out);
    out.extend_from_slice(&count);
    push_header(INFO_TEMPLATE, template_len, &mut out);
    out.extend_from_slice(&header_tlv);
    push_header(block_tag, block.len(), &mut out);
    out.extend_from_slice(block);
    Ok(out)
}

/// Bytes a TLV with this tag and a value of `len` bytes takes.
fn encoded_len(tag: Tag, len: usize) -> usize {
    let mut length = Vec::new();
    tlv::encode_length(len, &mut length);
    tag.to_bytes().len() + length.len() + len
}

fn push_header(tag: Tag, len: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&tag.to_bytes());
    tlv::encode_length(len, out);
}

/// A big-endian unsigned value of one to `max` bytes.
fn unsigned(value: &[u8], max: usize) -> Result<u32, Error> {
    if value.is_empty() || value.len() > max || value.len() > 4 {
        return Err(invalid("a numeric data object has the wrong length"));
    }
    Ok(value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

fn narrow<T: TryFrom<u32>>(value: u32) -> Result<T, Error> {
    T::try_from(value).map_err(|_| invalid("a numeric data object is out of range"))
}

fn invalid(what: &'static str) -> Error {
    LdsError::Invalid { file: FILE, what }.into()
}

fn tlv_error(source: TlvError) -> Error {
    LdsError::Tlv { file: FILE, source }.into()
}

#[cfg(test)]
mod tests;
