//! Face images from the shared test data (provenance in testdata/README.md, cited at each use) and hand-built
//! headers and codestreams.

use super::*;

/// A file of the shared test data, or `None` (with a message) when the folder is absent.
fn testdata(relative: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata").join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("skipped: {} not readable ({e})", path.display());
            None
        }
    }
}

macro_rules! testdata {
    ($relative:expr) => {
        match testdata($relative) {
            Some(bytes) => bytes,
            None => return,
        }
    };
}

// JPEG 2000 (JP2) face of the DG2 tests: ElMostafaIdrassi/jmrtd@49b9cc25da jmrtd/src/test/resources/dg2/silver.jp2
// (LGPL-3.0); 413x531, three components, sRGB.
const SILVER_JP2: &str = "icao/data/jmrtd/dg2/silver.jp2";
// JPEG of gmrtd's 19794-5 sample: gmrtd/gmrtd@7f23b50ad9 document/iso19794/test_data/ISO19794_Test1_Face.jpg (MIT).
const GMRTD_JPEG: &str = "icao/data/gmrtd/ISO19794_Test1_Face.jpg";
// RGBA PNG portrait: ageitgey/face_recognition examples (MIT), testdata/faces/face_recognition/.
const RGBA_PNG: &str = "faces/face_recognition/alex-lacamoire.png";

/// The content of the first `jp2c` box: the raw codestream inside a JP2 file.
fn codestream_of(jp2: &[u8]) -> &[u8] {
    let mut at = 0;
    loop {
        let length = u32::from_be_bytes(jp2[at..at + 4].try_into().unwrap()) as usize;
        if &jp2[at + 4..at + 8] == b"jp2c" {
            return if length == 0 { &jp2[at + 8..] } else { &jp2[at + 8..at + length] };
        }
        at += length;
    }
}

/// A greyscale 8-bit JPEG 2000 codestream, `width` x `height`, one tile, no wavelet levels, one layer, and an empty
/// packet: every coefficient is zero, so every pixel decodes to the level shift, 128 (ISO/IEC 15444-1 §G.1.2).
fn grey_codestream(width: u32, height: u32) -> Vec<u8> {
    let mut out = vec![0xFF, 0x4F];
    // SIZ: Lsiz 41, Rsiz 0, image and tile size, no offsets, one component of 8 unsigned bits, no subsampling.
    out.extend_from_slice(&[0xFF, 0x51, 0x00, 0x29, 0x00, 0x00]);
    for value in [width, height, 0, 0, width, height, 0, 0] {
        out.extend_from_slice(&value.to_be_bytes());
    }
    out.extend_from_slice(&[0x00, 0x01, 0x07, 0x01, 0x01]);
    // COD: LRCP, one layer, no colour transform, no decomposition, 64x64 code-blocks, 5-3 reversible.
    out.extend_from_slice(&[0xFF, 0x52, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x04, 0x04, 0x00, 0x01]);
    // QCD: no quantisation, two guard bits, exponent 8 for the one subband.
    out.extend_from_slice(&[0xFF, 0x5C, 0x00, 0x04, 0x40, 0x40]);
    // SOT: tile 0, tile-part length 15 (SOT 12 + SOD 2 + one packet byte), tile-part 0 of 1; SOD; the empty packet.
    out.extend_from_slice(&[0xFF, 0x90, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0F, 0x00, 0x01]);
    out.extend_from_slice(&[0xFF, 0x93, 0x00]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// `codestream` in a JP2 file declaring greyscale (colour specification enumerated 17).
fn grey_jp2(codestream: &[u8], width: u32, height: u32) -> Vec<u8> {
    fn jp2_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut out = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(content);
        out
    }
    let mut ihdr = height.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&[0x00, 0x01, 0x07, 0x07, 0x00, 0x00]);
    let colr = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11];
    let mut header = jp2_box(b"ihdr", &ihdr);
    header.extend(jp2_box(b"colr", &colr));
    let mut out = JP2_MAGIC.to_vec();
    out.extend(jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    out.extend(jp2_box(b"jp2h", &header));
    out.extend(jp2_box(b"jp2c", codestream));
    out
}

#[test]
fn sniffs_by_magic_bytes() {
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Encoding::Jpeg));
    assert_eq!(sniff(JP2_MAGIC), Some(Encoding::Jp2));
    assert_eq!(sniff(&[0xFF, 0x4F, 0xFF, 0x51, 0x00]), Some(Encoding::J2k));
    assert_eq!(sniff(PNG_MAGIC), Some(Encoding::Png));
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFE, 0xE0]), None);
    assert_eq!(sniff(&JP2_MAGIC[..11]), None);
    assert_eq!(sniff(&[]), None);
    assert_eq!(Encoding::J2k.image_format(), ImageFormat::Jpeg2000);
}

#[test]
fn reads_dimensions_from_headers() {
    let jp2 = testdata!(SILVER_JP2);
    let expected = ImageHeader { encoding: Encoding::Jp2, width: 413, height: 531, components: 3 };
    assert_eq!(read_header(&jp2).unwrap(), expected);
    assert_eq!(read_header(codestream_of(&jp2)).unwrap(), ImageHeader { encoding: Encoding::J2k, ..expected });
    let jpeg = testdata!(GMRTD_JPEG);
    assert_eq!(
        read_header(&jpeg).unwrap(),
        ImageHeader { encoding: Encoding::Jpeg, width: 148, height: 70, components: 3 }
    );
    let png = testdata!(RGBA_PNG);
    assert_eq!(
        read_header(&png).unwrap(),
        ImageHeader { encoding: Encoding::Png, width: 424, height: 394, components: 4 }
    );
    let grey = grey_jp2(&grey_codestream(16, 8), 16, 8);
    assert_eq!(
        read_header(&grey).unwrap(),
        ImageHeader { encoding: Encoding::Jp2, width: 16, height: 8, components: 1 }
    );
}

#[test]
fn malformed_headers_are_errors_at_every_length() {
    let mut samples = vec![grey_codestream(16, 8), grey_jp2(&grey_codestream(16, 8), 16, 8)];
    for path in [SILVER_JP2, GMRTD_JPEG, RGBA_PNG] {
        samples.push(testdata!(path));
    }
    for bytes in &samples {
        let whole = read_header(bytes).unwrap();
        let mut ok_from = None;
        for len in 0..bytes.len() {
            match read_header(&bytes[..len]) {
                Ok(header) => {
                    assert_eq!(header, whole);
                    ok_from.get_or_insert(len);
                }
                Err(_) => assert!(ok_from.is_none(), "an error after a success, cut to {len}"),
            }
        }
    }
    assert!(matches!(read_header(&[]), Err(ImageError::UnknownFormat)));
    assert!(matches!(read_header(&[0xFF, 0xD8, 0xFF, 0xDA]), Err(ImageError::Header { .. })));
    // A JP2 file whose box claims to be shorter than its header.
    let mut bad_box = JP2_MAGIC.to_vec();
    bad_box.extend_from_slice(&[0, 0, 0, 4, b'j', b'p', b'2', b'c']);
    assert!(matches!(read_header(&bad_box), Err(ImageError::Header { .. })));
    // A zero-sized codestream and a JPEG whose height comes in a DNL marker.
    assert!(matches!(read_header(&grey_codestream(0, 8)), Err(ImageError::Header { .. })));
    let dnl = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00];
    assert!(matches!(read_header(&dnl), Err(ImageError::Unsupported { .. })));
}

/// 60000 x 60000 headers: refused from the header alone. The inputs hold no image data at all, so any attempt at
/// decoding would fail differently; the pixel buffer this would need (10.8 GB) is never asked for.
#[test]
fn huge_images_are_refused_before_decoding() {
    let jpeg =
        [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    let mut png = PNG_MAGIC.to_vec();
    png.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0]);
    let codestream = grey_codestream(60_000, 60_000);
    let jp2 = grey_jp2(&codestream, 60_000, 60_000);
    for bytes in [&jpeg[..], &png, &codestream, &jp2] {
        let header = read_header(bytes).unwrap();
        assert_eq!(header.pixels(), 3_600_000_000);
        assert!(matches!(
            header.check_size(DEFAULT_MAX_PIXELS),
            Err(ImageError::TooLarge { width: 60_000, height: 60_000, limit: DEFAULT_MAX_PIXELS })
        ));
        #[cfg(feature = "decode")]
        assert!(matches!(
            decode(bytes, DEFAULT_MAX_PIXELS),
            Err(ImageError::TooLarge { width: 60_000, height: 60_000, limit: DEFAULT_MAX_PIXELS })
        ));
    }
}

#[cfg(feature = "decode")]
mod decoding {
    use super::*;

    #[test]
    fn decodes_jpeg2000_boxed_and_raw_alike() {
        let jp2 = testdata!(SILVER_JP2);
        let boxed = decode(&jp2, DEFAULT_MAX_PIXELS).unwrap();
        assert_eq!((boxed.width, boxed.height, boxed.layout), (413, 531, PixelLayout::Rgb8));
        assert_eq!(boxed.encoding, Encoding::Jp2);
        assert_eq!(boxed.pixels.len(), 413 * 531 * 3);
        // Not a blank image: a portrait has some range.
        let (min, max) = boxed.pixels.iter().fold((255, 0), |(lo, hi), &v| (v.min(lo), v.max(hi)));
        assert!(max - min > 100, "{min}..{max}");

        let raw = decode(codestream_of(&jp2), DEFAULT_MAX_PIXELS).unwrap();
        assert_eq!(raw.encoding, Encoding::J2k);
        assert_eq!((raw.width, raw.height, raw.layout), (413, 531, PixelLayout::Rgb8));
        assert_eq!(raw.pixels, boxed.pixels);
    }

    #[test]
    fn decodes_greyscale_jpeg2000() {
        let codestream = grey_codestream(16, 8);
        for (bytes, encoding) in [(codestream.clone(), Encoding::J2k), (grey_jp2(&codestream, 16, 8), Encoding::Jp2)] {
            let image = decode(&bytes, DEFAULT_MAX_PIXELS).unwrap();
            assert_eq!(
                (image.width, image.height, image.layout, image.encoding),
                (16, 8, PixelLayout::Luma8, encoding)
            );
            assert_eq!(*image.pixels, vec![128; 16 * 8]);
        }
    }

    #[test]
    fn decodes_jpeg() {
        let jpeg = testdata!(GMRTD_JPEG);
        let image = decode(&jpeg, DEFAULT_MAX_PIXELS).unwrap();
        assert_eq!((image.width, image.height, image.layout), (148, 70, PixelLayout::Rgb8));
        assert_eq!(image.pixels.len(), 148 * 70 * 3);
    }

    #[test]
    fn decodes_png_dropping_alpha() {
        let png = testdata!(RGBA_PNG);
        let image = decode(&png, DEFAULT_MAX_PIXELS).unwrap();
        assert_eq!((image.width, image.height, image.layout), (424, 394, PixelLayout::Rgb8));
        assert_eq!(image.pixels.len(), 424 * 394 * 3);
    }

    /// Greyscale JPEG and 8- and 16-bit greyscale PNG, encoded here with the `image` crate from a gradient.
    #[test]
    fn decodes_greyscale_jpeg_and_png() {
        use image::ImageEncoder;
        use image::codecs::{jpeg::JpegEncoder, png::PngEncoder};

        let (width, height) = (40u32, 30u32);
        let grey: Vec<u8> = (0..width * height).map(|i| (i % 256) as u8).collect();
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 95)
            .write_image(&grey, width, height, image::ExtendedColorType::L8)
            .unwrap();
        let mut png8 = Vec::new();
        PngEncoder::new(&mut png8).write_image(&grey, width, height, image::ExtendedColorType::L8).unwrap();
        // 16-bit samples, native-endian as the encoder takes them, with the 8-bit value as high byte.
        let grey16: Vec<u8> = grey.iter().flat_map(|&v| (u16::from(v) << 8 | 0x7F).to_ne_bytes()).collect();
        let mut png16 = Vec::new();
        PngEncoder::new(&mut png16).write_image(&grey16, width, height, image::ExtendedColorType::L16).unwrap();

        for (bytes, exact) in [(jpeg, false), (png8, true), (png16, true)] {
            let image = decode(&bytes, DEFAULT_MAX_PIXELS).unwrap();
            assert_eq!((image.width, image.height, image.layout), (width, height, PixelLayout::Luma8));
            if exact {
                assert_eq!(*image.pixels, grey);
            } else {
                assert_eq!(image.pixels.len(), grey.len());
            }
        }
    }

    #[test]
    fn the_pixel_limit_is_a_parameter() {
        let jp2 = testdata!(SILVER_JP2);
        assert!(matches!(
            decode(&jp2, 413 * 531 - 1),
            Err(ImageError::TooLarge { width: 413, height: 531, limit: 219_302 })
        ));
        assert!(decode(&jp2, 413 * 531).is_ok());
    }

    #[test]
    fn debug_does_not_print_pixels() {
        let image = decode(&grey_codestream(4, 4), DEFAULT_MAX_PIXELS).unwrap();
        let text = format!("{image:?}");
        assert!(text.contains("<16 bytes redacted>") && !text.contains("128"), "{text}");
    }

    #[test]
    fn empty_and_unknown_input_is_refused() {
        assert!(matches!(decode(&[], DEFAULT_MAX_PIXELS), Err(ImageError::UnknownFormat)));
        assert!(matches!(decode(b"GIF89a", DEFAULT_MAX_PIXELS), Err(ImageError::UnknownFormat)));
        // Headers with nothing after them.
        let jp2 = testdata!(SILVER_JP2);
        let header_only = &codestream_of(&jp2)[..60];
        assert!(decode(header_only, DEFAULT_MAX_PIXELS).is_err());
    }

    /// Truncated and corrupted images: an error or an image of the header's size, never a panic (the decoders
    /// run under `catch_unwind`, but the test also wants them not to need it: see the printed panics, if any).
    #[test]
    fn truncated_and_corrupted_images_never_panic() {
        use image::ImageEncoder;

        let mut png = Vec::new();
        let rgba: Vec<u8> = (0..32 * 24 * 4).map(|i| (i * 7 % 256) as u8).collect();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&rgba, 32, 24, image::ExtendedColorType::Rgba8)
            .unwrap();
        let mut samples = vec![grey_jp2(&grey_codestream(16, 8), 16, 8), png];
        for path in [SILVER_JP2, GMRTD_JPEG] {
            samples.push(testdata!(path));
        }
        let mut panics = 0;
        let mut check = |bytes: &[u8]| match decode(bytes, DEFAULT_MAX_PIXELS) {
            Ok(image) => {
                let header = read_header(bytes).unwrap();
                assert_eq!((image.width, image.height), (header.width, header.height));
                assert_eq!(image.pixels.len(), image.width as usize * image.height as usize * image.layout.channels());
            }
            Err(ImageError::Decode { source, .. }) if source.to_string() == "the decoder panicked" => panics += 1,
            Err(_) => {}
        };
        for bytes in &samples {
            // Every position through the headers, then about sixty through the entropy-coded data.
            let step = (bytes.len() / 60).max(1);
            let positions = || (0..bytes.len()).filter(move |&at| at < 200 || at % step == 0);
            for len in positions() {
                check(&bytes[..len]);
            }
            let mut copy = bytes.clone();
            for at in positions() {
                for value in [0xFF, bytes[at] ^ 0x80] {
                    copy[at] = value;
                    check(&copy);
                }
                copy[at] = bytes[at];
            }
        }
        assert_eq!(panics, 0, "decoder panics caught");
    }
}
