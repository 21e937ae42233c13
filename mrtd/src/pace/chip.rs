//! The chip's side of PACE (ICAO 9303-11 §4.4.4), for the simulator: MSE:Set AT parsed into [`SetAt`], then one
//! state per GENERAL AUTHENTICATE awaited from the terminal. Every error blames the terminal, and
//! [`crate::error::PaceError::status_word`] gives the status word to answer it with.

use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use super::group::{self, Fault};
use super::terminal::cam_iv;
use super::{
    ChipRandom, EPHEMERAL_IC, EPHEMERAL_IFD, GENERAL_AUTHENTICATE, MAP_IC, MAP_IFD, MSE, NONCE, Password, PasswordType,
    Secret, TOKEN_IC, TOKEN_IFD, answer, dynamic_data, failed, im, required, token,
};
use crate::apdu::{Command, Response};
use crate::crypto::{self, SymmetricKey};
use crate::ec::PrivateKey;
use crate::error::{AuthenticationFailure, Culprit, Error, PaceStep};
use crate::security_infos::{Group, Mapping, PaceProtocol};
use crate::sm::SecureMessaging;
use crate::tlv::{self, Tag};

/// Chip side: the terminal broke the protocol at `step`.
fn terminal(step: PaceStep, failure: AuthenticationFailure) -> Error {
    failed(step, Culprit::Terminal, failure)
}

fn fault(step: PaceStep, fault: Fault) -> Error {
    match fault {
        Fault::OwnSecret => Error::InvalidKey("the chip's PACE secret is not usable in the group"),
        Fault::PeerKey => terminal(step, AuthenticationFailure::InvalidPublicKey),
        Fault::Degenerate => terminal(step, AuthenticationFailure::Degenerate),
    }
}

/// What MSE:Set AT asks for (9303-11 §4.4.4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAt {
    /// The protocol (`80`).
    pub protocol: PaceProtocol,
    /// The password (`83`).
    pub password: PasswordType,
    /// The domain parameters' id (`84`), when the terminal names them.
    pub parameter_id: Option<u32>,
}

impl SetAt {
    /// Parses MSE:Set AT for PACE (`00 22 C1 A4`).
    ///
    /// # Errors
    /// [`Error::Pace`] (the terminal at fault): another command, a missing or unknown protocol or password
    /// reference, or malformed data objects.
    pub fn parse(command: &Command) -> Result<Self, Error> {
        let step = PaceStep::SetAuthenticationTemplate;
        if (command.cla, command.ins, command.p1, command.p2) != (0x00, MSE, 0xC1, 0xA4) {
            return Err(terminal(step, AuthenticationFailure::UnexpectedCommand));
        }
        let mut protocol = None;
        let mut password = None;
        let mut parameter_id = None;
        for item in tlv::TlvIter::new(&command.data) {
            let item = item.map_err(|_| terminal(step, AuthenticationFailure::MalformedDataObject(Tag(0))))?;
            let malformed = || terminal(step, AuthenticationFailure::MalformedDataObject(item.tag));
            match item.tag {
                Tag(0x80) if protocol.is_none() => {
                    let oid = ObjectIdentifier::from_bytes(item.value).map_err(|_| malformed())?;
                    protocol =
                        Some(PaceProtocol::from_oid(&oid).ok_or(terminal(step, AuthenticationFailure::NotOffered))?);
                }
                Tag(0x83) if password.is_none() => {
                    let [reference] = item.value else { return Err(malformed()) };
                    password = Some(
                        PasswordType::from_reference(*reference)
                            .ok_or(terminal(step, AuthenticationFailure::NotOffered))?,
                    );
                }
                Tag(0x84) if parameter_id.is_none() => {
                    if item.value.is_empty() || item.value.len() > 4 {
                        return Err(malformed());
                    }
                    parameter_id = Some(item.value.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)));
                }
                // A CHAT (7F4C) or an ephemeral key hash (91) belong to eID cards' Terminal Authentication.
                Tag(0x7F4C) | Tag(0x91) | Tag(0x67) => {}
                _ => return Err(malformed()),
            }
        }
        Ok(Self {
            protocol: protocol.ok_or(terminal(step, AuthenticationFailure::MissingDataObject(Tag(0x80))))?,
            password: password.ok_or(terminal(step, AuthenticationFailure::MissingDataObject(Tag(0x83))))?,
            parameter_id,
        })
    }
}

/// Checks that a command is PACE's GENERAL AUTHENTICATE, chained (CLA `10`) unless it is the last.
fn expect_general_authenticate(step: PaceStep, command: &Command, last: bool) -> Result<&[u8], Error> {
    let cla = if last { 0x00 } else { 0x10 };
    if (command.cla, command.ins, command.p1, command.p2) != (cla, GENERAL_AUTHENTICATE, 0, 0)
        || command.data.is_empty()
    {
        return Err(terminal(step, AuthenticationFailure::UnexpectedCommand));
    }
    dynamic_data(&command.data).map_err(|f| terminal(step, f))
}

#[derive(Debug)]
struct Context {
    protocol: PaceProtocol,
    oid: ObjectIdentifier,
    group: Group,
    k_pi: SymmetricKey,
    random: ChipRandom,
    static_key: Option<Secret>,
}

/// The chip after MSE:Set AT, awaiting the request for the encrypted nonce.
#[derive(Debug)]
pub struct Chip {
    ctx: Context,
}

impl Chip {
    /// A chip running `protocol` on `group` with `password` (the one MSE:Set AT referenced).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when the parameters do not suit the protocol or `random` does not fit them.
    pub fn new(protocol: PaceProtocol, group: Group, password: &Password, random: ChipRandom) -> Result<Self, Error> {
        if group.agreement() != protocol.agreement {
            return Err(Error::InvalidKey("the chip's domain parameters do not suit the PACE protocol"));
        }
        let nonce_len = random.nonce.bytes().len();
        if nonce_len == 0 || !nonce_len.is_multiple_of(protocol.cipher.block_len()) {
            return Err(Error::InvalidKey("the PACE nonce must be a whole number of cipher blocks"));
        }
        let bad = |_| Error::InvalidKey("the chip's PACE secret is not usable in the group");
        if protocol.mapping != Mapping::Integrated {
            group::check_secret(&group, random.mapping.bytes()).map_err(bad)?;
        }
        group::check_secret(&group, random.ephemeral.bytes()).map_err(bad)?;
        Ok(Self {
            ctx: Context {
                oid: protocol.oid(),
                k_pi: password.key(protocol.cipher),
                protocol,
                group,
                random,
                static_key: None,
            },
        })
    }

    /// The chip's static Chip Authentication private key SK_IC, which PACE-CAM proves possession of.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when it is not a scalar of the curve.
    pub fn with_chip_authentication_key(mut self, private_key: &[u8]) -> Result<Self, Error> {
        group::check_secret(&self.ctx.group, private_key)
            .map_err(|_| Error::InvalidKey("the chip authentication key is not a scalar of the curve"))?;
        self.ctx.static_key = Some(Secret::new(private_key));
        Ok(self)
    }

    /// Answers the first GENERAL AUTHENTICATE with the encrypted nonce `z = E(K_π, s)`.
    ///
    /// # Errors
    /// [`Error::Pace`] (the terminal at fault) for another command.
    pub fn encrypted_nonce(self, command: &Command) -> Result<(Response, ChipAwaitMapping), Error> {
        let step = PaceStep::EncryptedNonce;
        let objects = expect_general_authenticate(step, command, false)?;
        if !objects.is_empty() {
            return Err(terminal(step, AuthenticationFailure::MalformedDataObject(super::DO7C)));
        }
        let iv = vec![0u8; self.ctx.protocol.cipher.block_len()];
        let z = self.ctx.k_pi.encrypt(&iv, self.ctx.random.nonce.bytes())?;
        Ok((answer(&tlv::to_vec(NONCE, &z)), ChipAwaitMapping { ctx: self.ctx }))
    }
}

/// The chip awaits the terminal's mapping data.
#[derive(Debug)]
pub struct ChipAwaitMapping {
    ctx: Context,
}

impl ChipAwaitMapping {
    /// Maps the nonce: answers PK_map,IC (Generic and Chip Authentication Mappings) or nothing (Integrated).
    ///
    /// # Errors
    /// [`Error::Pace`] (the terminal at fault) for another command, or a mapping key or nonce `t` that is invalid.
    pub fn map(self, command: &Command) -> Result<(Response, ChipAwaitKeyAgreement), Error> {
        let step = PaceStep::Mapping;
        let objects = expect_general_authenticate(step, command, false)?;
        let data = required(objects, MAP_IFD).map_err(|f| terminal(step, f))?;
        let ctx = &self.ctx;
        let s = ctx.random.nonce.bytes();
        let (response, mapped, pk_map_ifd) = match ctx.protocol.mapping {
            Mapping::Integrated => {
                if !im::nonces_fit(s, data, ctx.protocol.cipher) {
                    return Err(terminal(step, AuthenticationFailure::MalformedDataObject(MAP_IFD)));
                }
                let mapped = group::map_integrated(&ctx.group, s, data, ctx.protocol.cipher)
                    .map_err(|_| terminal(step, AuthenticationFailure::Degenerate))?;
                (answer(&[]), mapped, None)
            }
            Mapping::Generic | Mapping::ChipAuthentication => {
                let pk_map_ifd = group::normalize(&ctx.group, data).map_err(|f| fault(step, f))?;
                let pk_map_ic =
                    group::public_key(&ctx.group, ctx.random.mapping.bytes()).map_err(|f| fault(step, f))?;
                if pk_map_ic == pk_map_ifd {
                    return Err(terminal(step, AuthenticationFailure::InvalidPublicKey));
                }
                let mapped = group::map_generic(&ctx.group, s, ctx.random.mapping.bytes(), &pk_map_ifd)
                    .map_err(|f| fault(step, f))?;
                (answer(&tlv::to_vec(MAP_IC, &pk_map_ic)), mapped, Some(pk_map_ifd))
            }
        };
        Ok((response, ChipAwaitKeyAgreement { ctx: self.ctx, mapped, pk_map_ifd }))
    }
}

/// The chip awaits the terminal's ephemeral public key.
#[derive(Debug)]
pub struct ChipAwaitKeyAgreement {
    ctx: Context,
    mapped: Group,
    pk_map_ifd: Option<Vec<u8>>,
}

impl ChipAwaitKeyAgreement {
    /// Answers PK_IC and derives the session keys.
    ///
    /// # Errors
    /// [`Error::Pace`] (the terminal at fault) for another command, or an ephemeral key that is invalid or repeats
    /// the terminal's mapping key or the chip's own key.
    pub fn agree(self, command: &Command) -> Result<(Response, ChipAwaitToken), Error> {
        let step = PaceStep::KeyAgreement;
        let objects = expect_general_authenticate(step, command, false)?;
        let pk_ifd = required(objects, EPHEMERAL_IFD).map_err(|f| terminal(step, f))?;
        let pk_ifd = group::normalize(&self.mapped, pk_ifd).map_err(|f| fault(step, f))?;
        let ephemeral = self.ctx.random.ephemeral.bytes();
        let pk_ic = group::public_key(&self.mapped, ephemeral).map_err(|f| fault(step, f))?;
        if pk_ifd == pk_ic || self.pk_map_ifd.as_ref() == Some(&pk_ifd) {
            return Err(terminal(step, AuthenticationFailure::InvalidPublicKey));
        }
        let k = group::agree(&self.mapped, ephemeral, &pk_ifd).map_err(|f| fault(step, f))?;
        let cipher = self.ctx.protocol.cipher;
        let ks_mac = crypto::kdf(&k, None, 2, cipher);
        let expected = token(&ks_mac, &self.ctx.oid, &self.mapped, &pk_ic)?;
        let t_ic = token(&ks_mac, &self.ctx.oid, &self.mapped, &pk_ifd)?;
        let next = ChipAwaitToken {
            ks_enc: crypto::kdf(&k, None, 1, cipher),
            sm: SecureMessaging::derive(cipher, &k, None),
            expected,
            t_ic,
            ctx: self.ctx,
        };
        Ok((answer(&tlv::to_vec(EPHEMERAL_IC, &pk_ic)), next))
    }
}

/// The chip awaits the terminal's token.
#[derive(Debug)]
pub struct ChipAwaitToken {
    ctx: Context,
    ks_enc: SymmetricKey,
    sm: SecureMessaging,
    expected: [u8; 8],
    t_ic: [u8; 8],
}

impl ChipAwaitToken {
    /// Checks the terminal's token T_IFD and answers T_IC (with the encrypted chip authentication data for
    /// PACE-CAM); secure messaging starts.
    ///
    /// # Errors
    /// [`Error::Pace`] (the terminal at fault) for another command or a token that does not verify (the terminal
    /// used another password: answer [`crate::error::PaceError::status_word`], `6300`); [`Error::InvalidKey`] for
    /// PACE-CAM without the chip's static key.
    pub fn authenticate(self, command: &Command) -> Result<(Response, SecureMessaging), Error> {
        let step = PaceStep::MutualAuthentication;
        let objects = expect_general_authenticate(step, command, true)?;
        let t_ifd = required(objects, TOKEN_IFD).map_err(|f| terminal(step, f))?;
        if !crypto::mac_eq(t_ifd, &self.expected) {
            return Err(terminal(step, AuthenticationFailure::BadToken));
        }
        let mut objects = tlv::to_vec(TOKEN_IC, &self.t_ic);
        if self.ctx.protocol.mapping == Mapping::ChipAuthentication {
            objects.extend_from_slice(&tlv::to_vec(super::CHIP_AUTHENTICATION_DATA, &self.chip_authentication_data()?));
        }
        Ok((answer(&objects), self.sm))
    }

    /// A_IC = E(KS_enc, CA_IC) with `CA_IC = SK_map,IC / SK_IC mod n` (9303-11 §4.4.3.5.1).
    fn chip_authentication_data(&self) -> Result<Vec<u8>, Error> {
        let no_key = Error::InvalidKey("PACE-CAM needs the chip's static Chip Authentication key");
        let Group::Ec(curve) = &self.ctx.group else { return Err(no_key) };
        let static_key = self.ctx.static_key.as_ref().ok_or(no_key)?;
        let static_key = PrivateKey::from_bytes(curve, static_key.bytes())?;
        let map_key = PrivateKey::from_bytes(curve, self.ctx.random.mapping.bytes())?;
        let ca_ic = map_key.div(&static_key)?;
        let iv = cam_iv(&self.ks_enc).ok_or(Error::InvalidKey("PACE-CAM is defined for AES only"))?;
        let padded = Zeroizing::new(crypto::pad(&ca_ic, iv.len()));
        self.ks_enc.encrypt(&iv, &padded)
    }
}
