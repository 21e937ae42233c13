//! The codestream's marker segments (Annex A: SOC, SIZ, COD, QCD, SOT, SOD, EOC) and the JP2 file's boxes around it
//! (Annex I).

use super::{CBLK_EXP, GUARD_BITS, Pixels};

fn marker(out: &mut Vec<u8>, code: u16, segment: &[u8]) {
    out.extend_from_slice(&code.to_be_bytes());
    if !segment.is_empty() {
        out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(segment);
    }
}

/// SOC, SIZ, COD and QCD (A.4, A.5, A.6).
pub(super) fn main_header(pixels: &Pixels<'_>, levels: u32, exponents: &[u32]) -> Vec<u8> {
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
pub(super) const TILE_OVERHEAD: usize = 14 + 2;

/// One tile-part holding the whole tile, then EOC.
pub(super) fn tile_part(body: &[u8], out: &mut Vec<u8>) {
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
pub(super) const JP2_OVERHEAD: usize = 12 + 20 + 8 + 22 + 15 + 8;

fn jp2_box(out: &mut Vec<u8>, kind: &[u8; 4], content: &[u8]) {
    out.extend_from_slice(&((content.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(content);
}

/// The JP2 file (Annex I): signature, file type, header with image header and an enumerated colour space (sRGB or
/// greyscale), and the codestream.
pub(super) fn jp2_file(pixels: &Pixels<'_>, codestream: &[u8]) -> Vec<u8> {
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
