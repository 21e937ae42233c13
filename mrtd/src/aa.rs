//! Active Authentication (ICAO 9303-11 §6.1): the chip proves it holds the private key whose public key DG15 carries,
//! by signing a challenge from the terminal with INTERNAL AUTHENTICATE, so a copied chip fails.
//!
//! ```text
//! DG15 ::= [APPLICATION 15] ActiveAuthenticationPublicKeyInfo        9303-10 §4.7.15, tag 6F
//! ActiveAuthenticationPublicKeyInfo ::= SubjectPublicKeyInfo          9303-11 §6.1; RSA or EC (named or explicit)
//! ActiveAuthenticationInfo ::= SEQUENCE {                             9303-11 §9.2.9, in DG14 for an EC key
//!     protocol id-icao-mrtd-security-aaProtocolObject,               -- 2.23.136.1.1.5
//!     version INTEGER,                                                -- 1
//!     signatureAlgorithm OBJECT IDENTIFIER }                          -- e.g. ecdsa-plain-SHA256
//! INTERNAL AUTHENTICATE: 00 88 00 00 08 RND.IFD Le                    9303-11 §6.1.1
//! ```
//!
//! An RSA chip answers with an ISO/IEC 9796-2 digital signature scheme 1 signature with partial message recovery:
//! `F = 6A || M1 || H(M1 || RND.IFD) || trailer`, the trailer `BC` for SHA-1 or `hh CC` naming the hash (ISO/IEC
//! 10118-3 identifiers). An EC chip answers with an ECDSA signature over `RND.IFD` in the plain `r || s` format of
//! BSI TR-03111 §5.2.1, with the hash that DG14's ActiveAuthenticationInfo names.
//!
//! Terminal side: [`AaPublicKey::from_dg15`], [`signature_algorithm_in_dg14`], [`new_challenge`],
//! [`internal_authenticate`], [`verify`]. Chip side (the simulator): [`AaPrivateKey`], [`sign`].

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use der::asn1::{AnyRef, IntRef, ObjectIdentifier, UintRef};
use der::{Decode as _, Encode as _, Sequence};
use sha1::Sha1;
use sha2::{Digest as _, Sha224, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroize;

use crate::apdu::{Command, MAX_SHORT_LE};
use crate::ec;
use crate::error::{AaError, EcError, Error, LdsError};
use crate::lds::com::file_content;
use crate::tlv::{Tag, Tlv, TlvIter};

/// id-icao-mrtd-security-aaProtocolObject (9303-11 §9.2.9).
pub const ID_AA: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");
/// rsaEncryption (RFC 8017 §A.1).
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// The length of the challenge RND.IFD (9303-11 §6.1.1).
pub const CHALLENGE_LEN: usize = 8;

const DG15: &str = "DG15";
const DG15_TAG: Tag = Tag(0x6F);
const DG14: &str = "DG14";
const DG14_TAG: Tag = Tag(0x6E);

/// The smallest RSA modulus accepted: 1024 bits, the size of the oldest chips' keys still in circulation.
const MIN_RSA_BITS: u32 = 1024;
/// The largest: bounds the work an outside key can cause.
const MAX_RSA_BITS: u32 = 8192;

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017 §A.1.1), as written.
#[derive(Sequence)]
struct RsaPublicKeyAsn1<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// The same, as read: the integers' bytes are taken as unsigned, because some chips encode the modulus without the
/// leading zero byte that DER wants before a set high bit (the BSI 2008 specimen's DG15 does), which makes it a
/// negative INTEGER to a strict decoder.
#[derive(Sequence)]
struct RsaPublicKeyLenient<'a> {
    modulus: IntRef<'a>,
    public_exponent: IntRef<'a>,
}

/// `SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }`.
#[derive(Sequence)]
struct SecurityInfo<'a> {
    protocol: ObjectIdentifier,
    required_data: AnyRef<'a>,
    #[asn1(optional = "true")]
    optional_data: Option<AnyRef<'a>>,
}

/// ActiveAuthenticationInfo (9303-11 §9.2.9).
#[derive(Sequence)]
struct ActiveAuthenticationInfo {
    protocol: ObjectIdentifier,
    version: u8,
    signature_algorithm: ObjectIdentifier,
}

/// The hash of an ECDSA Active Authentication signature, from DG14's signatureAlgorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA with SHA-1.
    EcdsaSha1,
    /// ECDSA with SHA-224.
    EcdsaSha224,
    /// ECDSA with SHA-256.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
    /// ECDSA with SHA-512.
    EcdsaSha512,
}

impl SignatureAlgorithm {
    /// The algorithm of an identifier: BSI TR-03111 §5.2.1's ecdsa-plain-SHAx (`0.4.0.127.0.7.1.1.4.1.x`), which
    /// 9303-11 §9.2.9 prescribes, or X9.62's ecdsa-with-SHAx (`1.2.840.10045.4.x`), which some chips name instead;
    /// the signature format is plain either way (9303-11 §6.1).
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        const TABLE: [(&str, SignatureAlgorithm); 10] = [
            ("0.4.0.127.0.7.1.1.4.1.1", SignatureAlgorithm::EcdsaSha1),
            ("0.4.0.127.0.7.1.1.4.1.2", SignatureAlgorithm::EcdsaSha224),
            ("0.4.0.127.0.7.1.1.4.1.3", SignatureAlgorithm::EcdsaSha256),
            ("0.4.0.127.0.7.1.1.4.1.4", SignatureAlgorithm::EcdsaSha384),
            ("0.4.0.127.0.7.1.1.4.1.5", SignatureAlgorithm::EcdsaSha512),
            ("1.2.840.10045.4.1", SignatureAlgorithm::EcdsaSha1),
            ("1.2.840.10045.4.3.1", SignatureAlgorithm::EcdsaSha224),
            ("1.2.840.10045.4.3.2", SignatureAlgorithm::EcdsaSha256),
            ("1.2.840.10045.4.3.3", SignatureAlgorithm::EcdsaSha384),
            ("1.2.840.10045.4.3.4", SignatureAlgorithm::EcdsaSha512),
        ];
        TABLE.iter().find(|(text, _)| ObjectIdentifier::new(text).is_ok_and(|o| o == *oid)).map(|(_, alg)| *alg)
    }

    /// The ecdsa-plain identifier of BSI TR-03111 §5.2.1, as the simulator writes it into DG14.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::EcdsaSha1 => ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.1"),
            Self::EcdsaSha224 => ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.2"),
            Self::EcdsaSha256 => ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3"),
            Self::EcdsaSha384 => ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.4"),
            Self::EcdsaSha512 => ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.5"),
        }
    }

    fn hash(self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::EcdsaSha1 => Sha1::digest(message).to_vec(),
            Self::EcdsaSha224 => Sha224::digest(message).to_vec(),
            Self::EcdsaSha256 => Sha256::digest(message).to_vec(),
            Self::EcdsaSha384 => Sha384::digest(message).to_vec(),
            Self::EcdsaSha512 => Sha512::digest(message).to_vec(),
        }
    }
}

/// The hash of an ISO/IEC 9796-2 signature, named by its trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaHash {
    /// SHA-1, with the implicit trailer `BC` (what chips use).
    Sha1,
    /// SHA-224, trailer `38 CC`.
    Sha224,
    /// SHA-256, trailer `34 CC`.
    Sha256,
    /// SHA-384, trailer `36 CC`.
    Sha384,
    /// SHA-512, trailer `35 CC`.
    Sha512,
}

impl RsaHash {
    /// The hash-function identifier of ISO/IEC 10118-3 that an explicit trailer `hh CC` carries.
    fn from_identifier(id: u8) -> Option<Self> {
        match id {
            0x33 => Some(Self::Sha1),
            0x38 => Some(Self::Sha224),
            0x34 => Some(Self::Sha256),
            0x36 => Some(Self::Sha384),
            0x35 => Some(Self::Sha512),
            _ => None,
        }
    }

    fn trailer(self) -> &'static [u8] {
        match self {
            Self::Sha1 => &[0xBC],
            Self::Sha224 => &[0x38, 0xCC],
            Self::Sha256 => &[0x34, 0xCC],
            Self::Sha384 => &[0x36, 0xCC],
            Self::Sha512 => &[0x35, 0xCC],
        }
    }

    fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut digest = D::new();
            for part in parts {
                digest.update(part);
            }
            digest.finalize().to_vec()
        }
        match self {
            Self::Sha1 => run::<Sha1>(parts),
            Self::Sha224 => run::<Sha224>(parts),
            Self::Sha256 => run::<Sha256>(parts),
            Self::Sha384 => run::<Sha384>(parts),
            Self::Sha512 => run::<Sha512>(parts),
        }
    }
}

/// An RSA public key `(n, e)`.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: Odd<BoxedUint>,
    e: BoxedUint,
}

impl std::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPublicKey({} bits)", self.bits())
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(zeros..).unwrap_or_default()
}

impl RsaPublicKey {
    /// A key from its modulus and public exponent, big-endian.
    ///
    /// # Errors
    /// [`AaError::InvalidRsaKey`] for a modulus outside 1024-8192 bits or even, or an exponent that is even, below 3
    /// or not below the modulus.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, AaError> {
        let (n, e) = (trim(n), trim(e));
        let bits = (n.len() * 8) as u32;
        if bits > MAX_RSA_BITS || n.len() * 8 < MIN_RSA_BITS as usize {
            return Err(AaError::InvalidRsaKey("modulus outside 1024 to 8192 bits"));
        }
        let n = BoxedUint::from_be_slice(n, bits).map_err(|_| AaError::InvalidRsaKey("modulus"))?;
        if n.bits_vartime() < MIN_RSA_BITS {
            return Err(AaError::InvalidRsaKey("modulus outside 1024 to 8192 bits"));
        }
        let n = Odd::new(n).into_option().ok_or(AaError::InvalidRsaKey("modulus is even"))?;
        if e.len() > n.as_ref().bits_precision() as usize / 8 {
            return Err(AaError::InvalidRsaKey("exponent not below the modulus"));
        }
        let e = BoxedUint::from_be_slice(e, bits).map_err(|_| AaError::InvalidRsaKey("exponent"))?;
        if !e.bit_vartime(0) || e.bits_vartime() < 2 || e >= *n.as_ref() {
            return Err(AaError::InvalidRsaKey("exponent is even, below 3 or not below the modulus"));
        }
        Ok(Self { n, e })
    }

    /// Bits of the modulus.
    pub fn bits(&self) -> u32 {
        self.n.as_ref().bits_vartime()
    }

    /// Bytes of the modulus, the length of a signature.
    pub fn len(&self) -> usize {
        self.bits().div_ceil(8) as usize
    }

    /// Never true: a key has a modulus.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The modulus, big-endian.
    pub fn modulus(&self) -> Vec<u8> {
        self.n.as_ref().to_be_bytes_trimmed_vartime().to_vec()
    }

    /// The public exponent, big-endian.
    pub fn exponent(&self) -> Vec<u8> {
        self.e.to_be_bytes_trimmed_vartime().to_vec()
    }

    /// `s^e mod n`, the RSA verification primitive (RFC 8017 §5.2.2), on a public value.
    fn public_op(&self, s: &BoxedUint) -> BoxedUint {
        let params = BoxedMontyParams::new_vartime(self.n.clone());
        BoxedMontyForm::new(s.clone(), &params).pow_bounded_exp(&self.e, self.e.bits_vartime()).retrieve()
    }
}

/// The Active Authentication public key of DG15.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AaPublicKey {
    /// RSA: ISO/IEC 9796-2 signatures.
    Rsa(RsaPublicKey),
    /// EC: ECDSA signatures, the hash named in DG14.
    Ec(ec::PublicKey),
}

impl AaPublicKey {
    /// Parses DG15 (tag `6F`) and its SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`LdsError`] for a file that is not one `6F` TLV or whose content is not a SubjectPublicKeyInfo; the errors
    /// of [`AaPublicKey::from_spki_der`].
    pub fn from_dg15(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_spki_der(file_content(bytes, DG15, DG15_TAG)?)
    }

    /// Parses an ActiveAuthenticationPublicKeyInfo (a DER SubjectPublicKeyInfo).
    ///
    /// # Errors
    /// [`LdsError::Invalid`] when it does not decode; [`AaError::UnsupportedKeyAlgorithm`] for a key neither RSA
    /// nor EC; [`AaError::InvalidRsaKey`] or [`AaError::InvalidEcKey`] for a key that cannot be used.
    pub fn from_spki_der(der_bytes: &[u8]) -> Result<Self, Error> {
        let invalid = |what| LdsError::Invalid { file: DG15, what };
        let spki = SubjectPublicKeyInfoRef::from_der(der_bytes)
            .map_err(|_| invalid("content is not a SubjectPublicKeyInfo"))?;
        let oid = spki.algorithm.oid;
        if oid == ec::ID_EC_PUBLIC_KEY {
            return Ok(Self::Ec(ec::PublicKey::from_spki(&spki).map_err(AaError::InvalidEcKey)?));
        }
        if oid != RSA_ENCRYPTION {
            return Err(AaError::UnsupportedKeyAlgorithm(oid).into());
        }
        let key = spki.subject_public_key.as_bytes().ok_or(invalid("RSA key bit string has unused bits"))?;
        let key = RsaPublicKeyLenient::from_der(key).map_err(|_| invalid("RSA key is not an RSAPublicKey"))?;
        Ok(Self::Rsa(RsaPublicKey::from_components(key.modulus.as_bytes(), key.public_exponent.as_bytes())?))
    }

    /// DG15 holding this key (for the simulator): EC keys with their named curve, or explicit parameters when
    /// `explicit` (as some issuers write them) or when the curve is not a table entry.
    ///
    /// # Errors
    /// [`AaError::InvalidEcKey`] or [`AaError::InvalidRsaKey`] if the key does not encode (a bug).
    pub fn to_dg15(&self, explicit: bool) -> Result<Vec<u8>, Error> {
        let spki = match self {
            Self::Ec(key) => key.to_spki_der(explicit).map_err(AaError::InvalidEcKey)?,
            Self::Rsa(key) => {
                let fail = |_| AaError::InvalidRsaKey("does not encode");
                let (n, e) = (key.modulus(), key.exponent());
                let inner = RsaPublicKeyAsn1 {
                    modulus: UintRef::new(&n).map_err(fail)?,
                    public_exponent: UintRef::new(&e).map_err(fail)?,
                }
                .to_der()
                .map_err(fail)?;
                let spki = spki::SubjectPublicKeyInfoRef {
                    algorithm: spki::AlgorithmIdentifierRef { oid: RSA_ENCRYPTION, parameters: Some(AnyRef::NULL) },
                    subject_public_key: der::asn1::BitStringRef::from_bytes(&inner).map_err(fail)?,
                };
                spki.to_der().map_err(fail)?
            }
        };
        Ok(crate::tlv::to_vec(DG15_TAG, &spki))
    }

    /// The length of a signature by this key: the modulus's bytes for RSA, twice the order's for ECDSA.
    pub fn signature_len(&self) -> usize {
        match self {
            Self::Rsa(key) => key.len(),
            Self::Ec(key) => 2 * key.curve().order_size(),
        }
    }
}

/// The signatureAlgorithm of DG14's ActiveAuthenticationInfo (9303-11 §9.2.9), `None` when DG14 has none (an RSA
/// chip needs none). Other SecurityInfos are skipped unread.
///
/// # Errors
/// [`LdsError`] when DG14 is not one `6E` TLV holding a SET OF SecurityInfo, or a SecurityInfo or the
/// ActiveAuthenticationInfo is malformed.
pub fn signature_algorithm_in_dg14(dg14: &[u8]) -> Result<Option<ObjectIdentifier>, Error> {
    let invalid = |what| LdsError::Invalid { file: DG14, what };
    let content = file_content(dg14, DG14, DG14_TAG)?;
    // The SET is walked as BER: chips do not always sort a SET OF as DER wants.
    let set = Tlv::parse_exact(content, Tag(0x31)).map_err(|source| LdsError::Tlv { file: DG14, source })?;
    for item in TlvIter::new(set) {
        let item = item.map_err(|source| LdsError::Tlv { file: DG14, source })?;
        let der = crate::tlv::to_vec(item.tag, item.value);
        let info = SecurityInfo::from_der(&der).map_err(|_| invalid("a SecurityInfo is malformed"))?;
        if info.protocol != ID_AA {
            continue;
        }
        let aa = ActiveAuthenticationInfo::from_der(&der).map_err(|_| invalid("ActiveAuthenticationInfo malformed"))?;
        if aa.version != 1 {
            return Err(invalid("ActiveAuthenticationInfo version is not 1").into());
        }
        return Ok(Some(aa.signature_algorithm));
    }
    Ok(None)
}

/// A fresh challenge RND.IFD from the operating system's generator.
///
/// # Errors
/// [`EcError::Rng`] when the generator fails.
pub fn new_challenge() -> Result<[u8; CHALLENGE_LEN], Error> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge).map_err(|_| EcError::Rng)?;
    Ok(challenge)
}

/// INTERNAL AUTHENTICATE `00 88 00 00 08 RND.IFD Le` (9303-11 §6.1.1; ISO/IEC 7816-4 §11.5.2). `Le` is `00` (256)
/// when the signature fits a short response, else extended `0000`: a 3072-bit RSA signature needs 384 bytes.
pub fn internal_authenticate(challenge: &[u8; CHALLENGE_LEN], key: &AaPublicKey) -> Command {
    let le = if key.signature_len() <= MAX_SHORT_LE { MAX_SHORT_LE } else { crate::apdu::MAX_EXTENDED_LE };
    Command::new(0x00, 0x88, 0x00, 0x00).with_data(challenge.to_vec()).with_le(le)
}

/// Verifies the chip's answer to INTERNAL AUTHENTICATE (the response data, without the status word). For an EC key
/// `algorithm` is DG14's signatureAlgorithm; an RSA signature names its own hash in its trailer.
///
/// An ECDSA answer is expected plain (`r || s`, twice the order's bytes); an answer of another length that parses
/// as a DER Ecdsa-Sig-Value is accepted too, since some chips answer so.
///
/// # Errors
/// [`AaError::BadSignature`] when the signature does not verify (the chip may be a copy);
/// [`AaError::MalformedSignature`] when it is not a signature of the key's form; [`AaError::MissingSignatureAlgorithm`]
/// or [`AaError::UnsupportedSignatureAlgorithm`] for an EC key without a usable algorithm.
pub fn verify(
    key: &AaPublicKey,
    algorithm: Option<&ObjectIdentifier>,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    match key {
        AaPublicKey::Rsa(key) => verify_rsa(key, challenge, signature),
        AaPublicKey::Ec(key) => {
            let oid = algorithm.ok_or(AaError::MissingSignatureAlgorithm)?;
            let algorithm = SignatureAlgorithm::from_oid(oid).ok_or(AaError::UnsupportedSignatureAlgorithm(*oid))?;
            verify_ecdsa(key, algorithm, challenge, signature)
        }
    }
}

fn verify_ecdsa(
    key: &ec::PublicKey,
    algorithm: SignatureAlgorithm,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let plain_len = 2 * key.curve().order_size();
    let parsed = if signature.len() == plain_len {
        ec::Signature::from_plain(signature)
    } else {
        ec::Signature::from_der(signature)
    }
    .map_err(|_| AaError::MalformedSignature("neither a plain ECDSA signature of the key's size nor DER"))?;
    match key.verify_prehash(&algorithm.hash(challenge), &parsed) {
        Ok(()) => Ok(()),
        Err(EcError::BadSignature) => Err(AaError::BadSignature.into()),
        Err(_) => Err(AaError::MalformedSignature("r or s out of range").into()),
    }
}

/// ISO/IEC 9796-2 digital signature scheme 1, partial message recovery, verification (9303-11 §6.1.2).
fn verify_rsa(key: &RsaPublicKey, challenge: &[u8], signature: &[u8]) -> Result<(), Error> {
    let k = key.len();
    if signature.len() != k {
        return Err(AaError::MalformedSignature("RSA signature is not the modulus's length").into());
    }
    let precision = key.n.as_ref().bits_precision();
    let s = BoxedUint::from_be_slice(signature, precision)
        .map_err(|_| AaError::MalformedSignature("RSA signature does not fit the modulus"))?;
    if s >= *key.n.as_ref() {
        return Err(AaError::MalformedSignature("RSA signature not below the modulus").into());
    }
    let mut recovered = key.public_op(&s);
    // 9796-2 signs with min(s, n - s): when the representative does not end in the nibble C, n - it does.
    if recovered.to_be_bytes().last().is_some_and(|b| b & 0x0F != 0x0C) {
        recovered = key.n.as_ref().wrapping_sub(&recovered);
    }
    let bytes = recovered.to_be_bytes();
    // The representative has one bit less than the modulus; for a whole number of bytes that is `k` bytes with a
    // first byte below the modulus's.
    check_representative(bytes.get(bytes.len().saturating_sub(k)..).unwrap_or_default(), challenge)
}

/// Checks a recovered message representative `F = 6A || M1 || H(M1 || M2) || trailer` against `M2`, the challenge
/// (ISO/IEC 9796-2 §9.3; 9303-11 §6.1.2 and the worked example of Appendix F).
fn check_representative(f: &[u8], challenge: &[u8]) -> Result<(), Error> {
    let bad = || Error::from(AaError::BadSignature);
    let (&header, rest) = f.split_first().ok_or_else(bad)?;
    // 6A: header 01, more-data bit 1 (partial recovery), no padding, border nibble A.
    if header != 0x6A {
        return Err(bad());
    }
    let (hash, trailer_len) = match rest {
        [.., 0xBC] => (RsaHash::Sha1, 1),
        [.., id, 0xCC] => (RsaHash::from_identifier(*id).ok_or_else(bad)?, 2),
        _ => return Err(bad()),
    };
    let hash_len = hash.hash(&[]).len();
    let body = rest.get(..rest.len().saturating_sub(trailer_len)).ok_or_else(bad)?;
    let (m1, digest) = body.split_at_checked(body.len().checked_sub(hash_len).ok_or_else(bad)?).ok_or_else(bad)?;
    if hash.hash(&[m1, challenge]) == digest { Ok(()) } else { Err(bad()) }
}

/// An RSA private key of the chip side: `n`, `e` and the private exponent `d`, which is wiped on drop.
#[derive(Clone)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    d: BoxedUint,
}

impl Drop for RsaPrivateKey {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl std::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPrivateKey({} bits, ..)", self.public.bits())
    }
}

impl RsaPrivateKey {
    /// A key from `n`, `e`, `d`, big-endian. Signing is done with `d` alone (no CRT): the simulator signs one
    /// challenge per session.
    ///
    /// # Errors
    /// [`AaError::SigningKey`] when the modulus is not a multiple of 8 bits (the representative is laid out in
    /// whole bytes) or `d` is not below `n`; the errors of [`RsaPublicKey::from_components`].
    pub fn from_components(n: &[u8], e: &[u8], d: &[u8]) -> Result<Self, AaError> {
        let public = RsaPublicKey::from_components(n, e)?;
        if public.bits() % 8 != 0 {
            return Err(AaError::SigningKey("modulus not a whole number of bytes"));
        }
        let precision = public.n.as_ref().bits_precision();
        let d = BoxedUint::from_be_slice(trim(d), precision).map_err(|_| AaError::SigningKey("d too long"))?;
        if d >= *public.n.as_ref() {
            return Err(AaError::SigningKey("d not below the modulus"));
        }
        Ok(Self { public, d })
    }

    /// The public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

/// The chip's Active Authentication key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AaPrivateKey {
    /// RSA, signing with ISO/IEC 9796-2 scheme 1 and the given hash.
    Rsa(RsaPrivateKey, RsaHash),
    /// EC, signing with plain ECDSA and the hash DG14 names.
    Ec(ec::PrivateKey, SignatureAlgorithm),
}

impl AaPrivateKey {
    /// The public key DG15 carries.
    pub fn public_key(&self) -> AaPublicKey {
        match self {
            Self::Rsa(key, _) => AaPublicKey::Rsa(key.public.clone()),
            Self::Ec(key, _) => AaPublicKey::Ec(key.public_key()),
        }
    }
}

/// The chip's answer to INTERNAL AUTHENTICATE: the signature over the terminal's challenge (the command data).
///
/// # Errors
/// [`AaError::ChallengeLength`] when the challenge is not 8 bytes (the terminal misbehaved); [`AaError::SigningKey`]
/// when the key cannot sign (our fault).
pub fn sign(key: &AaPrivateKey, challenge: &[u8]) -> Result<Vec<u8>, Error> {
    if challenge.len() != CHALLENGE_LEN {
        return Err(AaError::ChallengeLength(challenge.len()).into());
    }
    match key {
        AaPrivateKey::Ec(key, algorithm) => {
            let signature = key.sign_prehash(&algorithm.hash(challenge))?;
            Ok(signature.to_plain(key.curve())?)
        }
        AaPrivateKey::Rsa(key, hash) => sign_rsa(key, *hash, challenge),
    }
}

/// ISO/IEC 9796-2 scheme 1 signing with partial recovery: `M1` is random, as long as the representative allows.
fn sign_rsa(key: &RsaPrivateKey, hash: RsaHash, challenge: &[u8]) -> Result<Vec<u8>, Error> {
    let k = key.public.len();
    let trailer = hash.trailer();
    let hash_len = hash.hash(&[]).len();
    let m1_len = k
        .checked_sub(1 + hash_len + trailer.len())
        .filter(|&len| len > 0)
        .ok_or(AaError::SigningKey("modulus too small for the hash"))?;
    let mut m1 = vec![0u8; m1_len];
    getrandom::fill(&mut m1).map_err(|_| EcError::Rng)?;
    let mut f = Vec::with_capacity(k);
    f.push(0x6A);
    f.extend_from_slice(&m1);
    f.extend(hash.hash(&[&m1, challenge]));
    f.extend_from_slice(trailer);
    let n = key.public.n.as_ref();
    let precision = n.bits_precision();
    let representative = BoxedUint::from_be_slice(&f, precision).map_err(|_| AaError::SigningKey("representative"))?;
    let params = BoxedMontyParams::new_vartime(key.public.n.clone());
    let mut s = BoxedMontyForm::new(representative, &params).pow(&key.d).retrieve();
    // min(s, n - s) (ISO/IEC 9796-2 §B.6), which the verifier undoes by the final nibble.
    let other = n.wrapping_sub(&s);
    if other < s {
        s = other;
    }
    let bytes = s.to_be_bytes();
    let out = bytes.get(bytes.len().saturating_sub(k)..).unwrap_or_default().to_vec();
    s.zeroize();
    Ok(out)
}

#[cfg(test)]
mod tests;
