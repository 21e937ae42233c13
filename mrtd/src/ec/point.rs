//! Points of a curve: SEC 1 encoding and decoding (SEC 1 §2.3.3-§2.3.4; BSI TR-03111 §3.2), and the group law with
//! the complete formulas of Renes, Costello and Batina (Complete addition formulas for prime order elliptic curves,
//! EUROCRYPT 2016, algorithms 1 and 3), which have no exceptional case for any input on a curve of odd order: the
//! same code adds, doubles and handles the point at infinity, so scalar multiplication needs no branches.

use crypto_bigint::BoxedUint;
use crypto_bigint::ctutils::{Choice, CtSelect};
use zeroize::Zeroize;

use super::curve::{Curve, Inner};
use super::field::{Fe, Field};
use crate::error::EcError;

/// A point of a curve, or the point at infinity. It carries its curve; its coordinates are wiped on drop, since
/// a shared point (PACE's `H`, an ECDH result) is secret.
#[derive(Clone)]
pub struct Point {
    curve: Curve,
    affine: Option<(Fe, Fe)>,
}

/// Homogeneous projective coordinates `(X : Y : Z)` for `(X/Z, Y/Z)`; the point at infinity is `(0 : 1 : 0)`.
#[derive(Clone)]
pub(super) struct Projective {
    x: Fe,
    y: Fe,
    z: Fe,
}

/// `y^2 = x^3 + ax + b`.
pub(super) fn on_curve(a: &Fe, b: &Fe, x: &Fe, y: &Fe) -> bool {
    let rhs = &(&(&x.square() + a) * x) + b;
    y.square() == rhs
}

/// The affine coordinates of a SEC 1 encoded point (§2.3.4), refusing the point at infinity, coordinates `>= p`,
/// points off the curve and the hybrid form (no protocol here uses it).
pub(super) fn decode(fp: &Field, a: &Fe, b: &Fe, bytes: &[u8]) -> Result<(Fe, Fe), EcError> {
    let len = fp.len();
    let (&tag, rest) = bytes.split_first().ok_or(EcError::InvalidPoint("encoding is empty"))?;
    match tag {
        0x00 => Err(EcError::InvalidPoint("is the point at infinity")),
        0x04 => {
            if rest.len() != 2 * len {
                return Err(EcError::InvalidPoint("uncompressed encoding has the wrong length"));
            }
            let (x, y) = rest.split_at_checked(len).ok_or(EcError::InvalidPoint("encoding cut short"))?;
            let x = fp.decode(x).ok_or(EcError::InvalidPoint("x coordinate not below p"))?;
            let y = fp.decode(y).ok_or(EcError::InvalidPoint("y coordinate not below p"))?;
            if !on_curve(a, b, &x, &y) {
                return Err(EcError::InvalidPoint("is not on the curve"));
            }
            Ok((x, y))
        }
        0x02 | 0x03 => {
            if rest.len() != len {
                return Err(EcError::InvalidPoint("compressed encoding has the wrong length"));
            }
            let x = fp.decode(rest).ok_or(EcError::InvalidPoint("x coordinate not below p"))?;
            let rhs = &(&(&x.square() + a) * &x) + b;
            let y = fp.sqrt(&rhs).ok_or(EcError::InvalidPoint("is not on the curve"))?;
            let odd = y.retrieve().bit_vartime(0);
            let y = if odd == (tag == 0x03) { y } else { y.neg() };
            Ok((x, y))
        }
        _ => Err(EcError::InvalidPoint("encoding has an unknown or hybrid form")),
    }
}

impl Projective {
    pub(super) fn identity(fp: &Field) -> Self {
        Self { x: fp.zero(), y: fp.one(), z: fp.zero() }
    }

    pub(super) fn from_affine(fp: &Field, x: &Fe, y: &Fe) -> Self {
        Self { x: x.clone(), y: y.clone(), z: fp.one() }
    }

    fn is_identity(&self) -> bool {
        self.z.is_zero().to_bool()
    }

    /// Complete addition, RCB algorithm 1 (any `a`): 12M + 3 mul by a + 2 mul by 3b.
    fn add(&self, rhs: &Self, curve: &Inner) -> Self {
        let (a, b3) = (&curve.a, &curve.b3);
        let t0 = &self.x * &rhs.x;
        let t1 = &self.y * &rhs.y;
        let t2 = &self.z * &rhs.z;
        let t3 = &(&self.x + &self.y) * &(&rhs.x + &rhs.y);
        let t4 = &t0 + &t1;
        let t3 = &t3 - &t4;
        let t4 = &(&self.x + &self.z) * &(&rhs.x + &rhs.z);
        let t5 = &t0 + &t2;
        let t4 = &t4 - &t5;
        let t5 = &(&self.y + &self.z) * &(&rhs.y + &rhs.z);
        let x3 = &t1 + &t2;
        let t5 = &t5 - &x3;
        let z3 = a * &t4;
        let x3 = b3 * &t2;
        let z3 = &x3 + &z3;
        let x3 = &t1 - &z3;
        let z3 = &t1 + &z3;
        let y3 = &x3 * &z3;
        let t1 = &(&t0 + &t0) + &t0;
        let t2 = a * &t2;
        let t4 = b3 * &t4;
        let t1 = &t1 + &t2;
        let t2 = &t0 - &t2;
        let t2 = a * &t2;
        let t4 = &t4 + &t2;
        let t0 = &t1 * &t4;
        let y3 = &y3 + &t0;
        let t0 = &t5 * &t4;
        let x3 = &t3 * &x3;
        let x3 = &x3 - &t0;
        let t0 = &t3 * &t1;
        let z3 = &t5 * &z3;
        let z3 = &z3 + &t0;
        Self { x: x3, y: y3, z: z3 }
    }

    /// Complete doubling, RCB algorithm 3 (any `a`).
    fn double(&self, curve: &Inner) -> Self {
        let (a, b3) = (&curve.a, &curve.b3);
        let t0 = self.x.square();
        let t1 = self.y.square();
        let t2 = self.z.square();
        let t3 = &self.x * &self.y;
        let t3 = &t3 + &t3;
        let z3 = &self.x * &self.z;
        let z3 = &z3 + &z3;
        let x3 = a * &z3;
        let y3 = b3 * &t2;
        let y3 = &x3 + &y3;
        let x3 = &t1 - &y3;
        let y3 = &t1 + &y3;
        let y3 = &x3 * &y3;
        let x3 = &t3 * &x3;
        let z3 = b3 * &z3;
        let t2 = a * &t2;
        let t3 = &t0 - &t2;
        let t3 = a * &t3;
        let t3 = &t3 + &z3;
        let z3 = &t0 + &t0;
        let t0 = &z3 + &t0;
        let t0 = &t0 + &t2;
        let t0 = &t0 * &t3;
        let y3 = &y3 + &t0;
        let t2 = &self.y * &self.z;
        let t2 = &t2 + &t2;
        let t0 = &t2 * &t3;
        let x3 = &x3 - &t0;
        let z3 = &t2 * &t1;
        let z3 = &z3 + &z3;
        let z3 = &z3 + &z3;
        Self { x: x3, y: y3, z: z3 }
    }

    fn swap(&mut self, other: &mut Self, choice: Choice) {
        self.x.ct_swap(&mut other.x, choice);
        self.y.ct_swap(&mut other.y, choice);
        self.z.ct_swap(&mut other.z, choice);
    }

    /// `k P` by a Montgomery ladder over the `bits` low bits of `k`: the same additions and doublings whatever
    /// the bits, with constant-time swaps, for secret scalars.
    pub(super) fn mul(&self, k: &BoxedUint, bits: u32, curve: &Inner) -> Self {
        let mut r0 = Self::identity(&curve.fp);
        let mut r1 = self.clone();
        for i in (0..bits).rev() {
            let bit = k.bit(i);
            r0.swap(&mut r1, bit);
            r1 = r0.add(&r1, curve);
            r0 = r0.double(curve);
            r0.swap(&mut r1, bit);
        }
        r1.zeroize();
        r0
    }

    /// `k P` by double-and-add, variable time: for public scalars only (signature verification, order checks).
    fn mul_vartime(&self, k: &BoxedUint, curve: &Inner) -> Self {
        let mut acc = Self::identity(&curve.fp);
        for i in (0..k.bits_vartime()).rev() {
            acc = acc.double(curve);
            if k.bit_vartime(i) {
                acc = acc.add(self, curve);
            }
        }
        acc
    }

    /// `u1 P + u2 Q` by Shamir's trick, variable time: ECDSA verification.
    pub(super) fn lincomb_vartime(p: &Self, u1: &BoxedUint, q: &Self, u2: &BoxedUint, curve: &Inner) -> Self {
        let pq = p.add(q, curve);
        let mut acc = Self::identity(&curve.fp);
        for i in (0..u1.bits_vartime().max(u2.bits_vartime())).rev() {
            acc = acc.double(curve);
            match (u1.bit_vartime(i), u2.bit_vartime(i)) {
                (true, true) => acc = acc.add(&pq, curve),
                (true, false) => acc = acc.add(p, curve),
                (false, true) => acc = acc.add(q, curve),
                (false, false) => {}
            }
        }
        acc
    }

    /// The affine coordinates, `None` for the point at infinity.
    pub(super) fn to_affine(&self) -> Option<(Fe, Fe)> {
        let z_inv = self.z.invert().into_option()?;
        Some((&self.x * &z_inv, &self.y * &z_inv))
    }
}

impl Zeroize for Projective {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

impl Point {
    pub(super) fn from_affine(curve: Curve, affine: Option<(Fe, Fe)>) -> Self {
        Self { curve, affine }
    }

    fn from_projective(curve: &Curve, mut point: Projective) -> Self {
        let affine = if point.is_identity() { None } else { point.to_affine() };
        point.zeroize();
        Self { curve: curve.clone(), affine }
    }

    pub(super) fn projective(&self) -> Projective {
        match &self.affine {
            Some((x, y)) => Projective::from_affine(&self.curve.0.fp, x, y),
            None => Projective::identity(&self.curve.0.fp),
        }
    }

    pub(super) fn affine(&self) -> Option<(&Fe, &Fe)> {
        self.affine.as_ref().map(|(x, y)| (x, y))
    }

    /// The curve the point is on.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// Whether this is the point at infinity.
    pub fn is_identity(&self) -> bool {
        self.affine.is_none()
    }

    /// The x coordinate, [`Curve::field_size`] bytes (FE2OS); `None` for the point at infinity. The x coordinate of
    /// a Diffie-Hellman point is the shared secret (BSI TR-03111 §4.3.1).
    pub fn x(&self) -> Option<Vec<u8>> {
        self.affine.as_ref().map(|(x, _)| self.curve.0.fp.to_be_bytes(x))
    }

    /// The y coordinate, [`Curve::field_size`] bytes; `None` for the point at infinity.
    pub fn y(&self) -> Option<Vec<u8>> {
        self.affine.as_ref().map(|(_, y)| self.curve.0.fp.to_be_bytes(y))
    }

    /// SEC 1 encoding (§2.3.3): `04 x y` uncompressed or `02|03 x` compressed; `00` for the point at infinity.
    pub fn to_sec1(&self, compressed: bool) -> Vec<u8> {
        let fp = &self.curve.0.fp;
        match &self.affine {
            None => vec![0x00],
            Some((x, y)) => {
                let mut out = Vec::with_capacity(1 + 2 * fp.len());
                if compressed {
                    out.push(if y.retrieve().bit_vartime(0) { 0x03 } else { 0x02 });
                    out.extend(fp.to_be_bytes(x));
                } else {
                    out.push(0x04);
                    out.extend(fp.to_be_bytes(x));
                    out.extend(fp.to_be_bytes(y));
                }
                out
            }
        }
    }

    /// The uncompressed encoding `04 x y`, the form ICAO 9303-11 uses for public keys (§9.4.4, data object `86`).
    pub fn to_uncompressed(&self) -> Vec<u8> {
        self.to_sec1(false)
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`EcError::CurveMismatch`] when the points are of different groups.
    pub fn add(&self, other: &Point) -> Result<Point, EcError> {
        if !self.curve.same_group(&other.curve) {
            return Err(EcError::CurveMismatch);
        }
        let sum = self.projective().add(&other.projective(), &self.curve.0);
        Ok(Self::from_projective(&self.curve, sum))
    }

    /// `-self`.
    pub fn neg(&self) -> Point {
        let affine = self.affine.as_ref().map(|(x, y)| (x.clone(), y.neg()));
        Self { curve: self.curve.clone(), affine }
    }

    /// `k self` for a public scalar given big-endian (taken modulo `n`), such as the chip authentication data
    /// of PACE-CAM (ICAO 9303-11 §4.4.3.5.2). Secret scalars go through [`super::PrivateKey`].
    ///
    /// # Errors
    /// [`EcError::InvalidScalar`] when the bytes are longer than the curve's integers.
    pub fn mul_public(&self, k: &[u8]) -> Result<Point, EcError> {
        let k = super::keys::reduce_scalar(&self.curve, k)?;
        Ok(self.mul_uint(&k))
    }

    /// `k self` by the constant-time ladder, `k < n` at the curve's precision.
    pub(super) fn mul_uint(&self, k: &BoxedUint) -> Point {
        let bits = self.curve.order_bits();
        let product = self.projective().mul(k, bits, &self.curve.0);
        Self::from_projective(&self.curve, product)
    }

    /// `k self`, variable time, for public `k` of any size.
    pub(super) fn mul_uint_vartime(&self, k: &BoxedUint) -> Point {
        let product = self.projective().mul_vartime(k, &self.curve.0);
        Self::from_projective(&self.curve, product)
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Self) -> bool {
        self.curve.same_group(&other.curve) && self.affine == other.affine
    }
}

impl Eq for Point {}

impl Drop for Point {
    fn drop(&mut self) {
        if let Some((x, y)) = &mut self.affine {
            x.zeroize();
            y.zeroize();
        }
    }
}

impl std::fmt::Debug for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Public keys are public, but a shared point is not: print only where it lies.
        match self.affine {
            Some(_) => write!(f, "Point({:?}, ..)", self.curve),
            None => write!(f, "Point({:?}, infinity)", self.curve),
        }
    }
}
