//! Writes the seed corpus, `seeds/<target>/<name>`, from `mrtd`'s own encoders and images encoded here, so that the
//! seeds are small, reproducible, and hold no personal data: `cargo run --example make_seeds` (from `fuzz/`).
//!
//! Each target's directory is emptied and written again.

use std::fs;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};
use mrtd::apdu::{Command, Response};
use mrtd::crypto::DES_BLOCK;
use mrtd::lds::com::Com;
use mrtd::lds::dg1::Dg1;
use mrtd::lds::dg2::{Dg2, ImageFormat};
use mrtd::lds::dg11::Dg11;
use mrtd::lds::dg12::Dg12;
use mrtd::lds::{EMRTD_AID, FileId};
use mrtd::mrz::Mrz;
use mrtd::sw::StatusWord;
use mrtd::tlv::{self, Tag, Tlv};
use mrtd_fuzz::{BAC_K_IC, bac_chip, bac_terminal, sample_mrz_fields, sm_session};

type Seeds = Vec<(String, Vec<u8>)>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let images = images()?;
    let targets: [(&str, Seeds); 8] = [
        ("mrz", mrz()?),
        ("tlv", tlv_seeds()?),
        ("apdu", apdu()?),
        ("sm_unwrap", sm()?),
        ("dg2", dg2(&images)?),
        ("face_image", images.iter().map(|(n, b)| (n.clone(), b.clone())).collect()),
        ("lds", lds()?),
        ("dg15", dg15()?),
    ];
    for (target, seeds) in targets {
        write(&root.join(target), &seeds)?;
    }
    Ok(())
}

fn write(dir: &Path, seeds: &Seeds) -> Result<(), Box<dyn std::error::Error>> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    fs::create_dir_all(dir)?;
    for (name, bytes) in seeds {
        fs::write(dir.join(name), bytes)?;
    }
    println!("{}: {} seeds, {} bytes", dir.display(), seeds.len(), seeds.iter().map(|s| s.1.len()).sum::<usize>());
    Ok(())
}

fn built_mrzs() -> Result<Vec<Mrz>, Box<dyn std::error::Error>> {
    Ok(sample_mrz_fields().iter().map(Mrz::build).collect::<Result<_, _>>()?)
}

/// Mode byte 0 (text): lines joined by `\n`, and the DG1-style concatenation. Mode byte 1 (fields): a few byte strings
/// for the field drawer to start from.
fn mrz() -> Result<Seeds, Box<dyn std::error::Error>> {
    let mut seeds = Seeds::new();
    for (i, m) in built_mrzs()?.iter().enumerate() {
        seeds.push((
            format!("lines_{i}_{:?}", m.format()),
            [b"\0".as_slice(), m.lines().join("\n").as_bytes()].concat(),
        ));
        seeds.push((
            format!("concatenated_{i}_{:?}", m.format()),
            [b"\0".as_slice(), m.concatenated().as_bytes()].concat(),
        ));
    }
    seeds.push(("iso_date".into(), b"\01974-08-12".to_vec()));
    for (i, len) in [40usize, 120, 200].into_iter().enumerate() {
        let bytes: Vec<u8> = (0..len).map(|j| (j as u8).wrapping_mul(37).wrapping_add(i as u8)).collect();
        seeds.push((format!("fields_{i}"), [&[1u8][..], &bytes].concat()));
    }
    Ok(seeds)
}

fn tlv_seeds() -> Result<Seeds, Box<dyn std::error::Error>> {
    let mut seeds = lds()?;
    // Nested constructed values, a long-form length, and a non-minimal length form.
    let inner = [tlv::to_vec(Tag(0x80), &[1, 2]), tlv::to_vec(Tag(0x5F2E), &[0xAB; 130])].concat();
    seeds.push(("nested".into(), tlv::to_vec(Tag(0x7F61), &tlv::to_vec(Tag(0x7F60), &tlv::to_vec(Tag(0xA1), &inner)))));
    seeds.push(("non_minimal_length".into(), vec![0x5F, 0x1F, 0x82, 0x00, 0x03, b'P', b'<', b'U']));
    seeds.push(("three_byte_tag".into(), vec![0x5F, 0x81, 0x01, 0x01, 0x00]));
    seeds.push(("sequence".into(), [tlv::to_vec(Tag(0x02), &[1]), tlv::to_vec(Tag(0x04), &[])].concat()));
    Ok(seeds)
}

fn apdu() -> Result<Seeds, Box<dyn std::error::Error>> {
    let commands = [
        ("select_app", Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec())),
        ("select_file", Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(FileId::Dg(2).fid().to_be_bytes().to_vec())),
        ("get_challenge", mrtd::bac::get_challenge()),
        ("read_binary_short", Command::new(0x00, 0xB0, 0x81, 0x00).with_le(256)),
        ("read_binary_extended", Command::new(0x0C, 0xB1, 0x00, 0x00).with_data(vec![0x54, 1, 0]).with_le(65536)),
        ("case1", Command::new(0x00, 0x70, 0x00, 0x00)),
        ("case3_extended", Command::new(0x0C, 0xD6, 0x00, 0x00).with_data(vec![9; 300])),
    ];
    let mut seeds = Seeds::new();
    for (name, cmd) in commands {
        seeds.push((format!("cmd_{name}"), cmd.to_bytes()?));
    }
    seeds.push(("resp_data".into(), Response::new(vec![0x60, 0x14, 0x5F, 0x01], StatusWord::Ok).to_bytes()));
    seeds.push(("resp_status".into(), Response::status(StatusWord::BytesAvailable(0x10)).to_bytes()));
    // A contactless ATR whose card capabilities announce extended lengths, and EF.ATR/INFO's buffer sizes.
    seeds.push(("atr".into(), vec![0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xC8, 0x21, 0x40, 0x00]));
    seeds.push(("atr_info".into(), vec![0x7F, 0x66, 0x08, 0x02, 0x02, 0x04, 0x00, 0x02, 0x02, 0x10, 0x00]));
    Ok(seeds)
}

/// Mode 0: messages the fixed sessions accept. Mode 1: their data objects without DO'8E', behind a four-byte header
/// (class, instruction or nothing, and the status word). Mode 2: byte strings for the round trip's drawer.
fn sm() -> Result<Seeds, Box<dyn std::error::Error>> {
    let mut seeds = Seeds::new();
    let responses = [
        ("data", Response::new(b"\x60\x14\x5F\x01\x04\x30\x31\x30\x37".to_vec(), StatusWord::Ok)),
        ("eof", Response::new(vec![0x5A; 20], StatusWord::EndOfFile)),
        ("status", Response::status(StatusWord::FileNotFound)),
    ];
    for (name, resp) in responses {
        let protected = sm_session().protect_response(&resp)?;
        seeds.push((format!("0_response_{name}"), [&[0u8][..], &protected.to_bytes()].concat()));
        let objects = without_mac(&protected.data);
        let sw = resp.sw.to_bytes();
        seeds.push((format!("1_objects_{name}"), [&[1u8, 0x0C, 0xB0, sw[0], sw[1]][..], objects].concat()));
    }
    let commands = [
        ("read", Command::new(0x00, 0xB0, 0x81, 0x00).with_le(4)),
        ("select", Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E])),
        ("odd_ins", Command::new(0x00, 0xB1, 0x00, 0x00).with_data(vec![0x54, 0x01, 0x00]).with_le(65536)),
    ];
    for (name, cmd) in commands {
        let protected = sm_session().protect(&cmd)?;
        seeds.push((format!("0_command_{name}"), [&[0u8][..], &protected.to_bytes()?].concat()));
        let header = [1u8, protected.cla, protected.ins, protected.p1, protected.p2];
        seeds.push((format!("1_command_objects_{name}"), [&header[..], without_mac(&protected.data)].concat()));
    }
    let request = bac_terminal().external_authenticate()?;
    seeds.push(("0_bac_request".into(), [&[0u8][..], &request.data].concat()));
    let (answer, _) = bac_chip().external_authenticate(&request.data, BAC_K_IC)?;
    seeds.push(("0_bac_answer".into(), [&[0u8][..], &answer].concat()));
    // A cryptogram with bad padding and one of a partial block, behind a valid MAC.
    seeds.push(("1_bad_block".into(), [&[1u8, 0x0C, 0xB0, 0x90, 0x00, 0x87, 0x06, 0x01][..], &[0; 5]].concat()));
    seeds.push((
        "1_do85".into(),
        [&[1u8, 0x0C, 0xB1, 0x90, 0x00, 0x85, DES_BLOCK as u8][..], &[0xA5; DES_BLOCK]].concat(),
    ));
    for (i, len) in [16usize, 64, 200].into_iter().enumerate() {
        let bytes: Vec<u8> = (0..len).map(|j| (j as u8).wrapping_mul(53).wrapping_add(i as u8)).collect();
        seeds.push((format!("2_round_trip_{i}"), [&[2u8][..], &bytes].concat()));
    }
    Ok(seeds)
}

/// The data objects before DO'8E'.
fn without_mac(objects: &[u8]) -> &[u8] {
    let mut rest = objects;
    while let Ok((item, after)) = Tlv::parse(rest)
        && item.tag != Tag(0x8E)
    {
        rest = after;
    }
    &objects[..objects.len() - rest.len()]
}

fn dg2(images: &Seeds) -> Result<Seeds, Box<dyn std::error::Error>> {
    let jpeg = &images.iter().find(|(n, _)| n == "jpeg_rgb_16x12").ok_or("no JPEG")?.1;
    let j2k = &images.iter().find(|(n, _)| n == "j2k_rgb_flat").ok_or("no J2K")?.1;
    let mut seeds = Seeds::new();
    let dg2_19794 = Dg2::encode_19794_5(jpeg, ImageFormat::Jpeg, 16, 12)?;
    let dg2_39794 = Dg2::encode_39794_5(jpeg, ImageFormat::Jpeg, 16, 12)?;
    seeds.push(("dg2_19794_jpeg".into(), dg2_19794.clone()));
    seeds.push(("dg2_39794_jpeg".into(), dg2_39794.clone()));
    seeds.push(("dg2_19794_j2k".into(), Dg2::encode_19794_5(j2k, ImageFormat::Jpeg2000, 20, 10)?));
    seeds.push(("dg2_39794_j2k".into(), Dg2::encode_39794_5(j2k, ImageFormat::Jpeg2000, 20, 10)?));
    seeds.push(("block_19794".into(), data_block(&dg2_19794)?.to_vec()));
    let block_39794 = data_block(&dg2_39794)?;
    seeds.push(("block_39794_profile".into(), block_39794.to_vec()));
    // The face image data block without the profile's A1 wrapper.
    seeds.push(("block_39794_bare".into(), Tlv::parse(block_39794)?.0.value.to_vec()));
    seeds.push(("record_19794_landmarks".into(), record_19794_with_landmarks(j2k)));
    Ok(seeds)
}

/// The biometric data block inside `75 { 7F61 { 02, 7F60 { A1, 5F2E | 7F2E } } }`.
fn data_block(dg2: &[u8]) -> Result<&[u8], Box<dyn std::error::Error>> {
    let group = Tlv::parse_exact(dg2, Tag(0x75))?;
    let template = tlv::find(group, Tag(0x7F61))?.and_then(|g| tlv::find(g, Tag(0x7F60)).transpose());
    let template = template.ok_or("no 7F60")??;
    for tag in [Tag(0x5F2E), Tag(0x7F2E)] {
        if let Some(block) = tlv::find(template, tag)? {
            return Ok(block);
        }
    }
    Err("no data block".into())
}

/// An ISO/IEC 19794-5:2005 record with one face, two MPEG-4 feature points (the eye centres, 12.1 and 12.2) and every
/// detail set, laid out by hand: `Dg2::encode_19794_5` writes none of them.
fn record_19794_with_landmarks(image: &[u8]) -> Vec<u8> {
    let mut face = Vec::new();
    face.extend_from_slice(&2u16.to_be_bytes()); // feature points
    face.extend_from_slice(&[1, 2, 3, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
    for (minor, x) in [(1u8, 6u16), (2, 14)] {
        face.extend_from_slice(&[1, 0xC0 | minor]);
        face.extend_from_slice(&x.to_be_bytes());
        face.extend_from_slice(&5u16.to_be_bytes());
        face.extend_from_slice(&[0, 0]);
    }
    face.extend_from_slice(&[1, 1]); // full frontal, JPEG 2000
    face.extend_from_slice(&20u16.to_be_bytes());
    face.extend_from_slice(&10u16.to_be_bytes());
    face.extend_from_slice(&[1, 2, 0, 0, 0, 0]); // RGB, digital camera, device, quality
    face.extend_from_slice(image);
    let face_len = u32::try_from(face.len() + 4).unwrap_or(u32::MAX);
    let mut record = b"FAC\0010\0".to_vec();
    record.extend_from_slice(&(face_len + 14).to_be_bytes());
    record.extend_from_slice(&1u16.to_be_bytes());
    record.extend_from_slice(&face_len.to_be_bytes());
    record.extend_from_slice(&face);
    record
}

/// Tiny images: JPEG and PNG encoded here, and flat JPEG 2000 images built by hand, raw and boxed. Each must decode.
fn images() -> Result<Seeds, Box<dyn std::error::Error>> {
    let (w, h) = (16u32, 12u32);
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| [(i * 13) as u8, (i * 7) as u8, (255 - i) as u8]).collect();
    let grey: Vec<u8> = (0..w * h).map(|i| (i * 3) as u8).collect();
    let rgba: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[0], p[1], p[2], 0x80]).collect();
    let grey16: Vec<u8> = grey.iter().flat_map(|&g| [g, 0x7F]).collect();
    let mut seeds = Seeds::new();
    let jpeg = |pixels: &[u8], colour, quality| -> Result<Vec<u8>, image::ImageError> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality).write_image(pixels, w, h, colour)?;
        Ok(out)
    };
    seeds.push(("jpeg_rgb_16x12".into(), jpeg(&rgb, ExtendedColorType::Rgb8, 50)?));
    seeds.push(("jpeg_grey_16x12".into(), jpeg(&grey, ExtendedColorType::L8, 90)?));
    let png = |pixels: &[u8], colour| -> Result<Vec<u8>, image::ImageError> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out).write_image(pixels, w, h, colour)?;
        Ok(out)
    };
    seeds.push(("png_rgb".into(), png(&rgb, ExtendedColorType::Rgb8)?));
    seeds.push(("png_grey".into(), png(&grey, ExtendedColorType::L8)?));
    seeds.push(("png_rgba".into(), png(&rgba, ExtendedColorType::Rgba8)?));
    seeds.push(("png_grey16".into(), png(&grey16, ExtendedColorType::L16)?));
    let grey_j2k = j2k(16, 12, 1, 0);
    seeds.push(("jp2_grey_flat".into(), jp2(&grey_j2k, 16, 12, 1)));
    seeds.push(("j2k_grey_flat".into(), grey_j2k));
    let rgb_j2k = j2k(20, 10, 3, 1);
    seeds.push(("jp2_rgb_flat".into(), jp2(&rgb_j2k, 20, 10, 3)));
    seeds.push(("j2k_rgb_flat".into(), rgb_j2k));
    for (name, bytes) in &seeds {
        if let Err(e) = mrtd::face_image::decode(bytes, 1 << 20) {
            return Err(format!("seed {name} does not decode: {e}").into());
        }
    }
    Ok(seeds)
}

/// A decodable JPEG 2000 codestream of a flat image: SOC, SIZ, COD (LRCP, one layer, `levels` reversible 5-3
/// decompositions, 64x64 code blocks), QCD (no quantisation), one tile whose packets are all empty (a single zero
/// byte each: no code block included, so every coefficient is zero), EOC. ISO/IEC 15444-1 Annex A and B.10.
fn j2k(width: u32, height: u32, components: u16, levels: u8) -> Vec<u8> {
    let segment = |marker: u8, body: &[u8]| -> Vec<u8> {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(body);
        out
    };
    let mut siz = vec![0x00, 0x00]; // Rsiz: no restriction
    for v in [width, height, 0, 0, width, height, 0, 0] {
        siz.extend_from_slice(&v.to_be_bytes());
    }
    siz.extend_from_slice(&components.to_be_bytes());
    for _ in 0..components {
        siz.extend_from_slice(&[0x07, 0x01, 0x01]); // 8 bits unsigned, no subsampling
    }
    // Scod 0; LRCP, 1 layer, no colour transform; levels, code blocks 2^(4+2), style 0, 5-3 reversible.
    let cod = [0x00, 0x00, 0x00, 0x01, 0x00, levels, 0x04, 0x04, 0x00, 0x01];
    // Two guard bits, no quantisation; one exponent per sub-band: the bit depth plus the sub-band's gain.
    let mut qcd = vec![0x40, 8 << 3];
    for _ in 0..levels {
        qcd.extend_from_slice(&[9 << 3, 9 << 3, 10 << 3]);
    }
    let packets = usize::from(components) * (usize::from(levels) + 1);
    let mut out = vec![0xFF, 0x4F];
    out.extend(segment(0x51, &siz));
    out.extend(segment(0x52, &cod));
    out.extend(segment(0x5C, &qcd));
    let psot = u32::try_from(12 + 2 + packets).unwrap_or(u32::MAX);
    let mut sot = vec![0x00, 0x00];
    sot.extend_from_slice(&psot.to_be_bytes());
    sot.extend_from_slice(&[0x00, 0x01]);
    out.extend(segment(0x90, &sot));
    out.extend_from_slice(&[0xFF, 0x93]);
    out.extend(std::iter::repeat_n(0u8, packets));
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// The JP2 signature box, the file type box, the header box (image header, colour specification: sRGB or
/// greyscale) and the codestream in a `jp2c` box (ISO/IEC 15444-1 Annex I).
fn jp2(codestream: &[u8], width: u32, height: u32, components: u16) -> Vec<u8> {
    let boxed = |kind: &[u8; 4], body: &[u8]| -> Vec<u8> {
        let mut out = u32::try_from(body.len() + 8).unwrap_or(u32::MAX).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&components.to_be_bytes());
    ihdr.extend_from_slice(&[0x07, 0x07, 0x00, 0x00]); // 8 bits, compression 7, colour space known, no IPR
    let enumerated: u32 = if components >= 3 { 16 } else { 17 };
    let colr = [&[0x01, 0x00, 0x00][..], &enumerated.to_be_bytes()].concat();
    let header = [boxed(b"ihdr", &ihdr), boxed(b"colr", &colr)].concat();
    let mut out = vec![0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
    out.extend(boxed(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    out.extend(boxed(b"jp2h", &header));
    out.extend(boxed(b"jp2c", codestream));
    out
}

fn lds() -> Result<Seeds, Box<dyn std::error::Error>> {
    let mut seeds = Seeds::new();
    let com = Com {
        lds_version: Some((1, 8)),
        unicode_version: Some((4, 0, 0)),
        data_groups: vec![FileId::Dg(1), FileId::Dg(2), FileId::Dg(11), FileId::Dg(12), FileId::Dg(14)],
    };
    seeds.push(("com".into(), com.to_bytes()));
    for (i, m) in built_mrzs()?.into_iter().enumerate() {
        seeds.push((format!("dg1_{i}_{:?}", m.format()), Dg1::from(m).to_bytes()));
    }
    let dg11 = Dg11 {
        full_name: Some("ERIKSSON<<ANNA<MARIA".into()),
        other_names: vec!["ANNA<M".into(), "MARIA<ANNA".into()],
        personal_number: Some("ZE184226B".into()),
        full_date_of_birth: Some("19740812".into()),
        place_of_birth: Some("ZENITH<UTOPIA".into()),
        address: Some("1<MAIN<STREET<ZENITH".into()),
        telephone: Some("+1 555 0100".into()),
        profession: Some("ENGINEER".into()),
        title: Some("DR".into()),
        personal_summary: Some("-".into()),
        proof_of_citizenship: Some(vec![0xFF, 0xD8, 0xFF, 0xD9]),
        other_valid_td_numbers: Some("X1234567<Y7654321".into()),
        custody_information: Some("NONE".into()),
    };
    seeds.push(("dg11_all".into(), dg11.to_bytes()));
    seeds.push(("dg11_empty".into(), Dg11::default().to_bytes()));
    // The date of birth as four BCD bytes, as some chips store it.
    seeds.push((
        "dg11_bcd_date".into(),
        tlv::to_vec(
            Tag(0x6B),
            &[tlv::to_vec(Tag(0x5C), &[0x5F, 0x2B]), tlv::to_vec(Tag(0x5F2B), &[0x19, 0x74, 0x08, 0x12])].concat(),
        ),
    ));
    let dg12 = Dg12 {
        issuing_authority: Some("UTOPIA<MINISTRY".into()),
        date_of_issue: Some("20120415".into()),
        other_persons: vec!["ERIKSSON<<PETER".into()],
        endorsements: Some("NONE".into()),
        tax_exit_requirements: Some("NONE".into()),
        image_front: Some(vec![0xFF, 0xD8, 0xFF, 0xD9]),
        image_rear: Some(vec![0xFF, 0xD8, 0xFF, 0xD9]),
        personalisation_time: Some("20120415093000".into()),
        personalisation_device: Some("SN0001".into()),
    };
    seeds.push(("dg12_all".into(), dg12.to_bytes()));
    Ok(seeds)
}

/// Mode 0: DG15 files (EC named and explicit, RSA) and ECParameters alone. Mode 1: `len || DG15 || RND.IFD ||
/// signature` with valid ECDSA signatures (deterministic k, so the seeds do not change between runs) and an RSA key
/// with a signature of the right length.
fn dg15() -> Result<Seeds, Box<dyn std::error::Error>> {
    use mrtd::aa::{AaPublicKey, RsaPublicKey};
    use mrtd::ec::{NamedCurve, PrivateKey};
    use sha2::{Digest as _, Sha256};

    let challenge = [0x47, 0xE4, 0xEE, 0x7F, 0x21, 0x1F, 0x73, 0x26];
    let mut seeds = Seeds::new();
    let mut verify_seed = |name: &str, dg15: &[u8], signature: &[u8]| -> Result<(), Box<dyn std::error::Error>> {
        let len = u16::try_from(dg15.len())?.to_be_bytes();
        seeds.push((name.into(), [&[1u8][..], &len, dg15, &challenge, signature].concat()));
        Ok(())
    };
    for (name, curve, explicit) in
        [("p256_named", NamedCurve::P256, false), ("bp384_explicit", NamedCurve::BrainpoolP384r1, true)]
    {
        let key = PrivateKey::from_bytes(&curve.curve(), &[0x5A; 16])?;
        let dg15 = AaPublicKey::Ec(key.public_key()).to_dg15(explicit)?;
        let signature = key.sign_prehash_rfc6979::<Sha256>(&Sha256::digest(challenge))?;
        verify_seed(&format!("verify_{name}"), &dg15, &signature.to_plain(key.curve())?)?;
    }
    // A made-up odd 1024-bit modulus: the parser and the 9796-2 checks need no real key.
    let mut modulus = vec![0xC5; 128];
    modulus[127] = 0x01;
    let rsa = AaPublicKey::Rsa(RsaPublicKey::from_components(&modulus, &[1, 0, 1])?).to_dg15(false)?;
    verify_seed("verify_rsa1024", &rsa, &[0x3C; 128])?;

    seeds.push(("dg15_rsa1024".into(), [&[0u8][..], &rsa].concat()));
    for (name, curve, explicit) in [
        ("dg15_p256_named", NamedCurve::P256, false),
        ("dg15_bp256_explicit", NamedCurve::BrainpoolP256r1, true),
        ("dg15_p224_explicit", NamedCurve::P224, true),
    ] {
        let key = PrivateKey::from_bytes(&curve.curve(), &[0x33; 20])?;
        seeds.push((name.into(), [&[0u8][..], &AaPublicKey::Ec(key.public_key()).to_dg15(explicit)?].concat()));
    }
    for (name, curve, explicit) in
        [("params_bp512_explicit", NamedCurve::BrainpoolP512r1, true), ("params_p384_named", NamedCurve::P384, false)]
    {
        seeds.push((name.into(), [&[0u8][..], &curve.curve().to_parameters_der(explicit)?].concat()));
    }
    Ok(seeds)
}
