//! Diffie-Hellman over a prime field, for PACE (ICAO 9303-11 §4.4) and Chip Authentication (§6.2) on DH domain
//! parameters: the standardized groups 0, 1 and 2 of §9.5.1 (RFC 5114 §2.1-2.3: 1024-bit p with a 160-bit q, 2048-bit
//! p with a 224-bit and a 256-bit q), explicit parameters as PKCS #3 `DHParameter` or ANSI X9.42 `DomainParameters`
//! carry them, public key validation (`1 < y < p - 1`, and `y^q = 1` when the group order `q` is known), key
//! generation from caller-supplied randomness, and the shared secret as an octet string as long as `p` (BSI TR-03111
//! §3.1.3, FE2OS).
//!
//! The arithmetic is `crypto-bigint`'s Montgomery form, whose exponentiation does not branch on the exponent's bits.
//!
//! ```text
//! DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER, privateValueLength INTEGER OPTIONAL }       PKCS #3 §9
//! DomainParameters ::= SEQUENCE { p INTEGER, g INTEGER, q INTEGER, j INTEGER OPTIONAL,
//!                                 validationParms ValidationParms OPTIONAL }                  ANSI X9.42, RFC 3279 §2.3.3
//! ```

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, NonZero, Odd, Resize};
use der::asn1::{Any, UintRef};
use der::{Decode, Tagged};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::DhError;

/// The largest modulus accepted, in bits: explicit parameters come from the chip, and an exponentiation modulo a
/// larger one would let a document stall the gate.
pub const MAX_MODULUS_BITS: u32 = 4096;

/// A prime-field Diffie-Hellman group: modulus `p`, generator `g` and, when known, the order `q` of `g`.
#[derive(Clone)]
pub struct DhGroup {
    params: BoxedMontyParams,
    p: NonZero<BoxedUint>,
    g: BoxedUint,
    q: Option<NonZero<BoxedUint>>,
    len: usize,
}

impl std::fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DhGroup")
            .field("modulus_bits", &self.p.as_ref().bits_vartime())
            .field("order_bits", &self.q.as_ref().map(|q| q.as_ref().bits_vartime()))
            .finish()
    }
}

impl PartialEq for DhGroup {
    fn eq(&self, other: &Self) -> bool {
        self.prime() == other.prime() && self.generator() == other.generator() && self.order() == other.order()
    }
}

impl Eq for DhGroup {}

/// RFC 5114 §2.1: 1024-bit MODP group with 160-bit prime order subgroup (PACE standardized parameters 0).
const RFC5114_1024_160: [&str; 3] = [
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324\
     975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68C\
     FDA76D4DA708DF1FB2BC2E4A4371",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E\
     91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F\
     4DCEF97C2A24855E6EEB22B3B2E5",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
];

/// RFC 5114 §2.2: 2048-bit MODP group with 224-bit prime order subgroup (PACE standardized parameters 1).
const RFC5114_2048_224: [&str; 3] = [
    "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1D\
     E6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00\
     E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93A\
     CC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C1\
     6B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C5\
     7DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6\
     C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183\
     EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C\
     71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
];

/// RFC 5114 §2.3: 2048-bit MODP group with 256-bit prime order subgroup (PACE standardized parameters 2).
const RFC5114_2048_256: [&str; 3] = [
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3B\
     F4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39\
     A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144\
     E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330\
     C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC\
     3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E6\
     7982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B\
     1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F630784\
     90F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
];

fn unhex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks_exact(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok().and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// The big-endian bytes without leading zeros.
fn trim(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(zeros..).unwrap_or_default()
}

/// `bytes` as an integer of `bits` precision, or `None` when it does not fit.
fn uint(bytes: &[u8], bits: u32) -> Option<BoxedUint> {
    BoxedUint::from_be_slice(trim(bytes), bits).ok()
}

impl DhGroup {
    /// The standardized DH group with PACE parameter id `id` (9303-11 §9.5.1, Table 30): 0, 1 or 2.
    pub fn standardized(id: u32) -> Option<Self> {
        let [p, g, q] = match id {
            0 => RFC5114_1024_160,
            1 => RFC5114_2048_224,
            2 => RFC5114_2048_256,
            _ => return None,
        };
        Self::new(&unhex(p), &unhex(g), Some(&unhex(q))).ok()
    }

    /// A group from its modulus, generator and, when known, the generator's order, all big-endian.
    ///
    /// # Errors
    /// [`DhError::Parameters`] when `p` is even, at most 3 or above [`MAX_MODULUS_BITS`], `g` is not in
    /// `[2, p - 2]`, or `q` is not in `[2, p)`; primality is not tested (the parameters are signed with the rest of
    /// the SecurityInfos, or standardized).
    pub fn new(p: &[u8], g: &[u8], q: Option<&[u8]>) -> Result<Self, DhError> {
        let p = trim(p);
        let len = p.len();
        let bits = u32::try_from(len * 8).map_err(|_| DhError::Parameters("modulus too large"))?;
        if bits > MAX_MODULUS_BITS {
            return Err(DhError::Parameters("modulus too large"));
        }
        let p_uint = BoxedUint::from_be_slice_vartime(p);
        let prec = p_uint.bits_precision();
        let odd: Odd<BoxedUint> =
            Option::from(Odd::new(p_uint.clone())).ok_or(DhError::Parameters("modulus is even"))?;
        if p_uint.bits_vartime() < 3 {
            return Err(DhError::Parameters("modulus too small"));
        }
        let params = BoxedMontyParams::new_vartime(odd);
        let p_nz: NonZero<BoxedUint> =
            Option::from(NonZero::new(p_uint.clone())).ok_or(DhError::Parameters("modulus is zero"))?;
        let g = uint(g, prec).ok_or(DhError::Parameters("generator longer than the modulus"))?;
        let q = match q {
            None => None,
            Some(q) => {
                let q = uint(q, prec).ok_or(DhError::Parameters("order longer than the modulus"))?;
                if q >= p_uint || q.bits_vartime() < 2 {
                    return Err(DhError::Parameters("order not below the modulus"));
                }
                Some(Option::from(NonZero::new(q)).ok_or(DhError::Parameters("order is zero"))?)
            }
        };
        let group = Self { params, p: p_nz, g, q, len };
        if !group.in_open_range(&group.g) {
            return Err(DhError::Parameters("generator not in [2, p - 2]"));
        }
        Ok(group)
    }

    /// Parses ANSI X9.42 `DomainParameters` (the `parameters` of a `dhpublicnumber` AlgorithmIdentifier): `p`,
    /// `g` and the order `q`.
    ///
    /// # Errors
    /// [`DhError::Parameters`] when the structure is malformed or the values unusable.
    pub fn from_x942_der(der: &[u8]) -> Result<Self, DhError> {
        match integers(der)?.as_slice() {
            [p, g, q, ..] => Self::new(p, g, Some(q)),
            _ => Err(DhError::Parameters("X9.42 parameters without p, g and q")),
        }
    }

    /// Parses PKCS #3 `DHParameter` (the `parameters` of a `dhKeyAgreement` AlgorithmIdentifier): `p` and `g`;
    /// the order is unknown, so public keys are checked for range only.
    ///
    /// # Errors
    /// [`DhError::Parameters`] when the structure is malformed or the values unusable.
    pub fn from_pkcs3_der(der: &[u8]) -> Result<Self, DhError> {
        match integers(der)?.as_slice() {
            [p, g, ..] => Self::new(p, g, None),
            _ => Err(DhError::Parameters("PKCS #3 parameters without prime and base")),
        }
    }

    /// The length of `p` in bytes: the length of public keys and shared secrets.
    pub fn prime_len(&self) -> usize {
        self.len
    }

    /// `p`, big-endian, [`Self::prime_len`] bytes.
    pub fn prime(&self) -> Vec<u8> {
        self.fixed(self.p.as_ref())
    }

    /// `g`, big-endian, [`Self::prime_len`] bytes.
    pub fn generator(&self) -> Vec<u8> {
        self.fixed(&self.g)
    }

    /// `q`, big-endian without leading zeros, when known.
    pub fn order(&self) -> Option<Vec<u8>> {
        self.q.as_ref().map(|q| trim(&q.as_ref().to_be_bytes()).to_vec())
    }

    /// The same group with another generator (the mapped generator of PACE).
    ///
    /// # Errors
    /// [`DhError::Parameters`] when `g` is not in `[2, p - 2]`.
    pub fn with_generator(&self, g: &[u8]) -> Result<Self, DhError> {
        let g = uint(g, self.prec()).ok_or(DhError::Parameters("generator longer than the modulus"))?;
        if !self.in_open_range(&g) {
            return Err(DhError::Parameters("generator not in [2, p - 2]"));
        }
        Ok(Self { g, ..self.clone() })
    }

    fn prec(&self) -> u32 {
        self.p.as_ref().bits_precision()
    }

    fn fixed(&self, x: &BoxedUint) -> Vec<u8> {
        let bytes = x.to_be_bytes();
        let skip = bytes.len().saturating_sub(self.len);
        bytes.get(skip..).map(<[u8]>::to_vec).unwrap_or_default()
    }

    /// `1 < x < p - 1`.
    fn in_open_range(&self, x: &BoxedUint) -> bool {
        let one = BoxedUint::one_with_precision(self.prec());
        let p_minus_1 = self.p.as_ref().wrapping_sub(&one);
        *x > one && *x < p_minus_1
    }

    fn monty(&self, x: BoxedUint) -> BoxedMontyForm {
        BoxedMontyForm::new(x, &self.params)
    }

    /// Reduces an integer of any length modulo `p`.
    fn reduce(&self, bytes: &[u8]) -> BoxedUint {
        let x = BoxedUint::from_be_slice_vartime(trim(bytes));
        let x = if x.bits_precision() < self.prec() { x.resize_unchecked(self.prec()) } else { x };
        x.rem(&self.p)
    }

    fn exponent(bytes: &[u8]) -> BoxedUint {
        BoxedUint::from_be_slice_vartime(trim(bytes))
    }

    /// Checks a public value received from the peer, `1 < y < p - 1` and `y^q = 1` when `q` is known, and returns it
    /// as an integer: a value of small order would force the shared secret into a handful of values, and one
    /// outside the subgroup would leak bits of our exponent.
    fn public(&self, y: &[u8]) -> Result<BoxedUint, DhError> {
        let y = uint(y, self.prec()).ok_or(DhError::PublicKey)?;
        if !self.in_open_range(&y) {
            return Err(DhError::PublicKey);
        }
        if let Some(q) = &self.q {
            let one = BoxedMontyForm::one(&self.params);
            if self.monty(y.clone()).pow(q.as_ref()) != one {
                return Err(DhError::PublicKey);
            }
        }
        Ok(y)
    }

    /// Checks a peer's public value without using it.
    ///
    /// # Errors
    /// [`DhError::PublicKey`] when it is out of range or outside the subgroup of order `q`.
    pub fn check_public_key(&self, y: &[u8]) -> Result<(), DhError> {
        self.public(y).map(|_| ())
    }

    /// The public key `g^x mod p` of a private key, [`Self::prime_len`] bytes.
    pub fn public_key(&self, private: &DhPrivateKey) -> Vec<u8> {
        let mut x = Self::exponent(&private.0);
        let y = self.monty(self.g.clone()).pow(&x).retrieve();
        x.zeroize();
        self.fixed(&y)
    }

    /// The shared secret `y^x mod p` with the peer's public key `y`, [`Self::prime_len`] bytes (9303-11 §4.4.1,
    /// §6.2.3).
    ///
    /// # Errors
    /// [`DhError::PublicKey`] when the peer's key fails [`Self::check_public_key`], [`DhError::Degenerate`] when the
    /// secret is 1 (a key of small order slipped through an unknown `q`).
    pub fn shared_secret(&self, private: &DhPrivateKey, peer: &[u8]) -> Result<SharedSecret, DhError> {
        let y = self.public(peer)?;
        let mut x = Self::exponent(&private.0);
        let mut k = self.monty(y).pow(&x).retrieve();
        x.zeroize();
        let usable = self.in_open_range(&k);
        let secret = SharedSecret(self.fixed(&k));
        k.zeroize();
        if !usable {
            return Err(DhError::Degenerate);
        }
        Ok(secret)
    }

    /// Generic Mapping (9303-11 §4.4.3.3.1): the group with generator `g~ = g^s * H mod p`, where `s` is the PACE
    /// nonce and `H` the mapping's shared secret.
    ///
    /// # Errors
    /// [`DhError::Degenerate`] when `g~` is 0, 1 or `p - 1`.
    pub fn generic_mapping(&self, nonce: &[u8], h: &SharedSecret) -> Result<Self, DhError> {
        let mut s = Self::exponent(nonce);
        let mut h = uint(&h.0, self.prec()).ok_or(DhError::Degenerate)?;
        let g = self.monty(self.g.clone()).pow(&s).mul(&self.monty(h.clone())).retrieve();
        s.zeroize();
        h.zeroize();
        if !self.in_open_range(&g) {
            return Err(DhError::Degenerate);
        }
        Ok(Self { g, ..self.clone() })
    }

    /// Integrated Mapping (9303-11 §4.4.3.3.2, Appendix H.2): the group with generator
    /// `g~ = R_p(s, t)^((p - 1) / q) mod p`, where `r` is the output of the pseudo-random function `R(s, t)`.
    ///
    /// # Errors
    /// [`DhError::Parameters`] when `q` is unknown; [`DhError::Degenerate`] when `g~` is 1.
    pub fn integrated_mapping(&self, r: &[u8]) -> Result<Self, DhError> {
        let q = self.q.as_ref().ok_or(DhError::Parameters("integrated mapping needs the group order"))?;
        let one = BoxedUint::one_with_precision(self.prec());
        let cofactor = self.p.as_ref().wrapping_sub(&one).div_rem(q).0;
        let x = self.reduce(r);
        let g = self.monty(x).pow(&cofactor).retrieve();
        if !self.in_open_range(&g) {
            return Err(DhError::Degenerate);
        }
        Ok(Self { g, ..self.clone() })
    }
}

/// The leading INTEGERs of a SEQUENCE, up to four; X9.42's ValidationParms, the only other member, is not needed.
fn integers(der: &[u8]) -> Result<Vec<Vec<u8>>, DhError> {
    let seq = Any::from_der(der).map_err(|_| DhError::Parameters("not DER"))?;
    if seq.tag() != der::Tag::Sequence {
        return Err(DhError::Parameters("not a SEQUENCE"));
    }
    let mut reader = der::SliceReader::new(seq.value()).map_err(|_| DhError::Parameters("not DER"))?;
    let mut ints = Vec::new();
    while !der::Reader::is_finished(&reader) && ints.len() < 4 {
        let any: Any = der::Decode::decode(&mut reader).map_err(|_| DhError::Parameters("not DER"))?;
        if any.tag() != der::Tag::Integer {
            break;
        }
        let int = any.decode_as::<UintRef<'_>>().map_err(|_| DhError::Parameters("negative or malformed INTEGER"))?;
        ints.push(int.as_bytes().to_vec());
    }
    Ok(ints)
}

/// A Diffie-Hellman private exponent, wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DhPrivateKey(Vec<u8>);

impl std::fmt::Debug for DhPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DhPrivateKey(..)")
    }
}

impl DhPrivateKey {
    /// A private exponent as it is, big-endian (the worked examples' keys).
    ///
    /// # Errors
    /// [`DhError::PrivateKey`] when it is zero or longer than 512 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DhError> {
        let bytes = trim(bytes);
        if bytes.is_empty() || bytes.len() > 512 {
            return Err(DhError::PrivateKey);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// The exponent, big-endian without leading zeros, wiped when dropped.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        zeroize::Zeroizing::new(self.0.clone())
    }

    /// A private exponent for `group` from uniformly random bytes: reduced into `[1, q - 1]` when `q` is known, which
    /// needs at least 8 bytes more than `q` has so that the reduction's bias is negligible; taken as it is otherwise,
    /// which needs at least 32 bytes.
    ///
    /// # Errors
    /// [`DhError::PrivateKey`] when `random` is too short.
    pub fn generate(group: &DhGroup, random: &[u8]) -> Result<Self, DhError> {
        match &group.q {
            Some(q) => {
                let q_len = trim(&q.as_ref().to_be_bytes()).len();
                if random.len() < q_len + 8 {
                    return Err(DhError::PrivateKey);
                }
                let prec = u32::try_from(random.len() * 8).map_err(|_| DhError::PrivateKey)?;
                let r = BoxedUint::from_be_slice(random, prec).map_err(|_| DhError::PrivateKey)?;
                let one = BoxedUint::one_with_precision(q.as_ref().bits_precision());
                let q_minus_1: NonZero<BoxedUint> =
                    Option::from(NonZero::new(q.as_ref().wrapping_sub(&one))).ok_or(DhError::PrivateKey)?;
                let r = if r.bits_precision() < q.as_ref().bits_precision() {
                    r.resize_unchecked(q.as_ref().bits_precision())
                } else {
                    r
                };
                let mut x = r.rem(&q_minus_1).wrapping_add(&one);
                let out = trim(&x.to_be_bytes()).to_vec();
                x.zeroize();
                Ok(Self(out))
            }
            None => {
                if random.len() < 32 {
                    return Err(DhError::PrivateKey);
                }
                Self::from_bytes(random)
            }
        }
    }
}

/// A Diffie-Hellman shared secret as a fixed-length octet string, wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct SharedSecret(Vec<u8>);

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

impl SharedSecret {
    /// Wraps a secret computed elsewhere (an ECDH x-coordinate).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bac::tests::h;
    use crate::sm::tests::vector_file;

    #[test]
    fn standardized_groups_are_consistent() {
        // RFC 5114 §2.1-2.3: g has order q, so g^q = 1; a wrong digit anywhere would break it.
        for (id, bits, q_bits) in [(0, 1024, 160), (1, 2048, 224), (2, 2048, 256)] {
            let group = DhGroup::standardized(id).unwrap();
            assert_eq!(group.prime_len() * 8, bits);
            assert_eq!(group.order().unwrap().len() * 8, q_bits);
            group.check_public_key(&group.generator()).unwrap();
            assert_eq!(format!("{group:?}"), format!("DhGroup {{ modulus_bits: {bits}, order_bits: Some({q_bits}) }}"));
        }
        assert!(DhGroup::standardized(3).is_none());
    }

    #[test]
    fn appendix_g2_key_agreement() {
        // ICAO 9303-11 App. G.2 (testdata/icao/vectors/icao9303_p11_appG_pace_gm.json, G2_DH), group 0.
        let Some(v) = vector_file("icao9303_p11_appG_pace_gm.json") else { return };
        let g2 = &v["G2_DH"];
        let group = DhGroup::standardized(0).unwrap();
        let sk_map_ifd = DhPrivateKey::from_bytes(&h(&g2["SK_map_IFD"])).unwrap();
        let sk_map_ic = DhPrivateKey::from_bytes(&h(&g2["SK_map_IC"])).unwrap();
        assert_eq!(group.public_key(&sk_map_ifd), h(&g2["PK_map_IFD"]));
        assert_eq!(group.public_key(&sk_map_ic), h(&g2["PK_map_IC"]));
        let hh = group.shared_secret(&sk_map_ifd, &h(&g2["PK_map_IC"])).unwrap();
        assert_eq!(hh.as_bytes(), &h(&g2["H"])[..]);
        assert_eq!(group.shared_secret(&sk_map_ic, &h(&g2["PK_map_IFD"])).unwrap(), hh);
        let mapped = group.generic_mapping(&h(&g2["nonce_s"]), &hh).unwrap();
        assert_eq!(mapped.generator(), h(&g2["g_mapped"]));
        let sk_ifd = DhPrivateKey::from_bytes(&h(&g2["SK_IFD"])).unwrap();
        // PK_IFD is printed with a leading zero byte; the value is 128 bytes.
        assert_eq!(mapped.public_key(&sk_ifd), trim(&h(&g2["PK_IFD"])));
        let k = mapped.shared_secret(&sk_ifd, &h(&g2["PK_IC"])).unwrap();
        assert_eq!(k.as_bytes(), &h(&g2["K_shared"])[..]);
    }

    #[test]
    fn bad_public_keys_and_parameters_are_refused() {
        let group = DhGroup::standardized(0).unwrap();
        let p = group.prime();
        let mut p_minus_1 = p.clone();
        *p_minus_1.last_mut().unwrap() -= 1;
        for bad in [vec![0], vec![1], p_minus_1.clone(), p.clone(), vec![0xFF; 129], vec![2]] {
            assert_eq!(group.check_public_key(&bad), Err(DhError::PublicKey), "{bad:02X?}");
        }
        // Without q, 2 is a fine public value; with q, it is outside the subgroup.
        let no_q = DhGroup::new(&p, &group.generator(), None).unwrap();
        no_q.check_public_key(&[2]).unwrap();
        assert!(DhGroup::new(&[0x10, 0], &[2], None).is_err());
        assert!(DhGroup::new(&p, &[1], None).is_err());
        assert!(DhGroup::new(&p, &p_minus_1, None).is_err());
        assert!(DhGroup::new(&p, &[2], Some(&p)).is_err());
        assert!(DhGroup::new(&vec![0xFF; 600], &[2], None).is_err());
        assert!(DhPrivateKey::from_bytes(&[0, 0]).is_err());
        assert!(DhPrivateKey::generate(&group, &[1; 27]).is_err());
        let x = DhPrivateKey::generate(&group, &[0xFF; 28]).unwrap();
        assert!(x.0.len() <= 20);
        assert_eq!(format!("{x:?}"), "DhPrivateKey(..)");
        assert_eq!(group.with_generator(&[1]), Err(DhError::Parameters("generator not in [2, p - 2]")));
    }

    #[test]
    fn parses_pkcs3_and_x942() {
        let group = DhGroup::standardized(2).unwrap();
        let int = |v: &[u8]| {
            let mut body = v.to_vec();
            if body[0] & 0x80 != 0 {
                body.insert(0, 0);
            }
            crate::tlv::to_vec(crate::tlv::Tag(0x02), &body)
        };
        let x942 = [int(&group.prime()), int(&group.generator()), int(&group.order().unwrap())].concat();
        let parsed = DhGroup::from_x942_der(&crate::tlv::to_vec(crate::tlv::Tag(0x30), &x942)).unwrap();
        assert_eq!(parsed, group);
        let pkcs3 = [int(&group.prime()), int(&group.generator()), int(&[0x01, 0x00])].concat();
        let parsed = DhGroup::from_pkcs3_der(&crate::tlv::to_vec(crate::tlv::Tag(0x30), &pkcs3)).unwrap();
        assert_eq!(parsed.order(), None);
        assert_eq!(parsed.prime(), group.prime());
        assert!(DhGroup::from_pkcs3_der(&[0x30, 0x03, 0x02, 0x01, 0x05]).is_err());
        assert!(DhGroup::from_x942_der(&crate::tlv::to_vec(crate::tlv::Tag(0x30), &pkcs3[..pkcs3.len() - 4])).is_err());
        assert!(DhGroup::from_x942_der(&[0x31, 0x00]).is_err());
    }
}
