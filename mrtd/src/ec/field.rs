//! Arithmetic modulo an odd prime chosen at run time (the field of a curve, or its order), in Montgomery form on
//! crypto-bigint's heap-allocated integers, with the conversions of BSI TR-03111 §3.1 (OS2I, I2OS, FE2OS).

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};

/// A field element in Montgomery form; it carries its modulus.
pub(super) type Fe = BoxedMontyForm;

/// Integers modulo an odd prime `m`.
#[derive(Clone, Debug)]
pub(super) struct Field {
    modulus: BoxedUint,
    params: BoxedMontyParams,
    /// The precision every integer of this field is held at.
    precision: u32,
    /// Bytes of the modulus, the length of every encoded element (TR-03111 §3.1.3: `l = ceil(log256 m)`).
    len: usize,
    bits: u32,
}

impl Field {
    /// The field of integers modulo `modulus`, which the caller has checked to be an odd prime (the moduli are
    /// public, so the set-up may take variable time). `None` for an even modulus or one below 3.
    pub(super) fn new(modulus: &BoxedUint, precision: u32) -> Option<Self> {
        let modulus = resize(modulus, precision)?;
        if modulus.bits_vartime() < 2 {
            return None;
        }
        let odd = Odd::new(modulus.clone()).into_option()?;
        let bits = modulus.bits_vartime();
        Some(Self {
            params: BoxedMontyParams::new_vartime(odd),
            modulus,
            precision,
            len: bits.div_ceil(8) as usize,
            bits,
        })
    }

    pub(super) fn modulus(&self) -> &BoxedUint {
        &self.modulus
    }

    pub(super) fn precision(&self) -> u32 {
        self.precision
    }

    /// Bytes of an encoded element.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bits of the modulus.
    pub(super) fn bits(&self) -> u32 {
        self.bits
    }

    pub(super) fn zero(&self) -> Fe {
        Fe::zero(&self.params)
    }

    pub(super) fn one(&self) -> Fe {
        Fe::one(&self.params)
    }

    pub(super) fn small(&self, value: u64) -> Fe {
        // Every modulus here is far above 2^64, so the small value is already reduced.
        Fe::new(BoxedUint::from_words_with_precision([value], self.precision), &self.params)
    }

    /// The element an integer below the modulus stands for; `None` when it is not below the modulus (a coordinate
    /// `>= p` is a second encoding of a smaller one, which SEC 1 §2.3.4 refuses).
    pub(super) fn element(&self, value: &BoxedUint) -> Option<Fe> {
        let value = resize(value, self.precision)?;
        if value >= self.modulus {
            return None;
        }
        Some(Fe::new(value, &self.params))
    }

    /// The element of big-endian bytes of any length (OS2I), refused when not below the modulus.
    pub(super) fn decode(&self, bytes: &[u8]) -> Option<Fe> {
        self.element(&uint_from_be(bytes, self.precision)?)
    }

    /// The integer `value mod m` of an integer of this field's precision; constant time.
    pub(super) fn reduce(&self, value: &BoxedUint) -> Option<Fe> {
        let value = resize(value, self.precision)?;
        let nonzero = self.modulus.to_nz().into_option()?;
        Some(Fe::new(value.rem(&nonzero), &self.params))
    }

    /// The element's `len` big-endian bytes (FE2OS).
    pub(super) fn to_be_bytes(&self, element: &Fe) -> Vec<u8> {
        uint_to_be(&element.retrieve(), self.len)
    }

    /// A square root of `value`, `None` when it has none (BSI TR-03111 §3.2.3 decompression). Variable time: it
    /// only ever sees public coordinates. `p = 3 mod 4` (every brainpool curve, P-192, P-256, P-384, P-521) takes
    /// one exponentiation; other primes (P-224) take Tonelli-Shanks.
    pub(super) fn sqrt(&self, value: &Fe) -> Option<Fe> {
        if value.is_zero().to_bool() {
            return Some(value.clone());
        }
        let one = BoxedUint::one_with_precision(self.precision);
        let p_minus_1 = self.modulus.wrapping_sub(&one);
        let root = if self.modulus.bit_vartime(1) {
            // p = 3 mod 4: value^((p+1)/4).
            let exponent = self.modulus.wrapping_add(&one).shr_vartime(2)?;
            value.pow(&exponent)
        } else {
            self.tonelli_shanks(value, &p_minus_1)?
        };
        (root.square() == *value).then_some(root)
    }

    /// Tonelli-Shanks (Cohen, A Course in Computational Algebraic Number Theory, algorithm 1.5.1).
    fn tonelli_shanks(&self, value: &Fe, p_minus_1: &BoxedUint) -> Option<Fe> {
        let s = p_minus_1.trailing_zeros_vartime();
        let q = p_minus_1.shr_vartime(s)?;
        let one = self.one();
        let minus_one = one.neg();
        let half = p_minus_1.shr_vartime(1)?;
        // The smallest quadratic non-residue: for P-224 it is 11; a prime has one below 2 ln(p)^2 (Bach), so
        // the bound only guards against a composite modulus.
        let z = (2..1000u64).map(|z| self.small(z)).find(|z| z.pow(&half) == minus_one)?;
        let q_plus_1_half = q.wrapping_add(BoxedUint::one_with_precision(self.precision)).shr_vartime(1)?;
        let mut m = s;
        let mut c = z.pow(&q);
        let mut t = value.pow(&q);
        let mut r = value.pow(&q_plus_1_half);
        // Each round lowers m, so the loop ends within s rounds.
        while t != one {
            let mut i = 0;
            let mut t2i = t.clone();
            while t2i != one {
                t2i = t2i.square();
                i += 1;
                if i >= m {
                    return None;
                }
            }
            let mut b = c.clone();
            for _ in 0..(m - i - 1) {
                b = b.square();
            }
            m = i;
            c = b.square();
            t = &t * &c;
            r = &r * &b;
        }
        Some(r)
    }
}

/// `value` at `precision` bits, `None` when it does not fit.
pub(super) fn resize(value: &BoxedUint, precision: u32) -> Option<BoxedUint> {
    if value.bits_precision() == precision {
        return Some(value.clone());
    }
    if value.bits_vartime() > precision {
        return None;
    }
    let bytes = value.to_be_bytes();
    uint_from_be(&bytes, precision)
}

/// An integer of big-endian bytes (OS2I, TR-03111 §3.1.2) at `precision` bits; leading zero bytes beyond the
/// precision are allowed, `None` when the value does not fit.
pub(super) fn uint_from_be(bytes: &[u8], precision: u32) -> Option<BoxedUint> {
    let room = precision.div_ceil(8) as usize;
    let (high, low) = bytes.split_at_checked(bytes.len().saturating_sub(room))?;
    if high.iter().any(|&b| b != 0) {
        return None;
    }
    BoxedUint::from_be_slice(low, precision).ok()
}

/// The last `len` bytes of the big-endian encoding of `value` (I2OS), left-padded with zeros; the caller knows the
/// value fits.
pub(super) fn uint_to_be(value: &BoxedUint, len: usize) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes.get(bytes.len().saturating_sub(len)..).unwrap_or_default());
    out
}
