//! EBCOT tier 1 (Annex D): the significance, refinement and cleanup passes over each code-block's bit-planes, with the
//! codeword and the distortion removed recorded at every truncation point.

use super::CBLK;
use super::dwt::{Band, Orient};
use super::mq::{CTX_RL, CTX_UNI, Mq};

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
pub(super) struct CodedBlock {
    /// Magnitude bit-planes from the most significant one set (0 for an all-zero block).
    pub(super) planes: u32,
    /// For `n` passes (index `n - 1`): the terminated codeword and the weighted distortion those passes remove.
    pub(super) passes: Vec<(Vec<u8>, f64)>,
}

pub(super) struct CodedBand {
    pub(super) orient: Orient,
    /// Code-blocks across and down.
    pub(super) blocks_x: usize,
    pub(super) blocks_y: usize,
    pub(super) blocks: Vec<CodedBlock>,
    pub(super) max_planes: u32,
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

pub(super) fn code_band(band: &Band, weight: f64, record: bool) -> CodedBand {
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
