//! Matching the live face against the chip's photo on the device (ICAO 9303-10 §4.7.2 for DG2; ISO/IEC 19794-5,
//! 29794-5 for quality, 30107-3 for presentation attacks): decode, detect with five landmarks, align with a
//! similarity transform onto the recogniser's template, embed, compare; quality gates on the live probe; the best of
//! several frames; presentation-attack checks. Models run in ONNX Runtime through `ort`, each described by a
//! manifest and refused when its file's sha256 differs (fail closed).
//!
//! Images and embeddings are biometric data: they live in memory only, in buffers wiped on drop, and never appear in
//! logs or `Debug` output.

pub mod align;
pub mod capture;
pub mod detect;
pub mod engine;
pub mod error;
pub mod manifest;
pub mod pad;
pub mod quality;
pub mod recognise;
pub mod runtime;

use zeroize::Zeroizing;

/// An 8-bit RGB image, row by row, wiped on drop.
#[derive(Clone)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes, R G B.
    pub pixels: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{}, pixels redacted)", self.width, self.height)
    }
}

impl RgbImage {
    /// The pixel at (x, y) as [r, g, b], or `None` outside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (usize::try_from(y).ok()? * usize::try_from(self.width).ok()? + usize::try_from(x).ok()?) * 3;
        let p = self.pixels.get(i..i + 3)?;
        Some([*p.first()?, *p.get(1)?, *p.get(2)?])
    }

    /// An image from mrtd's decoded pixels (greyscale is spread to three channels).
    pub fn from_decoded(image: &mrtd::face_image::DecodedImage) -> Self {
        let pixels = match image.layout {
            mrtd::face_image::PixelLayout::Rgb8 => Zeroizing::new(image.pixels.to_vec()),
            mrtd::face_image::PixelLayout::Luma8 => {
                Zeroizing::new(image.pixels.iter().flat_map(|&v| [v, v, v]).collect())
            }
        };
        Self { width: image.width, height: image.height, pixels }
    }
}

/// A point in image coordinates (pixels, origin top left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal, to the right.
    pub x: f32,
    /// Vertical, downwards.
    pub y: f32,
}

/// A face found by the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// The box: left, top, right, bottom.
    pub bbox: [f32; 4],
    /// The detector's confidence, 0 to 1.
    pub score: f32,
    /// Five landmarks: left eye, right eye (as seen in the image), nose tip, left and right mouth corners.
    pub landmarks: [Point; 5],
}

/// A face template from the recogniser, L2-normalised, wiped on drop.
#[derive(Clone)]
pub struct Embedding(pub Zeroizing<Vec<f32>>);

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedding({} dimensions, redacted)", self.0.len())
    }
}
