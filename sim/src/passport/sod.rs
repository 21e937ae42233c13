//! The document security object (ICAO 9303-10 §4.6.2) and EF.CardSecurity (9303-11 §9.2.3): CMS SignedData
//! (RFC 5652 §5) signed by the Document Signer.
//!
//! ```text
//! EF.SOD = 77 L ContentInfo { id-signedData, SignedData {
//!     version 3, digestAlgorithms { sha256 },
//!     encapContentInfo { id-icao-mrtd-security-ldsSecurityObject, LDSSecurityObject },
//!     certificates { DSC },
//!     signerInfos { { version 1, sid issuerAndSerialNumber, sha256,
//!                     signedAttrs { contentType, messageDigest, signingTime }, ecdsa-with-SHA256, signature } } } }
//!
//! LDSSecurityObject ::= SEQUENCE { version INTEGER (v0), hashAlgorithm AlgorithmIdentifier,
//!     dataGroupHashValues SEQUENCE OF DataGroupHash }
//! DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }
//! ```

use cms::builder::{SignedDataBuilder, SignerInfoBuilder, create_signing_time_attribute};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Encode as _, Sequence, Tag};
use mrtd::tlv;
use p256::ecdsa::{DerSignature, SigningKey};
use sha2::{Digest as _, Sha256};
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::BuildError;
use crate::pki::DocumentSigner;

/// id-icao-mrtd-security-ldsSecurityObject (9303-10 §4.6.2.2).
pub const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
/// id-SecurityObject of BSI TR-03110-3 §A.1.2.5, the content type of EF.CardSecurity.
pub const ID_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.3.2.1");
/// id-sha256 (RFC 5754 §2.2; parameters absent).
pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

#[derive(Clone, Debug, Sequence)]
struct DataGroupHash {
    data_group_number: u8,
    data_group_hash_value: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct LdsSecurityObject {
    version: u8,
    hash_algorithm: AlgorithmIdentifierOwned,
    data_group_hash_values: Vec<DataGroupHash>,
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ID_SHA256, parameters: None }
}

/// The LDSSecurityObject (version 0) over the data groups given as (number, file content).
///
/// # Errors
/// [`BuildError::Der`] if a structure does not encode.
pub fn lds_security_object(data_groups: &[(u8, &[u8])]) -> Result<Vec<u8>, BuildError> {
    let hashes = data_groups
        .iter()
        .map(|&(n, bytes)| {
            Ok(DataGroupHash {
                data_group_number: n,
                data_group_hash_value: OctetString::new(Sha256::digest(bytes).to_vec()).map_err(BuildError::Der)?,
            })
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    LdsSecurityObject { version: 0, hash_algorithm: sha256_algorithm(), data_group_hash_values: hashes }
        .to_der()
        .map_err(BuildError::Der)
}

/// A ContentInfo holding SignedData over `content` of type `content_type`, signed by the Document Signer with ECDSA
/// and SHA-256 over the signed attributes (RFC 5652 §5.4), its certificate included.
///
/// # Errors
/// [`BuildError::Der`] or [`BuildError::Cms`] if a structure does not encode or the signature fails.
pub fn signed_data(
    signer: &DocumentSigner,
    content_type: ObjectIdentifier,
    content: &[u8],
) -> Result<Vec<u8>, BuildError> {
    let econtent = Any::new(Tag::OctetString, content).map_err(BuildError::Der)?;
    let encapsulated = EncapsulatedContentInfo { econtent_type: content_type, econtent: Some(econtent) };
    let tbs = signer.certificate.tbs_certificate();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    });
    let mut signer_info =
        SignerInfoBuilder::new(sid, sha256_algorithm(), &encapsulated, None).map_err(BuildError::Cms)?;
    // The builder adds contentType and messageDigest itself; signingTime is what issuers add besides.
    signer_info
        .add_signed_attribute(create_signing_time_attribute().map_err(BuildError::Cms)?)
        .map_err(BuildError::Cms)?;
    let mut builder = SignedDataBuilder::new(&encapsulated);
    builder
        .add_digest_algorithm(sha256_algorithm())
        .map_err(BuildError::Cms)?
        .add_certificate(CertificateChoices::Certificate(signer.certificate.clone()))
        .map_err(BuildError::Cms)?
        .add_signer_info::<SigningKey, DerSignature>(signer_info, &signer.key)
        .map_err(BuildError::Cms)?;
    builder.build().map_err(BuildError::Cms)?.to_der().map_err(BuildError::Der)
}

/// EF.SOD: tag `77` around the SignedData over the LDSSecurityObject of `data_groups`.
///
/// # Errors
/// As [`lds_security_object`] and [`signed_data`].
pub fn ef_sod(signer: &DocumentSigner, data_groups: &[(u8, &[u8])]) -> Result<Vec<u8>, BuildError> {
    let lds = lds_security_object(data_groups)?;
    let content_info = signed_data(signer, ID_LDS_SECURITY_OBJECT, &lds)?;
    Ok(tlv::to_vec(tlv::Tag(0x77), &content_info))
}
