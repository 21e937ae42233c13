//! A small JPEG 2000 encoder (ISO/IEC 15444-1) for the DG2 portraits of the simulator's passports, which ICAO 9303-10
//! §4.7.2 allows to be JPEG 2000 and which some states issue that way.
//!
//! It writes one configuration only, the one a reader must always support: the JP2 file format (Annex I) around one
//! tile, the reversible 5/3 wavelet (Annex F) with up to five decomposition levels, the reversible colour transform
//! for RGB (Annex G.2), 64x64 code-blocks coded by EBCOT tier 1 with the MQ coder (Annexes C and D, no mode
//! switches), one precinct per resolution, one quality layer in LRCP order (Annex B). Nothing is quantised: at full
//! rate the image is lossless. A smaller size is reached the standard way, by truncating each code-block's bitstream
//! at a coding pass chosen by post-compression rate-distortion optimisation (Annex J.14), which a decoder cannot tell
//! from a lossless stream.
//!
//! It exists because the registry offers no usable encoder here: `jpeg2k` wraps OpenJPEG but can only re-save an image
//! it decoded (no constructor from pixels, no encoder parameters), and `openjp2`, OpenJPEG ported to Rust, exposes
//! the C API as `unsafe` functions, which `unsafe_code = "forbid"` rules out. The tests decode its output with
//! hayro-jpeg2000 (the decoder the gate uses) and, where installed, OpenJPEG's `opj_decompress`: pixel for pixel at
//! full rate.

mod codestream;
mod dwt;
mod mq;
mod rate;
mod tier1;
mod tier2;

use codestream::{JP2_OVERHEAD, TILE_OVERHEAD, jp2_file, main_header, tile_part};
use dwt::{MCT_NORMS, band_norm, component_planes, dwt_53};
use rate::choice_for;
use tier1::{CodedBand, code_band};
use tier2::tile_body;

/// The image to encode: 8-bit samples, interleaved when there are three components (RGB).
#[derive(Debug, Clone, Copy)]
pub struct Pixels<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 1 (greyscale) or 3 (RGB).
    pub components: u8,
    /// `width * height * components` samples, row by row.
    pub samples: &'a [u8],
}

/// How large the codestream may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// Every coding pass: the decoded image equals the input.
    Lossless,
    /// The best image whose JP2 file takes at most this many bytes.
    MaxBytes(usize),
}

/// Why an image cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum J2kError {
    /// The dimensions or the sample count do not describe an image this encoder takes.
    #[error("a {width}x{height} image with {components} component(s) and {samples} samples cannot be encoded")]
    Shape {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
        /// Components given.
        components: u8,
        /// Samples given.
        samples: usize,
    },
    /// A wavelet coefficient needs more bit-planes than the codestream can signal.
    #[error("wavelet coefficients too large to signal")]
    Range,
}

/// Decomposition levels: five, as OpenJPEG and most issuers' encoders use, fewer for a small image.
const MAX_LEVELS: u32 = 5;
/// Code-block size exponent: 64x64 blocks (SPcod stores `6 - 2`).
const CBLK_EXP: u32 = 6;
const CBLK: usize = 1 << CBLK_EXP;
/// Guard bits (QCD): two, enough for the growth of the reversible transforms over 8-bit samples.
const GUARD_BITS: u32 = 2;

/// Encodes `pixels` as a JP2 file.
///
/// # Errors
/// [`J2kError::Shape`] when the image is empty, larger than 65535 pixels a side, not 1 or 3 components, or the samples
/// do not match; [`J2kError::Range`] when coefficients overflow what the codestream can signal (not with 8-bit input).
pub fn encode_jp2(pixels: &Pixels<'_>, rate: Rate) -> Result<Vec<u8>, J2kError> {
    let shape_error = J2kError::Shape {
        width: pixels.width,
        height: pixels.height,
        components: pixels.components,
        samples: pixels.samples.len(),
    };
    let (w, h) = (pixels.width as usize, pixels.height as usize);
    let nc = usize::from(pixels.components);
    if w == 0 || h == 0 || w > 0xFFFF || h > 0xFFFF || !(nc == 1 || nc == 3) || pixels.samples.len() != w * h * nc {
        return Err(shape_error);
    }
    let levels = MAX_LEVELS.min(w.min(h).ilog2());
    let planes = component_planes(pixels.samples, w, h, nc);

    // Tier 1 for every code-block of every band of every component.
    let record = !matches!(rate, Rate::Lossless);
    let mut components = Vec::with_capacity(nc);
    for (c, plane) in planes.into_iter().enumerate() {
        let bands = dwt_53(plane, w, h, levels);
        let mct_weight = if nc == 3 { MCT_NORMS.get(c).copied().unwrap_or(1.0) } else { 1.0 };
        let coded: Vec<CodedBand> = bands
            .into_iter()
            .map(|band| {
                let weight = (band_norm(band.orient, band.level, levels) * mct_weight).powi(2);
                code_band(&band, weight, record)
            })
            .collect();
        components.push(coded);
    }

    // Mb = G + eps_b - 1 must cover every block's bit-planes (E-2); the usual eps_b = B + gain_b (B one more for the
    // colour differences of the RCT) is raised where a band needs more.
    let depth = if nc == 3 { 9 } else { 8 };
    let band_count = components.first().map_or(0, Vec::len);
    let mut exponents = Vec::with_capacity(band_count);
    for b in 0..band_count {
        let needed = components.iter().filter_map(|bands| bands.get(b)).map(|band| band.max_planes).max().unwrap_or(0);
        let gain = components.first().and_then(|bands| bands.get(b)).map_or(0, |band| band.orient.gain());
        let eps = (depth + gain).max((needed + 1).saturating_sub(GUARD_BITS));
        if eps > 31 {
            return Err(J2kError::Range);
        }
        exponents.push(eps);
    }

    let header = main_header(pixels, levels, &exponents);
    let box_overhead = JP2_OVERHEAD + header.len() + TILE_OVERHEAD;
    let full: Vec<Vec<usize>> = choice_for(&components, 0.0);
    let codestream = |choice: &[Vec<usize>]| -> Vec<u8> {
        let body = tile_body(&components, choice, &exponents, levels);
        let mut cs = header.clone();
        tile_part(&body, &mut cs);
        cs
    };
    let chosen = match rate {
        Rate::Lossless => full,
        Rate::MaxBytes(max) => {
            let size = |choice: &[Vec<usize>]| box_overhead + tile_body(&components, choice, &exponents, levels).len();
            if size(&full) <= max {
                full
            } else {
                // The smallest slope whose choice fits: a larger slope drops more passes. Searched on a log scale,
                // as slopes span many decades.
                let (mut lo, mut hi) = (-20.0f64, 40.0f64);
                let mut best = choice_for(&components, f64::INFINITY);
                for _ in 0..48 {
                    let mid = (lo + hi) / 2.0;
                    let choice = choice_for(&components, mid.exp2());
                    if size(&choice) <= max {
                        best = choice;
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                best
            }
        }
    };
    Ok(jp2_file(pixels, &codestream(&chosen)))
}

#[cfg(test)]
mod tests;
