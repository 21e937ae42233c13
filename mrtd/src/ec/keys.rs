//! Key pairs: generation (BSI TR-03111 §4.1.1; FIPS 186-4 §B.4.2 by rejection), public key validation
//! (TR-03111 §3.2.2.1; NIST SP 800-56A §5.6.2.3.3) and Diffie-Hellman (ECKA-DH, TR-03111 §4.3.1), the primitive of
//! PACE, Chip Authentication and the terminal's ephemeral keys.

use crypto_bigint::BoxedUint;
use der::asn1::{BitStringRef, ObjectIdentifier};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::{Zeroize, Zeroizing};

use super::curve::Curve;
use super::field::uint_to_be;
use super::point::Point;
use crate::error::EcError;

/// id-ecPublicKey (X9.62; RFC 5480 §2.1.1), the algorithm of an EC SubjectPublicKeyInfo.
pub const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// id-standardizedDomainParameters (BSI TR-03110-3 §A.2.1.1): an AlgorithmIdentifier whose parameter is the
/// INTEGER id of ICAO 9303-11 §9.5.1, as EF.CardSecurity's ChipAuthenticationPublicKeyInfo writes the chip's key.
pub const ID_STANDARDIZED_DOMAIN_PARAMETERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.2");

/// Random draws before key generation gives up: each draw is refused with probability below 1/2 (for P-521,
/// about 2^-520 otherwise), so reaching the bound means the generator is broken.
const MAX_DRAWS: usize = 128;

/// `bytes mod n` at the curve's precision; the bytes may be longer than `n` (a PACE nonce) but not than the
/// curve's integers.
pub(super) fn reduce_scalar(curve: &Curve, bytes: &[u8]) -> Result<BoxedUint, EcError> {
    let value = curve.uint(bytes).ok_or(EcError::InvalidScalar("is longer than the curve's integers"))?;
    let reduced = curve.scalar_field().reduce(&value).ok_or(EcError::InvalidScalar("cannot be reduced"))?;
    Ok(reduced.retrieve())
}

/// A uniformly random integer in `[1, n-1]` from the operating system's generator, by rejection.
pub(super) fn random_scalar(curve: &Curve) -> Result<BoxedUint, EcError> {
    let fq = curve.scalar_field();
    let len = fq.len();
    let excess_bits = (len * 8) as u32 - fq.bits();
    let mut buf = Zeroizing::new(vec![0u8; len]);
    for _ in 0..MAX_DRAWS {
        getrandom::fill(&mut buf).map_err(|_| EcError::Rng)?;
        if let Some(first) = buf.first_mut() {
            *first &= 0xFF >> excess_bits;
        }
        let mut candidate = curve.uint(&buf).ok_or(EcError::Rng)?;
        if candidate < *fq.modulus() && candidate.is_nonzero().to_bool() {
            return Ok(candidate);
        }
        candidate.zeroize();
    }
    Err(EcError::Rng)
}

/// A private key: a scalar `d` in `[1, n-1]` with its curve. Wiped on drop; `Debug` hides it.
#[derive(Clone)]
pub struct PrivateKey {
    curve: Curve,
    d: BoxedUint,
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({:?}, ..)", self.curve)
    }
}

impl PrivateKey {
    /// A fresh key pair's private key, `d` uniform in `[1, n-1]`.
    ///
    /// # Errors
    /// [`EcError::Rng`] when the operating system's generator fails.
    pub fn generate(curve: &Curve) -> Result<Self, EcError> {
        Ok(Self { curve: curve.clone(), d: random_scalar(curve)? })
    }

    /// A private key from its big-endian scalar (OS2I; any length whose value fits).
    ///
    /// # Errors
    /// [`EcError::InvalidScalar`] when the value is 0 or not below `n`.
    pub fn from_bytes(curve: &Curve, bytes: &[u8]) -> Result<Self, EcError> {
        let d = curve.uint(bytes).ok_or(EcError::InvalidScalar("is longer than the order"))?;
        let key = Self { curve: curve.clone(), d };
        if key.d >= *curve.scalar_field().modulus() {
            return Err(EcError::InvalidScalar("is not below the order"));
        }
        if key.d.is_zero().to_bool() {
            return Err(EcError::InvalidScalar("is zero"));
        }
        Ok(key)
    }

    /// The scalar, [`Curve::order_size`] bytes, wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(uint_to_be(&self.d, self.curve.order_size()))
    }

    /// The curve of the key.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    pub(super) fn scalar(&self) -> &BoxedUint {
        &self.d
    }

    /// The public key `d G`, with `G` the curve's base point (for PACE's second key pair, the mapped `G~`).
    pub fn public_key(&self) -> PublicKey {
        PublicKey { point: self.curve.generator().mul_uint(&self.d) }
    }

    /// The shared point `d Q` of ECKA-DH (BSI TR-03111 §4.3.1), needed whole by PACE Generic Mapping (`H`,
    /// ICAO 9303-11 §4.4.3.3.1). The cofactor is 1 on every table curve, and a peer key on another curve has been
    /// checked to lie in the subgroup of order `n`, so no cofactor multiplication is needed.
    ///
    /// # Errors
    /// [`EcError::CurveMismatch`] for a key of another group; [`EcError::InvalidPoint`] if the product is the
    /// point at infinity (impossible for a validated key and `d` in `[1, n-1]`).
    pub fn shared_point(&self, peer: &PublicKey) -> Result<Point, EcError> {
        if !self.curve.same_group(peer.point.curve()) {
            return Err(EcError::CurveMismatch);
        }
        let shared = peer.point.mul_uint(&self.d);
        if shared.is_identity() {
            return Err(EcError::InvalidPoint("shared point is the point at infinity"));
        }
        Ok(shared)
    }

    /// The ECKA-DH shared secret (BSI TR-03111 §4.3.1): the x coordinate of `d Q`, [`Curve::field_size`] bytes,
    /// wiped when dropped. PACE's `K` and Chip Authentication's shared secret are this value.
    ///
    /// # Errors
    /// As [`PrivateKey::shared_point`].
    pub fn diffie_hellman(&self, peer: &PublicKey) -> Result<Zeroizing<Vec<u8>>, EcError> {
        let shared = self.shared_point(peer)?;
        Ok(Zeroizing::new(shared.x().unwrap_or_default()))
    }

    /// `self / divisor mod n`: the chip authentication data of PACE-CAM, `CA_IC = SK_IC * SK_map,IC^-1 mod n`
    /// (ICAO 9303-11 §4.4.3.5.1), [`Curve::order_size`] bytes.
    ///
    /// # Errors
    /// [`EcError::CurveMismatch`] when the keys have different orders.
    pub fn div(&self, divisor: &PrivateKey) -> Result<Zeroizing<Vec<u8>>, EcError> {
        let fq = self.curve.scalar_field();
        if fq.modulus() != divisor.curve.scalar_field().modulus() {
            return Err(EcError::CurveMismatch);
        }
        let invalid = EcError::InvalidScalar("is not below the order");
        let numerator = fq.element(&self.d).ok_or(invalid.clone())?;
        let denominator = fq.element(&divisor.d).ok_or(invalid)?;
        let inverse = denominator.invert().into_option().ok_or(EcError::InvalidScalar("is zero"))?;
        let mut quotient = (&numerator * &inverse).retrieve();
        let out = Zeroizing::new(uint_to_be(&quotient, self.curve.order_size()));
        quotient.zeroize();
        Ok(out)
    }
}

/// A validated public key: a point on the curve, not the point at infinity, of order `n`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    point: Point,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({:?}, {})", self.point.curve(), hex_upper(&self.point.to_uncompressed()))
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl PublicKey {
    /// A public key from its SEC 1 encoding (uncompressed or compressed), validated as BSI TR-03111 §3.2.2.1
    /// and NIST SP 800-56A §5.6.2.3.3 require: coordinates below `p`, on the curve, not the point at infinity,
    /// and `n Q = O` when the cofactor is not 1.
    ///
    /// # Errors
    /// [`EcError::InvalidPoint`] saying which check failed.
    pub fn from_sec1(curve: &Curve, bytes: &[u8]) -> Result<Self, EcError> {
        Self::from_point(curve.point_from_sec1(bytes)?)
    }

    /// A public key from a point of the curve (see [`PublicKey::from_sec1`] for the checks).
    ///
    /// # Errors
    /// [`EcError::InvalidPoint`] for the point at infinity or a point outside the subgroup of order `n`.
    pub fn from_point(point: Point) -> Result<Self, EcError> {
        if point.is_identity() {
            return Err(EcError::InvalidPoint("is the point at infinity"));
        }
        let curve = point.curve();
        if curve.cofactor() != 1 && !point.mul_uint_vartime(curve.scalar_field().modulus()).is_identity() {
            return Err(EcError::InvalidPoint("is not in the subgroup of order n"));
        }
        Ok(Self { point })
    }

    /// A public key from a SubjectPublicKeyInfo (RFC 5480 §2): algorithm id-ecPublicKey with ECParameters (named,
    /// or explicit as real passports' certificates, DG14 and DG15 often have them), or id-standardizedDomainParameters
    /// with a parameter id (EF.CardSecurity, BSI TR-03110-3 §A.2.1.1); and the SEC 1 point.
    ///
    /// # Errors
    /// [`EcError::InvalidParameters`] for another algorithm or a parameter id that is not an INTEGER;
    /// [`EcError::UnknownParameterId`] for an id that is not a curve (the DH groups 0-2); the errors of
    /// [`Curve::from_algorithm_parameters`] and [`PublicKey::from_sec1`].
    pub fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, EcError> {
        let params = spki.algorithm.parameters.as_ref();
        let curve = match spki.algorithm.oid {
            ID_EC_PUBLIC_KEY => Curve::from_algorithm_parameters(params)?,
            ID_STANDARDIZED_DOMAIN_PARAMETERS => {
                let id: u8 = params
                    .ok_or(EcError::InvalidParameters("absent"))?
                    .decode_as()
                    .map_err(|_| EcError::InvalidParameters("parameter id is not an INTEGER below 256"))?;
                Curve::from_parameter_id(id)?
            }
            _ => return Err(EcError::InvalidParameters("key algorithm is neither id-ecPublicKey nor standardized")),
        };
        let point = spki.subject_public_key.as_bytes().ok_or(EcError::InvalidPoint("bit string has unused bits"))?;
        Self::from_sec1(&curve, point)
    }

    /// A public key from a DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`EcError::ParametersDer`] when it does not decode; then as [`PublicKey::from_spki`].
    pub fn from_spki_der(der_bytes: &[u8]) -> Result<Self, EcError> {
        use der::Decode as _;
        let spki = SubjectPublicKeyInfoRef::from_der(der_bytes).map_err(EcError::ParametersDer)?;
        Self::from_spki(&spki)
    }

    /// The DER SubjectPublicKeyInfo of the key: the named curve's identifier when the curve is a table entry,
    /// explicit parameters otherwise (as a passport with explicit parameters would write DG15).
    ///
    /// # Errors
    /// [`EcError::ParametersDer`] if the structure does not encode (a bug).
    pub fn to_spki_der(&self, explicit: bool) -> Result<Vec<u8>, EcError> {
        use der::Encode as _;
        let params = self.point.curve().to_parameters_der(explicit)?;
        let params = der::asn1::AnyRef::try_from(params.as_slice()).map_err(EcError::ParametersDer)?;
        let point = self.point.to_uncompressed();
        let spki = SubjectPublicKeyInfoRef {
            algorithm: AlgorithmIdentifierRef { oid: ID_EC_PUBLIC_KEY, parameters: Some(params) },
            subject_public_key: BitStringRef::from_bytes(&point).map_err(EcError::ParametersDer)?,
        };
        spki.to_der().map_err(EcError::ParametersDer)
    }

    /// The point.
    pub fn point(&self) -> &Point {
        &self.point
    }

    /// The curve of the key.
    pub fn curve(&self) -> &Curve {
        self.point.curve()
    }

    /// The uncompressed SEC 1 encoding `04 x y` (ICAO 9303-11 §9.4.4).
    pub fn to_uncompressed(&self) -> Vec<u8> {
        self.point.to_uncompressed()
    }
}
