//! Passive Authentication against the real and specimen documents of ../shared/testdata (read in place, skipped
//! with a message when the folder is absent). What each file is and where it comes from: testdata/README.md; what
//! verified with other tools: testdata/icao/data/VERIFY_DATA_REPORT.txt.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::*;

const REAL: [&str; 12] = ["AT", "DE", "FI", "FR", "ID", "MY", "NZ", "PH", "RU", "SG", "UK", "US"];
const DE_LIST: [&str; 2] = ["masterlists/DE_ML_2026-05-28-08-28-45.ml", "masterlists/DE_ROOT_CA_CSCA07.cer"];
const NL_LIST: [&str; 2] = ["masterlists/NL_ML_2026-07-22.ml", "masterlists/NL_ROOT_CA.cer"];
const IDN_2020: &str = "masterlists/IDN_2020-10_CSCA.cer";

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn store(dir: &Path, files: &[&str]) -> TrustStore {
    let mut builder = TrustStore::builder();
    for f in files {
        builder.add(f, &read(dir, f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    builder.build()
}

fn real_sod(dir: &Path, country: &str) -> Sod {
    Sod::parse(&read(dir, &format!("real_docs_sod_only/{country}_EF_SOD.bin"))).unwrap()
}

fn codes(report: &PaReport) -> Vec<ReasonCode> {
    report.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn every_real_document_is_valid_with_the_master_lists() {
    let Some(dir) = data_dir() else { return };
    let mut files = DE_LIST.to_vec();
    files.extend(NL_LIST);
    files.push(IDN_2020);
    let trust = store(&dir, &files);
    for source in trust.sources().iter().filter(|s| s.kind == SourceKind::MasterList) {
        assert!(matches!(source.status, SourceStatus::Verified { .. }), "{source:?}");
    }
    let expected = [
        ("AT", "ecdsa-with-SHA256 (brainpoolP256r1, explicit parameters)"),
        ("DE", "ecdsa-with-SHA384 (brainpoolP384r1, explicit parameters)"),
        ("FI", "ecdsa-with-SHA512 (brainpoolP512r1, explicit parameters)"),
        ("FR", "sha256WithRSAEncryption (RSA-2048)"),
        ("ID", "RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 32) (RSA-2048)"),
        ("MY", "RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 32) (RSA-2048)"),
        // A bare rsaEncryption signature algorithm: the hash comes from digestAlgorithm.
        ("NZ", "sha256WithRSAEncryption (RSA-2048)"),
        ("PH", "RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 32) (RSA-2048)"),
        ("RU", "ecdsa-with-SHA1 (P-256, explicit parameters)"),
        ("SG", "RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 32) (RSA-2048)"),
        ("UK", "ecdsa-with-SHA256 (P-256, explicit parameters)"),
        ("US", "sha256WithRSAEncryption (RSA-2048)"),
    ];
    for (country, algorithm) in expected {
        let report = real_sod(&dir, country).verify(&[], &trust, SystemTime::now());
        assert_eq!(report.status, Status::Valid, "{country}: {:?}", report.reasons);
        assert_eq!(report.signature_algorithm.as_deref(), Some(algorithm), "{country}");
        assert!(report.csca.is_some(), "{country}");
        assert!(report.data_groups.values().all(|c| *c == DgCheck::NotProvided), "{country}");
        let matched = if country == "MY" { SignerMatch::SerialOnly } else { SignerMatch::IssuerAndSerial };
        assert_eq!(report.signer_match, Some(matched), "{country}");
    }
}

#[test]
fn each_real_document_needs_its_trust() {
    let Some(dir) = data_dir() else { return };
    let verdicts = |trust: &TrustStore| -> Vec<Status> {
        REAL.iter().map(|c| real_sod(&dir, c).verify(&[], trust, SystemTime::now()).status).collect()
    };
    // Either European list covers all but the Indonesian document, whose CSCA no list carries (gmrtd issue #14).
    for list in [&DE_LIST, &NL_LIST] {
        let got = verdicts(&store(&dir, list));
        for (country, status) in REAL.iter().zip(got) {
            let want = if *country == "ID" { Status::Untrusted } else { Status::Valid };
            assert_eq!(status, want, "{country} with {list:?}");
        }
    }
    let id = REAL.iter().position(|c| *c == "ID").unwrap();
    assert_eq!(verdicts(&store(&dir, &[IDN_2020])).get(id), Some(&Status::Valid));
    // The 2010 CSCA alone does not cover a 2025 DSC; with the 2016 and 2020 link certificates it does.
    assert_eq!(verdicts(&store(&dir, &["masterlists/IDN_2010-12_CSCA.cer"])).get(id), Some(&Status::Untrusted));
    let links = [
        "masterlists/IDN_2010-12_CSCA.cer",
        "masterlists/IDN_2016-01_CSCA_LINK.cer",
        "masterlists/IDN_2020-10_CSCA_LINK.cer",
    ];
    let trust = store(&dir, &links);
    let report = real_sod(&dir, "ID").verify(&[], &trust, SystemTime::now());
    assert_eq!(report.status, Status::Valid, "{:?}", report.reasons);
    // A link certificate alone is not an anchor: without the 2010 CSCA the chain has no root.
    let trust = store(&dir, &links[1..]);
    assert_eq!(real_sod(&dir, "ID").verify(&[], &trust, SystemTime::now()).status, Status::Untrusted);
    // The PEM bundle and the unwrapped German list are trusted as given.
    for bundle in ["masterlists/andyq_masterList.pem", "masterlists/tananaev_DE_masterList_unwrapped.der"] {
        let trust = store(&dir, &[bundle]);
        assert!(trust.len() > 500, "{bundle}");
        assert_eq!(real_sod(&dir, "FR").verify(&[], &trust, SystemTime::now()).status, Status::Valid, "{bundle}");
    }
}

#[test]
fn a_master_list_without_its_root_is_rejected() {
    let Some(dir) = data_dir() else { return };
    let trust = store(&dir, &DE_LIST[..1]);
    let source = trust.sources().first().unwrap();
    assert_eq!(source.certificates, 588);
    assert!(matches!(source.status, SourceStatus::Rejected { .. }), "{source:?}");
    let report = real_sod(&dir, "DE").verify(&[], &trust, SystemTime::now());
    assert_eq!(report.status, Status::Untrusted);
    assert_eq!(codes(&report), [ReasonCode::CscaNotFound]);
    // The German root does not sign the Dutch list.
    let trust = store(&dir, &[NL_LIST[0], DE_LIST[1]]);
    assert!(matches!(trust.sources().first().unwrap().status, SourceStatus::Rejected { .. }));
    // Order does not matter: the root after the list still verifies it.
    let trust = store(&dir, &[NL_LIST[1], DE_LIST[0], NL_LIST[0], DE_LIST[1]]);
    assert!(trust.sources().iter().all(|s| !matches!(s.status, SourceStatus::Rejected { .. })));
}

/// Noon UTC of a day.
fn day(year: u16, month: u8, day: u8) -> SystemTime {
    SystemTime::UNIX_EPOCH + DateTime::new(year, month, day, 12, 0, 0).unwrap().unix_duration()
}

type Specimen = (&'static str, (u16, u8, u8), &'static [(u8, &'static str)]);

/// The specimens: SOD, a day within its DSC's validity (none has a signingTime), the data groups given, all hashes
/// matching; their CSCAs are in no list.
const SPECIMENS: [Specimen; 4] = [
    (
        "jmrtd/lds/bsi2008/EF_SOD.bin",
        (2008, 6, 1),
        &[
            (1, "jmrtd/lds/bsi2008/Datagroup1.bin"),
            (2, "jmrtd/lds/bsi2008/Datagroup2.bin"),
            (3, "jmrtd/lds/bsi2008/Datagroup3.bin"),
            (14, "jmrtd/lds/bsi2008/Datagroup14.bin"),
        ],
    ),
    (
        "jmrtd/lds/loes2006/ef011D.bin",
        (2007, 1, 1),
        &[
            (1, "jmrtd/lds/loes2006/ef0101.bin"),
            (2, "jmrtd/lds/loes2006/ef0102.bin"),
            (15, "jmrtd/lds/loes2006/ef010F.bin"),
        ],
    ),
    (
        "pymrtd_bsi_tr03105_5/EF_SOD.bin",
        (2014, 6, 1),
        &[(1, "pymrtd_bsi_tr03105_5/DG1.bin"), (14, "pymrtd_bsi_tr03105_5/DG14.bin")],
    ),
    (
        "pymrtd_etsi_tr103200/EF_SOD.bin",
        (2012, 1, 1),
        &[
            (1, "pymrtd_etsi_tr103200/DG1.bin"),
            (14, "pymrtd_etsi_tr103200/DG14.bin"),
            (15, "pymrtd_etsi_tr103200/DG15.bin"),
        ],
    ),
];

#[test]
fn specimens_match_every_hash_and_are_untrusted() {
    let Some(dir) = data_dir() else { return };
    let mut files = DE_LIST.to_vec();
    files.extend(NL_LIST);
    let trust = store(&dir, &files);
    for (sod_file, (y, m, d), groups) in SPECIMENS {
        let sod = Sod::parse(&read(&dir, sod_file)).unwrap();
        let bytes: Vec<(u8, Vec<u8>)> = groups.iter().map(|(n, f)| (*n, read(&dir, f))).collect();
        let given: Vec<(u8, &[u8])> = bytes.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let report = sod.verify(&given, &trust, day(y, m, d));
        assert_eq!(report.status, Status::Untrusted, "{sod_file}: {:?}", report.reasons);
        assert_eq!(codes(&report), [ReasonCode::CscaNotFound], "{sod_file}");
        for (n, _) in groups.iter() {
            assert_eq!(report.data_groups.get(n), Some(&DgCheck::Match), "{sod_file} DG{n}");
        }
        assert!(report.dsc.is_some() && report.csca.is_none());
    }
}

#[test]
fn specimen_security_objects_as_published() {
    let Some(dir) = data_dir() else { return };
    let lds = |f: &str| Sod::parse(&read(&dir, f)).unwrap().security_object().clone();
    let bsi = lds("jmrtd/lds/bsi2008/EF_SOD.bin");
    assert_eq!(bsi.hash_algorithm, HashAlgorithm::Sha1);
    assert_eq!(bsi.data_group_hashes.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 14]);
    let tr = lds("pymrtd_bsi_tr03105_5/EF_SOD.bin");
    assert_eq!((tr.version, tr.hash_algorithm), (0, HashAlgorithm::Sha256));
    assert_eq!(tr.data_group_hashes.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 14]);
    // Version 1 with LDSVersionInfo (9303-10 §4.6.2.3), from the German document.
    let de = lds("real_docs_sod_only/DE_EF_SOD.bin");
    assert_eq!((de.version, de.hash_algorithm), (1, HashAlgorithm::Sha384));
    assert_eq!(de.lds_version, Some(("0108".to_owned(), "040000".to_owned())));
    let etsi = lds("pymrtd_etsi_tr103200/EF_SOD.bin");
    assert_eq!(etsi.data_group_hashes.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 14, 15]);
}

#[test]
fn a_data_group_not_in_the_sod_makes_it_invalid() {
    let Some(dir) = data_dir() else { return };
    let sod = Sod::parse(&read(&dir, "pymrtd_bsi_tr03105_5/EF_SOD.bin")).unwrap();
    let dg15 = read(&dir, "pymrtd_bsi_tr03105_5/DG15_not_in_this_SOD.bin");
    let report = sod.verify(&[(15, &dg15)], &TrustStore::default(), day(2014, 6, 1));
    assert_eq!(report.status, Status::Invalid);
    assert_eq!(report.data_groups.get(&15), Some(&DgCheck::NotInSod));
    assert!(codes(&report).contains(&ReasonCode::DgNotInSod));
}

#[test]
fn a_flipped_byte_in_a_data_group_is_a_mismatch() {
    let Some(dir) = data_dir() else { return };
    let sod = Sod::parse(&read(&dir, "jmrtd/lds/loes2006/ef011D.bin")).unwrap();
    let mut dg2 = read(&dir, "jmrtd/lds/loes2006/ef0102.bin");
    let dg1 = read(&dir, "jmrtd/lds/loes2006/ef0101.bin");
    if let Some(b) = dg2.get_mut(5000) {
        *b ^= 0x01;
    }
    let report = sod.verify(&[(1, &dg1), (2, &dg2)], &TrustStore::default(), day(2007, 1, 1));
    assert_eq!(report.status, Status::Invalid, "a mismatch beats untrusted");
    assert_eq!(report.data_groups.get(&1), Some(&DgCheck::Match));
    assert_eq!(report.data_groups.get(&2), Some(&DgCheck::Mismatch));
    assert_eq!(report.data_groups.get(&15), Some(&DgCheck::NotProvided));
    assert_eq!(codes(&report), [ReasonCode::DgHashMismatch, ReasonCode::CscaNotFound]);
}

#[test]
fn a_flipped_signature_byte_is_invalid() {
    let Some(dir) = data_dir() else { return };
    let trust = store(&dir, &DE_LIST);
    // The SignerInfo's signature is the last element of these SODs: RSA (FR) and ECDSA on brainpoolP384r1 (DE).
    for country in ["FR", "DE"] {
        let mut bytes = read(&dir, &format!("real_docs_sod_only/{country}_EF_SOD.bin"));
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        let report = Sod::parse(&bytes).unwrap().verify(&[], &trust, SystemTime::now());
        assert_eq!(report.status, Status::Invalid, "{country}");
        assert_eq!(codes(&report), [ReasonCode::SignatureInvalid], "{country}");
    }
    // Without trust the bad signature still makes it invalid, not merely untrusted.
    let mut bytes = read(&dir, "real_docs_sod_only/FR_EF_SOD.bin");
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x80;
    }
    let report = Sod::parse(&bytes).unwrap().verify(&[], &TrustStore::default(), SystemTime::now());
    assert_eq!(report.status, Status::Invalid);
}

#[test]
fn a_changed_hash_in_the_sod_breaks_the_message_digest() {
    let Some(dir) = data_dir() else { return };
    let dg1 = read(&dir, "jmrtd/lds/loes2006/ef0101.bin");
    let mut bytes = read(&dir, "jmrtd/lds/loes2006/ef011D.bin");
    let hash = HashAlgorithm::Sha256.digest(&dg1);
    let at = bytes.windows(hash.len()).position(|w| w == hash.as_slice()).unwrap();
    if let Some(b) = bytes.get_mut(at) {
        *b ^= 0x01;
    }
    let report = Sod::parse(&bytes).unwrap().verify(&[(1, &dg1)], &TrustStore::default(), day(2007, 1, 1));
    assert_eq!(report.status, Status::Invalid);
    assert_eq!(report.data_groups.get(&1), Some(&DgCheck::Mismatch));
    assert!(codes(&report).contains(&ReasonCode::MessageDigestMismatch), "{:?}", report.reasons);
}

#[test]
fn the_ber_sod_reads_as_its_der_form() {
    let Some(dir) = data_dir() else { return };
    let ber = read(&dir, "real_docs_sod_only/NZ_EF_SOD.bin");
    let der = ber::to_der(&ber).unwrap();
    assert_ne!(der, ber);
    assert_eq!(ber::to_der(&der).unwrap(), der, "DER is a fixed point");
    let trust = store(&dir, &DE_LIST);
    for bytes in [&ber, &der] {
        let report = Sod::parse(bytes).unwrap().verify(&[], &trust, SystemTime::now());
        assert_eq!(report.status, Status::Valid, "{:?}", report.reasons);
    }
    // The DER SODs are left as they are.
    for country in REAL.iter().filter(|c| **c != "NZ") {
        let bytes = read(&dir, &format!("real_docs_sod_only/{country}_EF_SOD.bin"));
        assert_eq!(ber::to_der(&bytes).unwrap(), bytes, "{country}");
    }
}

/// The BER a careless encoder might write: every constructed element with an indefinite length, every OCTET STRING
/// over 16 bytes in constructed segments of 16.
fn to_ber(node: &ber::Node<'_>, out: &mut Vec<u8>) {
    use ber::Tag;
    let children = node.children();
    if !children.is_empty() || node.content().is_none() {
        node.tag.encode(out);
        out.push(0x80);
        for child in children {
            to_ber(child, out);
        }
        out.extend_from_slice(&[0, 0]);
    } else if node.tag == Tag::OCTET_STRING && node.content().is_some_and(|c| c.len() > 16) {
        out.extend_from_slice(&[0x24, 0x80]);
        for chunk in node.content().unwrap_or_default().chunks(16) {
            out.extend_from_slice(&[0x04, chunk.len() as u8]);
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&[0, 0]);
    } else {
        out.extend_from_slice(&node.to_der());
    }
}

#[test]
fn a_sod_in_ber_throughout_still_verifies() {
    let Some(dir) = data_dir() else { return };
    let trust = store(&dir, &DE_LIST);
    // RSA (FR), ECDSA on brainpoolP512r1 (FI): the signed attributes, the certificate and the content all in BER.
    for country in ["FR", "FI"] {
        let der = read(&dir, &format!("real_docs_sod_only/{country}_EF_SOD.bin"));
        let mut ber = Vec::new();
        to_ber(&ber::Node::parse(&der).unwrap(), &mut ber);
        assert!(ber.len() > der.len());
        assert_eq!(ber::to_der(&ber).unwrap(), der, "{country}");
        let report = Sod::parse(&ber).unwrap().verify(&[], &trust, SystemTime::now());
        assert_eq!(report.status, Status::Valid, "{country}: {:?}", report.reasons);
    }
}

#[test]
fn documents_are_checked_at_the_signing_time_or_the_time_given() {
    let Some(dir) = data_dir() else { return };
    let trust = store(&dir, &DE_LIST);
    // FR has signingTime 2017-09-05: the time given does not matter.
    let fr = real_sod(&dir, "FR");
    let long_after = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(4_102_444_800); // 2100-01-01
    let report = fr.verify(&[], &trust, long_after);
    assert_eq!((report.status, report.checked_at_source), (Status::Valid, TimeSource::SigningTime));
    // UK has none: its DSC (2021-02-01 to 2032-06-01) is checked at the time given.
    let uk = real_sod(&dir, "UK");
    let report = uk.verify(&[], &trust, long_after);
    assert_eq!(report.status, Status::Invalid);
    assert_eq!(codes(&report).first(), Some(&ReasonCode::DscExpired));
    let before = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800); // 2020-01-01
    assert_eq!(codes(&uk.verify(&[], &trust, before)).first(), Some(&ReasonCode::DscNotYetValid));
}

#[test]
fn pem_with_text_around_and_errors_for_junk() {
    let Some(dir) = data_dir() else { return };
    let der = read(&dir, IDN_2020);
    let body: String =
        base64(&der).as_bytes().chunks(64).map(|l| format!("{}\n", String::from_utf8_lossy(l))).collect();
    let pem = format!("subject=C = ID\nissuer=C = ID\n-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n");
    let mut builder = TrustStore::builder();
    let source = builder.add("idn.pem", pem.as_bytes()).unwrap();
    assert_eq!((source.kind, source.certificates), (SourceKind::Pem, 1));
    let mut with_newline = der.clone();
    with_newline.extend_from_slice(b"\r\n");
    assert_eq!(builder.add("idn.cer", &with_newline).unwrap().kind, SourceKind::Certificate);
    let trust = builder.build();
    assert_eq!(trust.len(), 1, "the same certificate twice is held once");
    let mut builder = TrustStore::builder();
    assert!(builder.add("readme", b"not a certificate").is_err());
    assert!(builder.add("sod", &read(&dir, "real_docs_sod_only/FR_EF_SOD.bin")).is_err());
    assert!(builder.add("empty.pem", b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").is_err());
    assert!(builder.add_crl("cert", &der).is_err());
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn malformed_sods_are_errors_not_panics() {
    let Some(dir) = data_dir() else { return };
    let bytes = read(&dir, "real_docs_sod_only/AT_EF_SOD.bin");
    for cut in [0, 1, 2, 10, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(Sod::parse(bytes.get(..cut).unwrap()).is_err(), "cut at {cut}");
    }
    // Every single-byte change parses or fails cleanly. (Some still verify: the SignedData's digestAlgorithms and
    // the SignerInfo's issuer name are outside what is signed, and the signer is then found by serial number.)
    let trust = store(&dir, &DE_LIST);
    let mut valid = 0;
    for i in (0..bytes.len()).step_by(3) {
        let mut changed = bytes.clone();
        changed[i] ^= 0x55;
        if let Ok(sod) = Sod::parse(&changed) {
            valid += usize::from(sod.verify(&[], &trust, SystemTime::now()).status == Status::Valid);
        }
    }
    assert!(valid < 20, "{valid} changed SODs verified");
}
