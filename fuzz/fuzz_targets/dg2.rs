//! DG2: `Dg2::parse` on the whole file and `parse_face_record` on a biometric data block alone (ISO/IEC 19794-5
//! `FAC\0` records and ISO/IEC 39794-5 face image data blocks).
//!
//! Round trips asserted, for every face that parsed with a JPEG or JPEG 2000 declaration:
//! - `encode_19794_5(image, format, width, height)` -> `Dg2::parse` gives one 19794-5 face with the same image bytes,
//!   format and size;
//! - `encode_39794_5` likewise gives one 39794-5 face with the same image bytes, format and size.
//!
//! And, on the input bytes themselves as an image: both encoders -> `Dg2::parse` give them back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::lds::dg2::{self, Container, Dg2, FaceImage, ImageFormat};

fuzz_target!(|data: &[u8]| {
    if let Ok(dg) = Dg2::parse(data) {
        assert!(!dg.faces.is_empty(), "a DG2 that parses has a face");
        dg.faces.iter().for_each(check);
    }
    if let Ok(faces) = dg2::parse_face_record(data) {
        assert!(!faces.is_empty(), "a face record that parses has a face");
        faces.iter().for_each(check);
    }
    // The input as the image of a DG2 built around it.
    let size = data.get(..4).map_or((1, 1), |b| (u16::from_be_bytes([b[0], b[1]]), u16::from_be_bytes([b[2], b[3]])));
    for format in [ImageFormat::Jpeg, ImageFormat::Jpeg2000] {
        re_encode(data, format, Some(size), Container::Iso19794_5);
        re_encode(data, format, Some(size), Container::Iso39794_5);
    }
});

fn check(face: &FaceImage) {
    let _ = face.sniffed_encoding();
    let _ = face.format_agrees();
    let _ = format!("{face:?}");
    if matches!(face.image_format, ImageFormat::Jpeg | ImageFormat::Jpeg2000) {
        let size = face.width.zip(face.height);
        re_encode(&face.image, face.image_format, size, Container::Iso19794_5);
        re_encode(&face.image, face.image_format, size, Container::Iso39794_5);
    }
}

/// Encodes `image` into a DG2 of `container`'s format and parses it back.
fn re_encode(image: &[u8], format: ImageFormat, size: Option<(u16, u16)>, container: Container) {
    let (width, height) = size.unwrap_or((0, 0));
    let encoded = match container {
        Container::Iso19794_5 => Dg2::encode_19794_5(image, format, width, height),
        Container::Iso39794_5 => Dg2::encode_39794_5(image, format, width, height),
    }
    .unwrap_or_else(|e| panic!("{container:?} does not encode an image of {} bytes: {e}", image.len()));
    let dg = Dg2::parse(&encoded).unwrap_or_else(|e| panic!("{container:?} encoding does not parse: {e}"));
    let [face] = &dg.faces[..] else { panic!("{container:?} encoding parsed to {} faces", dg.faces.len()) };
    assert_eq!(face.container, container);
    assert_eq!(face.image_format, format);
    assert_eq!(&face.image[..], image, "{container:?} round trip changed the image bytes");
    if size.is_some() {
        assert_eq!((face.width, face.height), (Some(width), Some(height)));
    }
    assert!(face.landmarks.is_empty());
}
