//! `gate-sim pki init DIR [--force] [--json]`: makes the test PKI and says what it wrote.

use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use der::Encode as _;
use sha2::Digest as _;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use super::{EXPIRED_DIR, FILES, Pki, REVOKED_DIR, UNTRUSTED_DIR, iso_date};
use crate::cli;
use crate::error::Error;

fn describe(cert: &Certificate) -> serde_json::Value {
    let tbs = cert.tbs_certificate();
    let fingerprint = cert.to_der().map(|d| hex_lower(&sha2::Sha256::digest(d))).unwrap_or_default();
    serde_json::json!({
        "subject": tbs.subject().to_string(),
        "issuer": tbs.issuer().to_string(),
        "serial": hex_lower(tbs.serial_number().as_bytes()),
        "not_before": iso_date(&tbs.validity().not_before),
        "not_after": iso_date(&tbs.validity().not_after),
        "sha256": fingerprint,
    })
}

fn describe_crl(crl: &CertificateList) -> serde_json::Value {
    let revoked: Vec<String> = crl
        .tbs_cert_list
        .revoked_certificates
        .iter()
        .flatten()
        .map(|r| hex_lower(r.serial_number.as_bytes()))
        .collect();
    serde_json::json!({
        "this_update": iso_date(&crl.tbs_cert_list.this_update),
        "next_update": crl.tbs_cert_list.next_update.as_ref().map(iso_date),
        "revoked": revoked.len(),
        "revoked_serials": revoked,
    })
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn human(dir: &Path, pki: &Pki) -> String {
    let mut human = format!("test PKI written to {}:\n", dir.display());
    for (file, what) in FILES.iter().zip([
        "CSCA certificate (PEM)",
        "CSCA certificate (DER)",
        "CSCA private key (PKCS#8, mode 0600)",
        "Document Signer certificate (PEM)",
        "Document Signer certificate (DER)",
        "Document Signer private key (PKCS#8, mode 0600)",
        "CRL signed by the CSCA, revoking revoked/dsc.pem (DER)",
    ]) {
        human.push_str(&format!("  {file:<11} {what}\n"));
    }
    for (sub, what) in [
        (EXPIRED_DIR, "dsc.pem dsc.der dsc.key: a Document Signer of the CSCA that has expired"),
        (REVOKED_DIR, "dsc.pem dsc.der dsc.key: a Document Signer of the CSCA on its CRL"),
        (UNTRUSTED_DIR, "csca.* dsc.* crl.der: a second CSCA, trusted by no gate, and its Document Signer"),
    ] {
        human.push_str(&format!("  {:<11} {what}\n", format!("{sub}/")));
    }
    let validity = |c: &Certificate| {
        let v = c.tbs_certificate().validity();
        format!("{} to {}", iso_date(&v.not_before), iso_date(&v.not_after))
    };
    human.push_str(&format!(
        "CSCA {} valid {}; DSC valid {}; expired DSC valid {}; ECDSA P-256 with SHA-256",
        pki.csca.tbs_certificate().subject(),
        validity(&pki.csca),
        validity(&pki.dsc),
        validity(&pki.expired.certificate),
    ));
    human
}

/// `gate-sim pki init DIR [--force] [--json]`: makes the test PKI in DIR and prints what it wrote (see
/// [`super`] for the files).
pub fn init_command(dir: &Path, force: bool, json: bool) -> ExitCode {
    let result = Pki::generate(SystemTime::now()).and_then(|pki| pki.write(dir, force).map(|files| (pki, files)));
    match result {
        Ok((pki, files)) => {
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            let value = serde_json::json!({
                "dir": dir.display().to_string(),
                "files": names,
                "csca": describe(&pki.csca),
                "dsc": describe(&pki.dsc),
                "crl": describe_crl(&pki.crl),
                "expired": describe(&pki.expired.certificate),
                "revoked": describe(&pki.revoked.certificate),
                "untrusted": {
                    "csca": describe(&pki.untrusted.csca),
                    "dsc": describe(&pki.untrusted.dsc.certificate),
                    "crl": describe_crl(&pki.untrusted.crl),
                },
                "signature_algorithm": "ecdsa-with-SHA256",
                "curve": "P-256",
            });
            cli::done(json, &value, &human(dir, &pki))
        }
        Err(e @ Error::PkiExists { .. }) => {
            cli::fail(json, cli::BAD_INPUT, "pki_exists", &format!("{e}; pass --force to replace it"))
        }
        Err(e @ Error::Io { .. }) => cli::fail(json, cli::FAILED, "io", &e.to_string()),
        Err(e) => cli::fail(json, cli::FAILED, "pki_failed", &e.to_string()),
    }
}
