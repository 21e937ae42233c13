//! The hash and signature algorithms of ICAO 9303-12 §6 and their verification: RSASSA-PKCS1-v1_5 and RSASSA-PSS
//! (RFC 8017 §8, parameters per RFC 4055 §3.1) with `rsa`, and ECDSA on named or explicit curves with [`crate::ec`].
//!
//! ```text
//! AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY DEFINED BY algorithm OPTIONAL }
//! RSASSA-PSS-params ::= SEQUENCE {
//!     hashAlgorithm      [0] HashAlgorithm    DEFAULT sha1,
//!     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
//!     saltLength         [2] INTEGER          DEFAULT 20,
//!     trailerField       [3] TrailerField     DEFAULT trailerFieldBC }
//! ```

use der::oid::ObjectIdentifier;
use rsa::traits::SignatureScheme as _;
use sha2::Digest as _;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::ber::{Node, Tag};
use super::oid;
use crate::ec::{PublicKey, Signature};

/// A hash algorithm of 9303-12 §6 (FIPS 180-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The hash algorithm an object identifier names.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<HashAlgorithm> {
        Some(match *oid {
            oid::SHA1 => HashAlgorithm::Sha1,
            oid::SHA224 => HashAlgorithm::Sha224,
            oid::SHA256 => HashAlgorithm::Sha256,
            oid::SHA384 => HashAlgorithm::Sha384,
            oid::SHA512 => HashAlgorithm::Sha512,
            _ => return None,
        })
    }

    /// The name as FIPS 180-4 writes it (`SHA-256`).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha224 => "SHA-224",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// The name as the algorithm identifiers of RFC 4055 and RFC 5758 spell it (`SHA256`).
    fn oid_name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA1",
            HashAlgorithm::Sha224 => "SHA224",
            HashAlgorithm::Sha256 => "SHA256",
            HashAlgorithm::Sha384 => "SHA384",
            HashAlgorithm::Sha512 => "SHA512",
        }
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha224 => sha2::Sha224::digest(data).to_vec(),
            HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

impl std::fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A signature algorithm with everything needed to verify with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    RsaPkcs1v15 {
        /// The hash.
        hash: HashAlgorithm,
    },
    /// RSASSA-PSS (RFC 8017 §8.1) with MGF1 over the same hash and trailer `BC`.
    RsaPss {
        /// The hash.
        hash: HashAlgorithm,
        /// The salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA (BSI TR-03111 §4.2.1).
    Ecdsa {
        /// The hash.
        hash: HashAlgorithm,
        /// True for the plain format of BSI TR-03111 §5.2.1 (r || s), false for the DER SEQUENCE of X9.62.
        plain: bool,
    },
}

/// Why a signature algorithm cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unsupported {
    /// An algorithm identifier not known here.
    Algorithm(ObjectIdentifier),
    /// A hash algorithm not known here, or none where one is needed.
    Hash(Option<ObjectIdentifier>),
    /// Parameters that are malformed or that `rsa` cannot verify with (MGF1 over another hash, another trailer).
    Parameters(&'static str),
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsupported::Algorithm(oid) => write!(f, "signature algorithm {oid} is not supported"),
            Unsupported::Hash(Some(oid)) => write!(f, "hash algorithm {oid} is not supported"),
            Unsupported::Hash(None) => f.write_str("the signature algorithm names no hash algorithm"),
            Unsupported::Parameters(what) => write!(f, "signature parameters not supported: {what}"),
        }
    }
}

impl SignatureAlgorithm {
    /// The algorithm an AlgorithmIdentifier names. `digest` is the SignerInfo's digestAlgorithm, which gives the hash
    /// when the signature algorithm is a bare key algorithm (`rsaEncryption` in New Zealand and United States SODs,
    /// `id-ecPublicKey` in some others).
    pub(crate) fn from_identifier(
        alg: &AlgorithmIdentifierOwned,
        digest: Option<HashAlgorithm>,
    ) -> Result<SignatureAlgorithm, Unsupported> {
        use HashAlgorithm::*;
        let rsa = |hash| Ok(SignatureAlgorithm::RsaPkcs1v15 { hash });
        let ecdsa = |hash| Ok(SignatureAlgorithm::Ecdsa { hash, plain: false });
        let plain = |hash| Ok(SignatureAlgorithm::Ecdsa { hash, plain: true });
        match alg.oid {
            oid::RSA_ENCRYPTION => rsa(digest.ok_or(Unsupported::Hash(None))?),
            oid::SHA1_WITH_RSA => rsa(Sha1),
            oid::SHA224_WITH_RSA => rsa(Sha224),
            oid::SHA256_WITH_RSA => rsa(Sha256),
            oid::SHA384_WITH_RSA => rsa(Sha384),
            oid::SHA512_WITH_RSA => rsa(Sha512),
            oid::RSASSA_PSS => pss(alg.parameters.as_ref()),
            oid::EC_PUBLIC_KEY => ecdsa(digest.ok_or(Unsupported::Hash(None))?),
            oid::ECDSA_WITH_SHA1 => ecdsa(Sha1),
            oid::ECDSA_WITH_SHA224 => ecdsa(Sha224),
            oid::ECDSA_WITH_SHA256 => ecdsa(Sha256),
            oid::ECDSA_WITH_SHA384 => ecdsa(Sha384),
            oid::ECDSA_WITH_SHA512 => ecdsa(Sha512),
            oid::ECDSA_PLAIN_SHA1 => plain(Sha1),
            oid::ECDSA_PLAIN_SHA224 => plain(Sha224),
            oid::ECDSA_PLAIN_SHA256 => plain(Sha256),
            oid::ECDSA_PLAIN_SHA384 => plain(Sha384),
            oid::ECDSA_PLAIN_SHA512 => plain(Sha512),
            other => Err(Unsupported::Algorithm(other)),
        }
    }

    /// The hash the signature is computed over.
    pub fn hash(&self) -> HashAlgorithm {
        match *self {
            SignatureAlgorithm::RsaPkcs1v15 { hash }
            | SignatureAlgorithm::RsaPss { hash, .. }
            | SignatureAlgorithm::Ecdsa { hash, .. } => hash,
        }
    }
}

impl std::fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            SignatureAlgorithm::RsaPkcs1v15 { hash } => {
                write!(f, "{}WithRSAEncryption", hash.oid_name().to_lowercase())
            }
            SignatureAlgorithm::RsaPss { hash, salt_len } => {
                write!(f, "RSASSA-PSS ({hash}, MGF1 {hash}, salt {salt_len})")
            }
            SignatureAlgorithm::Ecdsa { hash, plain: false } => write!(f, "ecdsa-with-{}", hash.oid_name()),
            SignatureAlgorithm::Ecdsa { hash, plain: true } => write!(f, "ecdsa-plain-{}", hash.oid_name()),
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1), each field absent meaning its default.
fn pss(params: Option<&der::Any>) -> Result<SignatureAlgorithm, Unsupported> {
    let malformed = Unsupported::Parameters("malformed RSASSA-PSS-params");
    let mut hash = HashAlgorithm::Sha1;
    let mut mgf_hash = HashAlgorithm::Sha1;
    let mut salt_len: usize = 20;
    if let Some(params) = params {
        let encoded = der::Encode::to_der(params).map_err(|_| malformed.clone())?;
        let node = Node::parse(&encoded).map_err(|_| malformed.clone())?;
        if node.tag != Tag::SEQUENCE {
            return Err(malformed);
        }
        for field in node.children() {
            let inner = field.children().first().ok_or(malformed.clone())?;
            match field.tag {
                t if t == Tag::context(0) => hash = hash_of(inner)?,
                t if t == Tag::context(1) => {
                    let mgf = inner.children();
                    let mgf_oid = mgf.first().and_then(|n| n.content()).ok_or(malformed.clone())?;
                    if ObjectIdentifier::from_bytes(mgf_oid).ok() != Some(oid::MGF1) {
                        return Err(Unsupported::Parameters("mask generation function other than MGF1"));
                    }
                    mgf_hash = hash_of(mgf.get(1).ok_or(malformed.clone())?)?;
                }
                t if t == Tag::context(2) => {
                    let value = inner.primitive(Tag::INTEGER, "saltLength").map_err(|_| malformed.clone())?;
                    salt_len = small_uint(value).ok_or(malformed.clone())?;
                }
                t if t == Tag::context(3) => {
                    let value = inner.primitive(Tag::INTEGER, "trailerField").map_err(|_| malformed.clone())?;
                    if small_uint(value) != Some(1) {
                        return Err(Unsupported::Parameters("trailer field other than BC"));
                    }
                }
                _ => return Err(malformed),
            }
        }
    }
    if mgf_hash != hash {
        return Err(Unsupported::Parameters("MGF1 over a hash other than the message hash"));
    }
    Ok(SignatureAlgorithm::RsaPss { hash, salt_len })
}

/// The hash named by an AlgorithmIdentifier node.
fn hash_of(node: &Node<'_>) -> Result<HashAlgorithm, Unsupported> {
    let oid = node
        .children()
        .first()
        .and_then(|n| n.content())
        .and_then(|c| ObjectIdentifier::from_bytes(c).ok())
        .ok_or(Unsupported::Parameters("malformed hash AlgorithmIdentifier"))?;
    HashAlgorithm::from_oid(&oid).ok_or(Unsupported::Hash(Some(oid)))
}

/// A non-negative INTEGER that fits a `usize` of 32 bits.
fn small_uint(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let significant: &[u8] = bytes.get(bytes.iter().take_while(|&&b| b == 0).count()..)?;
    if significant.len() > 4 {
        return None;
    }
    Some(significant.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The signature is wrong for this key and message.
    Mismatch,
    /// The key cannot be used with this algorithm, or not here (a key of another type, an unknown curve, an RSA
    /// modulus outside 1024..=8192 bits).
    Key(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Mismatch => f.write_str("the signature does not verify"),
            Failure::Key(why) => write!(f, "the public key cannot be used: {why}"),
        }
    }
}

/// The largest RSA modulus accepted: 8192 bits bounds the cost of one verification.
const MAX_RSA_BITS: usize = 8192;

/// Verifies `signature` over `message` with the public key `key`.
///
/// # Errors
/// [`Failure::Mismatch`] when the signature is wrong, [`Failure::Key`] when the key cannot verify this algorithm.
pub(crate) fn verify(
    algorithm: &SignatureAlgorithm,
    key: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Failure> {
    let hashed = algorithm.hash().digest(message);
    match *algorithm {
        SignatureAlgorithm::RsaPkcs1v15 { hash } => {
            let key = rsa_key(key)?;
            let scheme = match hash {
                HashAlgorithm::Sha1 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha1::Sha1>(),
                HashAlgorithm::Sha224 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha224>(),
                HashAlgorithm::Sha256 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlgorithm::Sha384 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlgorithm::Sha512 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            scheme.verify(&key, &hashed, signature).map_err(|_| Failure::Mismatch)
        }
        SignatureAlgorithm::RsaPss { hash, salt_len } => {
            let key = rsa_key(key)?;
            // RFC 8017 §9.1.2 step 3: a salt this long cannot fit the encoded message; `rsa` checks it too, and the
            // bound keeps the arithmetic below away from overflow.
            if salt_len > MAX_RSA_BITS / 8 {
                return Err(Failure::Mismatch);
            }
            let result = match hash {
                HashAlgorithm::Sha1 => {
                    rsa::pss::Pss::<sha1::Sha1>::new_with_salt(salt_len).verify(&key, &hashed, signature)
                }
                HashAlgorithm::Sha224 => {
                    rsa::pss::Pss::<sha2::Sha224>::new_with_salt(salt_len).verify(&key, &hashed, signature)
                }
                HashAlgorithm::Sha256 => {
                    rsa::pss::Pss::<sha2::Sha256>::new_with_salt(salt_len).verify(&key, &hashed, signature)
                }
                HashAlgorithm::Sha384 => {
                    rsa::pss::Pss::<sha2::Sha384>::new_with_salt(salt_len).verify(&key, &hashed, signature)
                }
                HashAlgorithm::Sha512 => {
                    rsa::pss::Pss::<sha2::Sha512>::new_with_salt(salt_len).verify(&key, &hashed, signature)
                }
            };
            result.map_err(|_| Failure::Mismatch)
        }
        SignatureAlgorithm::Ecdsa { plain, .. } => ecdsa(key, &hashed, signature, plain),
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1), under rsaEncryption or
/// id-RSASSA-PSS (RFC 4055 §1.2: CSCAs of PSS-signing states label their keys so).
fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<rsa::RsaPublicKey, Failure> {
    if spki.algorithm.oid != oid::RSA_ENCRYPTION && spki.algorithm.oid != oid::RSASSA_PSS {
        return Err(Failure::Key(format!("an RSA signature with a key of type {}", spki.algorithm.oid)));
    }
    let malformed = || Failure::Key("malformed RSAPublicKey".into());
    let bits = spki.subject_public_key.as_bytes().ok_or_else(malformed)?;
    let node = Node::parse(bits).map_err(|_| malformed())?;
    let (n, e) = match node.children() {
        [n, e] if node.tag == Tag::SEQUENCE => (
            n.primitive(Tag::INTEGER, "modulus").map_err(|_| malformed())?,
            e.primitive(Tag::INTEGER, "publicExponent").map_err(|_| malformed())?,
        ),
        _ => return Err(malformed()),
    };
    let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|&x| x == 0).collect() };
    let (n, e) = (strip(n), strip(e));
    if n.len() > MAX_RSA_BITS / 8 || e.len() > 8 || n.is_empty() || e.is_empty() {
        return Err(Failure::Key(format!("RSA modulus of {} bits", n.len() * 8)));
    }
    let uint = |b: &[u8]| rsa::BoxedUint::from_be_slice(b, (b.len() * 8) as u32).map_err(|_| malformed());
    rsa::RsaPublicKey::new_with_size_limits(uint(&n)?, uint(&e)?, 1024..=MAX_RSA_BITS)
        .map_err(|e| Failure::Key(format!("RSA key refused: {e}")))
}

/// ECDSA with a key on a named or explicitly specified curve (9303-12 §6.2, BSI TR-03111 §4.2.1.2), through
/// [`crate::ec`], which knows brainpoolP512r1 and recognises explicit parameters.
fn ecdsa(spki: &SubjectPublicKeyInfoOwned, hashed: &[u8], signature: &[u8], plain: bool) -> Result<(), Failure> {
    let key = ec_key(spki)?;
    let parsed = if plain {
        Signature::from_plain(signature)
    } else {
        // Some signers write r or s with a redundant leading zero; the DER re-encoding removes it.
        Node::parse(signature)
            .map(|n| n.to_der())
            .map_err(|_| ())
            .and_then(|der| Signature::from_der(&der).map_err(|_| ()))
            // A plain r || s under a DER algorithm identifier: as strong a check, so it is accepted.
            .or_else(|()| match signature.len() == 2 * key.curve().order_size() {
                true => Signature::from_plain(signature).map_err(|_| ()),
                false => Err(()),
            })
            .map_err(|()| crate::error::EcError::MalformedSignature("neither DER nor plain"))
    };
    let parsed = parsed.map_err(|_| Failure::Mismatch)?;
    key.verify_prehash(hashed, &parsed).map_err(|_| Failure::Mismatch)
}

fn ec_key(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, Failure> {
    if spki.algorithm.oid != oid::EC_PUBLIC_KEY {
        return Err(Failure::Key(format!("an ECDSA signature with a key of type {}", spki.algorithm.oid)));
    }
    let der = der::Encode::to_der(spki).map_err(|e| Failure::Key(format!("the key does not encode: {e}")))?;
    PublicKey::from_spki_der(&der).map_err(|e| Failure::Key(e.to_string()))
}

/// A few words on the key: its curve for an EC key, with "explicit parameters" when the certificate spells the
/// curve out; its size for RSA.
pub(crate) fn describe_key(spki: &SubjectPublicKeyInfoOwned) -> Option<String> {
    if spki.algorithm.oid == oid::EC_PUBLIC_KEY {
        let key = ec_key(spki).ok()?;
        let explicit = spki.algorithm.parameters.as_ref().is_some_and(|p| der::Tagged::tag(p) == der::Tag::Sequence);
        let curve = match key.curve().named_curve() {
            Some(named) => named.name().to_owned(),
            None => format!("a {}-bit curve", key.curve().order_bits()),
        };
        Some(if explicit { format!("{curve}, explicit parameters") } else { curve })
    } else {
        let key = rsa_key(spki).ok()?;
        Some(format!("RSA-{}", rsa::traits::PublicKeyParts::size(&key) * 8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_parameters_with_defaults_and_explicit_values() {
        let none = AlgorithmIdentifierOwned { oid: oid::RSASSA_PSS, parameters: None };
        assert_eq!(
            SignatureAlgorithm::from_identifier(&none, None),
            Ok(SignatureAlgorithm::RsaPss { hash: HashAlgorithm::Sha1, salt_len: 20 })
        );
        // From the Indonesian SOD: SHA-256, MGF1 SHA-256, salt 32.
        let params = hex::decode(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
        )
        .unwrap();
        let any = <der::Any as der::Decode>::from_der(&params).unwrap();
        let alg = AlgorithmIdentifierOwned { oid: oid::RSASSA_PSS, parameters: Some(any) };
        assert_eq!(
            SignatureAlgorithm::from_identifier(&alg, None),
            Ok(SignatureAlgorithm::RsaPss { hash: HashAlgorithm::Sha256, salt_len: 32 })
        );
    }

    #[test]
    fn bare_key_algorithms_take_the_digest_algorithm() {
        let bare = AlgorithmIdentifierOwned { oid: oid::RSA_ENCRYPTION, parameters: None };
        assert_eq!(
            SignatureAlgorithm::from_identifier(&bare, Some(HashAlgorithm::Sha256)),
            Ok(SignatureAlgorithm::RsaPkcs1v15 { hash: HashAlgorithm::Sha256 })
        );
        assert_eq!(SignatureAlgorithm::from_identifier(&bare, None), Err(Unsupported::Hash(None)));
    }
}
