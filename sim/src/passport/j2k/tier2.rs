//! Tier 2 (B.9, B.10): packet headers, with their bit stuffing, tag trees and pass counts, and the packets of the
//! tile in LRCP order.

use super::GUARD_BITS;
use super::tier1::CodedBand;

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
pub(super) fn tile_body(
    components: &[Vec<CodedBand>],
    choice: &[Vec<usize>],
    exponents: &[u32],
    levels: u32,
) -> Vec<u8> {
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
