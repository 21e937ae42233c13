//! ECDSA (BSI TR-03111 §4.2.1; X9.62 §7.3-§7.4; SEC 1 §4.1): signing with a random `k` or RFC 6979's
//! deterministic `k`, verification, the hash truncated to the bit length of the order, and the two signature
//! formats: X9.62's DER `Ecdsa-Sig-Value` (certificates, SOD) and the plain `r || s` of TR-03111 §5.2.1 (Active
//! Authentication, terminal authentication).

use crypto_bigint::BoxedUint;
use der::asn1::UintRef;
use der::{Decode as _, Encode as _, Sequence};
use hmac::digest::block_api::BlockSizeUser;
use hmac::digest::{Digest, KeyInit as _, Mac as _};
use zeroize::{Zeroize, Zeroizing};

use super::curve::Curve;
use super::field::{Fe, uint_from_be, uint_to_be};
use super::keys::{PrivateKey, PublicKey, random_scalar};
use super::point::Projective;
use crate::error::EcError;

/// Candidate `k` values tried before giving up: each is refused with negligible probability (`r` or `s` zero, or
/// RFC 6979's candidate not below `n`), so the bound is reached only by a broken generator.
const MAX_TRIES: usize = 64;

/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (X9.62 §E.8; RFC 3279 §2.2.3).
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// An ECDSA signature `(r, s)`, held as big-endian integers without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    r: Vec<u8>,
    s: Vec<u8>,
}

fn trimmed(bytes: &[u8]) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(zeros..).unwrap_or_default().to_vec()
}

impl Signature {
    /// A signature from its two integers, big-endian (leading zeros allowed).
    pub fn from_scalars(r: &[u8], s: &[u8]) -> Self {
        Self { r: trimmed(r), s: trimmed(s) }
    }

    /// A signature in X9.62's DER `Ecdsa-Sig-Value`.
    ///
    /// # Errors
    /// [`EcError::MalformedSignature`] when the DER does not decode or has trailing bytes.
    pub fn from_der(bytes: &[u8]) -> Result<Self, EcError> {
        let value = EcdsaSigValue::from_der(bytes).map_err(|_| EcError::MalformedSignature("DER does not decode"))?;
        Ok(Self::from_scalars(value.r.as_bytes(), value.s.as_bytes()))
    }

    /// A plain signature `r || s` (BSI TR-03111 §5.2.1): two halves of equal length, which the verifier checks
    /// against the curve's order size.
    ///
    /// # Errors
    /// [`EcError::MalformedSignature`] for an empty or odd-length input.
    pub fn from_plain(bytes: &[u8]) -> Result<Self, EcError> {
        if bytes.is_empty() || !bytes.len().is_multiple_of(2) {
            return Err(EcError::MalformedSignature("plain signature of odd or zero length"));
        }
        let (r, s) = bytes.split_at(bytes.len() / 2);
        Ok(Self::from_scalars(r, s))
    }

    /// The DER `Ecdsa-Sig-Value`.
    ///
    /// # Errors
    /// [`EcError::MalformedSignature`] if an integer is too long to encode.
    pub fn to_der(&self) -> Result<Vec<u8>, EcError> {
        let invalid = |_| EcError::MalformedSignature("integer too long to encode");
        EcdsaSigValue { r: UintRef::new(&self.r).map_err(invalid)?, s: UintRef::new(&self.s).map_err(invalid)? }
            .to_der()
            .map_err(invalid)
    }

    /// The plain `r || s`, each half [`Curve::order_size`] bytes.
    ///
    /// # Errors
    /// [`EcError::MalformedSignature`] if `r` or `s` is longer than the order.
    pub fn to_plain(&self, curve: &Curve) -> Result<Vec<u8>, EcError> {
        let len = curve.order_size();
        if self.r.len() > len || self.s.len() > len {
            return Err(EcError::MalformedSignature("r or s longer than the order"));
        }
        let mut out = vec![0u8; 2 * len];
        let (r, s) = out.split_at_mut(len);
        r.get_mut(len - self.r.len()..).unwrap_or_default().copy_from_slice(&self.r);
        s.get_mut(len - self.s.len()..).unwrap_or_default().copy_from_slice(&self.s);
        Ok(out)
    }

    /// `r`, big-endian, without leading zeros.
    pub fn r(&self) -> &[u8] {
        &self.r
    }

    /// `s`, big-endian, without leading zeros.
    pub fn s(&self) -> &[u8] {
        &self.s
    }
}

/// The hash as an integer of at most the order's bit length: its leftmost `order_bits` bits (X9.62 §7.3.1;
/// RFC 6979 §2.3.2 `bits2int`).
fn bits2int(bytes: &[u8], order_bits: u32, precision: u32) -> Option<BoxedUint> {
    if bytes.len() * 8 <= order_bits as usize {
        return uint_from_be(bytes, precision);
    }
    let head = bytes.get(..order_bits.div_ceil(8) as usize)?;
    let excess = (head.len() * 8) as u32 - order_bits;
    uint_from_be(head, precision)?.shr_vartime(excess)
}

/// `e`, the truncated hash reduced modulo `n`.
fn hash_to_scalar(curve: &Curve, hash: &[u8]) -> Result<Fe, EcError> {
    let fq = curve.scalar_field();
    let e = bits2int(hash, fq.bits(), curve.precision()).ok_or(EcError::MalformedSignature("hash too long"))?;
    fq.reduce(&e).ok_or(EcError::MalformedSignature("hash too long"))
}

/// The x coordinate of a point of the curve, as an integer modulo `n`.
fn x_mod_n(curve: &Curve, x: &Fe) -> Option<Fe> {
    curve.scalar_field().reduce(&x.retrieve())
}

impl PrivateKey {
    /// One ECDSA signature with the nonce `k` in `[1, n-1]`; `None` when `r` or `s` comes out zero.
    fn sign_with_k(&self, e: &Fe, k: &BoxedUint) -> Option<Signature> {
        let curve = self.curve();
        let fq = curve.scalar_field();
        let point = curve.generator().mul_uint(k);
        let (x, _) = point.affine()?;
        let r = x_mod_n(curve, x)?;
        if r.is_zero().to_bool() {
            return None;
        }
        let mut k_fe = fq.element(k)?;
        let k_inv = k_fe.invert().into_option();
        k_fe.zeroize();
        let mut k_inv = k_inv?;
        let mut d = fq.element(self.scalar())?;
        let s = &k_inv * &(e + &(&r * &d));
        k_inv.zeroize();
        d.zeroize();
        if s.is_zero().to_bool() {
            return None;
        }
        let len = fq.len();
        Some(Signature::from_scalars(&uint_to_be(&r.retrieve(), len), &uint_to_be(&s.retrieve(), len)))
    }

    /// Signs a hash with a fresh random `k` (BSI TR-03111 §4.2.1.1). The hash is truncated to the order's bit
    /// length.
    ///
    /// # Errors
    /// [`EcError::Rng`] when the operating system's generator fails.
    pub fn sign_prehash(&self, hash: &[u8]) -> Result<Signature, EcError> {
        let e = hash_to_scalar(self.curve(), hash)?;
        for _ in 0..MAX_TRIES {
            let mut k = random_scalar(self.curve())?;
            let signature = self.sign_with_k(&e, &k);
            k.zeroize();
            if let Some(signature) = signature {
                return Ok(signature);
            }
        }
        Err(EcError::Rng)
    }

    /// Signs a hash with the deterministic `k` of RFC 6979 §3.2, HMAC over `D`, the hash that made `hash`: the
    /// same key and hash always give the same signature, which lets tests compare with other implementations.
    ///
    /// # Errors
    /// [`EcError::MalformedSignature`] when the hash is longer than the curve's integers; [`EcError::Rng`] if no
    /// candidate works within the bound (never, in practice).
    pub fn sign_prehash_rfc6979<D: Digest + BlockSizeUser + Clone>(&self, hash: &[u8]) -> Result<Signature, EcError> {
        let curve = self.curve();
        let fq = curve.scalar_field();
        let e = hash_to_scalar(curve, hash)?;
        let x = self.to_bytes();
        let h1 = fq.to_be_bytes(&e);
        let hmac = |key: &[u8], parts: &[&[u8]]| -> Result<Vec<u8>, EcError> {
            let mut mac = <hmac::SimpleHmac<D>>::new_from_slice(key).map_err(|_| EcError::Rng)?;
            for part in parts {
                mac.update(part);
            }
            Ok(mac.finalize().into_bytes().to_vec())
        };
        let hlen = <D as Digest>::output_size();
        let mut v = vec![0x01u8; hlen];
        let mut k = Zeroizing::new(vec![0x00u8; hlen]);
        *k = hmac(&k, &[&v, &[0x00], &x, &h1])?;
        v = hmac(&k, &[&v])?;
        *k = hmac(&k, &[&v, &[0x01], &x, &h1])?;
        v = hmac(&k, &[&v])?;
        for _ in 0..MAX_TRIES {
            let mut t = Zeroizing::new(Vec::with_capacity(fq.len() + hlen));
            while t.len() < fq.len() {
                v = hmac(&k, &[&v])?;
                t.extend_from_slice(&v);
            }
            if let Some(mut candidate) = bits2int(&t, fq.bits(), curve.precision())
                && candidate.is_nonzero().to_bool()
                && candidate < *fq.modulus()
            {
                let signature = self.sign_with_k(&e, &candidate);
                candidate.zeroize();
                if let Some(signature) = signature {
                    return Ok(signature);
                }
            }
            *k = hmac(&k, &[&v, &[0x00]])?;
            v = hmac(&k, &[&v])?;
        }
        Err(EcError::Rng)
    }
}

impl PublicKey {
    /// Verifies an ECDSA signature over a hash (BSI TR-03111 §4.2.1.2; X9.62 §7.4.1), the hash truncated to the
    /// order's bit length.
    ///
    /// # Errors
    /// [`EcError::MalformedSignature`] when `r` or `s` is not in `[1, n-1]`; [`EcError::BadSignature`] when the
    /// signature does not verify.
    pub fn verify_prehash(&self, hash: &[u8], signature: &Signature) -> Result<(), EcError> {
        let curve = self.curve();
        let fq = curve.scalar_field();
        let out_of_range = EcError::MalformedSignature("r or s not in [1, n-1]");
        let scalar = |bytes: &[u8]| -> Result<Fe, EcError> {
            let value = curve.uint(bytes).ok_or(out_of_range.clone())?;
            let element = fq.element(&value).ok_or(out_of_range.clone())?;
            if element.is_zero().to_bool() {
                return Err(out_of_range.clone());
            }
            Ok(element)
        };
        let r = scalar(signature.r())?;
        let s = scalar(signature.s())?;
        let e = hash_to_scalar(curve, hash)?;
        let w = s.invert_vartime().into_option().ok_or(out_of_range.clone())?;
        let u1 = (&e * &w).retrieve();
        let u2 = (&r * &w).retrieve();
        let sum =
            Projective::lincomb_vartime(&curve.projective_generator(), &u1, &self.point().projective(), &u2, &curve.0);
        let (x, _) = sum.to_affine().ok_or(EcError::BadSignature)?;
        let v = x_mod_n(curve, &x).ok_or(EcError::BadSignature)?;
        if v == r { Ok(()) } else { Err(EcError::BadSignature) }
    }
}
