//! The level shift and reversible colour transform (Annex G) and the reversible 5/3 wavelet (Annex F) that turn
//! samples into subbands, with the norms that weigh each subband's errors in the image.

/// DC level shift (G.1) and, for three components, the reversible colour transform (G.2, Equation G-5):
/// Y = floor((R + 2G + B) / 4), U = B - G, V = R - G.
pub(super) fn component_planes(samples: &[u8], w: usize, h: usize, nc: usize) -> Vec<Vec<i32>> {
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
pub(super) enum Orient {
    Ll,
    /// Horizontally high-pass.
    Hl,
    /// Vertically high-pass.
    Lh,
    Hh,
}

impl Orient {
    pub(super) fn gain(self) -> u32 {
        match self {
            Orient::Ll => 0,
            Orient::Hl | Orient::Lh => 1,
            Orient::Hh => 2,
        }
    }
}

pub(super) struct Band {
    pub(super) orient: Orient,
    /// Decomposition level, 1 the finest; the LL band carries the number of levels.
    pub(super) level: u32,
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) coefficients: Vec<i32>,
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
pub(super) fn dwt_53(plane: Vec<i32>, w: usize, h: usize, levels: u32) -> Vec<Band> {
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
pub(super) fn band_norm(orient: Orient, level: u32, levels: u32) -> f64 {
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
pub(super) const MCT_NORMS: [f64; 3] = [1.732, 0.8292, 0.8292];
