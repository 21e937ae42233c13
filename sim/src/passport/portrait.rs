//! The portrait of DG2: the profile's JPEG or PNG, turned into the image an issuer would store (ICAO 9303-10 §4.7.2,
//! ISO/IEC 19794-5 §8 token and full frontal images): upright, at most 480x640 by default, and compressed to the
//! size real chips carry (11-25 KB), since the time a reader takes is mostly the time to read this image.
//!
//! A JPEG that already fits is stored byte for byte, as an issuer's JPEG would be; anything else is re-encoded: JPEG
//! with the `image` crate's baseline encoder at the highest quality that meets the byte budget, JPEG 2000 with
//! [`super::j2k`].

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder as _, ImageFormat};

use super::j2k;
use super::profile::{PortraitError, PortraitFormat, Profile, ProfileError};

/// The largest image, in pixels, decoded from a profile: far above any portrait, far below what exhausts memory.
const MAX_SOURCE_PIXELS: u64 = 64 * 1024 * 1024;

/// The encoded image DG2 stores.
#[derive(Clone)]
pub struct Portrait {
    /// The image file's bytes.
    pub bytes: Vec<u8>,
    /// JPEG or JPEG 2000.
    pub format: PortraitFormat,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// True for a greyscale image.
    pub greyscale: bool,
    /// True when the profile's file is stored unchanged.
    pub as_given: bool,
    /// The JPEG quality used, when re-encoded as JPEG.
    pub jpeg_quality: Option<u8>,
    /// True when the JPEG 2000 stream holds every coding pass (lossless).
    pub lossless: bool,
}

impl std::fmt::Debug for Portrait {
    // The bytes are biometric data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portrait")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish_non_exhaustive()
    }
}

fn portrait_error(path: &Path, source: PortraitError) -> ProfileError {
    ProfileError::Portrait { path: path.to_path_buf(), source }
}

/// Reads, orients, scales and encodes the profile's portrait.
///
/// # Errors
/// [`ProfileError::Portrait`] when the file cannot be read or decoded, or re-encoding fails.
pub fn prepare(profile: &Profile) -> Result<Portrait, ProfileError> {
    let path = profile.portrait.as_path();
    let source = std::fs::read(path).map_err(|e| portrait_error(path, PortraitError::Read(e)))?;
    let decode = |e| portrait_error(path, PortraitError::Decode(e));
    let source_format = image::guess_format(&source).map_err(decode)?;
    if !matches!(source_format, ImageFormat::Jpeg | ImageFormat::Png) {
        let unsupported = image::error::UnsupportedError::from_format_and_kind(
            source_format.into(),
            image::error::UnsupportedErrorKind::Format(source_format.into()),
        );
        return Err(decode(image::ImageError::Unsupported(unsupported)));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(&source), source_format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_SOURCE_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(decode)?;
    img.apply_orientation(orientation);
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > MAX_SOURCE_PIXELS {
        return Err(portrait_error(path, PortraitError::Size { width: w, height: h }));
    }

    let (max_w, max_h) = (profile.portrait_max_width, profile.portrait_max_height);
    let resized = w > max_w || h > max_h;
    if resized {
        img = img.resize(max_w, max_h, FilterType::Lanczos3);
    }
    let greyscale = !img.color().has_color();
    let img = if greyscale { DynamicImage::ImageLuma8(img.to_luma8()) } else { flatten(&img) };
    let (width, height) = (img.width(), img.height());
    let dims = |v: u32| u16::try_from(v).map_err(|_| portrait_error(path, PortraitError::Size { width, height }));
    let (width16, height16) = (dims(width)?, dims(height)?);

    let untouched = source_format == ImageFormat::Jpeg && !resized && orientation == Orientation::NoTransforms;
    match profile.image_format {
        PortraitFormat::Jpeg if untouched && profile.portrait_quality.is_none() => Ok(Portrait {
            bytes: source,
            format: PortraitFormat::Jpeg,
            width: width16,
            height: height16,
            greyscale,
            as_given: true,
            jpeg_quality: None,
            lossless: false,
        }),
        PortraitFormat::Jpeg => {
            let (bytes, quality, img) = fit_jpeg(img, profile.portrait_quality, profile.portrait_bytes)
                .map_err(|e| portrait_error(path, PortraitError::Decode(e)))?;
            let (width, height) = (img.width(), img.height());
            Ok(Portrait {
                bytes,
                format: PortraitFormat::Jpeg,
                width: dims(width)?,
                height: dims(height)?,
                greyscale,
                as_given: false,
                jpeg_quality: Some(quality),
                lossless: false,
            })
        }
        PortraitFormat::Jpeg2000 => {
            let samples = img.as_bytes();
            let pixels = j2k::Pixels { width, height, components: if greyscale { 1 } else { 3 }, samples };
            // Quality 100 asks for every pass; otherwise the byte budget decides.
            let lossless = profile.portrait_quality == Some(100);
            let rate = if lossless { j2k::Rate::Lossless } else { j2k::Rate::MaxBytes(profile.portrait_bytes) };
            let bytes = j2k::encode_jp2(&pixels, rate).map_err(|e| portrait_error(path, PortraitError::Encode(e)))?;
            Ok(Portrait {
                bytes,
                format: PortraitFormat::Jpeg2000,
                width: width16,
                height: height16,
                greyscale,
                as_given: false,
                jpeg_quality: None,
                lossless,
            })
        }
    }
}

/// RGB, with any transparency composited over white (a passport photo's background), so that no transparent
/// pixel turns black.
fn flatten(img: &DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return DynamicImage::ImageRgb8(img.to_rgb8());
    }
    let rgba = img.to_rgba8();
    let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = src.0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        dst.0 = [over(r), over(g), over(b)];
    }
    DynamicImage::ImageRgb8(rgb)
}

fn encode_jpeg(img: &DynamicImage, quality: u8) -> image::ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    match img {
        DynamicImage::ImageLuma8(g) => encoder.encode_image(g)?,
        other => encoder.encode_image(&other.to_rgb8())?,
    }
    Ok(out)
}

/// The lowest JPEG quality worth storing: below it blocking artefacts start to cost the face matcher. A budget
/// that forces a lower one is met with a smaller picture instead, as issuers do.
const MIN_JPEG_QUALITY: u8 = 50;
/// The smallest width the picture is shrunk to for that, ISO/IEC 19794-5's minimum for a token image.
const MIN_WIDTH: u32 = 240;

/// A JPEG at `quality`; or, with no quality given, the best quality within `max_bytes`, shrinking the picture by
/// steps of 10 % while that quality is below [`MIN_JPEG_QUALITY`]. Returns the bytes, the quality and the picture
/// encoded.
fn fit_jpeg(
    mut img: DynamicImage,
    quality: Option<u8>,
    max_bytes: usize,
) -> image::ImageResult<(Vec<u8>, u8, DynamicImage)> {
    loop {
        let (bytes, q) = jpeg_within(&img, quality, max_bytes)?;
        let (w, h) = (img.width(), img.height());
        if quality.is_some() || q >= MIN_JPEG_QUALITY || w * 9 / 10 < MIN_WIDTH {
            return Ok((bytes, q, img));
        }
        img = img.resize(w * 9 / 10, (h * 9 / 10).max(1), FilterType::Lanczos3);
    }
}

/// A JPEG at `quality`, or at the highest quality from 5 to 95 that keeps within `max_bytes` (the lowest when none
/// does); returns the bytes and the quality.
fn jpeg_within(img: &DynamicImage, quality: Option<u8>, max_bytes: usize) -> image::ImageResult<(Vec<u8>, u8)> {
    if let Some(q) = quality {
        return Ok((encode_jpeg(img, q)?, q));
    }
    // The size grows with the quality, so a bisection finds the best fit in seven encodings.
    let (mut lo, mut hi) = (5u8, 95u8);
    let mut best = (encode_jpeg(img, lo)?, lo);
    if best.0.len() > max_bytes {
        return Ok(best);
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let bytes = encode_jpeg(img, mid)?;
        if bytes.len() <= max_bytes {
            best = (bytes, mid);
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(portrait: &Path, extra: &str) -> Profile {
        let text = format!(
            "issuing_state = \"IDN\"\ngiven_names = \"BUDI\"\ndocument_number = \"X1\"\nnationality = \"IDN\"\n\
             date_of_birth = \"1985-03-14\"\nsex = \"M\"\ndate_of_expiry = \"2033-05-01\"\nportrait = \"{}\"\n{extra}\n",
            portrait.display()
        );
        Profile::parse(&text, Path::new("/")).unwrap()
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gate-sim-portrait-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A picture with detail, so that its JPEG size depends on the quality.
    fn picture(w: u32, h: u32) -> image::RgbImage {
        image::RgbImage::from_fn(w, h, |x, y| {
            let v = ((x * 7 + y * 13) ^ (x * y)) as u8;
            image::Rgb([v, v.wrapping_mul(3), (x + y) as u8])
        })
    }

    #[test]
    fn a_jpeg_that_fits_is_stored_as_given() {
        let dir = scratch("as-given");
        let path = dir.join("small.jpg");
        picture(240, 320).save(&path).unwrap();
        let p = prepare(&profile(&path, "")).unwrap();
        assert!(p.as_given);
        assert_eq!(p.bytes, std::fs::read(&path).unwrap());
        assert_eq!((p.width, p.height), (240, 320));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_large_image_is_shrunk_into_the_budget_at_a_decent_quality() {
        let dir = scratch("large");
        let path = dir.join("large.png");
        picture(1200, 1600).save(&path).unwrap();
        let p = prepare(&profile(&path, "portrait_bytes = 15000")).unwrap();
        assert!(!p.as_given && p.bytes.len() <= 15_000);
        assert!(p.width <= 480 && p.height <= 640);
        let q = p.jpeg_quality.unwrap();
        assert!(q >= MIN_JPEG_QUALITY || p.width < 270, "quality {q} at {}x{}", p.width, p.height);
        let decoded = image::load_from_memory(&p.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (u32::from(p.width), u32::from(p.height)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn greyscale_stays_greyscale_in_jpeg_and_jpeg_2000() {
        let dir = scratch("grey");
        let path = dir.join("grey.png");
        image::DynamicImage::ImageRgb8(picture(200, 260)).to_luma8().save(&path).unwrap();
        let jpeg = prepare(&profile(&path, "")).unwrap();
        assert!(jpeg.greyscale);
        assert_eq!(image::load_from_memory(&jpeg.bytes).unwrap().color(), image::ColorType::L8);
        let j2k = prepare(&profile(&path, "image_format = \"jpeg2000\"\nportrait_quality = 100")).unwrap();
        assert!(j2k.greyscale && j2k.lossless);
        let decoded = hayro_jpeg2000::Image::new(&j2k.bytes, &hayro_jpeg2000::DecodeSettings::default()).unwrap();
        assert_eq!(decoded.color_space().num_channels(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unreadable_portraits_are_named() {
        let dir = scratch("bad");
        let path = dir.join("bad.jpg");
        std::fs::write(&path, b"\xFF\xD8\xFF\xE0 not really").unwrap();
        let gif = dir.join("x.gif");
        std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00").unwrap();
        for p in [path, gif, dir.join("missing.png")] {
            assert!(matches!(prepare(&profile(&p, "")), Err(ProfileError::Portrait { .. })), "{}", p.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
