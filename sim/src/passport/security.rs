//! The chip's security infos (ICAO 9303-11 §9.2, BSI TR-03110-3 §A.1): EF.CardAccess for PACE, DG14 for Chip
//! Authentication, DG15 for Active Authentication.
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }
//! PACEInfo ::= SEQUENCE { protocol, version INTEGER (2), parameterId INTEGER OPTIONAL }          9303-11 §9.2.1
//! ChipAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER (1), keyId INTEGER OPTIONAL }    9303-11 §9.2.5
//! ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol id-PK-ECDH,
//!     chipAuthenticationPublicKey SubjectPublicKeyInfo, keyId INTEGER OPTIONAL }                 9303-11 §9.2.6
//! ActiveAuthenticationInfo ::= SEQUENCE { protocol id-icao-mrtd-security-aaProtocolObject,
//!     version INTEGER (1), signatureAlgorithm OBJECT IDENTIFIER }                                9303-11 §9.2.9
//! DG15 ::= ActiveAuthenticationPublicKeyInfo ::= SubjectPublicKeyInfo                            9303-11 §6.1
//! ```
//!
//! Keys are given as SubjectPublicKeyInfos with a named curve: the Chip Authentication key on PACE's curve when the
//! chip offers PACE (brainpoolP256r1 or P-256), the Active Authentication key on P-256.

use der::Sequence;
use der::asn1::ObjectIdentifier;
use mrtd::tlv::{self, Tag};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::BuildError;
use super::profile::{Access, PaceCurve};

/// id-PACE-ECDH-GM-AES-CBC-CMAC-128 (9303-11 §9.2.1; BSI TR-03110-3 A.1.1.1).
pub const ID_PACE_ECDH_GM_AES_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
/// id-PACE-ECDH-CAM-AES-CBC-CMAC-128 (9303-11 §9.2.1).
pub const ID_PACE_ECDH_CAM_AES_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.6.2");
/// id-CA-ECDH-AES-CBC-CMAC-128 (9303-11 §9.2.5; BSI TR-03110-3 A.1.1.2).
pub const ID_CA_ECDH_AES_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.2.2");
/// id-PK-ECDH (9303-11 §9.2.6).
pub const ID_PK_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.2");
/// id-icao-mrtd-security-aaProtocolObject (9303-11 §9.2.9).
pub const ID_AA: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");
/// ecdsa-plain-SHA256 (BSI TR-03111 §5.2.1): the signature algorithm 9303-11 §9.2.9 names for ECDSA Active
/// Authentication, whose signature is the plain `r || s`.
pub const ECDSA_PLAIN_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");

/// The key identifier of the chip's only Chip Authentication key.
pub const CA_KEY_ID: u8 = 1;

#[derive(Clone, Debug, Sequence)]
struct PaceInfo {
    protocol: ObjectIdentifier,
    version: u8,
    #[asn1(optional = "true")]
    parameter_id: Option<u8>,
}

#[derive(Clone, Debug, Sequence)]
struct ChipAuthenticationInfo {
    protocol: ObjectIdentifier,
    version: u8,
    #[asn1(optional = "true")]
    key_id: Option<u8>,
}

#[derive(Clone, Debug, Sequence)]
struct ChipAuthenticationPublicKeyInfo {
    protocol: ObjectIdentifier,
    chip_authentication_public_key: SubjectPublicKeyInfoOwned,
    #[asn1(optional = "true")]
    key_id: Option<u8>,
}

#[derive(Clone, Debug, Sequence)]
struct ActiveAuthenticationInfo {
    protocol: ObjectIdentifier,
    version: u8,
    signature_algorithm: ObjectIdentifier,
}

fn der(value: &impl der::Encode) -> Result<Vec<u8>, BuildError> {
    value.to_der().map_err(BuildError::Der)
}

/// `SET OF` in DER: the elements' encodings in ascending order (X.690 §11.6).
fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    tlv::to_vec(Tag(0x31), &elements.concat())
}

/// The PACEInfos of a chip offering `access`: Generic Mapping always, Chip Authentication Mapping for `pace-cam`.
///
/// # Errors
/// [`BuildError::Der`] if a structure does not encode.
fn pace_infos(access: Access, curve: PaceCurve) -> Result<Vec<Vec<u8>>, BuildError> {
    let mut protocols = vec![ID_PACE_ECDH_GM_AES_128];
    if access == Access::PaceCam {
        protocols.push(ID_PACE_ECDH_CAM_AES_128);
    }
    protocols
        .into_iter()
        .map(|protocol| der(&PaceInfo { protocol, version: 2, parameter_id: Some(curve.parameter_id()) }))
        .collect()
}

fn ca_infos(ca_key: &SubjectPublicKeyInfoOwned) -> Result<Vec<Vec<u8>>, BuildError> {
    Ok(vec![
        der(&ChipAuthenticationInfo { protocol: ID_CA_ECDH_AES_128, version: 1, key_id: Some(CA_KEY_ID) })?,
        der(&ChipAuthenticationPublicKeyInfo {
            protocol: ID_PK_ECDH,
            chip_authentication_public_key: ca_key.clone(),
            key_id: Some(CA_KEY_ID),
        })?,
    ])
}

/// EF.CardAccess: the SecurityInfos of PACE (9303-11 §9.2.1), or `None` when the chip offers only BAC.
///
/// # Errors
/// [`BuildError::Der`] if a structure does not encode.
pub fn card_access(access: Access, curve: PaceCurve) -> Result<Option<Vec<u8>>, BuildError> {
    if !access.offers_pace() {
        return Ok(None);
    }
    Ok(Some(set_of(pace_infos(access, curve)?)))
}

/// The SecurityInfos EF.CardSecurity signs for PACE-CAM (9303-11 §9.2.3): the PACEInfos and the Chip Authentication
/// key the mapping authenticates.
///
/// # Errors
/// [`BuildError::Der`] if a structure does not encode.
pub fn card_security_infos(
    access: Access,
    curve: PaceCurve,
    ca_key: &SubjectPublicKeyInfoOwned,
) -> Result<Vec<u8>, BuildError> {
    let mut infos = pace_infos(access, curve)?;
    infos.extend(ca_infos(ca_key)?);
    Ok(set_of(infos))
}

/// DG14 (tag `6E`): Chip Authentication's infos and key when it is supported, Active Authentication's algorithm when
/// it is, and the PACEInfos of EF.CardAccess, which DG14 repeats so that the SOD protects them against a downgrade.
/// `None` when there is nothing to say.
///
/// # Errors
/// [`BuildError::Der`] if a structure does not encode.
pub fn dg14(
    access: Access,
    curve: PaceCurve,
    ca_key: Option<&SubjectPublicKeyInfoOwned>,
    active_authentication: bool,
) -> Result<Option<Vec<u8>>, BuildError> {
    let mut infos = Vec::new();
    if let Some(key) = ca_key {
        infos.extend(ca_infos(key)?);
    }
    if active_authentication {
        infos.push(der(&ActiveAuthenticationInfo {
            protocol: ID_AA,
            version: 1,
            signature_algorithm: ECDSA_PLAIN_SHA256,
        })?);
    }
    if access.offers_pace() {
        infos.extend(pace_infos(access, curve)?);
    }
    if infos.is_empty() {
        return Ok(None);
    }
    Ok(Some(tlv::to_vec(Tag(0x6E), &set_of(infos))))
}

/// DG15 (tag `6F`): the Active Authentication public key as a SubjectPublicKeyInfo.
///
/// # Errors
/// [`BuildError::Der`] if the key does not encode.
pub fn dg15(aa_key: &SubjectPublicKeyInfoOwned) -> Result<Vec<u8>, BuildError> {
    Ok(tlv::to_vec(Tag(0x6F), &der(aa_key)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode as _, Encode as _, asn1::SetOfVec};

    fn key() -> SubjectPublicKeyInfoOwned {
        let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        SubjectPublicKeyInfoOwned::from_key(&secret.public_key()).unwrap()
    }

    #[test]
    fn card_access_of_pace_gm_on_brainpool() {
        let ca = card_access(Access::Pace, PaceCurve::BrainpoolP256r1).unwrap().unwrap();
        // SET { SEQUENCE { 0.4.0.127.0.7.2.2.4.2.2, 2, 13 } }, as 9303-11 Appendix G's EF.CardAccess holds it.
        assert_eq!(
            ca,
            [
                0x31, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02,
                0x01, 0x02, 0x02, 0x01, 0x0D
            ]
        );
        assert!(card_access(Access::Bac, PaceCurve::NistP256).unwrap().is_none());
        let cam = card_access(Access::PaceCam, PaceCurve::NistP256).unwrap().unwrap();
        let set = SetOfVec::<der::Any>::from_der(&cam).unwrap();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn dg14_and_dg15_parse_back() {
        let k = key();
        let dg14 = dg14(Access::PaceBac, PaceCurve::BrainpoolP256r1, Some(&k), true).unwrap().unwrap();
        let value = tlv::Tlv::parse_exact(&dg14, Tag(0x6E)).unwrap();
        let set = SetOfVec::<der::Any>::from_der(value).unwrap();
        assert_eq!(set.len(), 4);
        let protocol = |info: &der::Any| {
            let (oid, _) = tlv::Tlv::parse(info.value()).unwrap();
            ObjectIdentifier::from_bytes(oid.value).unwrap()
        };
        let seen: Vec<ObjectIdentifier> = set.iter().map(protocol).collect();
        assert!(seen.contains(&ID_CA_ECDH_AES_128) && seen.contains(&ID_PK_ECDH));
        assert!(seen.contains(&ID_AA) && seen.contains(&ID_PACE_ECDH_GM_AES_128));
        let pk = set.iter().find(|i| protocol(i) == ID_PK_ECDH).unwrap();
        let info = ChipAuthenticationPublicKeyInfo::from_der(&pk.to_der().unwrap()).unwrap();
        assert_eq!(info.chip_authentication_public_key, k);
        assert_eq!(info.key_id, Some(CA_KEY_ID));

        let dg15 = dg15(&k).unwrap();
        let spki = SubjectPublicKeyInfoOwned::from_der(tlv::Tlv::parse_exact(&dg15, Tag(0x6F)).unwrap()).unwrap();
        assert_eq!(spki, k);
        assert!(super::dg14(Access::Bac, PaceCurve::NistP256, None, false).unwrap().is_none());
    }
}
