//! The terminal's side of PACE (ICAO 9303-11 §4.4.4): one state per message awaited from the chip.

use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use super::group::{self, Fault};
use super::{
    CAR, CHIP_AUTHENTICATION_DATA, EPHEMERAL_IC, EPHEMERAL_IFD, MAP_IC, MAP_IFD, MSE, NONCE, PREVIOUS_CAR, Password,
    PasswordType, Secret, TOKEN_IC, TOKEN_IFD, TerminalRandom, accepted, dynamic_data, failed, general_authenticate,
    im, object, required, token,
};
use crate::apdu::{Command, Response};
use crate::crypto::{self, AES_BLOCK, SymmetricKey};
use crate::ec::PublicKey;
use crate::error::{AuthenticationFailure, Culprit, Error, PaceStep};
use crate::security_infos::{ChipAuthenticationPublicKeyInfo, Group, KeyAgreement, Mapping, PaceProtocol};
use crate::sm::SecureMessaging;
use crate::tlv::{self, Tag};

/// Terminal side: the chip broke the protocol at `step`.
fn chip(step: PaceStep, failure: AuthenticationFailure) -> Error {
    failed(step, Culprit::Chip, failure)
}

fn fault(step: PaceStep, fault: Fault) -> Error {
    match fault {
        Fault::OwnSecret => Error::InvalidKey("the terminal's PACE secret is not usable in the group"),
        Fault::PeerKey => chip(step, AuthenticationFailure::InvalidPublicKey),
        Fault::Degenerate => chip(step, AuthenticationFailure::Degenerate),
    }
}

#[derive(Debug)]
struct Context {
    protocol: PaceProtocol,
    oid: ObjectIdentifier,
    group: Group,
    k_pi: SymmetricKey,
    password: PasswordType,
    parameter_reference: Option<u32>,
    random: TerminalRandom,
}

/// The terminal before MSE:Set AT.
#[derive(Debug)]
pub struct Terminal {
    ctx: Context,
}

/// Checks that the domain parameters suit the protocol; the chip listed both.
fn check_parameters(protocol: &PaceProtocol, group: &Group) -> Result<(), Error> {
    let bad = || chip(PaceStep::SetAuthenticationTemplate, AuthenticationFailure::BadDomainParameters);
    if group.agreement() != protocol.agreement {
        return Err(bad());
    }
    match (protocol.mapping, group) {
        // The point encoding needs p = 3 mod 4 (not NIST P-224).
        (Mapping::Integrated, Group::Ec(curve)) if curve.p().last().is_none_or(|b| b & 3 != 3) => Err(bad()),
        (Mapping::Integrated, Group::Dh(dh)) if dh.order().is_none() => Err(bad()),
        (Mapping::ChipAuthentication, Group::Dh(_)) => Err(bad()),
        _ => Ok(()),
    }
}

impl Terminal {
    /// Starts PACE with `protocol` on `group` (from EF.CardAccess: [`crate::security_infos::SecurityInfos::pace`]
    /// and [`crate::security_infos::SecurityInfos::pace_domain_parameters`]), keyed with `password`.
    ///
    /// # Errors
    /// [`Error::Pace`] (the chip at fault) when the parameters do not suit the protocol; [`Error::InvalidKey`] when
    /// `random` does not fit the group (a scalar outside `[1, n - 1]`, a `t` of the wrong length).
    pub fn new(
        protocol: PaceProtocol,
        group: Group,
        password: &Password,
        random: TerminalRandom,
    ) -> Result<Self, Error> {
        check_parameters(&protocol, &group)?;
        let bad = |_| Error::InvalidKey("the terminal's PACE secret is not usable in the group");
        match protocol.mapping {
            Mapping::Integrated if random.mapping.bytes().len() != protocol.cipher.key_len() => {
                return Err(Error::InvalidKey("the integrated mapping's nonce t must be as long as the key"));
            }
            Mapping::Integrated => {}
            Mapping::Generic | Mapping::ChipAuthentication => {
                group::check_secret(&group, random.mapping.bytes()).map_err(bad)?;
            }
        }
        group::check_secret(&group, random.ephemeral.bytes()).map_err(bad)?;
        Ok(Self {
            ctx: Context {
                oid: protocol.oid(),
                k_pi: password.key(protocol.cipher),
                password: password.kind(),
                protocol,
                group,
                parameter_reference: None,
                random,
            },
        })
    }

    /// Names the domain parameters in MSE:Set AT (data object `84`), which a chip listing several sets for the
    /// protocol needs (§4.4.4.1).
    #[must_use]
    pub fn with_parameter_reference(mut self, parameter_id: u32) -> Self {
        self.ctx.parameter_reference = Some(parameter_id);
        self
    }

    /// MSE:Set AT (`00 22 C1 A4`): the protocol (`80`), the password (`83`) and, when set, the parameters (`84`).
    /// A case-3 command: some chips refuse an `Le` here.
    pub fn mse_set_at(&self) -> Command {
        let mut data = tlv::to_vec(Tag(0x80), self.ctx.oid.as_bytes());
        data.extend_from_slice(&tlv::to_vec(Tag(0x83), &[self.ctx.password.reference()]));
        if let Some(id) = self.ctx.parameter_reference {
            let bytes = id.to_be_bytes();
            let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
            data.extend_from_slice(&tlv::to_vec(Tag(0x84), bytes.get(skip..).unwrap_or_default()));
        }
        Command::new(0x00, MSE, 0xC1, 0xA4).with_data(data)
    }

    /// Takes the answer to MSE:Set AT and asks for the encrypted nonce (GENERAL AUTHENTICATE with an empty `7C`).
    ///
    /// # Errors
    /// [`Error::Pace`] when the chip refused MSE:Set AT (the protocol, password or parameters are not offered).
    pub fn request_nonce(self, response: &Response) -> Result<(Command, AwaitNonce), Error> {
        accepted(PaceStep::SetAuthenticationTemplate, response)?;
        Ok((general_authenticate(false, &[]), AwaitNonce { ctx: self.ctx }))
    }
}

/// The terminal awaits the encrypted nonce.
#[derive(Debug)]
pub struct AwaitNonce {
    ctx: Context,
}

impl AwaitNonce {
    /// Decrypts the nonce `s = D(K_π, z)` and sends the mapping data: PK_map,IFD, or the nonce `t` for the
    /// Integrated Mapping.
    ///
    /// # Errors
    /// [`Error::Pace`] (the chip at fault) when the chip refused, or sent no nonce or one of the wrong size.
    pub fn map(self, response: &Response) -> Result<(Command, AwaitMapping), Error> {
        let step = PaceStep::EncryptedNonce;
        accepted(step, response)?;
        let objects = dynamic_data(&response.data).map_err(|f| chip(step, f))?;
        let z = required(objects, NONCE).map_err(|f| chip(step, f))?;
        let block = self.ctx.protocol.cipher.block_len();
        if z.is_empty() || !z.len().is_multiple_of(block) || z.len() > 64 {
            return Err(chip(step, AuthenticationFailure::BadNonce));
        }
        let nonce = Secret(Zeroizing::new(self.ctx.k_pi.decrypt(&vec![0; block], z)?));
        let mapping_data = match self.ctx.protocol.mapping {
            Mapping::Integrated => {
                if !im::nonces_fit(nonce.bytes(), self.ctx.random.mapping.bytes(), self.ctx.protocol.cipher) {
                    return Err(chip(step, AuthenticationFailure::BadNonce));
                }
                self.ctx.random.mapping.bytes().to_vec()
            }
            Mapping::Generic | Mapping::ChipAuthentication => {
                group::public_key(&self.ctx.group, self.ctx.random.mapping.bytes()).map_err(|f| fault(step, f))?
            }
        };
        let command = general_authenticate(false, &tlv::to_vec(MAP_IFD, &mapping_data));
        Ok((command, AwaitMapping { ctx: self.ctx, nonce, mapping_data }))
    }
}

/// The terminal awaits the chip's mapping data.
#[derive(Debug)]
pub struct AwaitMapping {
    ctx: Context,
    nonce: Secret,
    mapping_data: Vec<u8>,
}

impl AwaitMapping {
    /// Maps the nonce to the ephemeral parameters and sends the ephemeral public key PK_IFD.
    ///
    /// # Errors
    /// [`Error::Pace`] (the chip at fault) when the chip refused or its mapping key is invalid or equal to ours.
    pub fn agree(self, response: &Response) -> Result<(Command, AwaitKeyAgreement), Error> {
        let step = PaceStep::Mapping;
        accepted(step, response)?;
        let objects = dynamic_data(&response.data).map_err(|f| chip(step, f))?;
        let ctx = &self.ctx;
        let (mapped, pk_map_ic) = match ctx.protocol.mapping {
            Mapping::Integrated => {
                let mapped = group::map_integrated(
                    &ctx.group,
                    self.nonce.bytes(),
                    ctx.random.mapping.bytes(),
                    ctx.protocol.cipher,
                )
                .map_err(|_| chip(step, AuthenticationFailure::Degenerate))?;
                (mapped, None)
            }
            Mapping::Generic | Mapping::ChipAuthentication => {
                let pk_map_ic = required(objects, MAP_IC).map_err(|f| chip(step, f))?;
                let pk_map_ic = group::normalize(&ctx.group, pk_map_ic).map_err(|f| fault(step, f))?;
                if pk_map_ic == self.mapping_data {
                    return Err(chip(step, AuthenticationFailure::InvalidPublicKey));
                }
                let mapped = group::map_generic(&ctx.group, self.nonce.bytes(), ctx.random.mapping.bytes(), &pk_map_ic)
                    .map_err(|f| fault(step, f))?;
                (mapped, Some(pk_map_ic))
            }
        };
        let pk_ifd =
            group::public_key(&mapped, ctx.random.ephemeral.bytes()).map_err(|f| fault(PaceStep::KeyAgreement, f))?;
        let command = general_authenticate(false, &tlv::to_vec(EPHEMERAL_IFD, &pk_ifd));
        Ok((command, AwaitKeyAgreement { ctx: self.ctx, mapped, pk_ifd, pk_map_ic }))
    }
}

/// The terminal awaits the chip's ephemeral public key.
#[derive(Debug)]
pub struct AwaitKeyAgreement {
    ctx: Context,
    mapped: Group,
    pk_ifd: Vec<u8>,
    pk_map_ic: Option<Vec<u8>>,
}

impl AwaitKeyAgreement {
    /// Computes the shared secret `K` and the session keys, and sends the terminal's token T_IFD.
    ///
    /// # Errors
    /// [`Error::Pace`] (the chip at fault) when the chip refused, or its ephemeral key is invalid or equal to ours.
    pub fn authenticate(self, response: &Response) -> Result<(Command, AwaitToken), Error> {
        let step = PaceStep::KeyAgreement;
        accepted(step, response)?;
        let objects = dynamic_data(&response.data).map_err(|f| chip(step, f))?;
        let pk_ic = required(objects, EPHEMERAL_IC).map_err(|f| chip(step, f))?;
        let pk_ic = group::normalize(&self.mapped, pk_ic).map_err(|f| fault(step, f))?;
        if pk_ic == self.pk_ifd {
            return Err(chip(step, AuthenticationFailure::InvalidPublicKey));
        }
        let k = group::agree(&self.mapped, self.ctx.random.ephemeral.bytes(), &pk_ic).map_err(|f| fault(step, f))?;
        let cipher = self.ctx.protocol.cipher;
        let ks_enc = crypto::kdf(&k, None, 1, cipher);
        let ks_mac = crypto::kdf(&k, None, 2, cipher);
        let sm = SecureMessaging::derive(cipher, &k, None);
        let t_ifd = token(&ks_mac, &self.ctx.oid, &self.mapped, &pk_ic)?;
        let t_ic = token(&ks_mac, &self.ctx.oid, &self.mapped, &self.pk_ifd)?;
        let command = general_authenticate(true, &tlv::to_vec(TOKEN_IFD, &t_ifd));
        Ok((
            command,
            AwaitToken {
                protocol: self.ctx.protocol,
                group: self.ctx.group,
                pk_map_ic: self.pk_map_ic,
                expected: t_ic,
                ks_enc,
                sm,
            },
        ))
    }
}

/// The terminal awaits the chip's token.
#[derive(Debug)]
pub struct AwaitToken {
    protocol: PaceProtocol,
    group: Group,
    pk_map_ic: Option<Vec<u8>>,
    expected: [u8; 8],
    ks_enc: SymmetricKey,
    sm: SecureMessaging,
}

/// A successful PACE run.
#[derive(Debug)]
pub struct PaceOutcome {
    /// The secure-messaging session (SSC 0; protected case-3 commands carry no `Le`).
    pub sm: SecureMessaging,
    /// The protocol that was run.
    pub protocol: PaceProtocol,
    /// PACE-CAM's chip authentication data, to check against EF.CardSecurity's key.
    pub chip_authentication: Option<CamEvidence>,
    /// The certification authority reference the chip names for Terminal Authentication (`87`), if any.
    pub car: Option<Vec<u8>>,
    /// The previous certification authority reference (`88`), if any.
    pub previous_car: Option<Vec<u8>>,
}

impl AwaitToken {
    /// Checks the chip's token T_IC (and, for PACE-CAM, decrypts its chip authentication data) and opens secure
    /// messaging.
    ///
    /// # Errors
    /// [`Error::Pace`] (the chip at fault): a refusal (`6300`: the password does not match the chip's), a token
    /// that does not verify, or PACE-CAM data that does not decrypt.
    pub fn finish(self, response: &Response) -> Result<PaceOutcome, Error> {
        let step = PaceStep::MutualAuthentication;
        accepted(step, response)?;
        let objects = dynamic_data(&response.data).map_err(|f| chip(step, f))?;
        let t_ic = required(objects, TOKEN_IC).map_err(|f| chip(step, f))?;
        if !crypto::mac_eq(t_ic, &self.expected) {
            return Err(chip(step, AuthenticationFailure::BadToken));
        }
        let car = object(objects, CAR).map_err(|f| chip(step, f))?.map(<[u8]>::to_vec);
        let previous_car = object(objects, PREVIOUS_CAR).map_err(|f| chip(step, f))?.map(<[u8]>::to_vec);
        let chip_authentication = match (self.protocol.mapping, self.pk_map_ic) {
            (Mapping::ChipAuthentication, Some(pk_map_ic)) => {
                let step = PaceStep::ChipAuthentication;
                let a_ic = required(objects, CHIP_AUTHENTICATION_DATA).map_err(|f| chip(step, f))?;
                let ca_ic = decrypt_chip_authentication_data(&self.ks_enc, a_ic)
                    .ok_or(chip(step, AuthenticationFailure::BadChipAuthenticationData))?;
                Some(CamEvidence { ca_ic, pk_map_ic, group: self.group })
            }
            _ => None,
        };
        Ok(PaceOutcome { sm: self.sm, protocol: self.protocol, chip_authentication, car, previous_car })
    }
}

/// The IV of PACE-CAM's chip authentication data: `E(KS_enc, -1)`, the encryption of an all-ones block, as secure
/// messaging would derive it from an SSC of -1 (9303-11 §4.4.3.5.1, §9.8.6).
pub(crate) fn cam_iv(ks_enc: &SymmetricKey) -> Option<[u8; AES_BLOCK]> {
    match ks_enc {
        SymmetricKey::Aes(k) => k.encrypt_block(&[0xFF; AES_BLOCK]).ok(),
        SymmetricKey::Tdes(_) => None,
    }
}

fn decrypt_chip_authentication_data(ks_enc: &SymmetricKey, a_ic: &[u8]) -> Option<Secret> {
    let iv = cam_iv(ks_enc)?;
    let padded = Zeroizing::new(ks_enc.decrypt(&iv, a_ic).ok()?);
    let plain = crypto::unpad(&padded).ok()?;
    if plain.is_empty() {
        return None;
    }
    Some(Secret::new(plain))
}

/// PACE-CAM's evidence: the decrypted chip authentication data `CA_IC` and the chip's mapping key PK_map,IC, to be
/// checked against the static key of EF.CardSecurity once Passive Authentication has verified it.
#[derive(Debug, Clone)]
pub struct CamEvidence {
    ca_ic: Secret,
    pk_map_ic: Vec<u8>,
    group: Group,
}

impl CamEvidence {
    /// The chip authentication data CA_IC.
    pub fn chip_authentication_data(&self) -> &[u8] {
        self.ca_ic.bytes()
    }

    /// The chip's mapping public key PK_map,IC.
    pub fn mapping_public_key(&self) -> &[u8] {
        &self.pk_map_ic
    }

    /// Checks `PK_map,IC = CA_IC · PK_IC` with the chip's static key PK_IC from EF.CardSecurity (9303-11 §4.4.3.5.2):
    /// only a chip holding SK_IC could have made CA_IC, so a copy of the chip fails here.
    ///
    /// # Errors
    /// [`Error::Pace`] (the chip at fault) when the key is not an ECDH key on PACE's curve or the check fails.
    pub fn verify(&self, key: &ChipAuthenticationPublicKeyInfo) -> Result<(), Error> {
        let bad = || chip(PaceStep::ChipAuthentication, AuthenticationFailure::BadChipAuthenticationData);
        let Group::Ec(curve) = &self.group else { return Err(bad()) };
        if key.agreement != KeyAgreement::Ecdh {
            return Err(bad());
        }
        let static_key = PublicKey::from_sec1(curve, &key.public_key).map_err(|_| bad())?;
        let map_key = PublicKey::from_sec1(curve, &self.pk_map_ic).map_err(|_| bad())?;
        let product = static_key.point().mul_public(self.ca_ic.bytes()).map_err(|_| bad())?;
        if product.is_identity() || product != *map_key.point() {
            return Err(bad());
        }
        Ok(())
    }
}
