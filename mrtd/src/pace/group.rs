//! The key agreement operations PACE and Chip Authentication need, on either kind of domain parameters: public keys
//! as the protocols encode them (an uncompressed SEC 1 point, or `y` as long as `p`, 9303-11 §9.4), checks of
//! the peer's keys, the shared secret (the x coordinate, or `y^x`), and the Generic and Integrated Mappings.
//!
//! Secrets arrive as big-endian bytes drawn by the caller and are turned into keys of the right group at each use,
//! because PACE's second key pair lives on the mapped parameters.

use zeroize::Zeroizing;

use super::Secret;
use crate::dh::{DhPrivateKey, SharedSecret};
use crate::ec::{PrivateKey, PublicKey};
use crate::error::{DhError, EcError, Error};
use crate::security_infos::Group;
use crate::tlv::Tag;

/// Why an operation failed, before the caller says whose fault it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Our own secret is unusable (a bug of the caller, never the peer's doing).
    OwnSecret,
    /// The peer's public key is not in the group.
    PeerKey,
    /// The result is degenerate.
    Degenerate,
}

/// The data object tag of a public key in PACE's and CA's messages: `86` for a point, `84` for a DH value.
pub(crate) fn public_key_tag(group: &Group) -> Tag {
    match group {
        Group::Ec(_) => Tag(0x86),
        Group::Dh(_) => Tag(0x84),
    }
}

fn ec_key(curve: &crate::ec::Curve, secret: &[u8]) -> Result<PrivateKey, Fault> {
    PrivateKey::from_bytes(curve, secret).map_err(|_| Fault::OwnSecret)
}

fn dh_key(secret: &[u8]) -> Result<DhPrivateKey, Fault> {
    DhPrivateKey::from_bytes(secret).map_err(|_| Fault::OwnSecret)
}

/// Checks that a secret is usable in `group` (a scalar in `[1, n - 1]`, a non-zero exponent).
pub(crate) fn check_secret(group: &Group, secret: &[u8]) -> Result<(), Fault> {
    match group {
        Group::Ec(curve) => ec_key(curve, secret).map(|_| ()),
        Group::Dh(_) => dh_key(secret).map(|_| ()),
    }
}

/// A fresh secret for `group`.
pub(super) fn generate_secret(group: &Group) -> Result<Secret, Error> {
    match group {
        Group::Ec(curve) => Ok(Secret(PrivateKey::generate(curve)?.to_bytes())),
        Group::Dh(dh) => {
            let len = dh.order().map_or(32, |q| q.len() + 8);
            let random = super::random_bytes(len)?;
            Ok(Secret(DhPrivateKey::generate(dh, random.bytes())?.to_bytes()))
        }
    }
}

/// A fresh secret for `group`, as bytes.
pub(crate) fn generate_secret_bytes(group: &Group) -> Result<Zeroizing<Vec<u8>>, Error> {
    Ok(generate_secret(group)?.0)
}

/// The public key of `secret` with the group's generator.
pub(crate) fn public_key(group: &Group, secret: &[u8]) -> Result<Vec<u8>, Fault> {
    match group {
        Group::Ec(curve) => Ok(ec_key(curve, secret)?.public_key().to_uncompressed()),
        Group::Dh(dh) => Ok(dh.public_key(&dh_key(secret)?)),
    }
}

/// The shared secret of `secret` and the peer's public key: the x coordinate, or `y^x mod p`.
pub(crate) fn agree(group: &Group, secret: &[u8], peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, Fault> {
    match group {
        Group::Ec(curve) => {
            let peer = PublicKey::from_sec1(curve, peer).map_err(|_| Fault::PeerKey)?;
            ec_key(curve, secret)?.diffie_hellman(&peer).map_err(ec_fault)
        }
        Group::Dh(dh) => {
            let k = dh.shared_secret(&dh_key(secret)?, peer).map_err(dh_fault)?;
            Ok(Zeroizing::new(k.as_bytes().to_vec()))
        }
    }
}

fn ec_fault(e: EcError) -> Fault {
    match e {
        EcError::InvalidPoint(_) | EcError::CurveMismatch => Fault::PeerKey,
        EcError::InvalidScalar(_) => Fault::OwnSecret,
        _ => Fault::Degenerate,
    }
}

fn dh_fault(e: DhError) -> Fault {
    match e {
        DhError::PublicKey => Fault::PeerKey,
        DhError::PrivateKey => Fault::OwnSecret,
        _ => Fault::Degenerate,
    }
}

/// Generic Mapping (9303-11 §4.4.3.3.1): `H` from the mapping key agreement, then the generator `s G + H`
/// (`g^s H` for DH).
pub(crate) fn map_generic(group: &Group, nonce: &[u8], secret: &[u8], peer: &[u8]) -> Result<Group, Fault> {
    match group {
        Group::Ec(curve) => {
            let peer = PublicKey::from_sec1(curve, peer).map_err(|_| Fault::PeerKey)?;
            let h = ec_key(curve, secret)?.shared_point(&peer).map_err(ec_fault)?;
            Ok(Group::Ec(curve.map_generic(nonce, &h).map_err(|_| Fault::Degenerate)?))
        }
        Group::Dh(dh) => {
            let h: SharedSecret = dh.shared_secret(&dh_key(secret)?, peer).map_err(dh_fault)?;
            Ok(Group::Dh(dh.generic_mapping(nonce, &h).map_err(|_| Fault::Degenerate)?))
        }
    }
}

/// Integrated Mapping (9303-11 §4.4.3.3.2): the generator from `R(s, t)`, by the point encoding of Appendix H.1
/// or the exponentiation of H.2.
pub(crate) fn map_integrated(
    group: &Group,
    nonce: &[u8],
    t: &[u8],
    cipher: crate::crypto::BlockCipher,
) -> Result<Group, Error> {
    match group {
        Group::Ec(curve) => {
            let p = curve.p();
            let r = super::im::pseudo_random(nonce, t, &p, cipher)?;
            let point = super::im::encode_point(curve, &r)?;
            Ok(Group::Ec(curve.with_generator(&point)?))
        }
        Group::Dh(dh) => {
            let r = super::im::pseudo_random(nonce, t, &dh.prime(), cipher)?;
            Ok(Group::Dh(dh.integrated_mapping(&r)?))
        }
    }
}

/// A peer's public key as the tokens encode it: an uncompressed point, or `y` as long as `p`.
pub(crate) fn normalize(group: &Group, public_key: &[u8]) -> Result<Vec<u8>, Fault> {
    match group {
        Group::Ec(curve) => Ok(PublicKey::from_sec1(curve, public_key).map_err(|_| Fault::PeerKey)?.to_uncompressed()),
        Group::Dh(dh) => {
            dh.check_public_key(public_key).map_err(|_| Fault::PeerKey)?;
            let zeros = public_key.iter().take_while(|&&b| b == 0).count();
            let value = public_key.get(zeros..).unwrap_or_default();
            let mut out = vec![0u8; dh.prime_len().saturating_sub(value.len())];
            out.extend_from_slice(value);
            Ok(out)
        }
    }
}
