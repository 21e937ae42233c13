//! EF.SOD, the document security object (ICAO 9303-10 §4.6.2): the hashes of the data groups, signed by the
//! Document Signer in CMS SignedData (RFC 5652 §5).
//!
//! ```text
//! EF.SOD ::= [APPLICATION 23] ContentInfo                      -- tag 77
//! LDSSecurityObject ::= SEQUENCE {
//!     version                LDSSecurityObjectVersion,      -- v0, or v1 when ldsVersionInfo is present
//!     hashAlgorithm          DigestAlgorithmIdentifier,
//!     dataGroupHashValues    SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//!     ldsVersionInfo         LDSVersionInfo OPTIONAL }
//! DataGroupHash ::= SEQUENCE { dataGroupNumber DataGroupNumber, dataGroupHashValue OCTET STRING }
//! DataGroupNumber ::= INTEGER { dataGroup1(1), ..., dataGroup16(16) }
//! LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }
//! ```
//! The eContentType is id-icao-mrtd-security-ldsSecurityObject (2.23.136.1.1.1); two older identifiers that early
//! documents use are accepted too (see [`super::oid`]).

use std::collections::BTreeMap;

use super::ber::{Node, Tag};
use super::cert::CertInfo;
use super::oid;
use super::signature::HashAlgorithm;
use super::signed_data::{SignedData, algorithm};
use crate::error::{Error, PaError};

/// The LDSSecurityObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    /// 0, or 1 when `lds_version` is present.
    pub version: u8,
    /// The hash algorithm of the data group hashes.
    pub hash_algorithm: HashAlgorithm,
    /// Each data group's number (1 to 16) and hash.
    pub data_group_hashes: BTreeMap<u8, Vec<u8>>,
    /// LDSVersionInfo: the LDS version (`"0108"`) and the Unicode version (`"040000"`).
    pub lds_version: Option<(String, String)>,
}

/// A parsed EF.SOD.
#[derive(Debug, Clone)]
pub struct Sod {
    pub(crate) signed: SignedData,
    pub(crate) lds: LdsSecurityObject,
}

fn structure(what: &'static str) -> Error {
    PaError::Structure { what }.into()
}

impl Sod {
    /// Reads EF.SOD: the `77` tag around a ContentInfo with SignedData, in DER or BER. A bare ContentInfo without the
    /// `77` tag is accepted too, as some tools store it so.
    ///
    /// # Errors
    /// [`PaError`] when the bytes are not EF.SOD: malformed BER, another structure or content type, an unknown hash
    /// algorithm, a data group number outside 1..=16 or listed twice.
    pub fn parse(bytes: &[u8]) -> Result<Sod, Error> {
        let outer = Node::parse(bytes)?;
        let content_info = if outer.tag == Tag::application(23) { outer.child(0, "EF.SOD")? } else { &outer };
        let signed = SignedData::from_content_info(content_info)?;
        if ![oid::LDS_SECURITY_OBJECT, oid::LDS_SECURITY_OBJECT_ALT, oid::LDS_SECURITY_OBJECT_SDU]
            .contains(&signed.econtent_type)
        {
            return Err(PaError::ContentType { what: "EF.SOD", oid: signed.econtent_type }.into());
        }
        let content = signed.econtent.as_deref().ok_or(structure("EF.SOD content"))?;
        let lds = LdsSecurityObject::parse(content)?;
        Ok(Sod { signed, lds })
    }

    /// The LDSSecurityObject.
    pub fn security_object(&self) -> &LdsSecurityObject {
        &self.lds
    }

    /// The certificates the SOD carries (normally the one DSC).
    pub fn certificates(&self) -> Vec<CertInfo> {
        self.signed.certificates.iter().map(|c| c.info()).collect()
    }
}

impl LdsSecurityObject {
    /// Reads an LDSSecurityObject.
    ///
    /// # Errors
    /// [`PaError`] when it is malformed.
    pub fn parse(bytes: &[u8]) -> Result<LdsSecurityObject, Error> {
        const WHAT: &str = "LDSSecurityObject";
        let node = Node::parse(bytes)?;
        let mut fields = node.expect(Tag::SEQUENCE, WHAT)?.children().iter();
        let version =
            match fields.next().ok_or(structure(WHAT))?.primitive(Tag::INTEGER, "LDSSecurityObject version")? {
                [0] => 0,
                [1] => 1,
                other => {
                    let v = other.iter().take(8).fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                    return Err(PaError::Version { what: WHAT, version: v }.into());
                }
            };
        let hash_id = algorithm(fields.next().ok_or(structure(WHAT))?, "hashAlgorithm")?;
        let hash_algorithm = HashAlgorithm::from_oid(&hash_id.oid).ok_or(PaError::UnknownHash(hash_id.oid))?;
        let hashes = fields.next().ok_or(structure(WHAT))?.expect(Tag::SEQUENCE, "dataGroupHashValues")?;
        let mut data_group_hashes = BTreeMap::new();
        for entry in hashes.children() {
            let entry = entry.expect(Tag::SEQUENCE, "DataGroupHash")?;
            let number = match entry.child(0, "DataGroupHash")?.primitive(Tag::INTEGER, "dataGroupNumber")? {
                [n @ 1..=16] => *n,
                _ => return Err(structure("dataGroupNumber (not 1 to 16)")),
            };
            let hash = entry.child(1, "DataGroupHash")?.primitive(Tag::OCTET_STRING, "dataGroupHashValue")?;
            if entry.children().len() != 2 || data_group_hashes.insert(number, hash.to_vec()).is_some() {
                return Err(structure("DataGroupHash (a data group listed twice)"));
            }
        }
        let lds_version = match fields.next() {
            Some(info) => {
                let info = info.expect(Tag::SEQUENCE, "LDSVersionInfo")?;
                let text = |i| -> Result<String, Error> {
                    let bytes = info.child(i, "LDSVersionInfo")?.content().ok_or(structure("LDSVersionInfo"))?;
                    Ok(String::from_utf8_lossy(bytes).into_owned())
                };
                Some((text(0)?, text(1)?))
            }
            None => None,
        };
        if fields.next().is_some() {
            return Err(structure(WHAT));
        }
        Ok(LdsSecurityObject { version, hash_algorithm, data_group_hashes, lds_version })
    }
}
