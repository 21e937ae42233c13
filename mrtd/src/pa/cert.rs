//! X.509 certificates and CRLs of the ICAO PKI (9303-12 §7), read leniently and kept with their original bytes.
//!
//! ```text
//! Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
//!                            signatureValue BIT STRING }                                     -- RFC 5280 §4.1
//! CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier,
//!                                signatureValue BIT STRING }                                  -- RFC 5280 §5.1
//! ```
//!
//! Signatures are checked over the TBS bytes exactly as issued; `x509-cert` decodes the DER re-encoding. Its
//! RFC 5280 profile refuses serial numbers longer than 21 bytes, which some CSCAs have, so a profile that accepts
//! them is used.

use std::time::Duration;

use der::{DateTime, Decode as _};
use sha2::Digest as _;
use x509_cert::certificate::{CertificateInner, Profile};
use x509_cert::crl::CertificateList;

use super::ber::{Node, Tag};
use super::name::NameKey;
use super::oid;
use super::signature::{self, Failure, SignatureAlgorithm, Unsupported};
use crate::error::{Error, PaError};

/// The certificate profile: RFC 5280's, but for serial numbers of any length (RFC 5280 §4.1.2.2 asks users to
/// "gracefully handle" non-conforming ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Lenient;

impl Profile for Lenient {
    fn check_serial_number(_serial: &x509_cert::serial_number::SerialNumber<Self>) -> der::Result<()> {
        Ok(())
    }
}

/// The longest serial number accepted, far above the 20 bytes of RFC 5280 §4.1.2.2.
const MAX_SERIAL: usize = 64;

/// A certificate with what the checks need precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub(crate) cert: CertificateInner<Lenient>,
    /// The TBSCertificate as issued, which the issuer's signature covers.
    pub(crate) tbs_raw: Vec<u8>,
    /// Its DER re-encoding when that differs: a certificate carried in BER was signed over its DER.
    pub(crate) tbs_der: Option<Vec<u8>>,
    /// The serial number, without leading zero bytes.
    pub(crate) serial: Vec<u8>,
    pub(crate) subject_key: NameKey,
    pub(crate) issuer_key: NameKey,
    /// subjectKeyIdentifier (RFC 5280 §4.2.1.2).
    pub(crate) ski: Option<Vec<u8>>,
    /// The keyIdentifier of authorityKeyIdentifier (RFC 5280 §4.2.1.1).
    pub(crate) aki: Option<Vec<u8>>,
    /// SHA-256 of the certificate as encoded, to recognise one certificate met twice.
    pub(crate) fingerprint: [u8; 32],
}

/// Why one certificate or CRL could not be shown to be signed by another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureCheck {
    /// The algorithm cannot be verified here.
    Unsupported(Unsupported),
    /// The signature does not verify, or the key cannot be used.
    Failed(Failure),
}

impl std::fmt::Display for SignatureCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureCheck::Unsupported(u) => u.fmt(f),
            SignatureCheck::Failed(e) => e.fmt(f),
        }
    }
}

impl Cert {
    /// Reads a certificate from a BER node.
    ///
    /// # Errors
    /// [`PaError`] when the node is not a certificate.
    pub(crate) fn from_node(node: &Node<'_>) -> Result<Cert, Error> {
        const WHAT: &str = "certificate";
        let tbs = node.expect(Tag::SEQUENCE, WHAT)?.child(0, WHAT)?.expect(Tag::SEQUENCE, WHAT)?;
        let serial_node = match tbs.children().first() {
            Some(first) if first.tag == Tag::context(0) => tbs.child(1, WHAT)?,
            _ => tbs.child(0, WHAT)?,
        };
        let serial = unsigned(serial_node.primitive(Tag::INTEGER, "certificate serial number")?);
        if serial.len() > MAX_SERIAL {
            return Err(PaError::Structure { what: "certificate serial number" }.into());
        }
        let cert = CertificateInner::<Lenient>::from_der(&node.to_der())
            .map_err(|source| PaError::Der { what: WHAT, source })?;
        let tbs_cert = cert.tbs_certificate();
        let mut ski = None;
        let mut aki = None;
        for ext in tbs_cert.extensions().map(|e| e.as_slice()).unwrap_or_default() {
            let Ok(value) = Node::parse(ext.extn_value.as_bytes()) else { continue };
            match ext.extn_id {
                // SubjectKeyIdentifier ::= KeyIdentifier ::= OCTET STRING
                oid::SUBJECT_KEY_IDENTIFIER => ski = value.primitive(Tag::OCTET_STRING, "").ok().map(<[u8]>::to_vec),
                // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, ... }
                oid::AUTHORITY_KEY_IDENTIFIER => {
                    aki = value
                        .children()
                        .iter()
                        .find(|c| c.tag == Tag::context_primitive(0))
                        .and_then(Node::content)
                        .map(<[u8]>::to_vec);
                }
                _ => {}
            }
        }
        Ok(Cert {
            subject_key: NameKey::new(tbs_cert.subject()),
            issuer_key: NameKey::new(tbs_cert.issuer()),
            tbs_raw: tbs.raw.to_vec(),
            tbs_der: Some(tbs.to_der()).filter(|der| der.as_slice() != tbs.raw),
            serial,
            ski,
            aki,
            fingerprint: sha2::Sha256::digest(node.raw).into(),
            cert,
        })
    }

    /// The algorithm the issuer signed this certificate with.
    pub(crate) fn signature_algorithm(&self) -> Result<SignatureAlgorithm, Unsupported> {
        SignatureAlgorithm::from_identifier(self.cert.signature_algorithm(), None)
    }

    /// Checks that `issuer`'s key signed this certificate.
    pub(crate) fn verify_signed_by(&self, issuer: &Cert) -> Result<(), SignatureCheck> {
        let algorithm = self.signature_algorithm().map_err(SignatureCheck::Unsupported)?;
        let signature = self.cert.signature().as_bytes().ok_or(SignatureCheck::Failed(Failure::Mismatch))?;
        let key = issuer.cert.tbs_certificate().subject_public_key_info();
        let outcome = signature::verify(&algorithm, key, &self.tbs_raw, signature);
        match (&outcome, &self.tbs_der) {
            (Err(Failure::Mismatch), Some(der)) => signature::verify(&algorithm, key, der, signature),
            _ => outcome,
        }
        .map_err(SignatureCheck::Failed)
    }

    /// True when this certificate's key signed it.
    pub(crate) fn is_self_signed(&self) -> bool {
        self.subject_key == self.issuer_key && self.verify_signed_by(self).is_ok()
    }

    /// True when `at` (time since the Unix epoch) lies within the validity period (RFC 5280 §4.1.2.5, bounds
    /// included).
    pub(crate) fn valid_at(&self, at: Duration) -> bool {
        let v = self.cert.tbs_certificate().validity();
        v.not_before.to_unix_duration() <= at && at <= v.not_after.to_unix_duration()
    }

    /// True when this certificate may have issued `child`: the names match, and the key identifiers when both are
    /// present.
    pub(crate) fn may_have_issued(&self, child: &Cert) -> bool {
        let ids_agree = match (&child.aki, &self.ski) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        };
        self.subject_key == child.issuer_key && ids_agree
    }

    /// True when the key identifiers say this certificate issued `child` (both present and equal).
    pub(crate) fn key_id_names(&self, child: &Cert) -> bool {
        matches!((&child.aki, &self.ski), (Some(aki), Some(ski)) if aki == ski)
    }

    /// The summary a report shows.
    pub(crate) fn info(&self) -> CertInfo {
        let tbs = self.cert.tbs_certificate();
        CertInfo {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: hex(&self.serial),
            not_before: tbs.validity().not_before.to_date_time(),
            not_after: tbs.validity().not_after.to_date_time(),
        }
    }
}

/// What a report says of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject, as RFC 4514 writes it.
    pub subject: String,
    /// The issuer, as RFC 4514 writes it.
    pub issuer: String,
    /// The serial number in lowercase hexadecimal, without leading zero bytes.
    pub serial: String,
    /// Start of the validity period (UTC).
    pub not_before: DateTime,
    /// End of the validity period (UTC).
    pub not_after: DateTime,
}

/// A certificate revocation list (RFC 5280 §5) with its original TBS bytes.
#[derive(Debug, Clone)]
pub(crate) struct Crl {
    pub(crate) crl: CertificateList<Lenient>,
    pub(crate) tbs_raw: Vec<u8>,
    pub(crate) issuer_key: NameKey,
    /// The serial numbers revoked, without leading zero bytes.
    pub(crate) revoked: Vec<Vec<u8>>,
}

impl Crl {
    /// Reads a CRL from a BER node.
    ///
    /// # Errors
    /// [`PaError`] when the node is not a CRL.
    pub(crate) fn from_node(node: &Node<'_>) -> Result<Crl, Error> {
        const WHAT: &str = "CRL";
        let tbs = node.expect(Tag::SEQUENCE, WHAT)?.child(0, WHAT)?.expect(Tag::SEQUENCE, WHAT)?;
        let crl = CertificateList::<Lenient>::from_der(&node.to_der())
            .map_err(|source| PaError::Der { what: WHAT, source })?;
        let revoked = crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .map(|r| unsigned(r.serial_number.as_bytes()))
            .collect();
        Ok(Crl { issuer_key: NameKey::new(&crl.tbs_cert_list.issuer), tbs_raw: tbs.raw.to_vec(), revoked, crl })
    }

    /// Checks that `issuer`'s key signed this CRL.
    pub(crate) fn verify_signed_by(&self, issuer: &Cert) -> Result<(), SignatureCheck> {
        let algorithm = SignatureAlgorithm::from_identifier(&self.crl.signature_algorithm, None)
            .map_err(SignatureCheck::Unsupported)?;
        let signature = self.crl.signature.as_bytes().ok_or(SignatureCheck::Failed(Failure::Mismatch))?;
        signature::verify(&algorithm, issuer.cert.tbs_certificate().subject_public_key_info(), &self.tbs_raw, signature)
            .map_err(SignatureCheck::Failed)
    }
}

/// An INTEGER's content bytes without the leading zero bytes of a positive number's encoding.
pub(crate) fn unsigned(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(skip..).unwrap_or_default().to_vec()
}

/// Lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
