//! `gate-sim passport make --signer` (and the profile's `signer`): which of `pki init`'s Document Signers signs
//! EF.SOD, checked by verifying the SOD against the CSCA that issued that signer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{ID_LDS_SECURITY_OBJECT, gate_sim, make_error, pki, scratch, verify_signed_data};
use der::Decode as _;
use mrtd::tlv::{Tag, Tlv};
use x509_cert::Certificate;

/// The signer test's portrait: one of our own making, so that it runs without the shared faces.
fn own_profile(dir: &Path, extra: &str) -> PathBuf {
    let portrait = dir.join("face.png");
    image::RgbImage::from_fn(300, 400, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]))
        .save(&portrait)
        .unwrap();
    let profile = dir.join("signer.toml");
    std::fs::write(
        &profile,
        format!(
            "issuing_state = \"UTO\"\nsurname = \"ERIKSSON\"\ngiven_names = \"ANNA\"\ndocument_number = \"L898902C3\"\n\
             nationality = \"UTO\"\ndate_of_birth = \"1974-08-12\"\nsex = \"F\"\ndate_of_expiry = \"2032-04-15\"\n\
             portrait = \"{}\"\n{extra}",
            portrait.display()
        ),
    )
    .unwrap();
    profile
}

#[test]
fn signer_picks_the_document_signer_of_ef_sod() {
    let dir = scratch("signer");
    let pki = pki(&dir);
    let cert = |path: &str| Certificate::from_der(&std::fs::read(pki.join(path)).unwrap()).unwrap();
    let csca = cert("csca.der");
    let untrusted_csca = cert("untrusted/csca.der");
    let make = |profile: &Path, signer: Option<&str>| {
        let out = dir.join(format!("out-{}", signer.unwrap_or("profile")));
        let mut args = vec!["passport", "make", "--profile", profile.to_str().unwrap(), "--pki", pki.to_str().unwrap()];
        args.extend(["--out", out.to_str().unwrap(), "--json"]);
        if let Some(s) = signer {
            args.extend(["--signer", s]);
        }
        let output = gate_sim(&args);
        (output, out)
    };
    let profile = own_profile(&dir, "");
    for (signer, dsc, root) in [
        ("valid", "dsc.der", &csca),
        ("expired", "expired/dsc.der", &csca),
        ("revoked", "revoked/dsc.der", &csca),
        ("untrusted", "untrusted/dsc.der", &untrusted_csca),
    ] {
        let (output, out) = make(&profile, Some(signer));
        assert!(output.status.success(), "{signer}: {}", String::from_utf8_lossy(&output.stdout));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["signer"], signer);
        let sod = std::fs::read(out.join("EF.SOD.bin")).unwrap();
        let (_, signed_by) =
            verify_signed_data(Tlv::parse_exact(&sod, Tag(0x77)).unwrap(), ID_LDS_SECURITY_OBJECT, root);
        assert_eq!(signed_by, cert(dsc), "{signer}");
        assert_eq!(json["signed_by"], signed_by.tbs_certificate().subject().to_string());
    }
    // The profile's own `signer`, and --signer over it.
    let profile = own_profile(&dir, "signer = \"revoked\"\n");
    let (output, out) = make(&profile, None);
    assert!(output.status.success());
    let sod = std::fs::read(out.join("EF.SOD.bin")).unwrap();
    let (_, signed_by) = verify_signed_data(Tlv::parse_exact(&sod, Tag(0x77)).unwrap(), ID_LDS_SECURITY_OBJECT, &csca);
    assert_eq!(signed_by, cert("revoked/dsc.der"));
    let (output, _) = make(&profile, Some("valid"));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["signer"], "valid");
    // Unknown names: a usage error, or a profile error naming the key.
    let (output, _) = make(&profile, Some("forged"));
    assert_eq!(output.status.code(), Some(2));
    let (code, kind, message) = make_error(
        &dir,
        &pki,
        "bad-signer",
        &std::fs::read_to_string(own_profile(&dir, "signer = \"forged\"\n")).unwrap(),
    );
    assert_eq!((code, kind.as_str()), (2, "profile_invalid"));
    assert!(message.contains("signer"), "{message}");
    // A PKI folder made before the expired, revoked and untrusted signers existed serves only the valid one.
    std::fs::remove_dir_all(pki.join("expired")).unwrap();
    let profile = own_profile(&dir, "");
    let (output, _) = make(&profile, Some("expired"));
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "pki_missing");
    assert!(make(&profile, Some("valid")).0.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
