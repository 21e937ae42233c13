//! SecurityInfos (ICAO 9303-11 §9.2; BSI TR-03110-3 §A.1): what a chip offers for PACE (EF.CardAccess), Chip
//! Authentication and Active Authentication (DG14), and PACE-CAM (EF.CardSecurity, whose CMS signature Passive
//! Authentication checks; only its content is read here).
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }
//! PACEInfo ::= SEQUENCE { protocol, version INTEGER, parameterId INTEGER OPTIONAL }                   §9.2.1
//! PACEDomainParameterInfo ::= SEQUENCE { protocol, domainParameter AlgorithmIdentifier,
//!                                        parameterId INTEGER OPTIONAL }                               §9.2.1
//! ChipAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, keyId INTEGER OPTIONAL }           §9.2.5
//! ChipAuthenticationDomainParameterInfo ::= SEQUENCE { protocol, domainParameter AlgorithmIdentifier,
//!                                                      keyId INTEGER OPTIONAL }              TR-03110-3 A.1.1.2
//! ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol id-PK-DH | id-PK-ECDH,
//!     chipAuthenticationPublicKey SubjectPublicKeyInfo, keyId INTEGER OPTIONAL }                      §9.2.6
//! ActiveAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, signatureAlgorithm OID }         §9.2.9
//! TerminalAuthenticationInfo ::= SEQUENCE { protocol id-TA, version INTEGER, efCVCA FileID OPTIONAL } §9.2.7
//! ```
//!
//! Domain parameters are either standardized (`AlgorithmIdentifier { standardizedDomainParameters, INTEGER id }`,
//! §9.5.1) or explicit: ECParameters under id-ecPublicKey, PKCS #3 or X9.42 parameters under dhKeyAgreement or
//! dhpublicnumber. They are kept here as the chip wrote them and turned into a group only when a protocol needs one
//! ([`DomainParameters::resolve`]), so that parsing stays cheap and a curve nobody uses costs nothing.
//!
//! The SET OF is read in the order it comes: real DG14s are not sorted as DER would have them. Infos whose protocol is
//! not known here are kept by their identifier.

use der::asn1::{AnyRef, ObjectIdentifier, UintRef};
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use crate::crypto::BlockCipher;
use crate::dh::DhGroup;
use crate::ec::Curve;
use crate::error::{Error, LdsError};
use crate::tlv;

/// id-PK (BSI TR-03110-3 A.1.1.2): 0.4.0.127.0.7.2.2.1.
pub const ID_PK: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1");
/// id-PK-DH.
pub const ID_PK_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.1");
/// id-PK-ECDH.
pub const ID_PK_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.2");
/// id-TA (9303-11 §9.2.7).
pub const ID_TA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.2");
/// id-CA (9303-11 §9.2.5).
pub const ID_CA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3");
/// id-PACE (9303-11 §9.2.1).
pub const ID_PACE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4");
/// standardizedDomainParameters (9303-11 §9.5.1).
pub const STANDARDIZED_DOMAIN_PARAMETERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.2");
/// id-icao-mrtd-security-aaProtocolObject (9303-11 §9.2.9).
pub const ID_AA: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");
/// id-ecPublicKey (ANSI X9.62).
pub const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// dhpublicnumber (ANSI X9.42, RFC 3279 §2.3.3).
pub const DH_PUBLIC_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10046.2.1");
/// dhKeyAgreement (PKCS #3).
pub const DH_KEY_AGREEMENT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.3.1");

/// The key agreement of a protocol: modular Diffie-Hellman or elliptic-curve Diffie-Hellman.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Diffie-Hellman over a prime field.
    Dh,
    /// Elliptic-curve Diffie-Hellman.
    Ecdh,
}

/// PACE's mapping of the nonce to ephemeral domain parameters (9303-11 §4.4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// Generic Mapping: a key agreement, then `G~ = s G + H`.
    Generic,
    /// Integrated Mapping: a pseudo-random function of both parties' nonces, mapped into the group.
    Integrated,
    /// Chip Authentication Mapping: Generic Mapping whose mapping key the chip then proves bound to its static key.
    ChipAuthentication,
}

/// A PACE protocol: what an `id-PACE-*` object identifier names (9303-11 §9.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    /// The mapping.
    pub mapping: Mapping,
    /// The key agreement.
    pub agreement: KeyAgreement,
    /// The cipher of K_π, the tokens and the secure messaging that follows.
    pub cipher: BlockCipher,
}

fn cipher_arc(cipher: BlockCipher) -> u32 {
    match cipher {
        BlockCipher::Tdes => 1,
        BlockCipher::Aes128 => 2,
        BlockCipher::Aes192 => 3,
        BlockCipher::Aes256 => 4,
    }
}

fn cipher_of(arc: u32) -> Option<BlockCipher> {
    Some(match arc {
        1 => BlockCipher::Tdes,
        2 => BlockCipher::Aes128,
        3 => BlockCipher::Aes192,
        4 => BlockCipher::Aes256,
        _ => return None,
    })
}

/// The last two arcs of `oid` when it sits two levels below `base`.
fn two_below(oid: &ObjectIdentifier, base: &ObjectIdentifier) -> Option<(u32, u32)> {
    let parent = oid.parent()?;
    if parent.parent().as_ref() != Some(base) {
        return None;
    }
    let n = oid.len();
    Some((oid.arc(n.checked_sub(2)?)?, oid.arc(n.checked_sub(1)?)?))
}

/// The last arc of `oid` when it sits one level below `base`.
fn one_below(oid: &ObjectIdentifier, base: &ObjectIdentifier) -> Option<u32> {
    if oid.parent().as_ref() != Some(base) {
        return None;
    }
    oid.arc(oid.len().checked_sub(1)?)
}

fn child(base: &ObjectIdentifier, arcs: &[u32]) -> ObjectIdentifier {
    let mut oid = *base;
    for arc in arcs {
        // Arcs of a few bits below a short base never overflow an identifier; keep the base if they did.
        oid = oid.push_arc(*arc).unwrap_or(oid);
    }
    oid
}

impl PaceProtocol {
    /// The protocol an `id-PACE-*` identifier names, or `None` for anything else (including PACE-CAM with 3DES and
    /// DH, which 9303-11 does not define).
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        let (family, cipher) = two_below(oid, &ID_PACE)?;
        let (mapping, agreement) = mapping_of(family)?;
        let cipher = cipher_of(cipher)?;
        if mapping == Mapping::ChipAuthentication && cipher == BlockCipher::Tdes {
            return None;
        }
        Some(Self { mapping, agreement, cipher })
    }

    /// The protocol's object identifier.
    pub fn oid(&self) -> ObjectIdentifier {
        child(&ID_PACE, &[family_arc(self.mapping, self.agreement), cipher_arc(self.cipher)])
    }
}

fn mapping_of(family: u32) -> Option<(Mapping, KeyAgreement)> {
    Some(match family {
        1 => (Mapping::Generic, KeyAgreement::Dh),
        2 => (Mapping::Generic, KeyAgreement::Ecdh),
        3 => (Mapping::Integrated, KeyAgreement::Dh),
        4 => (Mapping::Integrated, KeyAgreement::Ecdh),
        6 => (Mapping::ChipAuthentication, KeyAgreement::Ecdh),
        _ => return None,
    })
}

fn family_arc(mapping: Mapping, agreement: KeyAgreement) -> u32 {
    match (mapping, agreement) {
        (Mapping::Generic, KeyAgreement::Dh) => 1,
        (Mapping::Generic, KeyAgreement::Ecdh) => 2,
        (Mapping::Integrated, KeyAgreement::Dh) => 3,
        (Mapping::Integrated, KeyAgreement::Ecdh) => 4,
        // There is no DH variant of the Chip Authentication Mapping; its ECDH arc is the only one.
        (Mapping::ChipAuthentication, _) => 6,
    }
}

/// A Chip Authentication protocol: what an `id-CA-*` identifier names (9303-11 §9.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    /// The key agreement.
    pub agreement: KeyAgreement,
    /// The cipher of the secure messaging that follows.
    pub cipher: BlockCipher,
}

impl CaProtocol {
    /// The protocol an `id-CA-*` identifier names, or `None` for anything else.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        let (family, cipher) = two_below(oid, &ID_CA)?;
        let agreement = match family {
            1 => KeyAgreement::Dh,
            2 => KeyAgreement::Ecdh,
            _ => return None,
        };
        Some(Self { agreement, cipher: cipher_of(cipher)? })
    }

    /// The protocol's object identifier.
    pub fn oid(&self) -> ObjectIdentifier {
        let family = match self.agreement {
            KeyAgreement::Dh => 1,
            KeyAgreement::Ecdh => 2,
        };
        child(&ID_CA, &[family, cipher_arc(self.cipher)])
    }
}

/// Domain parameters as a SecurityInfo gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainParameters {
    /// One of the standardized sets of 9303-11 §9.5.1 (0-2 MODP groups, 8-18 named curves).
    Standardized(u32),
    /// ECParameters (a named curve's identifier or a SpecifiedECDomain), DER.
    Ec(Vec<u8>),
    /// ANSI X9.42 `DomainParameters` (dhpublicnumber, id-PK-DH), DER.
    DhX942(Vec<u8>),
    /// PKCS #3 `DHParameter` (dhKeyAgreement), DER.
    DhPkcs3(Vec<u8>),
}

/// Resolved domain parameters: an elliptic curve or a prime-field group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// An elliptic curve.
    Ec(Curve),
    /// A prime-field Diffie-Hellman group.
    Dh(DhGroup),
}

impl Group {
    /// The key agreement the group is for.
    pub fn agreement(&self) -> KeyAgreement {
        match self {
            Group::Ec(_) => KeyAgreement::Ecdh,
            Group::Dh(_) => KeyAgreement::Dh,
        }
    }
}

impl DomainParameters {
    /// Reads an AlgorithmIdentifier: standardizedDomainParameters, id-ecPublicKey (or id-PK-ECDH) with
    /// ECParameters, dhpublicnumber, dhKeyAgreement (or id-PK-DH) with DH parameters.
    fn from_algorithm(alg: &AlgorithmIdentifierRef<'_>) -> Result<Self, &'static str> {
        let params = alg.parameters.as_ref();
        if alg.oid == STANDARDIZED_DOMAIN_PARAMETERS {
            let id = params.ok_or("standardized domain parameters without an id")?;
            return Ok(Self::Standardized(small_uint(id).ok_or("standardized domain parameter id malformed")?));
        }
        let der = || -> Result<Vec<u8>, &'static str> {
            let any = params.ok_or("domain parameters absent")?;
            der::Encode::to_der(any).map_err(|_| "domain parameters malformed")
        };
        if alg.oid == ID_EC_PUBLIC_KEY || alg.oid == ID_PK_ECDH {
            Ok(Self::Ec(der()?))
        } else if alg.oid == DH_PUBLIC_NUMBER || alg.oid == ID_PK_DH {
            Ok(Self::DhX942(der()?))
        } else if alg.oid == DH_KEY_AGREEMENT {
            Ok(Self::DhPkcs3(der()?))
        } else {
            Err("domain parameters of an unknown algorithm")
        }
    }

    /// The key agreement these parameters are for, or `None` for a standardized id that names nothing.
    pub fn agreement(&self) -> Option<KeyAgreement> {
        match self {
            Self::Standardized(0..=2) => Some(KeyAgreement::Dh),
            Self::Standardized(8..=18) => Some(KeyAgreement::Ecdh),
            Self::Standardized(_) => None,
            Self::Ec(_) => Some(KeyAgreement::Ecdh),
            Self::DhX942(_) | Self::DhPkcs3(_) => Some(KeyAgreement::Dh),
        }
    }

    /// The group: a named or explicit curve, a standardized or explicit MODP group.
    ///
    /// # Errors
    /// [`Error::Ec`] or [`Error::Dh`] when the parameters are unknown, malformed or unsound.
    pub fn resolve(&self) -> Result<Group, Error> {
        match self {
            Self::Standardized(id @ 0..=2) => DhGroup::standardized(*id)
                .map(Group::Dh)
                .ok_or(Error::Dh(crate::error::DhError::Parameters("unknown standardized group"))),
            Self::Standardized(id) => {
                let id = u8::try_from(*id).unwrap_or(u8::MAX);
                Ok(Group::Ec(Curve::from_parameter_id(id)?))
            }
            Self::Ec(der) => Ok(Group::Ec(Curve::from_parameters_der(der)?)),
            Self::DhX942(der) => Ok(Group::Dh(DhGroup::from_x942_der(der)?)),
            Self::DhPkcs3(der) => Ok(Group::Dh(DhGroup::from_pkcs3_der(der)?)),
        }
    }
}

/// A PACEInfo: a protocol the chip supports and the standardized parameters it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol.
    pub protocol: PaceProtocol,
    /// The version (2 for PACE v2).
    pub version: u32,
    /// The domain parameters' id: standardized (§9.5.1) or the id of a PACEDomainParameterInfo.
    pub parameter_id: Option<u32>,
}

/// A PACEDomainParameterInfo: explicit (or proprietary) domain parameters for PACE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceDomainParameterInfo {
    /// The mapping and key agreement the parameters are for.
    pub mapping: Mapping,
    /// The key agreement.
    pub agreement: KeyAgreement,
    /// The parameters.
    pub parameters: DomainParameters,
    /// The id PACEInfo's `parameterId` refers to.
    pub parameter_id: Option<u32>,
}

/// A ChipAuthenticationInfo: the Chip Authentication protocol and the key it goes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    /// The protocol.
    pub protocol: CaProtocol,
    /// The version (1 for ICAO's Chip Authentication, 2 for BSI's with a nonce and token).
    pub version: u32,
    /// The key identifier, needed when the chip has more than one key.
    pub key_id: Option<u32>,
}

/// A ChipAuthenticationDomainParameterInfo (BSI TR-03110-3 §A.1.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationDomainParameterInfo {
    /// The key agreement.
    pub agreement: KeyAgreement,
    /// The parameters.
    pub parameters: DomainParameters,
    /// The key identifier.
    pub key_id: Option<u32>,
}

/// A ChipAuthenticationPublicKeyInfo: the chip's static key for Chip Authentication (and PACE-CAM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// The key agreement (id-PK-DH or id-PK-ECDH).
    pub agreement: KeyAgreement,
    /// The domain parameters of the key.
    pub parameters: DomainParameters,
    /// The public key: a SEC 1 point for ECDH, the big-endian value `y` for DH.
    pub public_key: Vec<u8>,
    /// The key identifier.
    pub key_id: Option<u32>,
}

/// An ActiveAuthenticationInfo: the signature algorithm of an ECDSA Active Authentication key in DG15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    /// The version (1).
    pub version: u32,
    /// The signature algorithm, e.g. ecdsa-plain-SHA256.
    pub signature_algorithm: ObjectIdentifier,
}

/// A TerminalAuthenticationInfo: the chip supports Terminal Authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalAuthenticationInfo {
    /// The version (1 or 2).
    pub version: u32,
}

/// One SecurityInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityInfo {
    /// PACEInfo.
    Pace(PaceInfo),
    /// PACEDomainParameterInfo.
    PaceDomainParameters(PaceDomainParameterInfo),
    /// ChipAuthenticationInfo.
    ChipAuthentication(ChipAuthenticationInfo),
    /// ChipAuthenticationDomainParameterInfo.
    ChipAuthenticationDomainParameters(ChipAuthenticationDomainParameterInfo),
    /// ChipAuthenticationPublicKeyInfo.
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    /// ActiveAuthenticationInfo.
    ActiveAuthentication(ActiveAuthenticationInfo),
    /// TerminalAuthenticationInfo.
    TerminalAuthentication(TerminalAuthenticationInfo),
    /// An info whose protocol is not read here (CardInfoLocator, PrivilegedTerminalInfo, Restricted
    /// Identification, EFDIR, ...), or a PACE or CA identifier of a combination no standard defines.
    Other(ObjectIdentifier),
}

/// The SecurityInfos of EF.CardAccess, EF.CardSecurity or DG14, in the order the file lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityInfos(Vec<SecurityInfo>);

/// The most SecurityInfos a file may hold: real files have fewer than twenty.
const MAX_INFOS: usize = 256;

impl SecurityInfos {
    /// Parses EF.CardAccess: a DER `SET OF SecurityInfo`.
    ///
    /// # Errors
    /// [`Error::Lds`] when the set or a SecurityInfo of a known protocol is malformed.
    pub fn from_card_access(bytes: &[u8]) -> Result<Self, Error> {
        parse_set(bytes, "EF.CardAccess")
    }

    /// Parses the signed content of EF.CardSecurity (the `eContent` of its SignedData, once Passive Authentication
    /// has checked it).
    ///
    /// # Errors
    /// As [`Self::from_card_access`].
    pub fn from_card_security_content(bytes: &[u8]) -> Result<Self, Error> {
        parse_set(bytes, "EF.CardSecurity")
    }

    /// Parses DG14: `6E` around the `SET OF SecurityInfo`.
    ///
    /// # Errors
    /// As [`Self::from_card_access`], and when the outer tag is not `6E`.
    pub fn from_dg14(bytes: &[u8]) -> Result<Self, Error> {
        let value = tlv::Tlv::parse_exact(bytes, tlv::Tag(0x6E)).map_err(|e| match e {
            crate::error::TlvError::UnexpectedTag { expected, found } => {
                LdsError::WrongFileTag { file: "DG14", expected, found }
            }
            source => LdsError::Tlv { file: "DG14", source },
        })?;
        parse_set(value, "DG14")
    }

    /// Every info, in file order.
    pub fn infos(&self) -> &[SecurityInfo] {
        &self.0
    }

    /// The PACEInfos.
    pub fn pace(&self) -> impl Iterator<Item = &PaceInfo> {
        self.0.iter().filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
    }

    /// The domain parameters of a PACEInfo: the PACEDomainParameterInfo with its `parameterId` when there is one
    /// (explicit or proprietary parameters, §9.2.1), else the standardized set of that id.
    pub fn pace_domain_parameters(&self, info: &PaceInfo) -> Option<DomainParameters> {
        let explicit = self.0.iter().find_map(|i| match i {
            SecurityInfo::PaceDomainParameters(d)
                if d.agreement == info.protocol.agreement && d.parameter_id == info.parameter_id =>
            {
                Some(d.parameters.clone())
            }
            _ => None,
        });
        explicit.or_else(|| info.parameter_id.map(DomainParameters::Standardized))
    }

    /// The ChipAuthenticationInfos.
    pub fn chip_authentication(&self) -> impl Iterator<Item = &ChipAuthenticationInfo> {
        self.0.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthentication(c) => Some(c),
            _ => None,
        })
    }

    /// The ChipAuthenticationPublicKeyInfos.
    pub fn chip_authentication_keys(&self) -> impl Iterator<Item = &ChipAuthenticationPublicKeyInfo> {
        self.0.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(k) => Some(k),
            _ => None,
        })
    }

    /// The Chip Authentication to run: each public key with the protocol that goes with it (same key id, same key
    /// agreement). A DG14 that lists a key but no ChipAuthenticationInfo is an early one: 9303-11 §9.2.5 then implies
    /// id-CA-ECDH-3DES-CBC-CBC (or its DH twin), version 1.
    pub fn chip_authentication_pairs(&self) -> Vec<(ChipAuthenticationInfo, &ChipAuthenticationPublicKeyInfo)> {
        self.chip_authentication_keys()
            .map(|key| {
                let info = self
                    .chip_authentication()
                    .find(|c| c.protocol.agreement == key.agreement && (c.key_id == key.key_id || c.key_id.is_none()))
                    .cloned()
                    .unwrap_or(ChipAuthenticationInfo {
                        protocol: CaProtocol { agreement: key.agreement, cipher: BlockCipher::Tdes },
                        version: 1,
                        key_id: key.key_id,
                    });
                (info, key)
            })
            .collect()
    }

    /// The ActiveAuthenticationInfo, when there is one.
    pub fn active_authentication(&self) -> Option<&ActiveAuthenticationInfo> {
        self.0.iter().find_map(|i| match i {
            SecurityInfo::ActiveAuthentication(a) => Some(a),
            _ => None,
        })
    }

    /// The TerminalAuthenticationInfo, when there is one.
    pub fn terminal_authentication(&self) -> Option<&TerminalAuthenticationInfo> {
        self.0.iter().find_map(|i| match i {
            SecurityInfo::TerminalAuthentication(t) => Some(t),
            _ => None,
        })
    }
}

fn malformed(file: &'static str, what: &'static str) -> Error {
    Error::Lds(LdsError::Invalid { file, what })
}

fn parse_set(bytes: &[u8], file: &'static str) -> Result<SecurityInfos, Error> {
    let set = AnyRef::from_der(bytes).map_err(|_| malformed(file, "not a DER SET OF SecurityInfo"))?;
    if set.tag() != Tag::Set {
        return Err(malformed(file, "not a SET OF SecurityInfo"));
    }
    let mut reader = SliceReader::new(set.value()).map_err(|_| malformed(file, "SET OF SecurityInfo too long"))?;
    let mut infos = Vec::new();
    while !reader.is_finished() {
        if infos.len() >= MAX_INFOS {
            return Err(malformed(file, "too many SecurityInfos"));
        }
        let element = AnyRef::decode(&mut reader).map_err(|_| malformed(file, "SecurityInfo malformed"))?;
        infos.push(parse_info(element).map_err(|what| malformed(file, what))?);
    }
    Ok(SecurityInfos(infos))
}

/// A non-negative INTEGER that fits 32 bits.
fn small_uint(any: &AnyRef<'_>) -> Option<u32> {
    // Decoding as UintRef refuses negative values and non-minimal encodings.
    let value = any.decode_as::<UintRef<'_>>().ok()?;
    let bytes = value.as_bytes();
    if bytes.len() > 4 {
        return None;
    }
    Some(bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

fn parse_info(element: AnyRef<'_>) -> Result<SecurityInfo, &'static str> {
    if element.tag() != Tag::Sequence {
        return Err("SecurityInfo is not a SEQUENCE");
    }
    let mut reader = SliceReader::new(element.value()).map_err(|_| "SecurityInfo malformed")?;
    let protocol = ObjectIdentifier::decode(&mut reader).map_err(|_| "SecurityInfo without a protocol identifier")?;
    let mut fields = Vec::new();
    while !reader.is_finished() {
        if fields.len() >= 4 {
            return Err("SecurityInfo with too many fields");
        }
        fields.push(AnyRef::decode(&mut reader).map_err(|_| "SecurityInfo field malformed")?);
    }
    let optional_id = |field: Option<&AnyRef<'_>>, what: &'static str| -> Result<Option<u32>, &'static str> {
        field.map(|f| small_uint(f).ok_or(what)).transpose()
    };
    let required = fields.first();
    let optional = fields.get(1);

    if let Some(pace) = PaceProtocol::from_oid(&protocol) {
        let version = required.and_then(small_uint).ok_or("PACEInfo version malformed")?;
        let parameter_id = optional_id(optional, "PACEInfo parameterId malformed")?;
        return Ok(SecurityInfo::Pace(PaceInfo { protocol: pace, version, parameter_id }));
    }
    if let Some((mapping, agreement)) = one_below(&protocol, &ID_PACE).and_then(mapping_of) {
        let alg = algorithm(required).ok_or("PACEDomainParameterInfo domainParameter malformed")?;
        let parameters = DomainParameters::from_algorithm(&alg)?;
        let parameter_id = optional_id(optional, "PACEDomainParameterInfo parameterId malformed")?;
        return Ok(SecurityInfo::PaceDomainParameters(PaceDomainParameterInfo {
            mapping,
            agreement,
            parameters,
            parameter_id,
        }));
    }
    if let Some(ca) = CaProtocol::from_oid(&protocol) {
        let version = required.and_then(small_uint).ok_or("ChipAuthenticationInfo version malformed")?;
        let key_id = optional_id(optional, "ChipAuthenticationInfo keyId malformed")?;
        return Ok(SecurityInfo::ChipAuthentication(ChipAuthenticationInfo { protocol: ca, version, key_id }));
    }
    if let Some(agreement) = one_below(&protocol, &ID_CA).and_then(agreement_of) {
        let alg = algorithm(required).ok_or("ChipAuthenticationDomainParameterInfo domainParameter malformed")?;
        let parameters = DomainParameters::from_algorithm(&alg)?;
        let key_id = optional_id(optional, "ChipAuthenticationDomainParameterInfo keyId malformed")?;
        return Ok(SecurityInfo::ChipAuthenticationDomainParameters(ChipAuthenticationDomainParameterInfo {
            agreement,
            parameters,
            key_id,
        }));
    }
    if let Some(agreement) = one_below(&protocol, &ID_PK).and_then(agreement_of) {
        let spki_any = required.ok_or("ChipAuthenticationPublicKeyInfo without a key")?;
        let spki_der = der::Encode::to_der(spki_any).map_err(|_| "ChipAuthenticationPublicKeyInfo key malformed")?;
        let spki = SubjectPublicKeyInfoRef::from_der(&spki_der)
            .map_err(|_| "ChipAuthenticationPublicKeyInfo SubjectPublicKeyInfo malformed")?;
        let parameters = DomainParameters::from_algorithm(&spki.algorithm)?;
        let bits = spki.subject_public_key.as_bytes().ok_or("ChipAuthenticationPublicKeyInfo key has unused bits")?;
        let public_key = match agreement {
            KeyAgreement::Ecdh => bits.to_vec(),
            // A DH public key is the INTEGER y inside the BIT STRING (RFC 3279 §2.3.3).
            KeyAgreement::Dh => UintRef::from_der(bits)
                .map_err(|_| "ChipAuthenticationPublicKeyInfo DH key is not an INTEGER")?
                .as_bytes()
                .to_vec(),
        };
        let key_id = optional_id(optional, "ChipAuthenticationPublicKeyInfo keyId malformed")?;
        return Ok(SecurityInfo::ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo {
            agreement,
            parameters,
            public_key,
            key_id,
        }));
    }
    if protocol == ID_AA {
        let version = required.and_then(small_uint).ok_or("ActiveAuthenticationInfo version malformed")?;
        let signature_algorithm = optional
            .filter(|f| f.tag() == Tag::ObjectIdentifier)
            .and_then(|f| ObjectIdentifier::from_bytes(f.value()).ok())
            .ok_or("ActiveAuthenticationInfo signatureAlgorithm malformed")?;
        return Ok(SecurityInfo::ActiveAuthentication(ActiveAuthenticationInfo { version, signature_algorithm }));
    }
    if protocol == ID_TA {
        let version = required.and_then(small_uint).ok_or("TerminalAuthenticationInfo version malformed")?;
        return Ok(SecurityInfo::TerminalAuthentication(TerminalAuthenticationInfo { version }));
    }
    Ok(SecurityInfo::Other(protocol))
}

fn agreement_of(arc: u32) -> Option<KeyAgreement> {
    match arc {
        1 => Some(KeyAgreement::Dh),
        2 => Some(KeyAgreement::Ecdh),
        _ => None,
    }
}

fn algorithm<'a>(field: Option<&AnyRef<'a>>) -> Option<AlgorithmIdentifierRef<'a>> {
    let field = field?;
    if field.tag() != Tag::Sequence {
        return None;
    }
    let mut reader = SliceReader::new(field.value()).ok()?;
    let oid = ObjectIdentifier::decode(&mut reader).ok()?;
    let parameters = if reader.is_finished() { None } else { Some(AnyRef::decode(&mut reader).ok()?) };
    if !reader.is_finished() {
        return None;
    }
    Some(AlgorithmIdentifierRef { oid, parameters })
}

#[cfg(test)]
mod tests;
