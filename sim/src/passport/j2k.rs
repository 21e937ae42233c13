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

// ---------------------------------------------------------------------------------------------------------------
// Level shift, colour transform, wavelet.

/// DC level shift (G.1) and, for three components, the reversible colour transform (G.2, Equation G-5):
/// Y = floor((R + 2G + B) / 4), U = B - G, V = R - G.
fn component_planes(samples: &[u8], w: usize, h: usize, nc: usize) -> Vec<Vec<i32>> {
    let n = w * h;
    if nc == 1 {
        return vec![samples.iter().map(|&s| i32::from(s) - 128).collect()];
    }
    let mut y = Vec::with_capacity(n);
    let mut u = Vec::with_capacity(n);
    let mut v = Vec::with_capacity(n);
    for px in samples.chunks_exact(3) {
        let (r, g, b) = match px {
            [r, g, b] => (i32::from(*r) - 128, i32::from(*g) - 128, i32::from(*b) - 128),
            _ => (0, 0, 0),
        };
        y.push((r + 2 * g + b) >> 2);
        u.push(b - g);
        v.push(r - g);
    }
    vec![y, u, v]
}

/// The orientation of a subband, which picks the zero-coding contexts (Table D.1) and the gain (Table E.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Orient {
    Ll,
    /// Horizontally high-pass.
    Hl,
    /// Vertically high-pass.
    Lh,
    Hh,
}

impl Orient {
    fn gain(self) -> u32 {
        match self {
            Orient::Ll => 0,
            Orient::Hl | Orient::Lh => 1,
            Orient::Hh => 2,
        }
    }
}

struct Band {
    orient: Orient,
    /// Decomposition level, 1 the finest; the LL band carries the number of levels.
    level: u32,
    width: usize,
    height: usize,
    coefficients: Vec<i32>,
}

/// One-dimensional reversible 5/3 analysis by lifting (F.4.8.2, Equations F-9 and F-10, with the symmetric extension
/// of F.3.7), for a signal starting at an even index; returns the low-pass and high-pass halves.
fn lift_53(x: &mut [i32]) -> (Vec<i32>, Vec<i32>) {
    let n = x.len();
    if n < 2 {
        // A single sample at an even index passes unchanged (F.4.8.2).
        return (x.to_vec(), Vec::new());
    }
    let at = |x: &[i32], i: usize| x.get(i).copied().unwrap_or(0);
    // Mirror: index n maps to n - 2, index -1 to 1.
    let mirror = |i: isize| -> usize {
        if i < 0 {
            i.unsigned_abs()
        } else if (i as usize) >= n {
            2 * (n - 1) - i as usize
        } else {
            i as usize
        }
    };
    let mut i = 1;
    while i < n {
        let left = at(x, i - 1);
        let right = at(x, mirror(i as isize + 1));
        if let Some(v) = x.get_mut(i) {
            *v -= (left + right) >> 1;
        }
        i += 2;
    }
    let mut i = 0;
    while i < n {
        let left = at(x, mirror(i as isize - 1));
        let right = at(x, mirror(i as isize + 1));
        if let Some(v) = x.get_mut(i) {
            *v += (left + right + 2) >> 2;
        }
        i += 2;
    }
    let low = x.iter().step_by(2).copied().collect();
    let high = x.iter().skip(1).step_by(2).copied().collect();
    (low, high)
}

/// The 2D forward transform (F.4.8.1, 2D_SD): columns first, then rows, the reverse of the decoder's order, level by
/// level on the LL band. Bands come out in codestream order: LL, then HL, LH, HH from the coarsest level down.
fn dwt_53(plane: Vec<i32>, w: usize, h: usize, levels: u32) -> Vec<Band> {
    let mut ll = plane;
    let (mut cw, mut ch) = (w, h);
    let mut details: Vec<[Band; 3]> = Vec::new();
    for level in 1..=levels {
        let (lw, hw) = (cw.div_ceil(2), cw / 2);
        let (lh, hh) = (ch.div_ceil(2), ch / 2);
        // Vertical pass: low rows on top, high rows below.
        let mut vert = vec![0i32; cw * ch];
        let mut column = vec![0i32; ch];
        for x in 0..cw {
            for (y, c) in column.iter_mut().enumerate() {
                *c = ll.get(y * cw + x).copied().unwrap_or(0);
            }
            let (low, high) = lift_53(&mut column);
            for (y, v) in low.iter().chain(high.iter()).enumerate() {
                if let Some(slot) = vert.get_mut(y * cw + x) {
                    *slot = *v;
                }
            }
        }
        // Horizontal pass on every row.
        let mut quads = [
            vec![0i32; lw * lh], // LL
            vec![0i32; hw * lh], // HL
            vec![0i32; lw * hh], // LH
            vec![0i32; hw * hh], // HH
        ];
        for y in 0..ch {
            let row = vert.get_mut(y * cw..(y + 1) * cw).unwrap_or_default();
            let (low, high) = lift_53(row);
            let (lq, hq, ry) = if y < lh { (0, 1, y) } else { (2, 3, y - lh) };
            if let Some(q) = quads.get_mut(lq) {
                q.get_mut(ry * lw..(ry + 1) * lw).unwrap_or_default().copy_from_slice(&low);
            }
            if let Some(q) = quads.get_mut(hq) {
                q.get_mut(ry * hw..(ry + 1) * hw).unwrap_or_default().copy_from_slice(&high);
            }
        }
        let [next, hl, lh_band, hh_band] = quads;
        details.push([
            Band { orient: Orient::Hl, level, width: hw, height: lh, coefficients: hl },
            Band { orient: Orient::Lh, level, width: lw, height: hh, coefficients: lh_band },
            Band { orient: Orient::Hh, level, width: hw, height: hh, coefficients: hh_band },
        ]);
        ll = next;
        cw = lw;
        ch = lh;
    }
    let mut bands = vec![Band { orient: Orient::Ll, level: levels, width: cw, height: ch, coefficients: ll }];
    for triple in details.into_iter().rev() {
        bands.extend(triple);
    }
    bands
}

/// L2 norms of the 5/3 synthesis basis functions by orientation and level (as OpenJPEG tabulates them), which turn a
/// coefficient's squared error into the image's.
fn band_norm(orient: Orient, level: u32, levels: u32) -> f64 {
    const LL: [f64; 10] = [1.000, 1.500, 2.750, 5.375, 10.68, 21.34, 42.67, 85.33, 170.7, 341.3];
    const HL: [f64; 9] = [1.038, 1.592, 2.919, 5.703, 11.33, 22.64, 45.25, 90.48, 180.9];
    const HH: [f64; 9] = [0.7186, 0.9218, 1.586, 3.043, 6.019, 12.01, 24.00, 47.97, 95.93];
    let i = level.saturating_sub(1) as usize;
    match orient {
        Orient::Ll => LL.get(levels as usize).copied().unwrap_or(1.0),
        Orient::Hl | Orient::Lh => HL.get(i).copied().unwrap_or(1.0),
        Orient::Hh => HH.get(i).copied().unwrap_or(1.0),
    }
}

/// Norms of the inverse reversible colour transform's basis vectors for Y, U and V.
const MCT_NORMS: [f64; 3] = [1.732, 0.8292, 0.8292];

// ---------------------------------------------------------------------------------------------------------------
// Tier 1: the MQ coder and the three coding passes.

/// Qe, next state after an MPS, next state after an LPS, and whether an LPS switches the MPS (Table C.2).
const QE: [(u32, u8, u8, bool); 47] = [
    (0x5601, 1, 1, true),
    (0x3401, 2, 6, false),
    (0x1801, 3, 9, false),
    (0x0AC1, 4, 12, false),
    (0x0521, 5, 29, false),
    (0x0221, 38, 33, false),
    (0x5601, 7, 6, true),
    (0x5401, 8, 14, false),
    (0x4801, 9, 14, false),
    (0x3801, 10, 14, false),
    (0x3001, 11, 17, false),
    (0x2401, 12, 18, false),
    (0x1C01, 13, 20, false),
    (0x1601, 29, 21, false),
    (0x5601, 15, 14, true),
    (0x5401, 16, 14, false),
    (0x5101, 17, 15, false),
    (0x4801, 18, 16, false),
    (0x3801, 19, 17, false),
    (0x3401, 20, 18, false),
    (0x3001, 21, 19, false),
    (0x2801, 22, 19, false),
    (0x2401, 23, 20, false),
    (0x2201, 24, 21, false),
    (0x1C01, 25, 22, false),
    (0x1801, 26, 23, false),
    (0x1601, 27, 24, false),
    (0x1401, 28, 25, false),
    (0x1201, 29, 26, false),
    (0x1101, 30, 27, false),
    (0x0AC1, 31, 28, false),
    (0x09C1, 32, 29, false),
    (0x08A1, 33, 30, false),
    (0x0521, 34, 31, false),
    (0x0441, 35, 32, false),
    (0x02A1, 36, 33, false),
    (0x0221, 37, 34, false),
    (0x0141, 38, 35, false),
    (0x0111, 39, 36, false),
    (0x0085, 40, 37, false),
    (0x0049, 41, 38, false),
    (0x0025, 42, 39, false),
    (0x0015, 43, 40, false),
    (0x0009, 44, 41, false),
    (0x0005, 45, 42, false),
    (0x0001, 45, 43, false),
    (0x5601, 46, 46, false),
];

/// Context labels (Annex D): 0-8 zero coding, 9-13 sign coding, 14-16 magnitude refinement, then run-length and
/// uniform.
const CTX_RL: usize = 17;
const CTX_UNI: usize = 18;
const CONTEXTS: usize = 19;

/// The MQ encoder of C.2, writing into a buffer whose first byte stands for the byte before the stream (C.2.8).
#[derive(Clone)]
struct Mq {
    a: u32,
    c: u32,
    ct: u32,
    out: Vec<u8>,
    /// State index and MPS of each context.
    contexts: [(u8, u8); CONTEXTS],
}

impl Mq {
    fn new() -> Self {
        let mut contexts = [(0u8, 0u8); CONTEXTS];
        // Initial states of Table D.7: zero-coding context 0 at 4, run-length at 3, uniform at 46.
        contexts[0] = (4, 0);
        contexts[CTX_RL] = (3, 0);
        contexts[CTX_UNI] = (46, 0);
        Self { a: 0x8000, c: 0, ct: 12, out: vec![0], contexts }
    }

    fn last(&self) -> u8 {
        self.out.last().copied().unwrap_or(0)
    }

    fn byte_out(&mut self) {
        if self.last() == 0xFF {
            self.out.push((self.c >> 20) as u8);
            self.c &= 0xF_FFFF;
            self.ct = 7;
        } else if self.c < 0x800_0000 {
            self.out.push((self.c >> 19) as u8);
            self.c &= 0x7_FFFF;
            self.ct = 8;
        } else {
            // The carry goes into the byte already written.
            if let Some(b) = self.out.last_mut() {
                *b = b.wrapping_add(1);
            }
            if self.last() == 0xFF {
                self.c &= 0x7FF_FFFF;
                self.out.push((self.c >> 20) as u8);
                self.c &= 0xF_FFFF;
                self.ct = 7;
            } else {
                self.out.push((self.c >> 19) as u8);
                self.c &= 0x7_FFFF;
                self.ct = 8;
            }
        }
    }

    fn renorm(&mut self) {
        loop {
            self.a <<= 1;
            self.c <<= 1;
            self.ct -= 1;
            if self.ct == 0 {
                self.byte_out();
            }
            if self.a & 0x8000 != 0 {
                break;
            }
        }
    }

    fn encode(&mut self, cx: usize, bit: u8) {
        let Some(&(state, mps)) = self.contexts.get(cx) else { return };
        let Some(&(qe, nmps, nlps, switch)) = QE.get(usize::from(state)) else { return };
        self.a -= qe;
        if bit == mps {
            if self.a & 0x8000 == 0 {
                if self.a < qe {
                    self.a = qe;
                } else {
                    self.c += qe;
                }
                if let Some(s) = self.contexts.get_mut(cx) {
                    s.0 = nmps;
                }
                self.renorm();
            } else {
                self.c += qe;
            }
        } else {
            if self.a < qe {
                self.c += qe;
            } else {
                self.a = qe;
            }
            if let Some(s) = self.contexts.get_mut(cx) {
                s.0 = nlps;
                if switch {
                    s.1 ^= 1;
                }
            }
            self.renorm();
        }
    }

    /// FLUSH (C.2.9), dropping a final 0xFF as the standard requires; returns the codeword without the byte that
    /// stood before it.
    fn finish(mut self) -> Vec<u8> {
        let tempc = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= tempc {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        self.byte_out();
        self.c <<= self.ct;
        self.byte_out();
        if self.last() == 0xFF {
            self.out.pop();
        }
        self.out.split_off(1)
    }
}

const SIG: u8 = 1;
const VISIT: u8 = 2;
const REFINED: u8 = 4;
const NEG: u8 = 8;

/// One code-block's tier-1 state: significance flags with a one-sample border so that every sample has eight
/// neighbours, and the magnitudes.
struct Block<'a> {
    w: usize,
    h: usize,
    stride: usize,
    flags: Vec<u8>,
    mag: &'a [u32],
    orient: Orient,
    mq: Mq,
    /// Distortion removed so far, in squared coefficient units.
    gain: f64,
}

impl Block<'_> {
    fn idx(&self, x: usize, y: usize) -> usize {
        (y + 1) * self.stride + x + 1
    }

    fn flag(&self, i: usize) -> u8 {
        self.flags.get(i).copied().unwrap_or(0)
    }

    fn set(&mut self, i: usize, bits: u8) {
        if let Some(f) = self.flags.get_mut(i) {
            *f |= bits;
        }
    }

    fn magnitude(&self, x: usize, y: usize) -> u32 {
        self.mag.get(y * self.w + x).copied().unwrap_or(0)
    }

    /// Significant horizontal, vertical and diagonal neighbours.
    fn neighbours(&self, i: usize) -> (u8, u8, u8) {
        let s = |j: usize| self.flag(j) & SIG;
        let st = self.stride;
        let h = s(i - 1) + s(i + 1);
        let v = s(i - st) + s(i + st);
        let d = s(i - st - 1) + s(i - st + 1) + s(i + st - 1) + s(i + st + 1);
        (h, v, d)
    }

    /// Zero-coding context (Table D.1).
    fn zc_context(&self, i: usize) -> usize {
        let (h, v, d) = self.neighbours(i);
        match self.orient {
            Orient::Hh => {
                let hv = h + v;
                match (d, hv) {
                    (3.., _) => 8,
                    (2, 1..) => 7,
                    (2, _) => 6,
                    (1, 2..) => 5,
                    (1, 1) => 4,
                    (1, _) => 3,
                    (_, 2..) => 2,
                    (_, 1) => 1,
                    _ => 0,
                }
            }
            orient => {
                // The horizontally high-pass band swaps the roles of horizontal and vertical neighbours.
                let (h, v) = if orient == Orient::Hl { (v, h) } else { (h, v) };
                match (h, v, d) {
                    (2.., _, _) => 8,
                    (1, 1.., _) => 7,
                    (1, 0, 1..) => 6,
                    (1, 0, 0) => 5,
                    (0, 2.., _) => 4,
                    (0, 1, _) => 3,
                    (0, 0, 2..) => 2,
                    (0, 0, 1) => 1,
                    _ => 0,
                }
            }
        }
    }

    /// Sign-coding context and XOR bit (Tables D.2 and D.3).
    fn sc_context(&self, i: usize) -> (usize, u8) {
        let contribution = |j: usize| -> i8 {
            let f = self.flag(j);
            if f & SIG == 0 {
                0
            } else if f & NEG != 0 {
                -1
            } else {
                1
            }
        };
        let st = self.stride;
        let h = (contribution(i - 1) + contribution(i + 1)).clamp(-1, 1);
        let v = (contribution(i - st) + contribution(i + st)).clamp(-1, 1);
        match (h, v) {
            (1, 1) => (13, 0),
            (1, 0) => (12, 0),
            (1, _) => (11, 0),
            (0, 1) => (10, 0),
            (0, 0) => (9, 0),
            (0, _) => (10, 1),
            (_, 1) => (11, 1),
            (_, 0) => (12, 1),
            _ => (13, 1),
        }
    }

    fn code_sign(&mut self, i: usize) {
        let (cx, xor) = self.sc_context(i);
        let sign = u8::from(self.flag(i) & NEG != 0);
        self.mq.encode(cx, sign ^ xor);
    }

    /// The sample becomes significant at bit-plane `p`: code its sign and count the distortion removed, the
    /// decoder reconstructing at the middle of the interval still open.
    fn become_significant(&mut self, i: usize, magnitude: u32, p: u32) {
        self.code_sign(i);
        self.set(i, SIG);
        let v = f64::from(magnitude);
        let rec = if p > 0 { 1.5 * f64::from(1u32 << p) } else { 1.0 };
        self.gain += v * v - (v - rec) * (v - rec);
    }

    /// Significance propagation pass (D.3.1).
    fn significance_pass(&mut self, p: u32) {
        for y0 in (0..self.h).step_by(4) {
            for x in 0..self.w {
                for y in y0..(y0 + 4).min(self.h) {
                    let i = self.idx(x, y);
                    if self.flag(i) & SIG != 0 || self.neighbours(i) == (0, 0, 0) {
                        continue;
                    }
                    let m = self.magnitude(x, y);
                    let bit = ((m >> p) & 1) as u8;
                    let cx = self.zc_context(i);
                    self.mq.encode(cx, bit);
                    if bit == 1 {
                        self.become_significant(i, m, p);
                    }
                    self.set(i, VISIT);
                }
            }
        }
    }

    /// Magnitude refinement pass (D.3.3).
    fn refinement_pass(&mut self, p: u32) {
        for y0 in (0..self.h).step_by(4) {
            for x in 0..self.w {
                for y in y0..(y0 + 4).min(self.h) {
                    let i = self.idx(x, y);
                    let f = self.flag(i);
                    if f & SIG == 0 || f & VISIT != 0 {
                        continue;
                    }
                    let cx = if f & REFINED != 0 {
                        16
                    } else if self.neighbours(i) == (0, 0, 0) {
                        14
                    } else {
                        15
                    };
                    let m = self.magnitude(x, y);
                    self.mq.encode(cx, ((m >> p) & 1) as u8);
                    self.set(i, REFINED);
                    let v = f64::from(m);
                    let before = f64::from((m >> (p + 1)) << (p + 1)) + f64::from(1u32 << p);
                    let after = f64::from((m >> p) << p) + if p > 0 { f64::from(1u32 << (p - 1)) } else { 0.0 };
                    self.gain += (v - before) * (v - before) - (v - after) * (v - after);
                }
            }
        }
    }

    /// Cleanup pass (D.3.4), with run-length coding of four-sample columns that are all insignificant with
    /// insignificant neighbourhoods.
    fn cleanup_pass(&mut self, p: u32) {
        for y0 in (0..self.h).step_by(4) {
            for x in 0..self.w {
                let full = y0 + 4 <= self.h;
                let quiet = full
                    && (y0..y0 + 4).all(|y| {
                        let i = self.idx(x, y);
                        self.flag(i) & (SIG | VISIT) == 0 && self.neighbours(i) == (0, 0, 0)
                    });
                let mut start = y0;
                let mut known_significant = None;
                if quiet {
                    let first = (y0..y0 + 4).find(|&y| (self.magnitude(x, y) >> p) & 1 == 1);
                    match first {
                        None => {
                            self.mq.encode(CTX_RL, 0);
                            continue;
                        }
                        Some(y) => {
                            self.mq.encode(CTX_RL, 1);
                            let run = (y - y0) as u8;
                            self.mq.encode(CTX_UNI, (run >> 1) & 1);
                            self.mq.encode(CTX_UNI, run & 1);
                            start = y;
                            known_significant = Some(y);
                        }
                    }
                }
                for y in start..(y0 + 4).min(self.h) {
                    let i = self.idx(x, y);
                    let m = self.magnitude(x, y);
                    if known_significant == Some(y) {
                        self.become_significant(i, m, p);
                        continue;
                    }
                    if self.flag(i) & (SIG | VISIT) != 0 {
                        continue;
                    }
                    let bit = ((m >> p) & 1) as u8;
                    let cx = self.zc_context(i);
                    self.mq.encode(cx, bit);
                    if bit == 1 {
                        self.become_significant(i, m, p);
                    }
                }
            }
        }
        for f in &mut self.flags {
            *f &= !VISIT;
        }
    }
}

/// A code-block's bitstream at each truncation point.
struct CodedBlock {
    /// Magnitude bit-planes from the most significant one set (0 for an all-zero block).
    planes: u32,
    /// For `n` passes (index `n - 1`): the terminated codeword and the weighted distortion those passes remove.
    passes: Vec<(Vec<u8>, f64)>,
}

struct CodedBand {
    orient: Orient,
    /// Code-blocks across and down.
    blocks_x: usize,
    blocks_y: usize,
    blocks: Vec<CodedBlock>,
    max_planes: u32,
}

/// Codes one code-block. With `record`, the codeword is also terminated after every pass (on a copy of the coder),
/// so that any pass is a truncation point; otherwise only after the last.
fn code_block(coefficients: &[i32], w: usize, h: usize, orient: Orient, weight: f64, record: bool) -> CodedBlock {
    let mag: Vec<u32> = coefficients.iter().map(|c| c.unsigned_abs()).collect();
    let max = mag.iter().copied().max().unwrap_or(0);
    let planes = u32::BITS - max.leading_zeros();
    if planes == 0 {
        return CodedBlock { planes, passes: Vec::new() };
    }
    let stride = w + 2;
    let mut flags = vec![0u8; stride * (h + 2)];
    for (k, c) in coefficients.iter().enumerate() {
        if *c < 0
            && let Some(f) = flags.get_mut((k / w + 1) * stride + k % w + 1)
        {
            *f |= NEG;
        }
    }
    let mut block = Block { w, h, stride, flags, mag: &mag, orient, mq: Mq::new(), gain: 0.0 };
    let mut passes = Vec::new();
    let total = 3 * planes - 2;
    let record_pass = |block: &Block<'_>, passes: &mut Vec<(Vec<u8>, f64)>| {
        if record || passes.len() + 1 == total as usize {
            passes.push((block.mq.clone().finish(), block.gain * weight));
        } else {
            passes.push((Vec::new(), block.gain * weight));
        }
    };
    for p in (0..planes).rev() {
        if p + 1 < planes {
            block.significance_pass(p);
            record_pass(&block, &mut passes);
            block.refinement_pass(p);
            record_pass(&block, &mut passes);
        }
        block.cleanup_pass(p);
        record_pass(&block, &mut passes);
    }
    CodedBlock { planes, passes }
}

fn code_band(band: &Band, weight: f64, record: bool) -> CodedBand {
    let blocks_x = band.width.div_ceil(CBLK);
    let blocks_y = band.height.div_ceil(CBLK);
    let mut blocks = Vec::with_capacity(blocks_x * blocks_y);
    let mut buf = Vec::with_capacity(CBLK * CBLK);
    for by in 0..blocks_y {
        for bx in 0..blocks_x {
            let (x0, y0) = (bx * CBLK, by * CBLK);
            let (w, h) = (CBLK.min(band.width - x0), CBLK.min(band.height - y0));
            buf.clear();
            for y in y0..y0 + h {
                let row = band.coefficients.get(y * band.width + x0..y * band.width + x0 + w).unwrap_or_default();
                buf.extend_from_slice(row);
            }
            blocks.push(code_block(&buf, w, h, band.orient, weight, record));
        }
    }
    let max_planes = blocks.iter().map(|b| b.planes).max().unwrap_or(0);
    CodedBand { orient: band.orient, blocks_x, blocks_y, blocks, max_planes }
}

/// For each code-block, the number of passes that maximises distortion removed minus `slope` times bytes (J.14.3).
fn choice_for(components: &[Vec<CodedBand>], slope: f64) -> Vec<Vec<usize>> {
    let mut choice = Vec::new();
    for bands in components {
        for band in bands {
            let per_block = band
                .blocks
                .iter()
                .map(|block| {
                    if slope == 0.0 {
                        return block.passes.len();
                    }
                    let mut best = (0usize, 0.0f64);
                    for (n, (bytes, gain)) in block.passes.iter().enumerate() {
                        let value = gain - slope * bytes.len() as f64;
                        if value > best.1 {
                            best = (n + 1, value);
                        }
                    }
                    best.0
                })
                .collect();
            choice.push(per_block);
        }
    }
    choice
}

// ---------------------------------------------------------------------------------------------------------------
// Tier 2: packet headers.

/// The packet-header bit writer (B.10.1): after a 0xFF byte the next byte carries only seven bits.
struct Bits {
    out: Vec<u8>,
    buf: u32,
    ct: u32,
}

impl Bits {
    fn new() -> Self {
        Self { out: Vec::new(), buf: 0, ct: 8 }
    }

    fn byte_out(&mut self) {
        self.buf = (self.buf << 8) & 0xFFFF;
        self.ct = if self.buf == 0xFF00 { 7 } else { 8 };
        self.out.push((self.buf >> 8) as u8);
    }

    fn put(&mut self, bit: u32) {
        if self.ct == 0 {
            self.byte_out();
        }
        self.ct -= 1;
        self.buf |= (bit & 1) << self.ct;
    }

    fn put_bits(&mut self, value: u32, n: u32) {
        for k in (0..n).rev() {
            self.put((value >> k) & 1);
        }
    }

    /// Pads to a byte; a header ending in 0xFF gets a zero byte after it, so that no marker can form with the body.
    fn finish(mut self) -> Vec<u8> {
        self.byte_out();
        if self.ct == 7 {
            self.byte_out();
        }
        self.out
    }
}

/// A tag tree (B.10.2) over a grid of leaves, each node the minimum of its children.
struct TagTree {
    /// Value, lowest value known to the decoder, and whether the value has been signalled.
    nodes: Vec<(u32, u32, bool)>,
    parents: Vec<Option<usize>>,
}

impl TagTree {
    fn new(w: usize, h: usize, leaves: &[u32]) -> Self {
        let mut nodes: Vec<(u32, u32, bool)> = leaves.iter().map(|&v| (v, 0, false)).collect();
        let mut parents = vec![None; nodes.len()];
        let (mut lw, mut lh, mut start) = (w, h, 0usize);
        while lw * lh > 1 {
            let (pw, ph) = (lw.div_ceil(2), lh.div_ceil(2));
            let pstart = nodes.len();
            nodes.extend(std::iter::repeat_n((u32::MAX, 0, false), pw * ph));
            parents.extend(std::iter::repeat_n(None, pw * ph));
            for y in 0..lh {
                for x in 0..lw {
                    let child = start + y * lw + x;
                    let parent = pstart + (y / 2) * pw + x / 2;
                    if let Some(p) = parents.get_mut(child) {
                        *p = Some(parent);
                    }
                    let v = nodes.get(child).map_or(u32::MAX, |n| n.0);
                    if let Some(n) = nodes.get_mut(parent) {
                        n.0 = n.0.min(v);
                    }
                }
            }
            start = pstart;
            lw = pw;
            lh = ph;
        }
        Self { nodes, parents }
    }

    /// Codes whether leaf's value is below `threshold`, and its value if so, from the root down.
    fn encode(&mut self, bits: &mut Bits, leaf: usize, threshold: u32) {
        let mut path = vec![leaf];
        let mut node = leaf;
        while let Some(Some(p)) = self.parents.get(node) {
            path.push(*p);
            node = *p;
        }
        let mut low = 0u32;
        for &n in path.iter().rev() {
            let Some(entry) = self.nodes.get_mut(n) else { return };
            if low > entry.1 {
                entry.1 = low;
            } else {
                low = entry.1;
            }
            while low < threshold {
                if low >= entry.0 {
                    if !entry.2 {
                        bits.put(1);
                        entry.2 = true;
                    }
                    break;
                }
                bits.put(0);
                low += 1;
            }
            entry.1 = low;
        }
    }
}

/// The codeword for the number of coding passes (Table B.4).
fn put_pass_count(bits: &mut Bits, n: usize) {
    let n = n as u32;
    match n {
        1 => bits.put_bits(0, 1),
        2 => bits.put_bits(0b10, 2),
        3..=5 => bits.put_bits(0b1100 | (n - 3), 4),
        6..=36 => bits.put_bits(0x1E0 | (n - 6), 9),
        _ => bits.put_bits(0xFF80 | (n - 37), 16),
    }
}

/// One packet: the code-blocks of the bands of one resolution of one component (B.9, B.10).
fn packet(bands: &[(&CodedBand, &[usize], u32)], out: &mut Vec<u8>) {
    let mut bits = Bits::new();
    let mut body = Vec::new();
    let any = bands.iter().any(|(_, choice, _)| choice.iter().any(|&n| n > 0));
    if !any {
        bits.put(0);
        out.extend(bits.finish());
        return;
    }
    bits.put(1);
    for &(band, choice, mb) in bands {
        let inclusion: Vec<u32> = choice.iter().map(|&n| u32::from(n == 0)).collect();
        let zero_planes: Vec<u32> = band.blocks.iter().map(|b| mb.saturating_sub(b.planes)).collect();
        let mut inclusion_tree = TagTree::new(band.blocks_x, band.blocks_y, &inclusion);
        let mut zero_tree = TagTree::new(band.blocks_x, band.blocks_y, &zero_planes);
        for (k, (block, &n)) in band.blocks.iter().zip(choice).enumerate() {
            inclusion_tree.encode(&mut bits, k, 1);
            if n == 0 {
                continue;
            }
            zero_tree.encode(&mut bits, k, u32::MAX);
            put_pass_count(&mut bits, n);
            let data = block.passes.get(n - 1).map(|p| p.0.as_slice()).unwrap_or_default();
            let len = data.len() as u32;
            // Lblock starts at 3 (B.10.7.1); signal what the length needs beyond it.
            let fixed = 3 + (n as u32).ilog2();
            let needed = (u32::BITS - len.leading_zeros()).max(1);
            let increment = needed.saturating_sub(fixed);
            for _ in 0..increment {
                bits.put(1);
            }
            bits.put(0);
            bits.put_bits(len, fixed + increment);
            body.extend_from_slice(data);
        }
    }
    out.extend(bits.finish());
    out.extend(body);
}

/// Every packet of the tile in LRCP order with one layer: resolution by resolution, component by component.
fn tile_body(components: &[Vec<CodedBand>], choice: &[Vec<usize>], exponents: &[u32], levels: u32) -> Vec<u8> {
    let bands_per_component = components.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    for r in 0..=levels as usize {
        let band_range = if r == 0 { 0..1 } else { (3 * r - 2)..(3 * r + 1) };
        for (c, bands) in components.iter().enumerate() {
            let mut list = Vec::new();
            for b in band_range.clone() {
                let (Some(band), Some(ch), Some(&eps)) =
                    (bands.get(b), choice.get(c * bands_per_component + b), exponents.get(b))
                else {
                    continue;
                };
                list.push((band, ch.as_slice(), GUARD_BITS + eps - 1));
            }
            packet(&list, &mut out);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// Codestream and file format.

fn marker(out: &mut Vec<u8>, code: u16, segment: &[u8]) {
    out.extend_from_slice(&code.to_be_bytes());
    if !segment.is_empty() {
        out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(segment);
    }
}

/// SOC, SIZ, COD and QCD (A.4, A.5, A.6).
fn main_header(pixels: &Pixels<'_>, levels: u32, exponents: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    marker(&mut out, 0xFF4F, &[]);
    let mut siz = Vec::new();
    siz.extend_from_slice(&0u16.to_be_bytes()); // Rsiz: Part 1 only
    for v in [pixels.width, pixels.height, 0, 0, pixels.width, pixels.height, 0, 0] {
        siz.extend_from_slice(&v.to_be_bytes());
    }
    siz.extend_from_slice(&u16::from(pixels.components).to_be_bytes());
    for _ in 0..pixels.components {
        siz.extend_from_slice(&[7, 1, 1]); // 8-bit unsigned, no subsampling
    }
    marker(&mut out, 0xFF51, &siz);
    let mct = u8::from(pixels.components == 3);
    // Scod 0: maximal precincts, no SOP/EPH; LRCP, one layer; levels, 64x64 blocks, no mode switches, 5/3.
    let cod = [0, 0, 0, 1, mct, levels as u8, (CBLK_EXP - 2) as u8, (CBLK_EXP - 2) as u8, 0, 1];
    marker(&mut out, 0xFF52, &cod);
    let mut qcd = vec![(GUARD_BITS << 5) as u8]; // no quantisation
    qcd.extend(exponents.iter().map(|&e| (e << 3) as u8));
    marker(&mut out, 0xFF5C, &qcd);
    out
}

/// SOT + SOD + body: 12 + 2 bytes around the packets, then EOC.
const TILE_OVERHEAD: usize = 14 + 2;

/// One tile-part holding the whole tile, then EOC.
fn tile_part(body: &[u8], out: &mut Vec<u8>) {
    let psot = (12 + 2 + body.len()) as u32;
    let mut sot = Vec::new();
    sot.extend_from_slice(&0u16.to_be_bytes()); // tile 0
    sot.extend_from_slice(&psot.to_be_bytes());
    sot.extend_from_slice(&[0, 1]); // tile-part 0 of 1
    marker(out, 0xFF90, &sot);
    marker(out, 0xFF93, &[]);
    out.extend_from_slice(body);
    marker(out, 0xFFD9, &[]);
}

/// Signature, file type, header (ihdr, colr) and codestream box headers.
const JP2_OVERHEAD: usize = 12 + 20 + 8 + 22 + 15 + 8;

fn jp2_box(out: &mut Vec<u8>, kind: &[u8; 4], content: &[u8]) {
    out.extend_from_slice(&((content.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(content);
}

/// The JP2 file (Annex I): signature, file type, header with image header and an enumerated colour space (sRGB or
/// greyscale), and the codestream.
fn jp2_file(pixels: &Pixels<'_>, codestream: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(codestream.len() + JP2_OVERHEAD);
    jp2_box(&mut out, b"jP  ", &[0x0D, 0x0A, 0x87, 0x0A]);
    jp2_box(&mut out, b"ftyp", b"jp2 \0\0\0\0jp2 ");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&pixels.height.to_be_bytes());
    ihdr.extend_from_slice(&pixels.width.to_be_bytes());
    ihdr.extend_from_slice(&u16::from(pixels.components).to_be_bytes());
    ihdr.extend_from_slice(&[7, 7, 0, 0]); // 8-bit unsigned, compression type 7, colour space known, no IPR
    let colour_space: u32 = if pixels.components == 3 { 16 } else { 17 };
    let mut colr = vec![1, 0, 0]; // enumerated colour space
    colr.extend_from_slice(&colour_space.to_be_bytes());
    let mut header = Vec::new();
    jp2_box(&mut header, b"ihdr", &ihdr);
    jp2_box(&mut header, b"colr", &colr);
    jp2_box(&mut out, b"jp2h", &header);
    jp2_box(&mut out, b"jp2c", codestream);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(jp2: &[u8]) -> (u32, u32, Vec<u8>) {
        let image = hayro_jpeg2000::Image::new(jp2, &hayro_jpeg2000::DecodeSettings::default()).unwrap();
        let (w, h) = (image.width(), image.height());
        let mut ctx = hayro_jpeg2000::DecoderContext::default();
        let decoded = image.decode(&mut ctx).unwrap();
        (w, h, decoded.data_u8())
    }

    /// A deterministic test picture with edges, gradients and noise, so that every context and pass occurs.
    fn picture(w: u32, h: u32, nc: u8) -> Vec<u8> {
        let mut seed = 0x1234_5678u32;
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                for c in 0..u32::from(nc) {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let noise = (seed >> 16) % 23;
                    let disc = if (x as i32 - w as i32 / 2).pow(2) + (y as i32 - h as i32 / 3).pow(2)
                        < (w as i32 / 4).pow(2)
                    {
                        90
                    } else {
                        0
                    };
                    let v = (x * 255 / w.max(1)) / (c + 1) + (y * 7 % 50) + disc + noise;
                    out.push(v.min(255) as u8);
                }
            }
        }
        out
    }

    #[test]
    fn lossless_round_trips_through_hayro() {
        for (w, h, nc) in [(64, 64, 1), (97, 61, 3), (1, 1, 1), (3, 130, 3), (200, 150, 3), (130, 7, 1)] {
            let samples = picture(w, h, nc);
            let pixels = Pixels { width: w, height: h, components: nc, samples: &samples };
            let jp2 = encode_jp2(&pixels, Rate::Lossless).unwrap();
            let (dw, dh, decoded) = decode(&jp2);
            assert_eq!((dw, dh), (w, h));
            assert_eq!(decoded, samples, "{w}x{h}x{nc}");
        }
    }

    #[test]
    fn a_byte_budget_is_kept_and_the_image_stays_close() {
        let (w, h) = (240, 320);
        let samples = picture(w, h, 3);
        let pixels = Pixels { width: w, height: h, components: 3, samples: &samples };
        let lossless = encode_jp2(&pixels, Rate::Lossless).unwrap();
        let budget = lossless.len() / 4;
        let jp2 = encode_jp2(&pixels, Rate::MaxBytes(budget)).unwrap();
        assert!(jp2.len() <= budget && jp2.len() > budget * 9 / 10, "{} of {budget}", jp2.len());
        let (_, _, decoded) = decode(&jp2);
        let mse: f64 = decoded.iter().zip(&samples).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum::<f64>()
            / samples.len() as f64;
        let psnr = 10.0 * (255.0f64 * 255.0 / mse).log10();
        assert!(psnr > 28.0, "PSNR {psnr:.1} dB");
    }

    /// OpenJPEG's `opj_decompress` output as (width, height, samples), from the PNM file it writes.
    fn opj_decode(jp2: &[u8], nc: u8) -> Option<(u32, u32, Vec<u8>)> {
        let dir = std::env::temp_dir().join(format!("gate-sim-j2k-{}-{nc}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("in.jp2");
        let output = dir.join(if nc == 3 { "out.ppm" } else { "out.pgm" });
        std::fs::write(&input, jp2).unwrap();
        let run = std::process::Command::new("opj_decompress").arg("-i").arg(&input).arg("-o").arg(&output).output();
        let Ok(run) = run else {
            eprintln!("skipped: opj_decompress is absent (apt-get install libopenjp2-tools)");
            return None;
        };
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let pnm = std::fs::read(&output).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        // "P6\n# comment\n<w> <h>\n255\n" then the samples.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while pnm[at].is_ascii_whitespace() {
                at += 1;
            }
            if pnm[at] == b'#' {
                while pnm[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            let start = at;
            while !pnm[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8(pnm[start..at].to_vec()).unwrap());
        }
        Some((fields[1].parse().unwrap(), fields[2].parse().unwrap(), pnm[at + 1..].to_vec()))
    }

    #[test]
    fn openjpeg_decodes_the_same_pixels() {
        for nc in [1u8, 3] {
            let (w, h) = (173, 129);
            let samples = picture(w, h, nc);
            let pixels = Pixels { width: w, height: h, components: nc, samples: &samples };
            let lossless = encode_jp2(&pixels, Rate::Lossless).unwrap();
            let Some((ow, oh, decoded)) = opj_decode(&lossless, nc) else { return };
            assert_eq!((ow, oh), (w, h));
            assert_eq!(decoded, samples);
            // A truncated stream decodes in OpenJPEG as in hayro, up to the decoders' reconstruction rounding.
            let lossy = encode_jp2(&pixels, Rate::MaxBytes(lossless.len() / 3)).unwrap();
            let (_, _, theirs) = opj_decode(&lossy, nc).unwrap();
            let (_, _, ours) = decode(&lossy);
            let worst = theirs.iter().zip(&ours).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
            assert!(worst <= 8, "OpenJPEG and hayro differ by up to {worst}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_encode() {
        let samples = [0u8; 12];
        for (w, h, nc) in [(0, 4, 3), (2, 2, 2), (3, 3, 1)] {
            let pixels = Pixels { width: w, height: h, components: nc, samples: &samples };
            assert!(matches!(encode_jp2(&pixels, Rate::Lossless), Err(J2kError::Shape { .. })));
        }
    }
}
