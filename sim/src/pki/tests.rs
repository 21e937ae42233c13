//! The test PKI: every certificate chains (or does not) as its folder says, checked with `x509-cert` and `p256`, and
//! with OpenSSL when the machine has it.

use super::profile::{DOCUMENT_TYPES, DocumentTypeList, ID_DOCUMENT_TYPE_LIST};
use super::*;
use der::{Decode as _, Encode as _};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use std::process::Command;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};

fn signed_by(issuer: &Certificate, tbs_der: &[u8], sig: &[u8]) -> bool {
    let spki = issuer.tbs_certificate().subject_public_key_info();
    let key = VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()).unwrap();
    let sig = Signature::from_der(sig).unwrap();
    key.verify(tbs_der, &sig).is_ok()
}

fn issued_by(issuer: &Certificate, cert: &Certificate) -> bool {
    signed_by(issuer, &cert.tbs_certificate().to_der().unwrap(), cert.signature().raw_bytes())
        && cert.tbs_certificate().issuer() == issuer.tbs_certificate().subject()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gate-sim-pki-unit-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// True when `t` lies within the certificate's validity.
fn valid_at(cert: &Certificate, t: SystemTime) -> bool {
    let v = cert.tbs_certificate().validity();
    v.not_before.to_system_time() <= t && t <= v.not_after.to_system_time()
}

#[test]
fn dsc_and_crl_chain_to_the_csca() {
    let pki = Pki::generate(SystemTime::now()).unwrap();
    assert!(is_self_issued(&pki.csca));
    assert!(issued_by(&pki.csca, &pki.csca));
    assert!(issued_by(&pki.csca, &pki.dsc));
    assert!(signed_by(&pki.csca, &pki.crl.tbs_cert_list.to_der().unwrap(), pki.crl.signature.raw_bytes()));

    let ku = pki.csca.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(ku.0);
    assert!(ku.1.key_cert_sign() && ku.1.crl_sign() && !ku.1.digital_signature());
    let (_, bc) = pki.csca.tbs_certificate().get_extension::<BasicConstraints>().unwrap().unwrap();
    assert!(bc.ca);
    let (_, ku) = pki.dsc.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(ku.digital_signature() && !ku.key_cert_sign());
    let (_, aki) = pki.dsc.tbs_certificate().get_extension::<AuthorityKeyIdentifier>().unwrap().unwrap();
    let (_, ski) = pki.csca.tbs_certificate().get_extension::<SubjectKeyIdentifier>().unwrap().unwrap();
    assert_eq!(aki.key_identifier, Some(ski.0));
    let doc_types =
        pki.dsc.tbs_certificate().extensions().unwrap().iter().find(|e| e.extn_id == ID_DOCUMENT_TYPE_LIST).unwrap();
    let list = DocumentTypeList::from_der(doc_types.extn_value.as_bytes()).unwrap();
    assert_eq!(list.doc_type_list.len(), DOCUMENT_TYPES.len());
    assert_eq!(pki.csca.tbs_certificate().subject().country().unwrap().unwrap().as_str(), "UT");
}

#[test]
fn each_document_signer_is_valid_expired_revoked_or_untrusted_as_named() {
    let now = SystemTime::now();
    let pki = Pki::generate(now).unwrap();
    let serial = |c: &Certificate| c.tbs_certificate().serial_number().clone();
    let revoked_serials = |crl: &CertificateList| -> Vec<SerialNumber> {
        crl.tbs_cert_list.revoked_certificates.iter().flatten().map(|r| r.serial_number.clone()).collect()
    };

    // Valid: issued by the CSCA, valid now, not on the CRL.
    assert!(issued_by(&pki.csca, &pki.dsc) && valid_at(&pki.dsc, now));
    assert_eq!(revoked_serials(&pki.crl), vec![serial(&pki.revoked.certificate)]);
    // Expired: issued by the CSCA, valid from about three years back for one year, so no longer.
    let expired = &pki.expired.certificate;
    assert!(issued_by(&pki.csca, expired));
    assert!(!valid_at(expired, now));
    let two_and_a_half_years_ago = now - Duration::from_secs(30 * 30 * 24 * 3600);
    assert!(valid_at(expired, two_and_a_half_years_ago));
    assert!(valid_at(&pki.csca, two_and_a_half_years_ago), "the CSCA predates the expired DSC");
    let v = expired.tbs_certificate().validity();
    let days = |d: Duration| d.as_secs() / 86_400;
    let ended = days(now.duration_since(v.not_after.to_system_time()).unwrap());
    assert!((729..=731).contains(&ended), "ended {ended} days ago");
    // Revoked: issued by the CSCA, valid now, and on the CSCA's CRL, which the CSCA signed.
    assert!(issued_by(&pki.csca, &pki.revoked.certificate) && valid_at(&pki.revoked.certificate, now));
    // Untrusted: its own CSCA, of another name and key; the trusted CSCA did not sign it.
    let u = &pki.untrusted;
    assert!(is_self_issued(&u.csca) && issued_by(&u.csca, &u.dsc.certificate));
    assert!(!issued_by(&pki.csca, &u.dsc.certificate));
    assert!(!signed_by(
        &pki.csca,
        &u.dsc.certificate.tbs_certificate().to_der().unwrap(),
        u.dsc.certificate.signature().raw_bytes()
    ));
    assert_ne!(u.csca.tbs_certificate().subject(), pki.csca.tbs_certificate().subject());
    assert!(valid_at(&u.dsc.certificate, now) && revoked_serials(&u.crl).is_empty());
    assert!(signed_by(&u.csca, &u.crl.tbs_cert_list.to_der().unwrap(), u.crl.signature.raw_bytes()));
    // Every serial number differs.
    let mut serials = vec![serial(&pki.csca), serial(&pki.dsc), serial(expired), serial(&pki.revoked.certificate)];
    serials.extend([serial(&u.csca), serial(&u.dsc.certificate)]);
    serials.sort_by_key(|s| s.as_bytes().to_vec());
    serials.dedup();
    assert_eq!(serials.len(), 6);
}

#[test]
fn writes_keys_private_and_refuses_to_overwrite() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("write");
    let pki = Pki::generate(SystemTime::now()).unwrap();
    let files = pki.write(&dir, false).unwrap();
    let top: Vec<PathBuf> = FILES.iter().map(|f| dir.join(f)).collect();
    assert_eq!(files[..FILES.len()], top[..]);
    assert_eq!(files.len(), FILES.len() + 3 + 3 + 7);
    for key in ["dsc.key", "csca.key", "expired/dsc.key", "revoked/dsc.key", "untrusted/dsc.key", "untrusted/csca.key"]
    {
        let mode = fs::metadata(dir.join(key)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{key}");
    }
    assert!(matches!(pki.write(&dir, false), Err(Error::PkiExists { .. })));
    // A variant's file alone is enough to refuse.
    let other = scratch("write-variant");
    fs::create_dir_all(other.join(UNTRUSTED_DIR)).unwrap();
    fs::write(other.join(UNTRUSTED_DIR).join(CRL_DER), b"").unwrap();
    assert!(matches!(pki.write(&other, false), Err(Error::PkiExists { .. })));
    let _ = fs::remove_dir_all(&other);

    pki.write(&dir, true).unwrap();
    assert_eq!(DocumentSigner::load(&dir).unwrap().certificate, pki.dsc);
    for (signer, cert) in [
        (Signer::Valid, &pki.dsc),
        (Signer::Expired, &pki.expired.certificate),
        (Signer::Revoked, &pki.revoked.certificate),
        (Signer::Untrusted, &pki.untrusted.dsc.certificate),
    ] {
        assert_eq!(&DocumentSigner::load_signer(&dir, signer).unwrap().certificate, cert, "{signer:?}");
        assert_eq!(Signer::from_name(signer.as_str()), Some(signer));
    }
    assert_eq!(load_certificate(&dir.join(CSCA_DER)).unwrap(), pki.csca);
    assert_eq!(load_certificate(&dir.join("untrusted/csca.pem")).unwrap(), pki.untrusted.csca);
    assert_eq!(CertificateList::from_der(&fs::read(dir.join(CRL_DER)).unwrap()).unwrap(), pki.crl);
    // A folder made before the variants existed: the valid signer loads, the others are reported missing.
    fs::remove_dir_all(dir.join(EXPIRED_DIR)).unwrap();
    assert!(DocumentSigner::load_signer(&dir, Signer::Valid).is_ok());
    assert!(matches!(DocumentSigner::load_signer(&dir, Signer::Expired), Err(Error::PkiMissing { .. })));
    let _ = fs::remove_dir_all(&dir);
    assert!(matches!(DocumentSigner::load(&dir), Err(Error::PkiMissing { .. })));
}

fn openssl(args: &[&str]) -> Option<std::process::Output> {
    match Command::new("openssl").args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("SKIP: openssl cannot be run ({e}); install it (apt-get install openssl) for this check");
            None
        }
    }
}

#[test]
fn openssl_agrees_on_each_signer() {
    if openssl(&["version"]).is_none() {
        return;
    }
    let dir = scratch("openssl");
    Pki::generate(SystemTime::now()).unwrap().write(&dir, false).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let crl_pem = p("crl.pem");
    let out = openssl(&["crl", "-inform", "DER", "-in", &p(CRL_DER), "-out", &crl_pem]).unwrap();
    assert!(out.status.success());
    let out = openssl(&["crl", "-in", &crl_pem, "-noout", "-CAfile", &p(CSCA_PEM)]).unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("verify OK"), "{}", String::from_utf8_lossy(&out.stderr));
    let verify = |ca: &str, cert: &str, crl: bool| {
        let mut args = vec!["verify".to_owned(), "-CAfile".to_owned(), p(ca)];
        if crl {
            args.extend(["-crl_check".to_owned(), "-CRLfile".to_owned(), crl_pem.clone()]);
        }
        args.push(p(cert));
        let out = Command::new("openssl").args(&args).output().unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (ok, text) = verify(CSCA_PEM, DSC_PEM, true);
    assert!(ok, "{text}");
    let (ok, text) = verify(CSCA_PEM, "expired/dsc.pem", false);
    assert!(!ok && text.contains("expired"), "{text}");
    let (ok, text) = verify(CSCA_PEM, "revoked/dsc.pem", false);
    assert!(ok, "without the CRL the revoked DSC chains: {text}");
    let (ok, text) = verify(CSCA_PEM, "revoked/dsc.pem", true);
    assert!(!ok && text.contains("revoked"), "{text}");
    let (ok, text) = verify(CSCA_PEM, "untrusted/dsc.pem", false);
    assert!(!ok && text.contains("unable to get local issuer certificate"), "{text}");
    let (ok, text) = verify("untrusted/csca.pem", "untrusted/dsc.pem", false);
    assert!(ok, "{text}");
    let _ = fs::remove_dir_all(&dir);
}
