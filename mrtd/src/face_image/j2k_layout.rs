//! The layout of a JPEG 2000 codestream (ISO/IEC 15444-1 Annex A: SIZ, COD, COC, SOT) checked against what a face
//! image needs, before a decoder sees it.
//!
//! Memory is bounded by the pixel limit, but time is not: the decoder builds a tag tree for every code-block grid of
//! every tile, component, resolution, precinct and sub-band, at a cost that grows with the square of the grid's
//! longer side. A codestream of a few dozen bytes declaring thousands of one-row tiles, or one tile 20 pixels wide
//! and 40,000 high, or code blocks of 1024x4, keeps it busy for minutes. Portraits are none of these: a few square-ish
//! tiles at most, square-ish code blocks and precincts. Anything else is refused as unsupported.

use crate::error::ImageError;

const FORMAT: &str = "JPEG 2000";

/// More tiles than any portrait is cut into.
const MAX_TILES: u64 = 1024;
/// How much longer one side of a tile may be than the other.
const MAX_TILE_ASPECT: u64 = 16;
/// The shortest tile side accepted, unless the image itself is shorter.
const MIN_TILE_SIDE: u64 = 64;
/// How many times (as a power of two) wider than high, or higher than wide, a code block or precinct may be.
const MAX_LOG2_ASPECT: u8 = 2;
/// Decomposition levels: a portrait needs a handful.
const MAX_LEVELS: u8 = 16;
/// Tile-parts walked at most: tiles times the 255 parts a tile may have is far above any real codestream.
const MAX_TILE_PARTS: usize = 65_536;

const SOT: u16 = 0xFF90;
const SOD: u16 = 0xFF93;
const EOC: u16 = 0xFFD9;
const COD: u16 = 0xFF52;
const COC: u16 = 0xFF53;

fn unsupported(what: &'static str) -> ImageError {
    ImageError::Unsupported { format: FORMAT, what }
}

fn header(what: &'static str) -> ImageError {
    ImageError::Header { format: FORMAT, what }
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, ImageError> {
    bytes
        .get(at..at.saturating_add(2))
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map(u16::from_be_bytes)
        .ok_or(header("cut short"))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, ImageError> {
    bytes
        .get(at..at.saturating_add(4))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or(header("cut short"))
}

/// Checks the tiling of SIZ, and COD and COC in the main header and in every tile-part header.
///
/// # Errors
/// [`ImageError::Unsupported`] for a layout a portrait does not have; [`ImageError::Header`] for a malformed one.
pub(super) fn check(codestream: &[u8]) -> Result<(), ImageError> {
    // SOC (2), SIZ marker (2), Lsiz (2), Rsiz (2), then eight 4-byte fields, Csiz (2).
    let lsiz = usize::from(u16_at(codestream, 4)?);
    let [x, y, xo, yo, xt, yt, xto, yto] =
        [8, 12, 16, 20, 24, 28, 32, 36].map(|at| u32_at(codestream, at).map(u64::from));
    let (x, y, xo, yo, xt, yt, xto, yto) = (x?, y?, xo?, yo?, xt?, yt?, xto?, yto?);
    let components = u16_at(codestream, 40)?;
    if xt == 0 || yt == 0 || x <= xo || y <= yo || xto > xo || yto > yo {
        return Err(header("SIZ declares an impossible tiling"));
    }
    let tiles_x = (x - xto).div_ceil(xt);
    let tiles_y = (y - yto).div_ceil(yt);
    if tiles_x.saturating_mul(tiles_y) > MAX_TILES {
        return Err(unsupported("more tiles than a portrait is cut into"));
    }
    // The extent within the image of the tile holding its top-left pixel: every tile but those of the last row and
    // column is at least as large.
    let first = |origin: u64, offset: u64, size: u64, end: u64| {
        let start = offset + (origin - offset) / size * size;
        (start.saturating_add(size)).min(end).saturating_sub(origin.max(start))
    };
    let tile_w = first(xo, xto, xt, x);
    let tile_h = first(yo, yto, yt, y);
    let (long, short) = (tile_w.max(tile_h), tile_w.min(tile_h).max(1));
    if long > short.saturating_mul(MAX_TILE_ASPECT) {
        return Err(unsupported("tiles far longer than they are wide"));
    }
    if tile_w < MIN_TILE_SIDE.min(x - xo) || tile_h < MIN_TILE_SIDE.min(y - yo) {
        return Err(unsupported("tiles of a few pixels"));
    }

    // The main header: from the end of SIZ to the first SOT.
    let mut at = 4usize.checked_add(lsiz).ok_or(header("cut short"))?;
    at = check_markers(codestream, at, components)?;
    // Each tile-part: SOT (its length Psot counts from the SOT marker), a header up to SOD, then data.
    for _ in 0..MAX_TILE_PARTS {
        match u16_at(codestream, at) {
            Ok(SOT) => {}
            Ok(EOC) | Err(_) => return Ok(()),
            Ok(_) => return Err(header("a tile-part does not start with SOT")),
        }
        let psot = usize::try_from(u32_at(codestream, at + 6)?).map_err(|_| header("cut short"))?;
        let lsot = usize::from(u16_at(codestream, at + 2)?);
        check_markers(codestream, at + 2 + lsot, components)?;
        if psot == 0 {
            // The last tile-part runs to EOC.
            return Ok(());
        }
        at = at.checked_add(psot).ok_or(header("cut short"))?;
    }
    Err(unsupported("more tile-parts than a portrait has"))
}

/// Walks marker segments from `at` until SOT or SOD, checking COD and COC; returns where it stopped.
fn check_markers(codestream: &[u8], mut at: usize, components: u16) -> Result<usize, ImageError> {
    // A header holds a few markers per component at most.
    for _ in 0..4096 {
        let marker = u16_at(codestream, at)?;
        if marker == SOT || marker == SOD || marker == EOC {
            return Ok(at);
        }
        if marker & 0xFF00 != 0xFF00 {
            return Err(header("a header holds something that is not a marker"));
        }
        let length = usize::from(u16_at(codestream, at + 2)?);
        if length < 2 {
            return Err(header("a marker segment is shorter than its length field"));
        }
        let segment = codestream.get(at + 4..at + 2 + length).ok_or(header("cut short"))?;
        match marker {
            // Scod, SGcod (progression order, layers, colour transform), then SPcod.
            COD => check_coding_style(segment.first().copied().unwrap_or(0), segment.get(5..))?,
            // Ccoc (one byte, two with more than 256 components), Scoc, then SPcoc.
            COC => {
                let skip = if components < 257 { 1 } else { 2 };
                check_coding_style(segment.get(skip).copied().unwrap_or(0), segment.get(skip + 1..))?;
            }
            _ => {}
        }
        at += 2 + length;
    }
    Err(header("a header with too many markers"))
}

/// SPcod/SPcoc: decomposition levels, code-block width and height exponents (offset by 2), style, transform, and
/// precinct sizes (PPx in the low nibble, PPy in the high one) when Scod's bit 0 says so.
fn check_coding_style(scod: u8, sp: Option<&[u8]>) -> Result<(), ImageError> {
    let sp = sp.ok_or(header("cut short"))?;
    let (&levels, rest) = sp.split_first().ok_or(header("cut short"))?;
    let (&xcb, rest) = rest.split_first().ok_or(header("cut short"))?;
    let (&ycb, rest) = rest.split_first().ok_or(header("cut short"))?;
    if levels > MAX_LEVELS {
        return Err(unsupported("more decomposition levels than a portrait needs"));
    }
    if xcb.abs_diff(ycb) > MAX_LOG2_ASPECT {
        return Err(unsupported("code blocks far longer than they are wide"));
    }
    if scod & 1 == 1 {
        let precincts = rest.get(2..2 + usize::from(levels) + 1).ok_or(header("cut short"))?;
        for &pp in precincts {
            if (pp & 0x0F).abs_diff(pp >> 4) > MAX_LOG2_ASPECT {
                return Err(unsupported("precincts far longer than they are wide"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn codestreams_that_keep_the_decoder_busy_are_refused() {
        // Found by fuzzing the face image decoder (fuzz/README.md, "Reported"): each took the JPEG 2000 decoder
        // seconds or minutes.
        for (what, input) in [
            (
                "1034 one-row tiles",
                "ff4fff5100290000000009000000040a0000000000000000000009000000000100000000000000000001070101ff52000c00000001000000000001ff5c00044040ff90000a00000000000f0001ff9300ffd9",
            ),
            (
                "104 ten-row tiles",
                "ff4fff51002f0000000009000000040a00000000000000002c0000140000000a00000000000000000003070101050101073d01ff52000c00030001000100042401ff5c00074040484850ff90000a0000000000140001ff93000060faff03ffffd9",
            ),
            (
                "one tile of 20x39690",
                "ff4fff51002f00000000001400009b0a00000000000000000000001400fe7f0900000000000000000003070101070101070101ff52000c00000001000104013301ff5c00074040484850ff90000a0000000114000000ff9300000000000008d9",
            ),
        ] {
            let started = std::time::Instant::now();
            let result = check(&hex(input));
            assert!(matches!(result, Err(ImageError::Unsupported { .. })), "{what}: {result:?}");
            assert!(started.elapsed() < std::time::Duration::from_millis(50), "{what}");
        }
    }

    #[test]
    fn a_tile_grid_that_starts_before_the_image_does_not_overflow() {
        // Found by fuzzing (crash-0503b7cd): XTOsiz + XTsiz below XOsiz.
        let input = hex("ff4fff51002f000000000100000000da000000a900000000000000a44100000a000000000000000000039c");
        assert_eq!(input.len(), 43);
        let _ = check(&input);
    }

    #[test]
    fn thin_code_blocks_and_precincts_are_refused() {
        // A 512x512 single-tile codestream header with a COD naming 1024x4 code blocks, then square ones with
        // precincts of 2^15 by 2^0.
        let mut siz = hex("ff4fff5100290000");
        // Xsiz, Ysiz 512; offsets 0; XTsiz, YTsiz 512; tile offsets 0.
        for field in [512u32, 512, 0, 0, 512, 512, 0, 0] {
            siz.extend_from_slice(&field.to_be_bytes());
        }
        // One 8-bit component, no subsampling.
        siz.extend_from_slice(&[0x00, 0x01, 0x07, 0x01, 0x01]);
        let cod = |xcb: u8, ycb: u8, precincts: Option<u8>| {
            let mut c = siz.clone();
            let scod = u8::from(precincts.is_some());
            let mut seg = vec![scod, 0, 0, 1, 0, 5, xcb, ycb, 0, 1];
            if let Some(pp) = precincts {
                seg.extend(std::iter::repeat_n(pp, 6));
            }
            c.extend_from_slice(&[0xFF, 0x52]);
            c.extend_from_slice(&u16::try_from(seg.len() + 2).unwrap().to_be_bytes());
            c.extend_from_slice(&seg);
            c.extend_from_slice(&[0xFF, 0x90, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0x93, 0xFF, 0xD9]);
            c
        };
        assert!(check(&cod(4, 4, None)).is_ok());
        assert!(check(&cod(4, 4, Some(0x77))).is_ok());
        assert!(matches!(check(&cod(8, 0, None)), Err(ImageError::Unsupported { .. })));
        assert!(matches!(check(&cod(4, 4, Some(0x0F))), Err(ImageError::Unsupported { .. })));
        // Every truncation is an error, never a panic.
        let full = cod(4, 4, Some(0x77));
        for n in 0..full.len() {
            let _ = check(&full[..n]);
        }
    }
}
