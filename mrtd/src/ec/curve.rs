//! Elliptic curve domain parameters `(p, a, b, G, n, h)` over a prime field (BSI TR-03111 §2.3, SEC 1 §3.1.1), held at
//! run time so that one implementation serves every named curve and the explicit curves of real certificates.

use std::sync::Arc;

use crypto_bigint::BoxedUint;

use super::curves::NamedCurve;
use super::field::{Fe, Field, uint_from_be};
use super::point::{Point, Projective};
use crate::error::EcError;

/// The smallest field accepted for an explicit curve: 9303-11 §9.5.1's smallest curve has 192 bits; 160 leaves room
/// for older certificates and keeps toy curves out.
const MIN_FIELD_BITS: u32 = 160;
/// The largest field accepted: P-521 is the largest curve any standard of the domain names.
const MAX_FIELD_BITS: u32 = 521;

/// Elliptic curve domain parameters, cheap to clone (shared). Points, keys and signatures carry their curve.
#[derive(Clone)]
pub struct Curve(pub(super) Arc<Inner>);

pub(super) struct Inner {
    /// The table entry when the parameters are exactly one (whether they came by name or explicitly).
    pub(super) named: Option<NamedCurve>,
    pub(super) fp: Field,
    /// The field of scalars, modulo the order `n` of the base point.
    pub(super) fq: Field,
    pub(super) a: Fe,
    pub(super) b: Fe,
    /// `3 b`, which the complete formulas use.
    pub(super) b3: Fe,
    pub(super) gx: Fe,
    pub(super) gy: Fe,
    pub(super) cofactor: u64,
}

/// Explicit domain parameters as big-endian integers, the way X9.62's SpecifiedECDomain and BSI TR-03111 §2.3
/// list them.
#[derive(Debug, Clone, Copy)]
pub struct DomainParameters<'a> {
    /// The field's prime `p`.
    pub p: &'a [u8],
    /// The coefficient `a` of `y^2 = x^3 + ax + b`.
    pub a: &'a [u8],
    /// The coefficient `b`.
    pub b: &'a [u8],
    /// The base point `G`, SEC 1 encoded (compressed or uncompressed).
    pub generator: &'a [u8],
    /// The order `n` of `G`.
    pub order: &'a [u8],
    /// The cofactor `h`. X9.62 makes it optional; absent, it is taken as 1, which the size of `n` must then bear out.
    pub cofactor: Option<&'a [u8]>,
}

fn hex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16).unwrap_or_default() as u8;
            match pair {
                [hi, lo] => digit(*hi) << 4 | digit(*lo),
                _ => 0,
            }
        })
        .collect()
}

fn trim(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(zeros..).unwrap_or_default()
}

fn precision_for(bits: u32) -> u32 {
    bits.div_ceil(64).max(1) * 64
}

impl Curve {
    /// The curve of a table entry. The constants are the standards'; the unit tests check every one of them
    /// (on the curve, order n), so building them cannot fail.
    #[allow(clippy::expect_used, reason = "constants from the standards, each checked by a unit test")]
    pub(super) fn from_table(named: NamedCurve) -> Self {
        let c = named.constants();
        let mut generator = vec![0x04];
        generator.extend(hex(c.gx));
        generator.extend(hex(c.gy));
        let (p, a, b, n) = (hex(c.p), hex(c.a), hex(c.b), hex(c.n));
        let params = DomainParameters { p: &p, a: &a, b: &b, generator: &generator, order: &n, cofactor: None };
        let mut inner = Self::build(&params).expect("the table's constants describe a curve");
        inner.named = Some(named);
        Self(Arc::new(inner))
    }

    /// The curve of a named-curve object identifier (the `namedCurve` choice of ECParameters).
    ///
    /// # Errors
    /// [`EcError::UnknownCurve`] when the identifier is not in the table.
    pub fn from_oid(oid: &der::asn1::ObjectIdentifier) -> Result<Self, EcError> {
        NamedCurve::from_oid(oid).map(NamedCurve::curve).ok_or(EcError::UnknownCurve(*oid))
    }

    /// The curve of a standardized domain parameter id (ICAO 9303-11 §9.5.1).
    ///
    /// # Errors
    /// [`EcError::UnknownParameterId`] for ids 0-2 (the MODP groups) and reserved ids.
    pub fn from_parameter_id(id: u8) -> Result<Self, EcError> {
        NamedCurve::from_parameter_id(id).map(NamedCurve::curve).ok_or(EcError::UnknownParameterId(id))
    }

    /// The curve of explicit domain parameters. Parameters equal to a table entry give that entry (so that
    /// [`Curve::named_curve`] tells it). Others are accepted when they describe a sound curve: `p` a prime of 160 to
    /// 521 bits, `a, b < p`, `4a^3 + 27b^2 != 0`, `G` on the curve, `n` a prime of at least 160 bits with
    /// `nG = O`, a cofactor that with `n` matches the field size (Hasse), and an odd cofactor (the complete addition
    /// formulas need a curve without points of order two).
    /// The primality tests take milliseconds; they run only for curves outside the table.
    ///
    /// # Errors
    /// [`EcError::InvalidParameters`] or [`EcError::UnsupportedParameters`] naming the first check that failed;
    /// [`EcError::InvalidPoint`] when `G` does not decode.
    pub fn from_domain_parameters(params: &DomainParameters<'_>) -> Result<Self, EcError> {
        let candidate = Self::build(params)?;
        for named in NamedCurve::ALL {
            let table = named.curve();
            if table.0.fp.modulus() == candidate.fp.modulus()
                && table.0.fq.modulus() == candidate.fq.modulus()
                && table.0.a == candidate.a
                && table.0.b == candidate.b
                && table.0.cofactor == candidate.cofactor
            {
                if table.0.gx == candidate.gx && table.0.gy == candidate.gy {
                    return Ok(table);
                }
                // The table's group with another base point: the group is sound, only G needs checking.
                let curve = Self(Arc::new(candidate));
                curve.check_order()?;
                return Ok(curve);
            }
        }
        let bits = candidate.fp.bits();
        if !(MIN_FIELD_BITS..=MAX_FIELD_BITS).contains(&bits) {
            return Err(EcError::UnsupportedParameters("field size outside 160 to 521 bits"));
        }
        if candidate.fq.bits() < MIN_FIELD_BITS {
            return Err(EcError::InvalidParameters("order below 160 bits"));
        }
        // Hasse: h n is within 2 sqrt(p) of p + 1, so its bit length is that of p, give or take one.
        let h_bits = u64::BITS - candidate.cofactor.leading_zeros();
        if (candidate.fq.bits() + h_bits).abs_diff(bits + 1) > 1 {
            return Err(EcError::InvalidParameters("order and cofactor do not match the field size"));
        }
        if !crypto_primes::is_prime(crypto_primes::Flavor::Any, candidate.fp.modulus()) {
            return Err(EcError::InvalidParameters("p is not prime"));
        }
        if !crypto_primes::is_prime(crypto_primes::Flavor::Any, candidate.fq.modulus()) {
            return Err(EcError::InvalidParameters("order is not prime"));
        }
        // 4a^3 + 27b^2 = 0 makes a singular curve, whose discrete logarithm is easy.
        let discriminant = &(&candidate.fp.small(4) * &candidate.a.square()) * &candidate.a
            + &candidate.fp.small(27) * &candidate.b.square();
        if discriminant.is_zero().to_bool() {
            return Err(EcError::InvalidParameters("the curve is singular"));
        }
        let curve = Self(Arc::new(candidate));
        curve.check_order()?;
        Ok(curve)
    }

    /// `nG = O`, with `G != O` checked at decoding.
    fn check_order(&self) -> Result<(), EcError> {
        let n_g = self.generator().mul_uint_vartime(self.0.fq.modulus());
        if n_g.is_identity() { Ok(()) } else { Err(EcError::InvalidParameters("the base point's order is not n")) }
    }

    /// The structural checks every set of parameters passes, table or not.
    fn build(params: &DomainParameters<'_>) -> Result<Inner, EcError> {
        let p_bytes = trim(params.p);
        let n_bytes = trim(params.order);
        let p_bits = (p_bytes.len() * 8) as u32;
        let n_bits = (n_bytes.len() * 8) as u32;
        if p_bits > MAX_FIELD_BITS + 7 || n_bits > MAX_FIELD_BITS + 15 {
            return Err(EcError::UnsupportedParameters("field or order above 521 bits"));
        }
        let precision = precision_for(p_bits.max(n_bits));
        let p = uint_from_be(p_bytes, precision).ok_or(EcError::InvalidParameters("p too large"))?;
        let n = uint_from_be(n_bytes, precision).ok_or(EcError::InvalidParameters("order too large"))?;
        let fp = Field::new(&p, precision).ok_or(EcError::InvalidParameters("p is not an odd prime"))?;
        let fq = Field::new(&n, precision).ok_or(EcError::InvalidParameters("the order is not an odd prime"))?;
        let a = fp.decode(params.a).ok_or(EcError::InvalidParameters("a is not below p"))?;
        let b = fp.decode(params.b).ok_or(EcError::InvalidParameters("b is not below p"))?;
        let cofactor = match params.cofactor.map(trim) {
            None => 1,
            Some(bytes) if bytes.len() > 8 => return Err(EcError::UnsupportedParameters("cofactor above 2^64")),
            Some(bytes) => bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)),
        };
        if cofactor == 0 {
            return Err(EcError::InvalidParameters("cofactor 0"));
        }
        if cofactor % 2 == 0 {
            return Err(EcError::UnsupportedParameters("even cofactor"));
        }
        let (gx, gy) = super::point::decode(&fp, &a, &b, params.generator)?;
        let b3 = &b + &b.double();
        Ok(Inner { named: None, fp, fq, a, b, b3, gx, gy, cofactor })
    }

    /// The table entry these parameters are, if any.
    pub fn named_curve(&self) -> Option<NamedCurve> {
        self.0.named
    }

    /// Bytes of a field element, and of each coordinate of an encoded point (`ceil(log256 p)`).
    pub fn field_size(&self) -> usize {
        self.0.fp.len()
    }

    /// Bytes of a scalar, and of each half of a plain signature (`ceil(log256 n)`, BSI TR-03111 §5.2.1).
    pub fn order_size(&self) -> usize {
        self.0.fq.len()
    }

    /// Bits of the order `n`, to which ECDSA truncates the hash.
    pub fn order_bits(&self) -> u32 {
        self.0.fq.bits()
    }

    /// The prime `p`, big-endian, [`Curve::field_size`] bytes.
    pub fn p(&self) -> Vec<u8> {
        super::field::uint_to_be(self.0.fp.modulus(), self.0.fp.len())
    }

    /// The coefficient `a`, [`Curve::field_size`] bytes.
    pub fn a(&self) -> Vec<u8> {
        self.0.fp.to_be_bytes(&self.0.a)
    }

    /// The coefficient `b`, [`Curve::field_size`] bytes.
    pub fn b(&self) -> Vec<u8> {
        self.0.fp.to_be_bytes(&self.0.b)
    }

    /// The order `n`, [`Curve::order_size`] bytes.
    pub fn order(&self) -> Vec<u8> {
        super::field::uint_to_be(self.0.fq.modulus(), self.0.fq.len())
    }

    /// The cofactor `h`.
    pub fn cofactor(&self) -> u64 {
        self.0.cofactor
    }

    /// The base point `G`.
    pub fn generator(&self) -> Point {
        Point::from_affine(self.clone(), Some((self.0.gx.clone(), self.0.gy.clone())))
    }

    /// The point at infinity, the group's neutral element.
    pub fn identity(&self) -> Point {
        Point::from_affine(self.clone(), None)
    }

    /// A point from its SEC 1 encoding (§2.3.4; BSI TR-03111 §3.2): `04 x y` or `02|03 x`. Coordinates must be
    /// below `p` and the point on the curve; the point at infinity (`00`) is refused, since no protocol here sends it.
    ///
    /// # Errors
    /// [`EcError::InvalidPoint`] saying what is wrong.
    pub fn point_from_sec1(&self, bytes: &[u8]) -> Result<Point, EcError> {
        let (x, y) = super::point::decode(&self.0.fp, &self.0.a, &self.0.b, bytes)?;
        Ok(Point::from_affine(self.clone(), Some((x, y))))
    }

    /// A point from its affine coordinates, big-endian.
    ///
    /// # Errors
    /// [`EcError::InvalidPoint`] when a coordinate is not below `p` or the point is not on the curve.
    pub fn point_from_affine(&self, x: &[u8], y: &[u8]) -> Result<Point, EcError> {
        let fp = &self.0.fp;
        let x = fp.decode(x).ok_or(EcError::InvalidPoint("x coordinate not below p"))?;
        let y = fp.decode(y).ok_or(EcError::InvalidPoint("y coordinate not below p"))?;
        if !super::point::on_curve(&self.0.a, &self.0.b, &x, &y) {
            return Err(EcError::InvalidPoint("is not on the curve"));
        }
        Ok(Point::from_affine(self.clone(), Some((x, y))))
    }

    /// The same group with another base point: the ephemeral domain parameters of PACE's mappings (ICAO 9303-11
    /// §4.4.3.3). The point must be of order `n`, which every point but `O` is when the cofactor is 1.
    ///
    /// # Errors
    /// [`EcError::CurveMismatch`] for a point of another curve; [`EcError::InvalidPoint`] for the point at
    /// infinity or, with a cofactor, a point outside the subgroup of order `n`.
    pub fn with_generator(&self, generator: &Point) -> Result<Self, EcError> {
        if !self.same_group(generator.curve()) {
            return Err(EcError::CurveMismatch);
        }
        let (gx, gy) = generator.affine().ok_or(EcError::InvalidPoint("is the point at infinity"))?;
        if self.0.cofactor != 1 && !generator.mul_uint_vartime(self.0.fq.modulus()).is_identity() {
            return Err(EcError::InvalidPoint("is not in the subgroup of order n"));
        }
        Ok(Self(Arc::new(Inner {
            named: None,
            fp: self.0.fp.clone(),
            fq: self.0.fq.clone(),
            a: self.0.a.clone(),
            b: self.0.b.clone(),
            b3: self.0.b3.clone(),
            gx: gx.clone(),
            gy: gy.clone(),
            cofactor: self.0.cofactor,
        })))
    }

    /// PACE Generic Mapping (ICAO 9303-11 §4.4.3.3.1; BSI TR-03110-3 §A.3.4.1): the ephemeral base point
    /// `G~ = s*G + H`, from the decrypted nonce `s` (big-endian, taken modulo `n`) and the shared point `H`
    /// (from [`super::PrivateKey::shared_point`]), returned as the curve with `G~` as base point.
    ///
    /// # Errors
    /// [`EcError::CurveMismatch`] when `H` is on another curve; [`EcError::InvalidPoint`] in the negligible case
    /// that `G~` is the point at infinity.
    pub fn map_generic(&self, nonce: &[u8], shared: &Point) -> Result<Self, EcError> {
        let s = super::keys::reduce_scalar(self, nonce)?;
        let s_g = self.generator().mul_uint(&s);
        let mapped = s_g.add(shared)?;
        self.with_generator(&mapped)
    }

    /// Whether two curves are the same group (same `p, a, b, n`): points of one can be combined with points of the
    /// other. Curves that differ only in their base point (PACE's mapped curves) are the same group.
    pub fn same_group(&self, other: &Curve) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.fp.modulus() == other.0.fp.modulus()
                && self.0.fq.modulus() == other.0.fq.modulus()
                && self.0.a == other.0.a
                && self.0.b == other.0.b)
    }

    pub(super) fn precision(&self) -> u32 {
        self.0.fp.precision()
    }

    pub(super) fn scalar_field(&self) -> &Field {
        &self.0.fq
    }

    pub(super) fn projective_generator(&self) -> Projective {
        Projective::from_affine(&self.0.fp, &self.0.gx, &self.0.gy)
    }

    /// An integer of the curve's precision.
    pub(super) fn uint(&self, bytes: &[u8]) -> Option<BoxedUint> {
        uint_from_be(bytes, self.precision())
    }
}

impl PartialEq for Curve {
    /// Same group and same base point.
    fn eq(&self, other: &Self) -> bool {
        self.same_group(other)
            && self.0.cofactor == other.0.cofactor
            && self.0.gx == other.0.gx
            && self.0.gy == other.0.gy
    }
}

impl Eq for Curve {}

impl std::fmt::Debug for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.named {
            Some(named) => write!(f, "Curve({named})"),
            None => write!(f, "Curve(explicit, {} bits)", self.0.fp.bits()),
        }
    }
}
