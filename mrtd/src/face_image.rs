//! The face image inside DG2 (ICAO 9303-10 §4.7.2): ISO/IEC 19794-5 §5.7.2 and ISO/IEC 39794-5 allow JPEG
//! (ISO/IEC 10918-1) and JPEG 2000 (ISO/IEC 15444-1, as a JP2 file or a raw codestream); PNG (ISO/IEC 15948) is
//! accepted as well. This module tells the encoding from the magic bytes, reads the dimensions from the header, and,
//! with the `decode` feature, decodes to 8-bit greyscale or RGB pixels.
//!
//! The encoding is never taken from the container's declaration, which issuers get wrong. Memory is bounded: the
//! dimensions are read by this module's own header parser and checked against a pixel limit before any decoder
//! sees the bytes, and the decoders get the limit again as a second line. The decoders are third-party code run on
//! bytes from the chip, so they run under `catch_unwind`: a bug in one fails that decode, not the gate.
//!
//! Pixels are biometric data: they are returned in a [`zeroize::Zeroizing`] buffer and never printed by `Debug`. Scratch
//! memory inside the decoders (the JPEG decoder's copy of its input, the JPEG 2000 decoder's sample planes) is
//! theirs and is freed without being wiped.

mod j2k_layout;

use crate::error::ImageError;
use crate::lds::dg2::ImageFormat;

/// A limit far above any passport portrait (the samples run from 148x70 to 1024x1024) that still bounds a decode:
/// 48 MB of RGB output, a few hundred MB at worst inside the JPEG 2000 decoder, which works on 32-bit float planes.
pub const DEFAULT_MAX_PIXELS: u64 = 16_000_000;

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
/// The JP2 signature box (ISO/IEC 15444-1 §I.5.1).
const JP2_MAGIC: &[u8] = &[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
/// SOC then SIZ, how every JPEG 2000 codestream starts (ISO/IEC 15444-1 §A.4).
const J2K_MAGIC: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

const CUT_SHORT: &str = "cut short";

/// The encoding of an image, as its first bytes tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// JPEG: `FF D8 FF`.
    Jpeg,
    /// JPEG 2000 in the JP2 file format: the 12-byte signature box.
    Jp2,
    /// A raw JPEG 2000 codestream: `FF 4F FF 51`.
    J2k,
    /// PNG: its 8-byte signature.
    Png,
}

impl Encoding {
    /// The declared format this encoding corresponds to.
    pub fn image_format(self) -> ImageFormat {
        match self {
            Encoding::Jpeg => ImageFormat::Jpeg,
            Encoding::Jp2 | Encoding::J2k => ImageFormat::Jpeg2000,
            Encoding::Png => ImageFormat::Png,
        }
    }

    /// `JPEG`, `JPEG 2000` or `PNG`, as errors name it.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Jpeg => "JPEG",
            Encoding::Jp2 | Encoding::J2k => "JPEG 2000",
            Encoding::Png => "PNG",
        }
    }
}

/// The encoding `bytes` start with, if any this module knows.
pub fn sniff(bytes: &[u8]) -> Option<Encoding> {
    [(JPEG_MAGIC, Encoding::Jpeg), (JP2_MAGIC, Encoding::Jp2), (J2K_MAGIC, Encoding::J2k), (PNG_MAGIC, Encoding::Png)]
        .into_iter()
        .find_map(|(magic, encoding)| bytes.starts_with(magic).then_some(encoding))
}

/// What an image's header says, read without decoding anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageHeader {
    /// The encoding, from the magic bytes.
    pub encoding: Encoding,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Number of components (colour channels, alpha included): JPEG `Nf`, JPEG 2000 `Csiz`, PNG from its colour type.
    pub components: u16,
}

impl ImageHeader {
    /// Width times height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// Refuses an image of more than `max_pixels` pixels.
    ///
    /// # Errors
    /// [`ImageError::TooLarge`].
    pub fn check_size(&self, max_pixels: u64) -> Result<(), ImageError> {
        if self.pixels() > max_pixels {
            return Err(ImageError::TooLarge { width: self.width, height: self.height, limit: max_pixels });
        }
        Ok(())
    }
}

/// Reads the encoding and dimensions from the header: JPEG's first frame header (SOFn), the SIZ marker of a
/// JPEG 2000 codestream (inside the JP2 `jp2c` box when boxed), PNG's IHDR chunk. Nothing is allocated.
///
/// # Errors
/// [`ImageError::UnknownFormat`] when the magic bytes are none of the four; [`ImageError::Header`] when the header is
/// malformed, cut short or declares an empty image; [`ImageError::Unsupported`] for a JPEG whose height comes later
/// (DNL marker).
pub fn read_header(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
    match sniff(bytes).ok_or(ImageError::UnknownFormat)? {
        Encoding::Jpeg => jpeg_header(bytes),
        Encoding::Jp2 => jp2_codestream(bytes).and_then(|codestream| j2k_header(codestream, Encoding::Jp2)),
        Encoding::J2k => j2k_header(bytes, Encoding::J2k),
        Encoding::Png => png_header(bytes),
    }
}

/// Walks the marker segments up to the first frame header (ITU-T T.81 §B.2.2).
fn jpeg_header(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
    let error = |what| ImageError::Header { format: "JPEG", what };
    // After SOI; every turn of the loop consumes at least one byte, so it ends.
    let mut rest = bytes.get(2..).ok_or(error(CUT_SHORT))?;
    loop {
        let (&first, after) = rest.split_first().ok_or(error(CUT_SHORT))?;
        if first != 0xFF {
            return Err(error("marker expected"));
        }
        // Any number of 0xFF fill bytes may precede a marker (T.81 §B.1.1.2).
        let fill = after.iter().take_while(|&&b| b == 0xFF).count();
        let after = after.get(fill..).unwrap_or_default();
        let (&marker, after) = after.split_first().ok_or(error(CUT_SHORT))?;
        rest = after;
        match marker {
            // TEM and RSTn stand alone, without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 => return Err(error("marker expected")),
            0xD9 | 0xDA => return Err(error("no frame header before the image data")),
            _ => {}
        }
        let (length, after) = rest.split_first_chunk::<2>().ok_or(error(CUT_SHORT))?;
        let length = usize::from(u16::from_be_bytes(*length)).checked_sub(2).ok_or(error("segment length below 2"))?;
        let (segment, after) = after.split_at_checked(length).ok_or(error(CUT_SHORT))?;
        rest = after;
        // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            // P, Y, X, Nf.
            let &[_precision, y1, y2, x1, x2, components, ..] = segment else {
                return Err(error("frame header cut short"));
            };
            let height = u16::from_be_bytes([y1, y2]);
            let width = u16::from_be_bytes([x1, x2]);
            if height == 0 {
                return Err(ImageError::Unsupported { format: "JPEG", what: "height defined by a DNL marker" });
            }
            if width == 0 || components == 0 {
                return Err(error("frame header declares an empty image"));
            }
            return Ok(ImageHeader {
                encoding: Encoding::Jpeg,
                width: width.into(),
                height: height.into(),
                components: components.into(),
            });
        }
    }
}

/// The contents of the first contiguous codestream box `jp2c` (ISO/IEC 15444-1 §I.4, §I.5.4).
fn jp2_codestream(bytes: &[u8]) -> Result<&[u8], ImageError> {
    let error = |what| ImageError::Header { format: "JPEG 2000", what };
    let mut rest = bytes;
    // Every box takes at least its 8-byte header, so the loop ends.
    while !rest.is_empty() {
        let (length, after) = rest.split_first_chunk::<4>().ok_or(error(CUT_SHORT))?;
        let (box_type, after) = after.split_first_chunk::<4>().ok_or(error(CUT_SHORT))?;
        let (header_len, box_len) = match u32::from_be_bytes(*length) {
            // The last box, running to the end of the file.
            0 => (8, rest.len()),
            // The length follows as a 64-bit XLBox.
            1 => {
                let (extended, _) = after.split_first_chunk::<8>().ok_or(error(CUT_SHORT))?;
                (16, usize::try_from(u64::from_be_bytes(*extended)).map_err(|_| error("box length out of range"))?)
            }
            length => (8, usize::try_from(length).map_err(|_| error("box length out of range"))?),
        };
        if box_len < header_len {
            return Err(error("box shorter than its header"));
        }
        let (this_box, after) = rest.split_at_checked(box_len).ok_or(error(CUT_SHORT))?;
        if box_type == b"jp2c" {
            return this_box.get(header_len..).ok_or(error(CUT_SHORT));
        }
        rest = after;
    }
    Err(error("no codestream box"))
}

/// The SIZ marker segment (ISO/IEC 15444-1 §A.5.1): the image area is `Xsiz - XOsiz` by `Ysiz - YOsiz`.
fn j2k_header(codestream: &[u8], encoding: Encoding) -> Result<ImageHeader, ImageError> {
    let error = |what| ImageError::Header { format: "JPEG 2000", what };
    if !codestream.starts_with(J2K_MAGIC) {
        return Err(error("codestream does not start with SOC and SIZ"));
    }
    let u32_at = |at: usize| {
        codestream
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or(error(CUT_SHORT))
    };
    // SOC (2), SIZ (2), Lsiz (2), Rsiz (2), then Xsiz, Ysiz, XOsiz, YOsiz, tile sizes and offsets, Csiz (2).
    let (x, y, x_offset, y_offset) = (u32_at(8)?, u32_at(12)?, u32_at(16)?, u32_at(20)?);
    let components = codestream
        .get(40..42)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map(u16::from_be_bytes)
        .ok_or(error(CUT_SHORT))?;
    let width = x.checked_sub(x_offset).filter(|&w| w > 0).ok_or(error("SIZ declares an empty image"))?;
    let height = y.checked_sub(y_offset).filter(|&h| h > 0).ok_or(error("SIZ declares an empty image"))?;
    if components == 0 {
        return Err(error("SIZ declares no component"));
    }
    j2k_layout::check(codestream)?;
    Ok(ImageHeader { encoding, width, height, components })
}

/// The IHDR chunk, which must come first (ISO/IEC 15948 §11.2.2).
fn png_header(bytes: &[u8]) -> Result<ImageHeader, ImageError> {
    let error = |what| ImageError::Header { format: "PNG", what };
    let chunk = bytes.get(PNG_MAGIC.len()..).ok_or(error(CUT_SHORT))?;
    let &[_, _, _, _, b'I', b'H', b'D', b'R', w1, w2, w3, w4, h1, h2, h3, h4, _bit_depth, colour_type, ..] = chunk
    else {
        return Err(if chunk.len() < 18 { error(CUT_SHORT) } else { error("IHDR is not the first chunk") });
    };
    let width = u32::from_be_bytes([w1, w2, w3, w4]);
    let height = u32::from_be_bytes([h1, h2, h3, h4]);
    if width == 0 || height == 0 {
        return Err(error("IHDR declares an empty image"));
    }
    let components = match colour_type {
        0 | 3 => 1,
        4 => 2,
        2 => 3,
        6 => 4,
        _ => return Err(error("unknown colour type")),
    };
    Ok(ImageHeader { encoding: Encoding::Png, width, height, components })
}

#[cfg(feature = "decode")]
pub use decoding::{DecodedImage, PixelLayout, decode};

#[cfg(feature = "decode")]
mod decoding {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;

    use zeroize::Zeroizing;

    use super::{Encoding, read_header};
    use crate::error::ImageError;

    /// The most components a face image may have: grey, grey and alpha, RGB, RGB and alpha or CMYK. The JPEG 2000
    /// decoder allocates a plane per component, so more would multiply the memory the pixel limit bounds.
    const MAX_COMPONENTS: u16 = 4;

    /// How the decoded samples are laid out.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PixelLayout {
        /// One 8-bit grey sample per pixel.
        Luma8,
        /// Three 8-bit samples per pixel, red, green, blue.
        Rgb8,
    }

    impl PixelLayout {
        /// Samples per pixel.
        pub fn channels(self) -> usize {
            match self {
                PixelLayout::Luma8 => 1,
                PixelLayout::Rgb8 => 3,
            }
        }
    }

    /// A decoded face image: rows top to bottom, pixels left to right, samples interleaved; alpha is dropped and
    /// CMYK converted to RGB.
    #[derive(Clone, PartialEq, Eq)]
    pub struct DecodedImage {
        /// Width in pixels.
        pub width: u32,
        /// Height in pixels.
        pub height: u32,
        /// Greyscale or RGB.
        pub layout: PixelLayout,
        /// The encoding the pixels were decoded from.
        pub encoding: Encoding,
        /// `width * height * layout.channels()` samples, wiped on drop.
        pub pixels: Zeroizing<Vec<u8>>,
    }

    impl std::fmt::Debug for DecodedImage {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            // Pixels are biometric data.
            f.debug_struct("DecodedImage")
                .field("width", &self.width)
                .field("height", &self.height)
                .field("layout", &self.layout)
                .field("encoding", &self.encoding)
                .field("pixels", &format_args!("<{} bytes redacted>", self.pixels.len()))
                .finish()
        }
    }

    /// Pixels as a decoder left them, before the checks against the header.
    struct Pixels {
        width: u32,
        height: u32,
        layout: PixelLayout,
        samples: Zeroizing<Vec<u8>>,
    }

    /// Decodes a JPEG, JPEG 2000 (JP2 or raw codestream) or PNG image to 8-bit greyscale or RGB, refusing it before
    /// decoding when its header declares more than `max_pixels` pixels ([`super::DEFAULT_MAX_PIXELS`] is a sane
    /// value). The encoding is sniffed from the bytes.
    ///
    /// # Errors
    /// [`ImageError::UnknownFormat`], [`ImageError::Header`] or [`ImageError::Unsupported`] from the header;
    /// [`ImageError::TooLarge`] over the limit; [`ImageError::Decode`] when the decoder refuses the image (or
    /// panics), or finds dimensions other than the header's.
    pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<DecodedImage, ImageError> {
        let header = read_header(bytes)?;
        header.check_size(max_pixels)?;
        let format = header.encoding.name();
        if header.components > MAX_COMPONENTS {
            return Err(ImageError::Unsupported { format, what: "more than four components" });
        }
        let decoded = catch_unwind(AssertUnwindSafe(|| match header.encoding {
            Encoding::Jpeg => decode_jpeg(bytes, max_pixels),
            Encoding::Png => decode_png(bytes, max_pixels),
            Encoding::Jp2 | Encoding::J2k => decode_jpeg2000(bytes, max_pixels),
        }))
        .unwrap_or_else(|_| Err(decode_error(format, DecoderPanicked)))?;
        if (decoded.width, decoded.height) != (header.width, header.height) {
            return Err(decode_error(format, DimensionsDiffer));
        }
        let expected =
            usize::try_from(header.pixels()).ok().and_then(|pixels| pixels.checked_mul(decoded.layout.channels()));
        if expected != Some(decoded.samples.len()) {
            return Err(decode_error(format, DimensionsDiffer));
        }
        Ok(DecodedImage {
            width: decoded.width,
            height: decoded.height,
            layout: decoded.layout,
            encoding: header.encoding,
            pixels: decoded.samples,
        })
    }

    fn decode_jpeg(bytes: &[u8], max_pixels: u64) -> Result<Pixels, ImageError> {
        let decoder =
            image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(bytes)).map_err(|e| decode_error("JPEG", e))?;
        read_with("JPEG", decoder, max_pixels)
    }

    fn decode_png(bytes: &[u8], max_pixels: u64) -> Result<Pixels, ImageError> {
        let decoder = image::codecs::png::PngDecoder::with_limits(std::io::Cursor::new(bytes), limits(max_pixels))
            .map_err(|e| decode_error("PNG", e))?;
        read_with("PNG", decoder, max_pixels)
    }

    /// The `image` crate's limits for a decode of at most `max_pixels`: enough for 16-bit RGBA output and the
    /// decoder's own buffers, no more.
    fn limits(max_pixels: u64) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(16 << 20));
        limits
    }

    fn read_with(
        format: &'static str,
        mut decoder: impl image::ImageDecoder,
        max_pixels: u64,
    ) -> Result<Pixels, ImageError> {
        use image::ColorType;

        let (width, height) = decoder.dimensions();
        if u64::from(width) * u64::from(height) > max_pixels {
            return Err(ImageError::TooLarge { width, height, limit: max_pixels });
        }
        let mut limits = limits(max_pixels);
        limits.max_image_width = Some(width);
        limits.max_image_height = Some(height);
        decoder.set_limits(limits).map_err(|e| decode_error(format, e))?;

        let (channels, sample_bytes, layout) = match decoder.color_type() {
            ColorType::L8 => (1, 1, PixelLayout::Luma8),
            ColorType::La8 => (2, 1, PixelLayout::Luma8),
            ColorType::Rgb8 => (3, 1, PixelLayout::Rgb8),
            ColorType::Rgba8 => (4, 1, PixelLayout::Rgb8),
            ColorType::L16 => (1, 2, PixelLayout::Luma8),
            ColorType::La16 => (2, 2, PixelLayout::Luma8),
            ColorType::Rgb16 => (3, 2, PixelLayout::Rgb8),
            ColorType::Rgba16 => (4, 2, PixelLayout::Rgb8),
            _ => return Err(ImageError::Unsupported { format, what: "colour type" }),
        };
        let total = usize::try_from(decoder.total_bytes()).map_err(|_| ImageError::TooLarge {
            width,
            height,
            limit: max_pixels,
        })?;
        let mut raw = Zeroizing::new(vec![0u8; total]);
        decoder.read_image(&mut raw).map_err(|e| decode_error(format, e))?;
        let samples = if channels == layout.channels() && sample_bytes == 1 {
            raw
        } else {
            keep_channels(&raw, channels, sample_bytes, layout.channels())
        };
        Ok(Pixels { width, height, layout, samples })
    }

    fn decode_jpeg2000(bytes: &[u8], max_pixels: u64) -> Result<Pixels, ImageError> {
        use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};

        let format = "JPEG 2000";
        let image = Image::new(bytes, &DecodeSettings::default()).map_err(|e| decode_error(format, e))?;
        let (width, height) = (image.width(), image.height());
        if u64::from(width) * u64::from(height) > max_pixels {
            return Err(ImageError::TooLarge { width, height, limit: max_pixels });
        }
        let colour_space = image.color_space().clone();
        let colour_channels = usize::from(colour_space.num_channels());
        let channels = colour_channels + usize::from(image.has_alpha());

        let mut context = DecoderContext::default();
        let decoded = image.decode(&mut context).map_err(|e| decode_error(format, e))?;
        if decoded.components().len() != channels {
            return Err(ImageError::Unsupported { format, what: "components that do not match the colour space" });
        }
        let samples = Zeroizing::new(decoded.data_u8());
        let pixels = usize::try_from(u64::from(width) * u64::from(height)).ok();
        if pixels.and_then(|p| p.checked_mul(channels)) != Some(samples.len()) {
            // Components of different sizes (subsampled chroma without a colour transform, say).
            return Err(ImageError::Unsupported { format, what: "components of different sizes" });
        }
        let (layout, samples) = match (colour_space, colour_channels) {
            (ColorSpace::Gray, _) | (ColorSpace::Icc { .. }, 1) => {
                (PixelLayout::Luma8, keep_channels(&samples, channels, 1, 1))
            }
            (ColorSpace::RGB, _) | (ColorSpace::Icc { .. }, 3) if channels == 3 => (PixelLayout::Rgb8, samples),
            (ColorSpace::RGB, _) | (ColorSpace::Icc { .. }, 3) => {
                (PixelLayout::Rgb8, keep_channels(&samples, channels, 1, 3))
            }
            (ColorSpace::CMYK, _) | (ColorSpace::Icc { .. }, 4) => (PixelLayout::Rgb8, cmyk_to_rgb(&samples, channels)),
            _ => return Err(ImageError::Unsupported { format, what: "colour space" }),
        };
        Ok(Pixels { width, height, layout, samples })
    }

    /// The first `keep` channels of every pixel, narrowed to 8 bits (16-bit samples are native-endian, as the
    /// `image` crate writes them).
    fn keep_channels(raw: &[u8], channels: usize, sample_bytes: usize, keep: usize) -> Zeroizing<Vec<u8>> {
        let stride = channels * sample_bytes;
        // Sized once: a reallocation would leave pixels behind in freed memory.
        let mut out = Zeroizing::new(Vec::with_capacity(raw.len() / stride.max(1) * keep));
        for pixel in raw.chunks_exact(stride.max(1)) {
            for sample in pixel.chunks_exact(sample_bytes.max(1)).take(keep) {
                out.push(match *sample {
                    [value] => value,
                    [a, b] => {
                        let [high, _] = u16::from_ne_bytes([a, b]).to_be_bytes();
                        high
                    }
                    _ => 0,
                });
            }
        }
        out
    }

    /// Naive CMYK to RGB (`R = (255 - C)(255 - K) / 255`): CMYK face images are rare, and a matcher needs no
    /// colour management.
    fn cmyk_to_rgb(raw: &[u8], channels: usize) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(raw.len() / channels.max(1) * 3));
        for pixel in raw.chunks_exact(channels.max(1)) {
            if let &[c, m, y, k, ..] = pixel {
                let white = 255 - u16::from(k);
                for ink in [c, m, y] {
                    let value = (255 - u16::from(ink)) * white / 255;
                    out.push(u8::try_from(value).unwrap_or(u8::MAX));
                }
            }
        }
        out
    }

    fn decode_error(format: &'static str, source: impl std::error::Error + Send + Sync + 'static) -> ImageError {
        ImageError::Decode { format, source: Arc::new(source) }
    }

    /// The decoder panicked on the image.
    #[derive(Debug)]
    struct DecoderPanicked;

    impl std::fmt::Display for DecoderPanicked {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("the decoder panicked")
        }
    }

    impl std::error::Error for DecoderPanicked {}

    /// The decoder produced an image of other dimensions than the header declares.
    #[derive(Debug)]
    struct DimensionsDiffer;

    impl std::fmt::Display for DimensionsDiffer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("decoded dimensions differ from the header's")
        }
    }

    impl std::error::Error for DimensionsDiffer {}
}

#[cfg(test)]
mod tests;
