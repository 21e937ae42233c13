//! What the `gate-sim` command tests share: running the binary, scratch folders, a fresh test PKI, and an
//! independent check of a CMS SignedData (EF.SOD, EF.CardSecurity) against its CSCA.
#![allow(dead_code, reason = "each test binary uses part of it")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode as _, Encode as _, Sequence};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

pub const ID_LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
pub const ID_SECURITY_OBJECT: &str = "0.4.0.127.0.7.3.2.1";
pub const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const ID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const ID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

#[derive(Sequence)]
pub struct DataGroupHash {
    pub number: u8,
    pub hash: OctetString,
}

#[derive(Sequence)]
pub struct LdsSecurityObject {
    pub version: u8,
    pub hash_algorithm: x509_cert::spki::AlgorithmIdentifierOwned,
    pub hashes: Vec<DataGroupHash>,
}

pub fn gate_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gate-sim")).args(args).output().unwrap()
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gate-sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn pki(dir: &Path) -> PathBuf {
    let pki = dir.join("pki");
    let out = gate_sim(&["pki", "init", pki.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(files.len(), 20);
    for (i, name) in ["csca.pem", "csca.der", "csca.key", "dsc.pem", "dsc.der", "dsc.key", "crl.der"].iter().enumerate()
    {
        assert!(files[i].ends_with(&format!("/pki/{name}")), "{files:?}");
    }
    for name in ["expired/dsc.pem", "revoked/dsc.key", "untrusted/csca.pem", "untrusted/dsc.der", "untrusted/crl.der"] {
        assert!(files.iter().any(|f| f.ends_with(name)), "{name}: {files:?}");
    }
    assert_eq!(json["csca"]["subject"], "CN=Autogate Test CSCA,O=Autogate Test PKI,C=UT");
    assert_eq!(json["crl"]["revoked_serials"], serde_json::json!([json["revoked"]["serial"]]));
    assert_eq!(json["untrusted"]["dsc"]["issuer"], json["untrusted"]["csca"]["subject"]);
    pki
}

pub fn verify_ecdsa(issuer_spki: &SubjectPublicKeyInfoOwned, message: &[u8], der_signature: &[u8]) {
    let key = VerifyingKey::from_sec1_bytes(issuer_spki.subject_public_key.raw_bytes()).unwrap();
    key.verify(message, &Signature::from_der(der_signature).unwrap()).unwrap();
}

/// Checks a CMS SignedData as 9303-10 §4.6.2 and RFC 5652 §5.4 define it and returns its content and signer.
pub fn verify_signed_data(content_info: &[u8], content_type: &str, csca: &Certificate) -> (Vec<u8>, Certificate) {
    let ci = ContentInfo::from_der(content_info).unwrap();
    assert_eq!(ci.content_type.to_string(), "1.2.840.113549.1.7.2");
    let sd: SignedData = ci.content.decode_as().unwrap();
    assert_eq!(sd.encap_content_info.econtent_type.to_string(), content_type);
    let content = OctetString::from_der(&sd.encap_content_info.econtent.as_ref().unwrap().to_der().unwrap())
        .unwrap()
        .into_bytes();
    let certs: Vec<_> = sd.certificates.as_ref().unwrap().0.iter().collect();
    assert_eq!(certs.len(), 1);
    let cms::cert::CertificateChoices::Certificate(dsc) = certs[0] else { panic!("not a certificate") };

    // The DSC chains to the CSCA.
    assert_eq!(dsc.tbs_certificate().issuer(), csca.tbs_certificate().subject());
    verify_ecdsa(
        csca.tbs_certificate().subject_public_key_info(),
        &dsc.tbs_certificate().to_der().unwrap(),
        dsc.signature().raw_bytes(),
    );

    let signers: Vec<_> = sd.signer_infos.0.iter().collect();
    assert_eq!(signers.len(), 1);
    let si = signers[0];
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &si.sid else { panic!("sid is not issuerAndSerialNumber") };
    assert_eq!(&sid.issuer, dsc.tbs_certificate().issuer());
    assert_eq!(&sid.serial_number, dsc.tbs_certificate().serial_number());
    assert_eq!(si.digest_alg.oid.to_string(), "2.16.840.1.101.3.4.2.1");
    assert_eq!(si.signature_algorithm.oid.to_string(), ID_ECDSA_WITH_SHA256);
    let attrs = si.signed_attrs.as_ref().unwrap();
    let attr = |oid: &str| {
        let oid: ObjectIdentifier = oid.parse().unwrap();
        attrs.iter().find(|a| a.oid == oid).unwrap().values.iter().next().unwrap().clone()
    };
    let digest = attr(ID_MESSAGE_DIGEST).decode_as::<OctetString>().unwrap();
    assert_eq!(digest.as_bytes(), Sha256::digest(&content).as_slice());
    assert_eq!(attr(ID_CONTENT_TYPE).decode_as::<ObjectIdentifier>().unwrap().to_string(), content_type);
    // The signature covers the DER of the signed attributes as a SET (RFC 5652 §5.4).
    verify_ecdsa(dsc.tbs_certificate().subject_public_key_info(), &attrs.to_der().unwrap(), si.signature.as_bytes());
    (content.to_vec(), dsc.clone())
}

/// Runs `passport make --json` on a profile text and returns the exit code and the error message.
pub fn make_error(dir: &Path, pki: &Path, name: &str, text: &str) -> (i32, String, String) {
    let profile = dir.join(format!("{name}.toml"));
    std::fs::write(&profile, text).unwrap();
    let out = gate_sim(&[
        "passport",
        "make",
        "--profile",
        profile.to_str().unwrap(),
        "--pki",
        pki.to_str().unwrap(),
        "--out",
        dir.join(format!("{name}-out")).to_str().unwrap(),
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kind = json["error"]["kind"].as_str().unwrap().to_owned();
    let message = json["error"]["message"].as_str().unwrap().to_owned();
    (out.status.code().unwrap(), kind, message)
}
