//! Elliptic curves over prime fields for ICAO 9303-11 and BSI TR-03111: the named curves of 9303-11 §9.5.1, explicit
//! ECParameters as real passports' certificates carry them, ECDH (PACE, Chip Authentication), PACE Generic Mapping,
//! and ECDSA (Passive and Active Authentication).
//!
//! One implementation serves every curve: the parameters are held at run time and the arithmetic is crypto-bigint's
//! Montgomery form ([`crypto_bigint::modular::BoxedMontyForm`]) with the complete projective formulas of
//! Renes-Costello-Batina. Secret scalars are multiplied by a constant-time Montgomery ladder; public ones
//! (verification) by variable-time double-and-add. There is no crate for brainpoolP512r1 or the 192/224/320-bit
//! brainpool curves, hence this module; the tests check it against `p256`, `p384`, `p521`, `bp256` and `bp384`.
//!
//! # API
//!
//! **Curves** ([`Curve`], cheap to clone, shared):
//! - [`NamedCurve`]: the table (P-192/224/256/384/521, brainpoolP192r1/224r1/256r1/320r1/384r1/512r1) with
//!   [`NamedCurve::oid`], [`NamedCurve::from_oid`], [`NamedCurve::parameter_id`] /
//!   [`NamedCurve::from_parameter_id`] (9303-11 §9.5.1 ids 8-18), [`NamedCurve::curve`].
//! - [`Curve::from_parameter_id`] (PACE's `parameterId`), [`Curve::from_oid`],
//!   [`Curve::from_parameters_der`] (DER ECParameters, named or explicit), [`Curve::from_algorithm_parameters`]
//!   (`AlgorithmIdentifier.parameters` of a SubjectPublicKeyInfo), [`Curve::from_domain_parameters`] (raw p, a, b,
//!   G, n, h). Explicit parameters equal to a table entry become that entry ([`Curve::named_curve`] is `Some`);
//!   others are used if sound (p and n prime, 160-521 bits, G on the curve, nG = O, odd cofactor), see
//!   [`Curve::from_domain_parameters`].
//! - [`Curve::field_size`], [`Curve::order_size`], [`Curve::order_bits`], [`Curve::p`], [`Curve::a`],
//!   [`Curve::b`], [`Curve::order`], [`Curve::cofactor`], [`Curve::generator`], [`Curve::identity`],
//!   [`Curve::to_parameters_der`] (named OID or explicit SpecifiedECDomain).
//! - [`Curve::map_generic`]`(nonce_s, &H)`: PACE Generic Mapping, the curve with base point `G~ = s*G + H`
//!   (9303-11 §4.4.3.3.1); [`Curve::with_generator`] for any other mapping; [`Curve::same_group`].
//!
//! **Points** ([`Point`], carries its curve, wiped on drop): [`Curve::point_from_sec1`] (uncompressed or compressed;
//! refuses infinity, coordinates >= p, off-curve points), [`Curve::point_from_affine`], [`Point::to_sec1`],
//! [`Point::to_uncompressed`], [`Point::x`], [`Point::y`], [`Point::add`], [`Point::neg`],
//! [`Point::mul_public`] (public scalar bytes, e.g. PACE-CAM's check), [`Point::is_identity`].
//!
//! **Keys**:
//! - [`PrivateKey`] (wiped on drop): [`PrivateKey::generate`] (uniform in [1, n-1] from getrandom),
//!   [`PrivateKey::from_bytes`], [`PrivateKey::to_bytes`], [`PrivateKey::public_key`] (`d G` with the curve's base
//!   point, so on a mapped curve it is `d G~`), [`PrivateKey::shared_point`] (`d Q`, PACE GM's `H`),
//!   [`PrivateKey::diffie_hellman`] (x coordinate, field-size bytes: PACE's and CA's `K`), [`PrivateKey::div`]
//!   (PACE-CAM's `CA_IC = SK_IC / SK_map,IC mod n`), [`PrivateKey::sign_prehash`] (random k),
//!   [`PrivateKey::sign_prehash_rfc6979`] (deterministic k).
//! - [`PublicKey`] (validated: on curve, not infinity, in the subgroup): [`PublicKey::from_sec1`],
//!   [`PublicKey::from_point`], [`PublicKey::from_spki`] / [`PublicKey::from_spki_der`] (id-ecPublicKey, named
//!   or explicit parameters; or id-standardizedDomainParameters with a parameter id, as in EF.CardSecurity), [`PublicKey::to_spki_der`], [`PublicKey::to_uncompressed`], [`PublicKey::point`],
//!   [`PublicKey::verify_prehash`] (hash truncated to the order's bits).
//!
//! **Signatures** ([`Signature`]): [`Signature::from_der`] / [`Signature::to_der`] (X9.62 Ecdsa-Sig-Value),
//! [`Signature::from_plain`] / [`Signature::to_plain`] (TR-03111 §5.2.1 `r || s`, each half order-size bytes),
//! [`Signature::from_scalars`], [`Signature::r`], [`Signature::s`].
//!
//! Errors are [`crate::error::EcError`]: it says what is wrong with a value; the caller, who knows whether the
//! value came from the chip, a certificate or our own keys, maps it to who misbehaved.
//!
//! ```
//! use mrtd::ec::{Curve, PrivateKey};
//! // PACE Generic Mapping on brainpoolP256r1 (parameter id 13), terminal side.
//! let curve = Curve::from_parameter_id(13)?;
//! let map_key = PrivateKey::generate(&curve)?;
//! let chip_map_key = PrivateKey::generate(&curve)?.public_key(); // the chip's PK_map, from the card
//! let h = map_key.shared_point(&chip_map_key)?;
//! let mapped = curve.map_generic(&[0x3F; 16], &h)?; // s, the decrypted nonce
//! let key = PrivateKey::generate(&mapped)?; // PK_IFD = key.public_key().to_uncompressed()
//! # let chip_key = PrivateKey::generate(&mapped)?.public_key();
//! let k = key.diffie_hellman(&chip_key)?; // K, input of the key derivation
//! assert_eq!(k.len(), 32);
//! # Ok::<(), mrtd::error::EcError>(())
//! ```

mod curve;
mod curves;
mod ecdsa;
mod field;
mod keys;
mod params;
mod point;

#[cfg(test)]
mod tests;

pub use curve::{Curve, DomainParameters};
pub use curves::NamedCurve;
pub use ecdsa::Signature;
pub use keys::{ID_EC_PUBLIC_KEY, ID_STANDARDIZED_DOMAIN_PARAMETERS, PrivateKey, PublicKey};
pub use point::Point;
