//! The chip's private keys on disk (`keys/ca.pem`, `keys/aa.pem` of a chip image): PKCS#8 (RFC 5958
//! `OneAsymmetricKey`, `PRIVATE KEY` in PEM) holding an EC key (RFC 5915 `ECPrivateKey`) on any curve `mrtd::ec`
//! knows, brainpool included, or an RSA key (RFC 8017 §A.1.2 `RSAPrivateKey`) for Active Authentication.
//!
//! `gate-sim passport make` writes the EC keys here, because the Chip Authentication key of a PACE chip lives on
//! PACE's curve (ICAO 9303-11 §4.4.3.5: PACE-CAM multiplies the mapping key by it), which is brainpoolP256r1 by
//! default and which the `p256` crate cannot encode. RSA keys are read, not made: an integrator can put one made by
//! OpenSSL beside an RSA DG15, as older passports carry (9303-11 §6.1).

use der::asn1::{ObjectIdentifier, UintRef};
use der::pem::LineEnding;
use der::{Decode as _, Sequence};
use mrtd::aa::{RSA_ENCRYPTION, RsaPrivateKey};
use mrtd::ec::{Curve, ID_EC_PUBLIC_KEY, PrivateKey};
use mrtd::tlv::{self, Tag};
use p256::pkcs8::PrivateKeyInfoRef;
use zeroize::Zeroizing;

/// The PEM label of a PKCS#8 private key.
const LABEL: &str = "PRIVATE KEY";

/// A private key of the chip.
#[derive(Debug, Clone)]
pub enum ChipKey {
    /// An EC key: Chip Authentication (ECDH) or Active Authentication (ECDSA).
    Ec(PrivateKey),
    /// An RSA key: Active Authentication with ISO/IEC 9796-2 signatures.
    Rsa(RsaPrivateKey),
}

/// Why a key file is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file is not PEM.
    #[error("not PEM: {0}")]
    Pem(#[source] der::pem::Error),
    /// The PEM block is not a `PRIVATE KEY` (PKCS#8, unencrypted).
    #[error("the PEM block is not an unencrypted PKCS#8 \"PRIVATE KEY\"")]
    Label,
    /// The PKCS#8 structure, or the key inside it, does not decode.
    #[error("{what} does not decode: {source}")]
    Der {
        /// The structure.
        what: &'static str,
        /// Why.
        source: der::Error,
    },
    /// The structure decodes but misses or mangles a field.
    #[error("{0}")]
    Malformed(&'static str),
    /// The EC key's curve or scalar is unusable.
    #[error("EC key: {0}")]
    Ec(#[source] mrtd::error::EcError),
    /// The RSA key is unusable.
    #[error("RSA key: {0}")]
    Rsa(#[source] mrtd::error::AaError),
    /// The key is neither EC nor RSA.
    #[error("the key's algorithm {0} is neither EC (id-ecPublicKey) nor RSA (rsaEncryption)")]
    Algorithm(ObjectIdentifier),
}

/// `RSAPrivateKey` (RFC 8017 §A.1.2), two-prime form; only `n`, `e` and `d` are used.
#[derive(Sequence)]
struct RsaPrivateKeyAsn1<'a> {
    version: u8,
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
    private_exponent: UintRef<'a>,
    prime1: UintRef<'a>,
    prime2: UintRef<'a>,
    exponent1: UintRef<'a>,
    exponent2: UintRef<'a>,
    coefficient: UintRef<'a>,
}

/// Parses a PKCS#8 PEM private key.
///
/// # Errors
/// [`KeyError`] naming what is wrong; the message never holds key bytes.
pub fn parse_pem(pem: &[u8]) -> Result<ChipKey, KeyError> {
    let (label, der) = der::pem::decode_vec(pem).map_err(KeyError::Pem)?;
    let der = Zeroizing::new(der);
    if label != LABEL {
        return Err(KeyError::Label);
    }
    parse_der(&der)
}

/// Parses a PKCS#8 DER private key.
///
/// # Errors
/// As [`parse_pem`].
pub fn parse_der(der: &[u8]) -> Result<ChipKey, KeyError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(|source| KeyError::Der { what: "PKCS#8", source })?;
    let inner = info.private_key.as_bytes();
    let oid = info.algorithm.oid;
    if oid == ID_EC_PUBLIC_KEY {
        let (scalar, own_params) = ec_private_key(inner)?;
        let curve = match (info.algorithm.parameters.as_ref(), own_params) {
            (Some(params), _) => Curve::from_algorithm_parameters(Some(params)).map_err(KeyError::Ec)?,
            (None, Some(params)) => Curve::from_parameters_der(params).map_err(KeyError::Ec)?,
            (None, None) => return Err(KeyError::Malformed("EC key without domain parameters")),
        };
        return Ok(ChipKey::Ec(PrivateKey::from_bytes(&curve, scalar).map_err(KeyError::Ec)?));
    }
    if oid == RSA_ENCRYPTION {
        let key =
            RsaPrivateKeyAsn1::from_der(inner).map_err(|source| KeyError::Der { what: "RSAPrivateKey", source })?;
        if key.version != 0 {
            return Err(KeyError::Malformed("RSAPrivateKey of another version than two-prime (0)"));
        }
        let key = RsaPrivateKey::from_components(
            key.modulus.as_bytes(),
            key.public_exponent.as_bytes(),
            key.private_exponent.as_bytes(),
        )
        .map_err(KeyError::Rsa)?;
        return Ok(ChipKey::Rsa(key));
    }
    Err(KeyError::Algorithm(oid))
}

/// The private scalar of an `ECPrivateKey` and its own `[0]` parameters (DER ECParameters), when it has them.
fn ec_private_key(der: &[u8]) -> Result<(&[u8], Option<&[u8]>), KeyError> {
    let bad = |_| KeyError::Malformed("ECPrivateKey is not a SEQUENCE of TLVs");
    let body = tlv::Tlv::parse_exact(der, Tag(0x30)).map_err(bad)?;
    let mut items = tlv::TlvIter::new(body);
    let version = items.next().ok_or(KeyError::Malformed("ECPrivateKey is empty"))?.map_err(bad)?;
    if (version.tag, version.value) != (Tag(0x02), &[1u8][..]) {
        return Err(KeyError::Malformed("ECPrivateKey version is not 1"));
    }
    let scalar = items.next().ok_or(KeyError::Malformed("ECPrivateKey has no privateKey"))?.map_err(bad)?;
    if scalar.tag != Tag(0x04) {
        return Err(KeyError::Malformed("ECPrivateKey's privateKey is not an OCTET STRING"));
    }
    let mut params = None;
    for item in items {
        let item = item.map_err(bad)?;
        if item.tag == Tag(0xA0) {
            params = Some(item.value);
        }
    }
    Ok((scalar.value, params))
}

/// An EC private key as PKCS#8 DER: `PrivateKeyInfo { 0, { id-ecPublicKey, namedCurve }, ECPrivateKey { 1, d,
/// [1] public key } }`, the layout OpenSSL writes.
///
/// # Errors
/// [`KeyError::Ec`] when the curve's parameters do not encode.
pub fn ec_pkcs8_der(key: &PrivateKey) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let params = key.curve().to_parameters_der(false).map_err(KeyError::Ec)?;
    let scalar = key.to_bytes();
    let mut public = vec![0u8];
    public.extend_from_slice(&key.public_key().to_uncompressed());
    let mut ec = Zeroizing::new(tlv::to_vec(Tag(0x02), &[1]));
    tlv::encode(Tag(0x04), &scalar, &mut ec);
    tlv::encode(Tag(0xA1), &tlv::to_vec(Tag(0x03), &public), &mut ec);
    let ec = Zeroizing::new(tlv::to_vec(Tag(0x30), &ec));
    let mut algorithm = tlv::to_vec(Tag(0x06), ID_EC_PUBLIC_KEY.as_bytes());
    algorithm.extend_from_slice(&params);
    let mut info = Zeroizing::new(tlv::to_vec(Tag(0x02), &[0]));
    tlv::encode(Tag(0x30), &algorithm, &mut info);
    tlv::encode(Tag(0x04), &ec, &mut info);
    Ok(Zeroizing::new(tlv::to_vec(Tag(0x30), &info)))
}

/// An EC private key as PKCS#8 PEM (see [`ec_pkcs8_der`]).
///
/// # Errors
/// As [`ec_pkcs8_der`].
pub fn ec_pkcs8_pem(key: &PrivateKey) -> Result<Zeroizing<String>, KeyError> {
    let der = ec_pkcs8_der(key)?;
    der::pem::encode_string(LABEL, LineEnding::LF, &der).map(Zeroizing::new).map_err(KeyError::Pem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::DecodePrivateKey as _;

    #[test]
    fn ec_keys_round_trip_on_every_pace_curve() {
        for id in [12u8, 13, 16] {
            let curve = Curve::from_parameter_id(id).unwrap();
            let key = PrivateKey::generate(&curve).unwrap();
            let pem = ec_pkcs8_pem(&key).unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let ChipKey::Ec(back) = parse_pem(pem.as_bytes()).unwrap() else { panic!("not EC") };
            assert_eq!(back.to_bytes(), key.to_bytes());
            assert_eq!(back.public_key(), key.public_key());
        }
        // The p256 crate reads what is written for P-256, and writes what is read.
        let key = PrivateKey::generate(&Curve::from_parameter_id(12).unwrap()).unwrap();
        let theirs = p256::SecretKey::from_pkcs8_pem(&ec_pkcs8_pem(&key).unwrap()).unwrap();
        assert_eq!(theirs.to_bytes().as_slice(), key.to_bytes().as_slice());
        use p256::pkcs8::EncodePrivateKey as _;
        let pem = theirs.to_pkcs8_pem(LineEnding::LF).unwrap();
        let ChipKey::Ec(back) = parse_pem(pem.as_bytes()).unwrap() else { panic!("not EC") };
        assert_eq!(back.to_bytes(), key.to_bytes());
    }

    #[test]
    fn refuses_what_is_not_a_key() {
        assert!(matches!(parse_pem(b"hello"), Err(KeyError::Pem(_))));
        let cert = der::pem::encode_string("CERTIFICATE", LineEnding::LF, &[0x30, 0x00]).unwrap();
        assert!(matches!(parse_pem(cert.as_bytes()), Err(KeyError::Label)));
        assert!(matches!(parse_der(&[0x30, 0x00]), Err(KeyError::Der { .. })));
        let e = parse_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap_err();
        assert!(!e.to_string().is_empty());
    }
}
