//! CMS SignedData (RFC 5652 §5) as EF.SOD (ICAO 9303-10 §4.6.2) and CSCA master lists (9303-12 §9) carry it, and
//! the check of its one signer: which certificate signed, the signed attributes, the signature.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY DEFINED BY contentType }
//! SignedData ::= SEQUENCE {
//!     version CMSVersion,
//!     digestAlgorithms SET OF DigestAlgorithmIdentifier,
//!     encapContentInfo EncapsulatedContentInfo,
//!     certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!     signerInfos SET OF SignerInfo }
//! EncapsulatedContentInfo ::= SEQUENCE { eContentType ContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
//! SignerInfo ::= SEQUENCE {
//!     version CMSVersion,
//!     sid SignerIdentifier,
//!     digestAlgorithm DigestAlgorithmIdentifier,
//!     signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//!     signatureAlgorithm SignatureAlgorithmIdentifier,
//!     signature SignatureValue,
//!     unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
//! SignerIdentifier ::= CHOICE { issuerAndSerialNumber IssuerAndSerialNumber,
//!                               subjectKeyIdentifier [0] SubjectKeyIdentifier }
//! IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }
//! Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }
//! ```
//!
//! The structure is walked on the BER tree of [`super::ber`] rather than decoded with `cms`: that keeps the
//! signed attributes' bytes as the signer encoded them, reads BER, and accepts `SET OF`s out of DER order; each
//! leaf is decoded by `der` and `x509-cert`.

use der::Decode as _;
use der::oid::ObjectIdentifier;
use x509_cert::name::Name;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::ber::{Node, Tag};
use super::cert::{Cert, Crl, unsigned};
use super::name::NameKey;
use super::oid;
use super::report::{Reason, ReasonCode, SignerMatch};
use super::signature::{self, Failure, HashAlgorithm, SignatureAlgorithm};
use crate::error::{Error, PaError};

/// The most certificates, CRLs or signers one SignedData may carry; a master list holds some 600 certificates.
const MAX_ITEMS: usize = 10_000;

/// The parts of a SignedData that the checks use.
#[derive(Debug, Clone)]
pub(crate) struct SignedData {
    pub(crate) econtent_type: ObjectIdentifier,
    /// The encapsulated content (the OCTET STRING's value).
    pub(crate) econtent: Option<Vec<u8>>,
    /// The certificates that decode; others (attribute certificates, malformed ones) are left out.
    pub(crate) certificates: Vec<Cert>,
    pub(crate) crls: Vec<Crl>,
    pub(crate) signer_infos: Vec<SignerInfo>,
}

/// One SignerInfo.
#[derive(Debug, Clone)]
pub(crate) struct SignerInfo {
    pub(crate) sid: SignerId,
    pub(crate) digest_algorithm: AlgorithmIdentifierOwned,
    pub(crate) signed_attrs: Option<SignedAttrs>,
    pub(crate) signature_algorithm: AlgorithmIdentifierOwned,
    pub(crate) signature: Vec<u8>,
}

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone)]
pub(crate) enum SignerId {
    /// By the issuer's name and the serial number.
    IssuerAndSerial {
        issuer_key: NameKey,
        /// Without leading zero bytes.
        serial: Vec<u8>,
    },
    /// By the subjectKeyIdentifier.
    KeyId(Vec<u8>),
}

/// The signed attributes.
#[derive(Debug, Clone)]
pub(crate) struct SignedAttrs {
    /// The encodings the signature may cover, most likely first: the original bytes under the SET OF tag
    /// (RFC 5652 §5.4), then their DER re-encoding when that differs (a BER SOD, whose signer signed DER).
    pub(crate) encodings: Vec<Vec<u8>>,
    pub(crate) content_type: Option<ObjectIdentifier>,
    pub(crate) message_digest: Option<Vec<u8>>,
    pub(crate) signing_time: Option<Time>,
}

fn structure(what: &'static str) -> Error {
    PaError::Structure { what }.into()
}

impl SignedData {
    /// Reads a ContentInfo holding SignedData.
    ///
    /// # Errors
    /// [`PaError`] when the node is not a ContentInfo with SignedData or a part of it is malformed.
    pub(crate) fn from_content_info(node: &Node<'_>) -> Result<SignedData, Error> {
        const WHAT: &str = "ContentInfo";
        let content_info = node.expect(Tag::SEQUENCE, WHAT)?;
        let content_type = oid_of(content_info.child(0, WHAT)?, WHAT)?;
        if content_type != oid::SIGNED_DATA {
            return Err(PaError::ContentType { what: "ContentInfo", oid: content_type }.into());
        }
        let explicit = content_info.child(1, WHAT)?.expect(Tag::context(0), WHAT)?;
        let signed = explicit.child(0, "SignedData")?.expect(Tag::SEQUENCE, "SignedData")?;
        SignedData::from_node(signed)
    }

    fn from_node(signed: &Node<'_>) -> Result<SignedData, Error> {
        const WHAT: &str = "SignedData";
        let mut fields = signed.children().iter();
        let _version = fields.next().ok_or(structure(WHAT))?.primitive(Tag::INTEGER, "SignedData version")?;
        let _digest_algorithms = fields.next().ok_or(structure(WHAT))?.expect(Tag::SET, "digestAlgorithms")?;
        let encap = fields.next().ok_or(structure(WHAT))?.expect(Tag::SEQUENCE, "encapContentInfo")?;
        let econtent_type = oid_of(encap.child(0, "encapContentInfo")?, "eContentType")?;
        let econtent = match encap.children().get(1) {
            Some(explicit) => {
                let octets = explicit.expect(Tag::context(0), "eContent")?.child(0, "eContent")?;
                Some(octets.primitive(Tag::OCTET_STRING, "eContent")?.to_vec())
            }
            None => None,
        };
        let mut next = fields.next().ok_or(structure(WHAT))?;
        let mut certificates = Vec::new();
        if next.tag == Tag::context(0) {
            // CertificateChoices: only the plain Certificate (a SEQUENCE) is used in the ICAO PKI.
            certificates = next
                .children()
                .iter()
                .take(MAX_ITEMS)
                .filter(|c| c.tag == Tag::SEQUENCE)
                .filter_map(|c| Cert::from_node(c).ok())
                .collect();
            next = fields.next().ok_or(structure(WHAT))?;
        }
        let mut crls = Vec::new();
        if next.tag == Tag::context(1) {
            // RevocationInfoChoice: a CertificateList, or [1] other formats that are not read here.
            crls = next
                .children()
                .iter()
                .take(MAX_ITEMS)
                .filter(|c| c.tag == Tag::SEQUENCE)
                .filter_map(|c| Crl::from_node(c).ok())
                .collect();
            next = fields.next().ok_or(structure(WHAT))?;
        }
        let signer_nodes = next.expect(Tag::SET, "signerInfos")?;
        if fields.next().is_some() {
            return Err(structure(WHAT));
        }
        let signer_infos =
            signer_nodes.children().iter().take(MAX_ITEMS).map(SignerInfo::from_node).collect::<Result<Vec<_>, _>>()?;
        Ok(SignedData { econtent_type, econtent, certificates, crls, signer_infos })
    }
}

impl SignerInfo {
    fn from_node(node: &Node<'_>) -> Result<SignerInfo, Error> {
        const WHAT: &str = "SignerInfo";
        let mut fields = node.expect(Tag::SEQUENCE, WHAT)?.children().iter();
        let _version = fields.next().ok_or(structure(WHAT))?.primitive(Tag::INTEGER, "SignerInfo version")?;
        let sid_node = fields.next().ok_or(structure(WHAT))?;
        let sid = if sid_node.tag == Tag::SEQUENCE {
            let issuer_node = sid_node.child(0, "issuerAndSerialNumber")?;
            let issuer = Name::from_der(&issuer_node.to_der())
                .map_err(|source| PaError::Der { what: "issuerAndSerialNumber issuer", source })?;
            let serial = sid_node.child(1, "issuerAndSerialNumber")?.primitive(Tag::INTEGER, "serialNumber")?;
            SignerId::IssuerAndSerial { issuer_key: NameKey::new(&issuer), serial: unsigned(serial) }
        } else if sid_node.tag == Tag::context_primitive(0) {
            SignerId::KeyId(sid_node.content().unwrap_or_default().to_vec())
        } else {
            return Err(structure("SignerIdentifier"));
        };
        let digest_algorithm = algorithm(fields.next().ok_or(structure(WHAT))?, "digestAlgorithm")?;
        let mut next = fields.next().ok_or(structure(WHAT))?;
        let mut signed_attrs = None;
        if next.tag == Tag::context(0) {
            signed_attrs = Some(SignedAttrs::from_node(next)?);
            next = fields.next().ok_or(structure(WHAT))?;
        }
        let signature_algorithm = algorithm(next, "signatureAlgorithm")?;
        let signature = fields.next().ok_or(structure(WHAT))?.primitive(Tag::OCTET_STRING, "signature")?.to_vec();
        match fields.next() {
            Some(unsigned) if unsigned.tag == Tag::context(1) => {}
            Some(_) => return Err(structure(WHAT)),
            None => {}
        }
        if fields.next().is_some() {
            return Err(structure(WHAT));
        }
        Ok(SignerInfo { sid, digest_algorithm, signed_attrs, signature_algorithm, signature })
    }

    /// The hash algorithm of digestAlgorithm, if known.
    pub(crate) fn digest(&self) -> Option<HashAlgorithm> {
        HashAlgorithm::from_oid(&self.digest_algorithm.oid)
    }
}

impl SignedAttrs {
    fn from_node(node: &Node<'_>) -> Result<SignedAttrs, Error> {
        let mut attrs = SignedAttrs {
            encodings: vec![node.raw_as(Tag::SET)],
            content_type: None,
            message_digest: None,
            signing_time: None,
        };
        let der = node.to_der_as(Tag::SET);
        if !attrs.encodings.contains(&der) {
            attrs.encodings.push(der);
        }
        for attr in node.children().iter().take(MAX_ITEMS) {
            let kind = oid_of(attr.expect(Tag::SEQUENCE, "Attribute")?.child(0, "Attribute")?, "attrType")?;
            let values = attr.child(1, "Attribute")?.expect(Tag::SET, "attrValues")?.children();
            if attr.children().len() != 2 {
                return Err(structure("Attribute"));
            }
            // RFC 5652 §11.1-11.3: each of these attributes is single-valued and appears at most once.
            let single = |what| match values {
                [value] => Ok(value),
                _ => Err(structure(what)),
            };
            match kind {
                oid::ATTR_CONTENT_TYPE if attrs.content_type.is_none() => {
                    attrs.content_type = Some(oid_of(single("contentType attribute")?, "contentType attribute")?);
                }
                oid::ATTR_MESSAGE_DIGEST if attrs.message_digest.is_none() => {
                    let value = single("messageDigest attribute")?;
                    attrs.message_digest =
                        Some(value.primitive(Tag::OCTET_STRING, "messageDigest attribute")?.to_vec());
                }
                oid::ATTR_SIGNING_TIME if attrs.signing_time.is_none() => {
                    let value = single("signingTime attribute")?;
                    attrs.signing_time = Some(
                        Time::from_der(&value.to_der())
                            .map_err(|source| PaError::Der { what: "signingTime attribute", source })?,
                    );
                }
                oid::ATTR_CONTENT_TYPE | oid::ATTR_MESSAGE_DIGEST | oid::ATTR_SIGNING_TIME => {
                    return Err(structure("signed attributes (an attribute appears twice)"));
                }
                _ => {}
            }
        }
        Ok(attrs)
    }
}

/// The OBJECT IDENTIFIER of a node.
pub(crate) fn oid_of(node: &Node<'_>, what: &'static str) -> Result<ObjectIdentifier, Error> {
    ObjectIdentifier::from_bytes(node.primitive(Tag::OID, what)?)
        .map_err(|source| PaError::Der { what, source: source.into() }.into())
}

/// An AlgorithmIdentifier node, decoded.
pub(crate) fn algorithm(node: &Node<'_>, what: &'static str) -> Result<AlgorithmIdentifierOwned, Error> {
    AlgorithmIdentifierOwned::from_der(&node.expect(Tag::SEQUENCE, what)?.to_der())
        .map_err(|source| PaError::Der { what, source }.into())
}

/// The outcome of checking the one signer of a SignedData.
#[derive(Debug)]
pub(crate) struct SignerCheck<'a> {
    /// The signer's certificate and how it was found.
    pub(crate) signer: Option<(&'a Cert, SignerMatch)>,
    /// The signature algorithm, when known.
    pub(crate) algorithm: Option<SignatureAlgorithm>,
    /// What is wrong; empty when the signature verifies.
    pub(crate) reasons: Vec<Reason>,
    /// The signingTime attribute.
    pub(crate) signing_time: Option<Time>,
}

/// Checks the first SignerInfo of `sd`: finds its certificate among `sd`'s and `extra`, compares the contentType
/// and messageDigest attributes with the content (RFC 5652 §5.6, §11.1, §11.2) and verifies the signature.
pub(crate) fn check_signer<'a>(sd: &'a SignedData, extra: &'a [Cert]) -> SignerCheck<'a> {
    let mut check = SignerCheck { signer: None, algorithm: None, reasons: Vec::new(), signing_time: None };
    let Some(si) = sd.signer_infos.first() else {
        check.reasons.push(Reason::new(ReasonCode::NoSigner, "the SignedData has no SignerInfo".into()));
        return check;
    };
    check.signing_time = si.signed_attrs.as_ref().and_then(|a| a.signing_time);
    // The SOD's own certificates first: a serial number shared with a certificate of the trust store must not make
    // the match by serial number ambiguous.
    check.signer = find_signer(&si.sid, sd.certificates.iter()).or_else(|| find_signer(&si.sid, extra.iter()));
    let algorithm = match SignatureAlgorithm::from_identifier(&si.signature_algorithm, si.digest()) {
        Ok(a) => a,
        Err(e) => {
            check.reasons.push(Reason::new(ReasonCode::UnsupportedAlgorithm, e.to_string()));
            return check;
        }
    };
    check.algorithm = Some(algorithm);
    let Some(content) = sd.econtent.as_deref() else {
        check.reasons.push(Reason::new(ReasonCode::MessageDigestMismatch, "the SignedData has no content".into()));
        return check;
    };
    let message: Vec<&[u8]> = match &si.signed_attrs {
        Some(attrs) => {
            if attrs.content_type != Some(sd.econtent_type) {
                check.reasons.push(Reason::new(
                    ReasonCode::ContentTypeMismatch,
                    "the contentType attribute differs from the eContentType".into(),
                ));
            }
            match (si.digest(), &attrs.message_digest) {
                (None, _) => check.reasons.push(Reason::new(
                    ReasonCode::UnsupportedAlgorithm,
                    format!("digest algorithm {} is not supported", si.digest_algorithm.oid),
                )),
                (Some(_), None) => check.reasons.push(Reason::new(
                    ReasonCode::MessageDigestMismatch,
                    "the signed attributes have no messageDigest".into(),
                )),
                (Some(hash), Some(digest)) if hash.digest(content) != *digest => check.reasons.push(Reason::new(
                    ReasonCode::MessageDigestMismatch,
                    format!("the messageDigest attribute is not the {hash} of the content"),
                )),
                _ => {}
            }
            attrs.encodings.iter().map(Vec::as_slice).collect()
        }
        // Without signed attributes the signature covers the content itself (RFC 5652 §5.4).
        None => vec![content],
    };
    let Some((cert, _)) = check.signer else {
        check.reasons.push(Reason::new(ReasonCode::SignerNotFound, "no certificate matches the SignerInfo".into()));
        return check;
    };
    let key = cert.cert.tbs_certificate().subject_public_key_info();
    let mut outcome = Err(Failure::Mismatch);
    for m in message {
        outcome = signature::verify(&algorithm, key, m, &si.signature);
        if outcome.is_ok() {
            break;
        }
    }
    match outcome {
        Ok(()) => {}
        Err(Failure::Mismatch) => check.reasons.push(Reason::new(
            ReasonCode::SignatureInvalid,
            format!("the {algorithm} signature does not verify with the signer's key"),
        )),
        Err(e @ Failure::Key(_)) => check.reasons.push(Reason::new(ReasonCode::UnsupportedAlgorithm, e.to_string())),
    }
    check
}

/// The certificate a SignerIdentifier names. Issuer and serial number first, the names compared by meaning; then
/// the serial number alone when exactly one certificate has it (the Malaysian SOD names the issuer with its RDNs in
/// another order); or the subjectKeyIdentifier.
fn find_signer<'a>(sid: &SignerId, certs: impl Iterator<Item = &'a Cert> + Clone) -> Option<(&'a Cert, SignerMatch)> {
    match sid {
        SignerId::IssuerAndSerial { issuer_key, serial, .. } => {
            if let Some(cert) = certs.clone().find(|c| c.serial == *serial && c.issuer_key == *issuer_key) {
                return Some((cert, SignerMatch::IssuerAndSerial));
            }
            let mut same_serial = certs.filter(|c| c.serial == *serial);
            match (same_serial.next(), same_serial.next()) {
                (Some(cert), None) => Some((cert, SignerMatch::SerialOnly)),
                _ => None,
            }
        }
        SignerId::KeyId(id) => {
            certs.clone().find(|c| c.ski.as_ref() == Some(id)).map(|c| (c, SignerMatch::SubjectKeyIdentifier))
        }
    }
}
