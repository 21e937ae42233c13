//! `gate-daemon verify-sod` run as a process (../shared/CLI.md): the real SODs of twelve states against the master
//! lists of ../shared/testdata/icao/data/masterlists (provenance in ../shared/testdata/README.md), the specimens
//! whose CSCAs no list carries, tampered files, and documents signed with the simulator's test PKI for revocation
//! and expiry.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use der::Encode as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::DecodePrivateKey as _;
use serde_json::Value;
use sim::pki::{DocumentSigner, Pki};
use x509_cert::builder::{Builder as _, CrlBuilder};
use x509_cert::crl::RevokedCert;
use x509_cert::ext::pkix::CrlNumber;
use x509_cert::time::Time;

fn data() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIP: {} is absent", dir.display());
        None
    }
}

/// A fresh folder under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("verify-sod-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `gate-daemon verify-sod ARGS --json`; returns the exit code and the JSON printed.
fn verify(args: &[&str]) -> (i32, Value) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_gate-daemon")).arg("verify-sod").args(args).arg("--json").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("not one JSON object ({e}): {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap(), json)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

const REAL: [&str; 12] = ["AT", "DE", "FI", "FR", "ID", "MY", "NZ", "PH", "RU", "SG", "UK", "US"];

#[test]
fn every_real_sod_is_valid_with_the_master_lists_and_indonesian_cscas() {
    let Some(d) = data() else { return };
    let ml = d.join("masterlists");
    let (de, de_root) = (ml.join("DE_ML_2026-05-28-08-28-45.ml"), ml.join("DE_ROOT_CA_CSCA07.cer"));
    let (nl, nl_root) = (ml.join("NL_ML_2026-07-22.ml"), ml.join("NL_ROOT_CA.cer"));
    let idn = ml.join("IDN_2020-10_CSCA.cer");
    for country in REAL {
        let sod = d.join(format!("real_docs_sod_only/{country}_EF_SOD.bin"));
        let (code, json) = verify(&[
            "--sod",
            s(&sod),
            "--trust",
            s(&de),
            "--trust",
            s(&de_root),
            "--trust",
            s(&nl),
            "--trust",
            s(&nl_root),
            "--trust",
            s(&idn),
        ]);
        assert_eq!((code, json["status"].as_str()), (0, Some("valid")), "{country}: {json}");
        assert!(json["csca"]["subject"].is_string(), "{country}");
        assert!(json["dsc"]["serial"].is_string(), "{country}");
        assert_eq!(json["reasons"], serde_json::json!([]), "{country}");
        let groups = json["data_groups"].as_object().unwrap();
        assert!(groups.contains_key("1") && groups.values().all(|v| v == "not_provided"), "{country}");
    }
}

#[test]
fn each_real_sod_with_the_one_trust_source_it_needs() {
    let Some(d) = data() else { return };
    let ml = d.join("masterlists");
    let de = [ml.join("DE_ML_2026-05-28-08-28-45.ml"), ml.join("DE_ROOT_CA_CSCA07.cer")];
    for country in REAL {
        let sod = d.join(format!("real_docs_sod_only/{country}_EF_SOD.bin"));
        let (code, json) = if country == "ID" {
            // Indonesia's CSCAs are in no master list; its 2020 CSCA, or the 2010 one with the two link
            // certificates, covers the 2025 DSC.
            let (code, json) = verify(&[
                "--sod",
                s(&sod),
                "--trust",
                s(&ml.join("IDN_2010-12_CSCA.cer")),
                "--trust",
                s(&ml.join("IDN_2016-01_CSCA_LINK.cer")),
                "--trust",
                s(&ml.join("IDN_2020-10_CSCA_LINK.cer")),
            ]);
            assert_eq!((code, json["status"].as_str()), (0, Some("valid")), "ID through the links: {json}");
            verify(&["--sod", s(&sod), "--trust", s(&ml.join("IDN_2020-10_CSCA.cer"))])
        } else {
            verify(&["--sod", s(&sod), "--trust", s(&de[0]), "--trust", s(&de[1])])
        };
        assert_eq!((code, json["status"].as_str()), (0, Some("valid")), "{country}: {json}");
    }
    // Without its root the German list is rejected and nothing chains.
    let sod = d.join("real_docs_sod_only/DE_EF_SOD.bin");
    let (code, json) = verify(&["--sod", s(&sod), "--trust", s(&de[0])]);
    assert_eq!((code, json["status"].as_str()), (1, Some("untrusted")), "{json}");
    assert_eq!(json["trust"]["sources"][0]["status"], "rejected");
    assert_eq!(json["reason_codes"], serde_json::json!(["csca_not_found"]));
}

#[test]
fn the_quirks_are_reported() {
    let Some(d) = data() else { return };
    let folder = d.join("masterlists");
    let run = |country: &str| {
        verify(&["--sod", s(&d.join(format!("real_docs_sod_only/{country}_EF_SOD.bin"))), "--trust", s(&folder)])
    };
    let (_, my) = run("MY");
    assert_eq!(my["signer_match"], "serial_only");
    assert_eq!(my["signature_algorithm"], "RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 32) (RSA-2048)");
    let (_, nz) = run("NZ");
    assert_eq!(
        (nz["status"].as_str(), nz["signature_algorithm"].as_str()),
        (Some("valid"), Some("sha256WithRSAEncryption (RSA-2048)"))
    );
    let (_, fi) = run("FI");
    assert_eq!(fi["signature_algorithm"], "ecdsa-with-SHA512 (brainpoolP512r1, explicit parameters)");
    assert_eq!(fi["checked_at_source"], "caller");
    let (_, fr) = run("FR");
    assert_eq!(
        (fr["checked_at_source"].as_str(), fr["checked_at"].as_str()),
        (Some("signing_time"), Some("2017-09-05"))
    );
    // A folder: every master list in it verified against the roots beside it.
    for source in fr["trust"]["sources"].as_array().unwrap() {
        assert_ne!(source["status"], "rejected", "{source}");
    }
}

/// A specimen: its SOD, a day inside its DSC's validity, its data groups by number.
type Specimen = (&'static str, &'static str, &'static [(u8, &'static str)]);

/// The specimens of the JMRTD and pymrtd test resources.
const SPECIMENS: [Specimen; 4] = [
    (
        "jmrtd/lds/bsi2008/EF_SOD.bin",
        "2008-06-01",
        &[
            (1, "jmrtd/lds/bsi2008/Datagroup1.bin"),
            (2, "jmrtd/lds/bsi2008/Datagroup2.bin"),
            (3, "jmrtd/lds/bsi2008/Datagroup3.bin"),
            (14, "jmrtd/lds/bsi2008/Datagroup14.bin"),
        ],
    ),
    (
        "jmrtd/lds/loes2006/ef011D.bin",
        "2007-01-01",
        &[
            (1, "jmrtd/lds/loes2006/ef0101.bin"),
            (2, "jmrtd/lds/loes2006/ef0102.bin"),
            (15, "jmrtd/lds/loes2006/ef010F.bin"),
        ],
    ),
    (
        "pymrtd_bsi_tr03105_5/EF_SOD.bin",
        "2014-06-01",
        &[(1, "pymrtd_bsi_tr03105_5/DG1.bin"), (14, "pymrtd_bsi_tr03105_5/DG14.bin")],
    ),
    (
        "pymrtd_etsi_tr103200/EF_SOD.bin",
        "2012-01-01",
        &[
            (1, "pymrtd_etsi_tr103200/DG1.bin"),
            (14, "pymrtd_etsi_tr103200/DG14.bin"),
            (15, "pymrtd_etsi_tr103200/DG15.bin"),
        ],
    ),
];

fn specimen_args(d: &Path, sod: &str, at: &str, groups: &[(u8, &str)]) -> Vec<String> {
    let mut args = vec!["--sod".to_owned(), s(&d.join(sod)).to_owned(), "--at".into(), at.into()];
    for (n, f) in groups {
        args.push("--dg".into());
        args.push(format!("{n}={}", s(&d.join(f))));
    }
    args.push("--trust".into());
    args.push(s(&d.join("masterlists")).to_owned());
    args
}

#[test]
fn specimens_match_every_hash_and_are_untrusted() {
    let Some(d) = data() else { return };
    for (sod, at, groups) in SPECIMENS {
        let args = specimen_args(&d, sod, at, groups);
        let (code, json) = verify(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!((code, json["status"].as_str()), (1, Some("untrusted")), "{sod}: {json}");
        assert_eq!(json["csca"], Value::Null);
        assert_eq!(json["reason_codes"], serde_json::json!(["csca_not_found"]), "{sod}");
        for (n, _) in groups {
            assert_eq!(json["data_groups"][n.to_string()], "match", "{sod} DG{n}");
        }
    }
}

#[test]
fn a_flipped_byte_in_a_data_group_is_a_mismatch_and_invalid() {
    let Some(d) = data() else { return };
    let scratch = Scratch::new("tamper-dg");
    let (sod, at, groups) = SPECIMENS[1];
    let mut dg2 = std::fs::read(d.join(groups[1].1)).unwrap();
    dg2[4000] ^= 0x01;
    let tampered = scratch.write("DG2.bin", &dg2);
    let mut args = specimen_args(&d, sod, at, &groups[..1]);
    args.extend(["--dg".to_owned(), format!("2={}", s(&tampered))]);
    let (code, json) = verify(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((code, json["status"].as_str()), (1, Some("invalid")), "{json}");
    assert_eq!(json["data_groups"]["1"], "match");
    assert_eq!(json["data_groups"]["2"], "mismatch");
    assert_eq!(json["data_groups"]["15"], "not_provided");
    assert!(json["reason_codes"].as_array().unwrap().contains(&"dg_hash_mismatch".into()));
}

#[test]
fn a_flipped_signature_byte_is_invalid() {
    let Some(d) = data() else { return };
    let scratch = Scratch::new("tamper-sig");
    for country in ["FR", "AT"] {
        let mut sod = std::fs::read(d.join(format!("real_docs_sod_only/{country}_EF_SOD.bin"))).unwrap();
        // The SignerInfo's signature ends the file.
        *sod.last_mut().unwrap() ^= 0x01;
        let path = scratch.write(&format!("{country}.bin"), &sod);
        let (code, json) = verify(&["--sod", s(&path), "--trust", s(&d.join("masterlists"))]);
        assert_eq!((code, json["status"].as_str()), (1, Some("invalid")), "{country}: {json}");
        assert_eq!(json["reason_codes"], serde_json::json!(["signature_invalid"]), "{country}");
    }
}

/// The simulator's test PKI written to `dir`, made as if on `now`, and an EF.SOD over one DG1 signed by its DSC.
fn sim_document(dir: &Path, now: SystemTime, dg1: &[u8]) -> (Pki, PathBuf) {
    let pki = Pki::generate(now).unwrap();
    pki.write(dir, false).unwrap();
    let signer = DocumentSigner::load(dir).unwrap();
    let sod = sim::passport::sod::ef_sod(&signer, &[(1, dg1)]).unwrap();
    let path = dir.join("EF_SOD.bin");
    std::fs::write(&path, sod).unwrap();
    (pki, path)
}

/// A CRL of the test CSCA that revokes `serials`, signed with `key_file` (PKCS#8 PEM).
fn crl(pki: &Pki, key_file: &Path, serials: &[&x509_cert::serial_number::SerialNumber]) -> Vec<u8> {
    let key = p256::SecretKey::from_pkcs8_pem(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    let now = Time::try_from(SystemTime::now()).unwrap();
    let revoked = serials.iter().map(|serial| RevokedCert {
        serial_number: (*serial).clone(),
        revocation_date: now,
        crl_entry_extensions: None,
    });
    CrlBuilder::new_with_this_update(&pki.csca, CrlNumber::try_from(2u128).unwrap(), now)
        .unwrap()
        .with_certificates(revoked)
        .build::<_, DerSignature>(&SigningKey::from(&key))
        .unwrap()
        .to_der()
        .unwrap()
}

const DG1: &[u8] =
    b"\x61\x5B\x5F\x1F\x58P<UTOSETIAWAN<<BUDI<ANDRI<<<<<<<<<<<<<<<<<<<<<<X1234567<6UTO8503145M3305010<<<<<<<<<<<<<<04";

#[test]
fn the_simulators_document_is_valid_until_its_dsc_is_revoked() {
    let scratch = Scratch::new("crl");
    let pki_dir = scratch.0.join("pki");
    let (pki, sod) = sim_document(&pki_dir, SystemTime::now(), DG1);
    let dg1 = scratch.write("DG1.bin", DG1);
    let csca = pki_dir.join(sim::pki::CSCA_PEM);
    let dg_arg = format!("1={}", s(&dg1));
    let base = ["--sod", s(&sod), "--dg", &dg_arg, "--trust", s(&csca)];

    // The empty CRL that `gate-sim pki init` writes changes nothing.
    let empty = pki_dir.join(sim::pki::CRL_DER);
    let (code, json) = verify(&[&base[..], &["--crl", s(&empty)]].concat());
    assert_eq!((code, json["status"].as_str()), (0, Some("valid")), "{json}");
    assert_eq!(json["data_groups"]["1"], "match");
    assert_eq!(json["trust"]["crls"], 1);
    assert_eq!(json["signature_algorithm"], "ecdsa-with-SHA256 (P-256)");

    // A CRL of the CSCA listing the DSC makes it invalid.
    let revoking = scratch.write(
        "revoked.crl",
        &crl(&pki, &pki_dir.join(sim::pki::CSCA_KEY), &[pki.dsc.tbs_certificate().serial_number()]),
    );
    let (code, json) = verify(&[&base[..], &["--crl", s(&revoking)]].concat());
    assert_eq!((code, json["status"].as_str()), (1, Some("invalid")), "{json}");
    assert_eq!(json["reason_codes"], serde_json::json!(["dsc_revoked"]));
    // ... also when it comes in a trust folder, beside the CSCA.
    let folder = scratch.0.join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(&csca, folder.join("csca.pem")).unwrap();
    std::fs::copy(&revoking, folder.join("csca.crl")).unwrap();
    std::fs::write(folder.join("README.txt"), "the test CSCA and its CRL\n").unwrap();
    let (code, json) = verify(&["--sod", s(&sod), "--trust", s(&folder)]);
    assert_eq!((code, json["status"].as_str()), (1, Some("invalid")), "{json}");
    assert_eq!(json["trust"]["skipped"].as_array().unwrap().len(), 1, "the README is skipped");

    // A CRL naming the CSCA but signed with another key (the DSC's) is ignored, and said so.
    let forged = scratch.write(
        "forged.crl",
        &crl(&pki, &pki_dir.join(sim::pki::DSC_KEY), &[pki.dsc.tbs_certificate().serial_number()]),
    );
    let (code, json) = verify(&[&base[..], &["--crl", s(&forged)]].concat());
    assert_eq!((code, json["status"].as_str()), (0, Some("valid")), "{json}");
    assert_eq!(json["notes"].as_array().unwrap().len(), 1, "{json}");

    // A CRL listing another serial number changes nothing.
    let other = x509_cert::serial_number::SerialNumber::new(&[0x01, 0x02]).unwrap();
    let unrelated = scratch.write("other.crl", &crl(&pki, &pki_dir.join(sim::pki::CSCA_KEY), &[&other]));
    let (code, _) = verify(&[&base[..], &["--crl", s(&unrelated)]].concat());
    assert_eq!(code, 0);
}

#[test]
fn the_older_content_types_of_the_lds_security_object_are_accepted() {
    let scratch = Scratch::new("content-types");
    let (_, _) = sim_document(&scratch.0, SystemTime::now(), DG1);
    let signer = DocumentSigner::load(&scratch.0).unwrap();
    let lds = sim::passport::sod::lds_security_object(&[(1, DG1)]).unwrap();
    let dg1 = scratch.write("DG1.bin", DG1);
    let csca = scratch.0.join(sim::pki::CSCA_PEM);
    // id-icao-mrtd-security-ldsSecurityObject's pre-standard arc, and the early Dutch (Sdu) one; a master list's
    // content type is refused.
    for (oid, want) in [("1.3.27.1.1.1", 0), ("1.2.528.1.1006.1.20.1", 0), ("2.23.136.1.1.2", 2)] {
        let content_info =
            sim::passport::sod::signed_data(&signer, der::oid::ObjectIdentifier::new_unwrap(oid), &lds).unwrap();
        let sod = scratch.write("EF_SOD.bin", &mrtd::tlv::to_vec(mrtd::tlv::Tag(0x77), &content_info));
        let (code, json) = verify(&["--sod", s(&sod), "--dg", &format!("1={}", s(&dg1)), "--trust", s(&csca)]);
        assert_eq!(code, want, "{oid}: {json}");
        if want == 0 {
            assert_eq!(json["data_groups"]["1"], "match");
        } else {
            assert_eq!(json["error"]["kind"], "malformed_input");
        }
    }
}

#[test]
fn an_expired_dsc_is_invalid() {
    let scratch = Scratch::new("expired");
    // A PKI made twelve years ago: its DSC (valid ten years) has expired; its CSCA (fifteen) has not. The SOD is
    // signed today, which its signingTime says.
    let twelve_years = Duration::from_secs(12 * 365 * 24 * 3600);
    let (_, sod) = sim_document(&scratch.0, SystemTime::now() - twelve_years, DG1);
    let csca = scratch.0.join(sim::pki::CSCA_DER);
    let (code, json) = verify(&["--sod", s(&sod), "--trust", s(&csca)]);
    assert_eq!((code, json["status"].as_str()), (1, Some("invalid")), "{json}");
    assert_eq!(json["reason_codes"], serde_json::json!(["dsc_expired"]));
    assert_eq!(json["checked_at_source"], "signing_time");
    assert!(json["csca"]["subject"].is_string());
}

#[test]
fn a_dsc_from_another_csca_is_untrusted() {
    let scratch = Scratch::new("other-csca");
    let (_, sod) = sim_document(&scratch.0.join("a"), SystemTime::now(), DG1);
    let (other, _) = sim_document(&scratch.0.join("b"), SystemTime::now(), DG1);
    // Same name, another key: the DSC names the first CSCA's key by its authorityKeyIdentifier, so the second is
    // not its issuer.
    let csca = scratch.write("other.der", &other.csca.to_der().unwrap());
    let (code, json) = verify(&["--sod", s(&sod), "--trust", s(&csca)]);
    assert_eq!((code, json["status"].as_str()), (1, Some("untrusted")), "{json}");
    assert_eq!(json["reason_codes"], serde_json::json!(["csca_not_found"]));
    assert_eq!(json["csca"], Value::Null);
}

#[test]
fn unreadable_input_exits_2_with_an_error_object() {
    let Some(d) = data() else { return };
    let scratch = Scratch::new("bad-input");
    let sod = d.join("real_docs_sod_only/FR_EF_SOD.bin");
    let trust = d.join("masterlists/DE_ROOT_CA_CSCA07.cer");
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["--sod".into(), s(&scratch.0.join("missing.bin")).into(), "--trust".into(), s(&trust).into()],
            "unreadable_input",
        ),
        (
            vec![
                "--sod".into(),
                s(&scratch.write("junk.bin", b"\x77\x82\xff\xff junk")).into(),
                "--trust".into(),
                s(&trust).into(),
            ],
            "malformed_input",
        ),
        (
            vec!["--sod".into(), s(&sod).into(), "--trust".into(), s(&scratch.write("readme.txt", b"hello")).into()],
            "malformed_input",
        ),
        (vec!["--sod".into(), s(&sod).into(), "--trust".into(), s(&trust).into(), "--dg".into(), "x".into()], "usage"),
        (
            vec![
                "--sod".into(),
                s(&sod).into(),
                "--trust".into(),
                s(&trust).into(),
                "--at".into(),
                "2024-02-30".into(),
            ],
            "usage",
        ),
    ];
    for (args, kind) in cases {
        let (code, json) = verify(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 2, "{args:?}: {json}");
        assert_eq!(json["error"]["kind"], kind, "{args:?}");
        assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[test]
fn human_output_by_default() {
    let Some(d) = data() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_gate-daemon"))
        .args(["verify-sod", "--sod"])
        .arg(d.join("real_docs_sod_only/NZ_EF_SOD.bin"))
        .arg("--trust")
        .arg(d.join("masterlists"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("passive authentication  valid\n"), "{text}");
    assert!(text.contains("Government of New Zealand"));
}
