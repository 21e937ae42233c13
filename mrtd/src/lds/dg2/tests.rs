//! DG2 samples from the shared test data (provenance in testdata/README.md, cited at each use).

use super::*;
use crate::face_image::Encoding;

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

/// A 19794-5 record header: format identifier, `version`, record length, number of faces.
fn fac(version: &[u8; 4], length: u32, faces: u16) -> Vec<u8> {
    [&b"FAC\0"[..], version, &length.to_be_bytes(), &faces.to_be_bytes()].concat()
}

fn only_face(dg2: &Dg2) -> &FaceImage {
    assert_eq!(dg2.faces.len(), 1);
    &dg2.faces[0]
}

// BSI 2008 specimen "ERIKA MUSTERMANN": ElMostafaIdrassi/jmrtd@49b9cc25da
// jmrtd/src/test/resources/lds/bsi2008/Datagroup2.bin (LGPL-3.0).
const BSI_2008: &str = "icao/data/jmrtd/lds/bsi2008/Datagroup2.bin";
// Dutch 2006 specimen "LOES MEULENDIJK": ElMostafaIdrassi/jmrtd@49b9cc25da
// jmrtd/src/test/resources/lds/loes2006/ef0102.bin (LGPL-3.0).
const LOES_2006: &str = "icao/data/jmrtd/lds/loes2006/ef0102.bin";
// ISO 39794-5 (ICAO profile) DG2 with all fields: ElMostafaIdrassi/jmrtd@49b9cc25da
// jmrtd/src/test/resources/lds/dg2/dg2_silver_all_fields.bin (LGPL-3.0); byte-identical to gmrtd/gmrtd@7f23b50ad9
// document/test_data/ICAO_39794_5_AP_DG2_AllFields.dat (MIT).
const SILVER_ALL: &str = "icao/data/jmrtd/lds/dg2/dg2_silver_all_fields.bin";
// The same with mandatory fields only: ElMostafaIdrassi/jmrtd@49b9cc25da
// jmrtd/src/test/resources/lds/dg2/dg2_silver_mandatory_fields.bin (LGPL-3.0); byte-identical to gmrtd/gmrtd@7f23b50ad9
// document/test_data/ICAO_39794_5_AP_DG2_MandFields.dat (MIT).
const SILVER_MANDATORY: &str = "icao/data/jmrtd/lds/dg2/dg2_silver_mandatory_fields.bin";
// The image both silver DG2s carry, a JP2 file despite the name: gmrtd/gmrtd@7f23b50ad9
// document/test_data/ICAO_39794_5_AP_DG2_Face.jpg (MIT); identical to jmrtd's dg2/silver.jp2.
const SILVER_FACE: &str = "icao/data/gmrtd/ICAO_39794_5_AP_DG2_Face.jpg";
// Bare ISO 39794-5 records (no DG2 around them): gmrtd/gmrtd@7f23b50ad9 document/iso39794/test_data/ (MIT).
const BARE_ALL: &str = "icao/data/gmrtd/ICAO_39794_5_AP_AllFields.dat";
const BARE_MANDATORY: &str = "icao/data/gmrtd/ICAO_39794_5_AP_MandFields.dat";
const BARE_INVALID_IMAGE: &str = "icao/data/gmrtd/ICAO_39794_5_AP_MandFields_InvalidImage.dat";
// Bare ISO 19794-5 records and the expected JPEG: gmrtd/gmrtd@7f23b50ad9 document/iso19794/test_data/ (MIT).
const FAC_TEST1: &str = "icao/data/gmrtd/ISO19794_Test1_Data.bin";
const FAC_TEST1_FACE: &str = "icao/data/gmrtd/ISO19794_Test1_Face.jpg";
const FAC_INVALID_IMAGE: &str = "icao/data/gmrtd/ISO19794_Test2_Data_InvalidImage.bin";
// ISO/IEC 39794-5 ed.1 base-standard record (893 KB, progressive JPEG): ElMostafaIdrassi/jmrtd@49b9cc25da
// jmrtd/src/test/resources/lds/dg2/iso39794/sample-39794-5-ed-1-v1.der (LGPL-3.0).
const JMRTD_39794: &str = "icao/data/jmrtd/lds/dg2/iso39794/sample-39794-5-ed-1-v1.der";

#[test]
fn bsi_2008_specimen_is_19794_with_jpeg2000() {
    let bytes = testdata!(BSI_2008);
    let dg2 = Dg2::parse(&bytes).unwrap();
    let face = only_face(&dg2);
    assert_eq!(face.container, Container::Iso19794_5);
    assert_eq!(face.image_format, ImageFormat::Jpeg2000);
    assert_eq!(face.sniffed_encoding(), Some(Encoding::Jp2));
    assert!(face.format_agrees());
    // The record declares 337x449; the codestream inside is 413x531 (see face_image tests): declared sizes lie.
    assert_eq!((face.width, face.height), (Some(337), Some(449)));
    assert_eq!(face.image.len(), 14_999);
    assert_eq!(face.colour_space, None);
    assert_eq!(face.source_type, None);
    assert!(face.landmarks.is_empty());
    assert_eq!(
        face.header,
        BiometricHeader {
            biometric_type: Some(2),
            subtype: Some(0),
            format_owner: Some(FORMAT_OWNER_SC37),
            format_type: Some(FORMAT_TYPE_19794_5),
            ..BiometricHeader::default()
        }
    );
}

#[test]
fn dutch_2006_specimen_is_19794_with_jpeg2000() {
    let bytes = testdata!(LOES_2006);
    let dg2 = Dg2::parse(&bytes).unwrap();
    let face = only_face(&dg2);
    assert_eq!(face.container, Container::Iso19794_5);
    assert_eq!(face.image_format, ImageFormat::Jpeg2000);
    assert_eq!(face.sniffed_encoding(), Some(Encoding::Jp2));
    assert_eq!((face.width, face.height), (Some(449), Some(598)));
    assert_eq!(face.colour_space, Some(ColourSpace::Rgb24));
    assert_eq!(face.image.len(), 13_701);
}

#[test]
fn silver_all_fields_is_39794_profile_with_metadata() {
    let (bytes, expected) = (testdata!(SILVER_ALL), testdata!(SILVER_FACE));
    let dg2 = Dg2::parse(&bytes).unwrap();
    let face = only_face(&dg2);
    assert_eq!(face.container, Container::Iso39794_5);
    assert_eq!(face.image_format, ImageFormat::Jpeg2000);
    assert!(face.format_agrees());
    assert_eq!(*face.image, expected);
    // Declared 572x731; the JPEG 2000 codestream is 413x531.
    assert_eq!((face.width, face.height), (Some(572), Some(731)));
    assert_eq!(face.colour_space, Some(ColourSpace::Rgb24));
    assert_eq!(face.source_type, Some(SourceType::PhotoDigitalCamera));
    assert_eq!(
        face.header,
        BiometricHeader {
            version: Some(0x0101),
            biometric_type: Some(2),
            subtype: Some(0),
            creation_date: Some(hex::decode("21240105112345").unwrap()),
            validity_period: Some(hex::decode("2124010521290105").unwrap()),
            creator: Some(hex::decode("01030001").unwrap()),
            format_owner: Some(FORMAT_OWNER_SC37),
            format_type: Some(FORMAT_TYPE_39794_5),
        }
    );
    assert_eq!(
        face.landmarks,
        // MPEG4FeaturePointCode 10 is point 2.11.
        vec![Landmark { kind: LandmarkKind::Mpeg4 { major: 2, minor: 11 }, x: 90, y: 22 }]
    );
}

#[test]
fn silver_mandatory_fields_is_39794_profile_without_size() {
    let (bytes, expected) = (testdata!(SILVER_MANDATORY), testdata!(SILVER_FACE));
    let dg2 = Dg2::parse(&bytes).unwrap();
    let face = only_face(&dg2);
    assert_eq!(face.container, Container::Iso39794_5);
    assert_eq!(face.image_format, ImageFormat::Jpeg2000);
    assert_eq!(*face.image, expected);
    assert_eq!((face.width, face.height), (None, None));
    assert_eq!((face.colour_space, face.source_type), (None, None));
    assert_eq!(face.header.format_type, Some(FORMAT_TYPE_39794_5));
}

#[test]
fn bare_39794_records_parse_without_the_dg2_wrapper() {
    let expected = testdata!(SILVER_FACE);
    for path in [BARE_ALL, BARE_MANDATORY] {
        let bytes = testdata!(path);
        let faces = parse_face_record(&bytes).unwrap();
        assert_eq!(faces.len(), 1, "{path}");
        assert_eq!(faces[0].container, Container::Iso39794_5);
        assert_eq!(faces[0].image_format, ImageFormat::Jpeg2000);
        assert_eq!(*faces[0].image, expected, "{path}");
    }
}

#[test]
fn jmrtd_39794_base_standard_sample() {
    let bytes = testdata!(JMRTD_39794);
    let faces = parse_face_record(&bytes).unwrap();
    assert_eq!(faces.len(), 1);
    let face = &faces[0];
    assert_eq!(face.container, Container::Iso39794_5);
    assert_eq!(face.image_format, ImageFormat::Jpeg);
    assert_eq!(face.sniffed_encoding(), Some(Encoding::Jpeg));
    assert_eq!(face.image.len(), 893_557);
    assert_eq!((face.width, face.height), (None, None));
    assert_eq!(face.source_type, Some(SourceType::PhotoUnknownSource));
    // Base-standard coding (`code [0]` alternatives): the centres of the pupils.
    assert_eq!(
        face.landmarks,
        vec![
            Landmark { kind: LandmarkKind::AnthropometricName(21), x: 385, y: 480 },
            Landmark { kind: LandmarkKind::AnthropometricName(22), x: 640, y: 475 },
        ]
    );
}

#[test]
fn gmrtd_19794_record_declares_jpeg2000_for_a_jpeg() {
    let (bytes, expected) = (testdata!(FAC_TEST1), testdata!(FAC_TEST1_FACE));
    let faces = parse_face_record(&bytes).unwrap();
    assert_eq!(faces.len(), 1);
    let face = &faces[0];
    assert_eq!(face.container, Container::Iso19794_5);
    assert_eq!(face.image_format, ImageFormat::Jpeg2000);
    assert_eq!(face.sniffed_encoding(), Some(Encoding::Jpeg));
    assert!(!face.format_agrees());
    assert_eq!((face.width, face.height), (Some(148), Some(70)));
    assert_eq!(*face.image, expected);
}

#[test]
fn invalid_images_parse_but_are_not_recognised() {
    for path in [FAC_INVALID_IMAGE, BARE_INVALID_IMAGE] {
        let bytes = testdata!(path);
        let faces = parse_face_record(&bytes).unwrap();
        assert_eq!(faces[0].sniffed_encoding(), None, "{path}");
        assert!(!faces[0].format_agrees());
        #[cfg(feature = "decode")]
        assert!(matches!(faces[0].decode(crate::face_image::DEFAULT_MAX_PIXELS), Err(ImageError::UnknownFormat)));
    }
}

#[cfg(feature = "decode")]
use crate::error::ImageError;

#[cfg(feature = "decode")]
#[test]
fn every_sample_image_decodes() {
    use crate::face_image::{DEFAULT_MAX_PIXELS, PixelLayout};
    // (file, is a whole DG2, decoded width, height). The BSI specimen declares 337x449 and the silver all-fields
    // sample 572x731 for what are 413x531 images.
    let samples = [
        (BSI_2008, true, 413, 531),
        (LOES_2006, true, 449, 598),
        (SILVER_ALL, true, 413, 531),
        (SILVER_MANDATORY, true, 413, 531),
        (BARE_ALL, false, 413, 531),
        (BARE_MANDATORY, false, 413, 531),
        (FAC_TEST1, false, 148, 70),
        (JMRTD_39794, false, 1024, 1024),
    ];
    for (path, is_dg2, width, height) in samples {
        let bytes = testdata!(path);
        let faces = if is_dg2 { Dg2::parse(&bytes).unwrap().faces } else { parse_face_record(&bytes).unwrap() };
        let decoded = faces[0].decode(DEFAULT_MAX_PIXELS).unwrap();
        assert_eq!((decoded.width, decoded.height), (width, height), "{path}");
        assert_eq!(decoded.layout, PixelLayout::Rgb8, "{path}");
        assert_eq!(decoded.pixels.len(), (width * height * 3) as usize, "{path}");
        if let (Some(w), Some(h)) = (faces[0].width, faces[0].height) {
            let lies = [BSI_2008, SILVER_ALL, BARE_ALL].contains(&path);
            assert_eq!((u32::from(w), u32::from(h)) == (width, height), !lies, "{path}");
        }
    }
}

#[test]
fn encodes_19794_exactly_as_the_bsi_specimen() {
    let bytes = testdata!(BSI_2008);
    let face = Dg2::parse(&bytes).unwrap().faces.remove(0);
    let encoded = Dg2::encode_19794_5(&face.image, ImageFormat::Jpeg2000, 337, 449).unwrap();
    assert_eq!(encoded, bytes);
}

#[test]
fn encodes_39794_exactly_as_the_profile_sample() {
    let (bytes, image) = (testdata!(SILVER_MANDATORY), testdata!(SILVER_FACE));
    let block = iso39794::encode(&image, ImageFormat::Jpeg2000, None).unwrap();
    let header =
        [(Tag(0x87), &FORMAT_OWNER_SC37.to_be_bytes()[..]), (Tag(0x88), &FORMAT_TYPE_39794_5.to_be_bytes()[..])];
    assert_eq!(wrap(&header, DATA_BLOCK_CONSTRUCTED, &block).unwrap(), bytes);
}

#[test]
fn encoders_round_trip() {
    let image = testdata!(FAC_TEST1_FACE);
    for (encoded, container) in [
        (Dg2::encode_19794_5(&image, ImageFormat::Jpeg, 148, 70).unwrap(), Container::Iso19794_5),
        (Dg2::encode_39794_5(&image, ImageFormat::Jpeg, 148, 70).unwrap(), Container::Iso39794_5),
    ] {
        let face = Dg2::parse(&encoded).unwrap().faces.remove(0);
        assert_eq!(face.container, container);
        assert_eq!(face.image_format, ImageFormat::Jpeg);
        assert!(face.format_agrees());
        assert_eq!((face.width, face.height), (Some(148), Some(70)));
        assert_eq!(*face.image, image);
    }
    // Sizes whose DER INTEGER needs a leading zero, or two bytes, or three.
    for (width, height) in [(0x80, 0xFF), (0x100, 0x7FFF), (0x8000, 0xFFFF), (0, 1)] {
        let encoded = Dg2::encode_39794_5(b"\xFF\xD8\xFF", ImageFormat::Jpeg, width, height).unwrap();
        let face = Dg2::parse(&encoded).unwrap().faces.remove(0);
        assert_eq!((face.width, face.height), (Some(width), Some(height)));
    }
    // Lengths that need two- and three-byte length fields.
    for len in [0, 100, 200, 70_000] {
        let image = vec![0xAB; len];
        for encoded in [
            Dg2::encode_19794_5(&image, ImageFormat::Jpeg2000, 1, 1).unwrap(),
            Dg2::encode_39794_5(&image, ImageFormat::Jpeg2000, 1, 1).unwrap(),
        ] {
            assert_eq!(Dg2::parse(&encoded).unwrap().faces[0].image.len(), len);
        }
    }
}

#[test]
fn encoders_refuse_what_the_container_cannot_carry() {
    assert!(Dg2::encode_19794_5(b"png", ImageFormat::Png, 1, 1).is_err());
    assert!(Dg2::encode_39794_5(b"png", ImageFormat::Png, 1, 1).is_err());
    assert!(Dg2::encode_39794_5(b"", ImageFormat::Other, 1, 1).is_err());
    let huge = vec![0; tlv::MAX_LENGTH];
    assert!(Dg2::encode_19794_5(&huge, ImageFormat::Jpeg, 1, 1).is_err());
    assert!(Dg2::encode_39794_5(&huge, ImageFormat::Jpeg, 1, 1).is_err());
}

#[test]
fn debug_does_not_print_the_image() {
    let bytes = testdata!(FAC_TEST1);
    let faces = parse_face_record(&bytes).unwrap();
    let text = format!("{:?}", Dg2 { faces });
    assert!(text.contains("<5099 bytes redacted>"), "{text}");
    // 255, 216: the JPEG's first bytes, as a derived Debug of the vector would print them.
    assert!(!text.contains("255, 216"), "{text}");
}

#[test]
fn every_truncation_is_an_error() {
    for path in [BSI_2008, SILVER_ALL, SILVER_MANDATORY] {
        let bytes = testdata!(path);
        for len in 0..bytes.len() {
            assert!(Dg2::parse(&bytes[..len]).is_err(), "{path} cut to {len}");
        }
    }
    for path in [FAC_TEST1, BARE_ALL] {
        let bytes = testdata!(path);
        for len in 0..bytes.len() {
            assert!(parse_face_record(&bytes[..len]).is_err(), "{path} cut to {len}");
        }
    }
}

/// The outer lengths of a truncated file no longer fit, so the parser stops at the first TLV; these cut the
/// record inside and fix up every enclosing length, so that the inner parsers meet the end.
#[test]
fn truncated_records_inside_a_valid_dg2_are_errors() {
    let bytes = testdata!(FAC_TEST1);
    for len in 0..bytes.len() {
        let dg2 = wrap(&[], DATA_BLOCK, &bytes[..len]).unwrap();
        assert!(Dg2::parse(&dg2).is_err(), "19794 record cut to {len}");
    }
    let image = testdata!(SILVER_FACE);
    let block = iso39794::encode(&image, ImageFormat::Jpeg2000, Some((413, 531))).unwrap();
    // The image is the last but one component: cutting into it or the information after it must fail.
    for len in (0..block.len()).filter(|len| *len < 200 || *len > block.len() - 300) {
        let dg2 = wrap(&[], DATA_BLOCK_CONSTRUCTED, &block[..len]).unwrap();
        assert!(Dg2::parse(&dg2).is_err(), "39794 block cut to {len}");
    }
}

#[test]
fn corrupted_headers_never_panic() {
    for path in [BSI_2008, SILVER_ALL, LOES_2006] {
        let bytes = testdata!(path);
        let mut copy = bytes.clone();
        for at in 0..300.min(bytes.len()) {
            for value in [0x00, 0x01, 0x7F, 0x80, 0x81, 0x84, 0xFF, bytes[at] ^ 0x20] {
                copy[at] = value;
                if let Ok(dg2) = Dg2::parse(&copy) {
                    let _ = format!("{dg2:?}");
                }
                copy[at] = bytes[at];
            }
        }
    }
}

#[test]
fn refuses_malformed_dg2s() {
    assert!(Dg2::parse(&[]).is_err());
    assert!(parse_face_record(&[]).is_err());
    // Wrong file tag.
    assert!(matches!(Dg2::parse(&[0x61, 0x00]), Err(Error::Lds(LdsError::WrongFileTag { found: Tag(0x61), .. }))));
    // Trailing bytes after the file.
    let good = Dg2::encode_19794_5(b"\xFF\xD8\xFF", ImageFormat::Jpeg, 1, 1).unwrap();
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(Dg2::parse(&trailing).is_err());
    // A count and no template; a count that disagrees with the templates; an unknown block.
    assert!(matches!(
        Dg2::parse(&hex::decode("75067F6103020101").unwrap()),
        Err(Error::Lds(LdsError::Tlv { source: TlvError::Missing(INFO_TEMPLATE), .. }))
    ));
    let two = {
        let mut dg2 = good.clone();
        // 75 L 7F61 L 02 01 01 ...: claim two instances.
        let at = dg2.windows(3).position(|w| w == [0x02, 0x01, 0x01]).unwrap();
        dg2[at + 2] = 2;
        dg2
    };
    assert!(Dg2::parse(&two).is_err());
    let unknown = wrap(&[], DATA_BLOCK, &[b"XYZ\0", &fac(b"010\0", 0x0E, 1)[4..]].concat()).unwrap();
    assert!(what(Dg2::parse(&unknown)).contains("neither"));
    // A 19794 record of the 2011 edition, one with no face, one with a face block shorter than its own header.
    assert!(what(parse_face_record(&fac(b"030\0", 0x0E, 1))).contains("version"));
    assert!(what(parse_face_record(&fac(b"010\0", 0x0E, 0))).contains("no face"));
    assert!(what(parse_face_record(&[fac(b"010\0", 0x12, 1), vec![0, 0, 0, 3]].concat())).contains("shorter"));
    // A 39794 block whose image representation is an extension, not a 2D image.
    let record = hex::decode("6511 A007800103810207E3 A106 3004 A102 A100".replace(' ', "")).unwrap();
    assert!(what(parse_face_record(&record)).contains("not a 2D image"));
}

fn what<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    match result {
        Err(Error::Lds(LdsError::Invalid { what, .. })) => what,
        other => panic!("expected LdsError::Invalid, got {other:?}"),
    }
}
