//! The Integrated Mapping's two functions (ICAO 9303-11 §4.4.3.3.2, worked in Appendix H): the pseudo-random
//! function `R(s, t)` built from the block cipher, and the encoding of a field element as a curve point (the
//! simplified SWU-style encoding of Brier et al. that 9303-11 specifies for `p ≡ 3 mod 4`).
//!
//! `R(s, t)`: with `l` the bit length of the chip's nonce `s` and `k` that of the terminal's nonce `t` (the key
//! size), `key_1 = E(t, s)`, then for `i = 1..n`: `x_i = E(key_i, c_1)`, `key_(i+1) = E(key_i, c_0)`, each key cut
//! to `k` bits, `E` in CBC mode with a zero IV, and `n` the least with `n l >= log2 p + 64`. `R = x_1 || .. || x_n`,
//! and the mapping uses `R mod p`. The constants `c_0`, `c_1` are `l` bits long (Table 4 of §4.4.3.3.2).

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, NonZero, Odd, Resize};
use zeroize::Zeroizing;

use crate::crypto::{AesKey, BlockCipher, SymmetricKey, TdesKey};
use crate::ec::{Curve, Point};
use crate::error::{EcError, Error};

const C0_128: [u8; 16] =
    [0xA6, 0x68, 0x89, 0x2A, 0x7C, 0x41, 0xE3, 0xCA, 0x73, 0x9F, 0x40, 0xB0, 0x57, 0xD8, 0x59, 0x04];
const C1_128: [u8; 16] =
    [0xA4, 0xE1, 0x36, 0xAC, 0x72, 0x5F, 0x73, 0x8B, 0x01, 0xC1, 0xF6, 0x02, 0x17, 0xC1, 0x88, 0xAD];
const C0_256: [u8; 32] = [
    0xD4, 0x63, 0xD6, 0x52, 0x34, 0x12, 0x4E, 0xF7, 0x89, 0x70, 0x54, 0x98, 0x6D, 0xCA, 0x0A, 0x17, 0x4E, 0x28, 0xDF,
    0x75, 0x8C, 0xBA, 0xA0, 0x3F, 0x24, 0x06, 0x16, 0x41, 0x4D, 0x5A, 0x16, 0x76,
];
const C1_256: [u8; 32] = [
    0x54, 0xBD, 0x72, 0x55, 0xF0, 0xAA, 0xF8, 0x31, 0xBE, 0xC3, 0x42, 0x3F, 0xCF, 0x39, 0xD6, 0x9B, 0x6C, 0xBF, 0x06,
    0x66, 0x77, 0xD0, 0xFA, 0xAE, 0x5A, 0xAD, 0xD9, 0x9D, 0xF8, 0xE5, 0x35, 0x17,
];

/// Whether `s` and `t` fit `R` for `cipher`: `t` as long as the key, `s` 16 or 32 bytes and at least as long.
pub(crate) fn nonces_fit(s: &[u8], t: &[u8], cipher: BlockCipher) -> bool {
    t.len() == cipher.key_len() && matches!(s.len(), 16 | 32) && s.len() >= t.len()
}

fn key(cipher: BlockCipher, bytes: &[u8]) -> Result<SymmetricKey, Error> {
    match cipher {
        BlockCipher::Tdes => {
            let k: [u8; 16] = bytes.try_into().map_err(|_| Error::InvalidKey("3DES key of R(s, t)"))?;
            Ok(SymmetricKey::Tdes(TdesKey::from_bytes(k)))
        }
        _ => Ok(SymmetricKey::Aes(AesKey::from_slice(bytes)?)),
    }
}

/// `R(s, t)`, unreduced, wiped on drop.
///
/// # Errors
/// [`Error::InvalidKey`] when the nonces do not fit (see [`nonces_fit`]); callers check first.
pub(crate) fn pseudo_random(s: &[u8], t: &[u8], p: &[u8], cipher: BlockCipher) -> Result<Zeroizing<Vec<u8>>, Error> {
    if !nonces_fit(s, t, cipher) {
        return Err(Error::InvalidKey("nonce lengths of the integrated mapping"));
    }
    let (c0, c1): (&[u8], &[u8]) = if s.len() == 16 { (&C0_128, &C1_128) } else { (&C0_256, &C1_256) };
    let k = t.len();
    let iv = vec![0u8; cipher.block_len()];
    let p_bits = bit_length(p);
    let l = s.len() * 8;
    let mut current = Zeroizing::new(key(cipher, t)?.encrypt(&iv, s)?);
    let mut out = Zeroizing::new(Vec::new());
    let mut n = 0usize;
    while n * l < p_bits + 64 {
        let e = key(cipher, current.get(..k).ok_or(Error::InvalidKey("R(s, t) key"))?)?;
        out.extend_from_slice(&e.encrypt(&iv, c1)?);
        *current = e.encrypt(&iv, c0)?;
        n += 1;
    }
    Ok(out)
}

fn bit_length(bytes: &[u8]) -> usize {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    match bytes.get(zeros) {
        Some(first) => (bytes.len() - zeros - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

/// `x mod p`, big-endian, as long as `p`.
pub(crate) fn reduce(x: &[u8], p: &[u8]) -> Vec<u8> {
    let modulus = BoxedUint::from_be_slice_vartime(p);
    let prec = modulus.bits_precision();
    let Some(modulus) = Option::<NonZero<BoxedUint>>::from(NonZero::new(modulus)) else {
        return Vec::new();
    };
    let x = BoxedUint::from_be_slice_vartime(x);
    let x = if x.bits_precision() < prec { x.resize_unchecked(prec) } else { x };
    fixed(&x.rem(&modulus), p.len())
}

fn fixed(x: &BoxedUint, len: usize) -> Vec<u8> {
    let bytes = x.to_be_bytes();
    bytes.get(bytes.len().saturating_sub(len)..).map(<[u8]>::to_vec).unwrap_or_default()
}

/// The point encoding `f_G` of 9303-11 §4.4.3.3.2 on a curve with `p ≡ 3 mod 4`, applied to `R mod p`, times the
/// cofactor:
///
/// 1. `α = -t²`; 2. `X2 = -b (1 + α + α²) / (a (α + α²))`; 3. `X3 = α X2`; 4. `h2 = X2³ + a X2 + b`;
/// 5. `U = t³ h2`; 6. `A = h2^(p - 1 - (p + 1)/4)`; 7. `(X2, A h2)` if `A² h2 = 1`, else `(X3, A U)`.
///
/// # Errors
/// [`EcError::UnsupportedParameters`] for `p ≢ 3 mod 4` (NIST P-224) or `a = 0`; [`EcError::InvalidPoint`] in the
/// negligible cases where the encoding degenerates.
pub(crate) fn encode_point(curve: &Curve, r: &[u8]) -> Result<Point, EcError> {
    let p_bytes = curve.p();
    let p = BoxedUint::from_be_slice_vartime(&p_bytes);
    let prec = p.bits_precision();
    if p.as_words().first().copied().unwrap_or_default() & 3 != 3 {
        return Err(EcError::UnsupportedParameters("the integrated mapping needs p = 3 mod 4"));
    }
    let odd: Odd<BoxedUint> =
        Option::from(Odd::new(p.clone())).ok_or(EcError::InvalidParameters("the field prime is even"))?;
    let params = BoxedMontyParams::new_vartime(odd);
    let field = |bytes: &[u8]| -> Result<BoxedMontyForm, EcError> {
        let x = BoxedUint::from_be_slice(bytes, prec).map_err(|_| EcError::InvalidParameters("field element"))?;
        Ok(BoxedMontyForm::new(x, &params))
    };
    let t = field(&reduce(r, &p_bytes))?;
    let a = field(&curve.a())?;
    let b = field(&curve.b())?;
    let one = BoxedMontyForm::one(&params);

    let alpha = t.square().neg();
    let alpha_alpha2 = alpha.add(&alpha.square());
    let denominator = a.mul(&alpha_alpha2);
    let inverse = denominator
        .invert()
        .into_option()
        .ok_or(EcError::UnsupportedParameters("the integrated mapping needs a != 0"))?;
    let x2 = b.neg().mul(&one.add(&alpha_alpha2)).mul(&inverse);
    let x3 = alpha.mul(&x2);
    let h2 = x2.square().mul(&x2).add(&a.mul(&x2)).add(&b);
    let u = t.square().mul(&t).mul(&h2);
    // p - 1 - (p + 1) / 4, computed as (3p - 5) / 4 without leaving the integers.
    let one_int = BoxedUint::one_with_precision(prec);
    let quarter = p.wrapping_add(&one_int).shr(2);
    let exponent = p.wrapping_sub(&one_int).wrapping_sub(&quarter);
    let big_a = h2.pow(&exponent);
    let (x, y) = if big_a.square().mul(&h2) == one { (x2, big_a.mul(&h2)) } else { (x3, big_a.mul(&u)) };
    let size = curve.field_size();
    let point = curve.point_from_affine(&fixed(&x.retrieve(), size), &fixed(&y.retrieve(), size))?;
    let cofactor = curve.cofactor();
    if cofactor == 1 { Ok(point) } else { point.mul_public(&cofactor.to_be_bytes()) }
}
