//! Chip Authentication (ICAO 9303-11 §6.2) and Active Authentication (§6.1), the chip's side, with the private keys
//! `chip.toml` names (`keys/ca.pem` for DG14's key, `keys/aa.pem` for DG15's).
//!
//! - Chip Authentication runs inside secure messaging, after BAC or PACE: MSE:Set KAT `00 22 41 A6` with the
//!   terminal's ephemeral key `91` (3DES, §6.2.4.1), or MSE:Set AT `00 22 41 A4` naming an `id-CA-ECDH-*` protocol
//!   followed by GENERAL AUTHENTICATE with `7C { 80 key }` (AES, §6.2.4.2). The answer goes out under the old keys;
//!   from the next command on the session uses the keys derived from the shared secret, SSC at zero. The chip takes
//!   every cipher for its key: a terminal that picks 3DES where DG14 lists AES gets 3DES keys. Without a key it
//!   answers `6A88`; outside secure messaging `6982`.
//! - Active Authentication: INTERNAL AUTHENTICATE `00 88 00 00` with the 8-byte challenge RND.IFD, inside secure
//!   messaging, answered with the signature of DG15's key: plain ECDSA `r || s` with the hash of DG14's
//!   ActiveAuthenticationInfo (SHA-256 when DG14 names none), or ISO/IEC 9796-2 scheme 1 with SHA-1 (trailer `BC`,
//!   what RSA chips use) for an RSA key. Without a key the instruction is unknown (`6D00`).
//!
//! The `clone` fault is a chip copied without its private keys: the files are the original's, but a copy cannot
//! compute what the keys compute, so it does what a cloned chip with substituted keys does. It answers every step
//! with a key of its own, drawn at start-up on the same curve: Chip Authentication "succeeds" on the chip but
//! agrees on keys the terminal does not have, so the terminal's next protected command fails its MAC (`6988`) and
//! the session ends; PACE-CAM's chip authentication data `CA_IC` is computed with the substitute, so the terminal's
//! check `PK_map,IC = CA_IC · PK_IC` against EF.CardSecurity's key fails; Active Authentication signs with the
//! substitute (an RSA clone answers random bytes of the modulus's length), so the signature does not verify with
//! DG15's key. No step answers an error status: the terminal's checks are what expose the copy.

use der::asn1::ObjectIdentifier;
use mrtd::aa::{AaPrivateKey, RsaHash, SignatureAlgorithm};
use mrtd::apdu::{Command, Response};
use mrtd::ca;
use mrtd::ec::{Curve, PrivateKey};
use mrtd::error::{AuthenticationFailure, CaError};
use mrtd::lds::FileId;
use mrtd::security_infos::{CaProtocol, Group, KeyAgreement, SecurityInfos};
use mrtd::sw::StatusWord;
use zeroize::Zeroizing;

use super::{Auth, Card, Ctx};
use crate::chip::passport_dir::Passport;
use crate::error::Error;
use crate::keys::{self, ChipKey};

/// The Chip Authentication key: an EC key with DG14's key identifier.
struct CaKey {
    key: PrivateKey,
    key_id: Option<u32>,
}

/// The Active Authentication key, or what a clone answers in its place.
enum AaKey {
    Sign(AaPrivateKey),
    /// A clone of an RSA chip: random bytes as long as a signature.
    Noise(usize),
}

/// The chip's private keys.
pub(super) struct Keys {
    ca: Option<CaKey>,
    aa: Option<AaKey>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("ca", &self.ca.is_some()).field("aa", &self.aa.is_some()).finish()
    }
}

fn load_key(path: &std::path::Path) -> Result<ChipKey, Error> {
    let pem = Zeroizing::new(std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?);
    keys::parse_pem(&pem).map_err(|source| Error::ChipKey { path: path.to_path_buf(), source })
}

/// A key of the clone's own on the same curve.
fn substitute(key: &PrivateKey) -> Result<PrivateKey, Error> {
    PrivateKey::generate(key.curve()).map_err(|e| Error::Mrtd(e.into()))
}

impl Keys {
    /// Loads the keys `chip.toml` names; with `clone`, replaces them with keys of the chip's own (see the module's
    /// documentation).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::ChipKey`] when a key file does not load; [`Error::InvalidPassport`] when the Chip
    /// Authentication key is not an EC key.
    pub(super) fn load(passport: &Passport, clone: bool) -> Result<Keys, Error> {
        let dg14 = passport.files.get(&FileId::Dg(14)).and_then(|dg14| match SecurityInfos::from_dg14(dg14) {
            Ok(infos) => Some(infos),
            Err(e) => {
                tracing::warn!(error = %e, "DG14 does not parse; the keys' identifiers and algorithms are defaults");
                None
            }
        });
        let ca = match &passport.keys.chip_authentication {
            None => None,
            Some(path) => {
                let ChipKey::Ec(mut key) = load_key(path)? else {
                    return Err(Error::InvalidPassport {
                        path: path.clone(),
                        reason: "the Chip Authentication key must be an EC key",
                    });
                };
                let public = key.public_key().to_uncompressed();
                let listed = dg14.as_ref().and_then(|i| i.chip_authentication_keys().find(|k| k.public_key == public));
                if listed.is_none() {
                    tracing::warn!("DG14 does not list the Chip Authentication key's public half");
                }
                let key_id = listed.and_then(|k| k.key_id);
                if clone {
                    key = substitute(&key)?;
                }
                Some(CaKey { key, key_id })
            }
        };
        let aa = match &passport.keys.active_authentication {
            None => None,
            Some(path) => Some(match load_key(path)? {
                ChipKey::Ec(key) => {
                    let named = dg14.as_ref().and_then(|i| i.active_authentication()).map(|a| a.signature_algorithm);
                    let algorithm = named.as_ref().and_then(SignatureAlgorithm::from_oid).unwrap_or_else(|| {
                        tracing::warn!("DG14 names no usable Active Authentication algorithm; signing with SHA-256");
                        SignatureAlgorithm::EcdsaSha256
                    });
                    let key = if clone { substitute(&key)? } else { key };
                    AaKey::Sign(AaPrivateKey::Ec(key, algorithm))
                }
                ChipKey::Rsa(key) if clone => AaKey::Noise(key.public_key().len()),
                ChipKey::Rsa(key) => AaKey::Sign(AaPrivateKey::Rsa(key, RsaHash::Sha1)),
            }),
        };
        if clone && (ca.is_some() || aa.is_some()) {
            tracing::info!("fault clone: the chip answers with keys of its own, not DG14's and DG15's");
        }
        Ok(Keys { ca, aa })
    }

    /// The curve of the Chip Authentication key.
    pub(super) fn chip_authentication_curve(&self) -> Option<&Curve> {
        self.ca.as_ref().map(|k| k.key.curve())
    }

    /// The Chip Authentication private key's scalar, for PACE-CAM.
    pub(super) fn chip_authentication_secret(&self) -> Option<Zeroizing<Vec<u8>>> {
        self.ca.as_ref().map(|k| k.key.to_bytes())
    }
}

/// The status word for a Chip Authentication step the terminal got wrong.
fn refusal(e: &mrtd::Error) -> StatusWord {
    match e {
        mrtd::Error::ChipAuthentication(CaError { failure, .. }) => match failure {
            AuthenticationFailure::NotOffered => StatusWord::ReferencedDataNotFound,
            AuthenticationFailure::UnexpectedCommand => StatusWord::ConditionsNotSatisfied,
            _ => StatusWord::WrongData,
        },
        _ => StatusWord::Unknown,
    }
}

impl Card {
    /// True when the chip holds a Chip Authentication key.
    pub fn has_chip_authentication(&self) -> bool {
        self.keys.ca.is_some()
    }

    /// True when the chip holds an Active Authentication key.
    pub fn has_active_authentication(&self) -> bool {
        self.keys.aa.is_some()
    }

    /// The chip side of Chip Authentication for `cipher`, or the status to answer.
    fn ca_chip(&self, ctx: Ctx, protocol: CaProtocol) -> Result<ca::Chip, StatusWord> {
        let Auth::Secure(sm) = &self.auth else { return Err(StatusWord::SecurityStatusNotSatisfied) };
        if !ctx.secure {
            return Err(StatusWord::SecurityStatusNotSatisfied);
        }
        let Some(ca_key) = &self.keys.ca else { return Err(StatusWord::ReferencedDataNotFound) };
        if protocol.agreement != KeyAgreement::Ecdh {
            return Err(StatusWord::ReferencedDataNotFound);
        }
        let group = Group::Ec(ca_key.key.curve().clone());
        ca::Chip::new(protocol, group, &ca_key.key.to_bytes(), ca_key.key_id, sm).map_err(|e| {
            tracing::warn!(error = %e, "Chip Authentication cannot start");
            StatusWord::Unknown
        })
    }

    /// MSE:Set KAT: Chip Authentication with 3DES in one command.
    pub(super) fn ca_set_kat(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        let protocol = CaProtocol { agreement: KeyAgreement::Ecdh, cipher: mrtd::crypto::BlockCipher::Tdes };
        let chip = match self.ca_chip(ctx, protocol) {
            Ok(c) => c,
            Err(sw) => return Response::status(sw),
        };
        match chip.set_kat(cmd) {
            Ok((response, next)) => {
                self.next_session = Some(next);
                response
            }
            Err(e) => {
                tracing::info!(error = %e, "Chip Authentication refused");
                Response::status(refusal(&e))
            }
        }
    }

    /// MSE:Set AT for Chip Authentication: the protocol (`80`) and key (`84`); GENERAL AUTHENTICATE follows.
    pub(super) fn ca_set_at(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        let protocol = match mrtd::tlv::find(&cmd.data, mrtd::tlv::Tag(0x80)) {
            Ok(Some(oid)) => ObjectIdentifier::from_bytes(oid).ok().and_then(|o| CaProtocol::from_oid(&o)),
            Ok(None) => return Response::status(StatusWord::WrongData),
            Err(_) => return Response::status(StatusWord::WrongData),
        };
        let Some(protocol) = protocol else { return Response::status(StatusWord::ReferencedDataNotFound) };
        let chip = match self.ca_chip(ctx, protocol) {
            Ok(c) => c,
            Err(sw) => return Response::status(sw),
        };
        match chip.set_at(cmd) {
            Ok((response, pending)) => {
                self.ca_pending = Some(pending);
                response
            }
            Err(e) => {
                tracing::info!(error = %e, "Chip Authentication refused");
                Response::status(refusal(&e))
            }
        }
    }

    /// GENERAL AUTHENTICATE of Chip Authentication (version 1: no nonce, no token).
    pub(super) fn ca_general_authenticate(&mut self, cmd: &Command) -> Response {
        let Some(pending) = self.ca_pending.take() else {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        };
        match pending.general_authenticate(cmd, None) {
            Ok((response, next)) => {
                self.next_session = Some(next);
                response
            }
            Err(e) => {
                tracing::info!(error = %e, "Chip Authentication refused");
                Response::status(refusal(&e))
            }
        }
    }

    /// INTERNAL AUTHENTICATE: the signature over the terminal's challenge.
    pub(super) fn internal_authenticate(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if self.keys.aa.is_none() {
            return Response::status(StatusWord::InsNotSupported);
        }
        if !ctx.secure {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Response::status(StatusWord::WrongP1P2);
        }
        if cmd.data.len() != mrtd::aa::CHALLENGE_LEN || cmd.le.is_none() {
            return Response::status(StatusWord::WrongLength);
        }
        let signature = match &self.keys.aa {
            Some(AaKey::Sign(key)) => mrtd::aa::sign(key, &cmd.data).map_err(|e| {
                tracing::warn!(error = %e, "Active Authentication: signing failed");
            }),
            Some(AaKey::Noise(len)) => {
                let mut noise = vec![0u8; *len];
                // Below the modulus, as a signature is; the terminal's check fails all the same.
                if (self.random)(&mut noise) {
                    if let Some(first) = noise.first_mut() {
                        *first &= 0x3F;
                    }
                    Ok(noise)
                } else {
                    Err(())
                }
            }
            None => Err(()),
        };
        // A signature longer than a short response carries under secure messaging (the 256 bytes of a 2048-bit RSA
        // key) still goes out whole when Le asks for that many bytes, as such chips answer terminals that send Le
        // 00; the chip's buffer is the bound then.
        let buffer = match &self.auth {
            Auth::Secure(sm) => sm.max_plain_response(self.config.max_response),
            _ => self.config.max_response,
        };
        let asked = cmd.le.unwrap_or_default();
        match signature {
            Ok(s) if s.len() <= ctx.capacity || (s.len() <= asked && s.len() <= buffer) => {
                Response::new(s, StatusWord::Ok)
            }
            Ok(_) => Response::status(StatusWord::WrongLength),
            Err(()) => Response::status(StatusWord::Unknown),
        }
    }
}
