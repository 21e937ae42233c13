//! PACE version 2 (ICAO 9303-11 §4.4; BSI TR-03110-2 §3.2): the password-authenticated key agreement that replaces
//! BAC, with its three mappings, Generic (§4.4.3.3.1), Integrated (§4.4.3.3.2, Appendix H) and Chip Authentication
//! (§4.4.3.5), on ECDH or DH domain parameters, ending in 3DES or AES secure messaging (§9.8).
//!
//! The run is MSE:Set AT (§4.4.4.1) and four GENERAL AUTHENTICATE commands chained with CLA `10` (§4.4.4.2), each
//! carrying dynamic authentication data `7C`:
//!
//! | step | terminal sends | chip answers |
//! |---|---|---|
//! | encrypted nonce | (empty) | `80` z = E(K_π, s) |
//! | mapping | `81` PK_map,IFD (GM), nonce t (IM) | `82` PK_map,IC (GM), nothing (IM) |
//! | key agreement | `83` PK_IFD on the mapped parameters | `84` PK_IC |
//! | mutual authentication | `85` T_IFD = MAC(KS_mac, PK_IC) | `86` T_IC = MAC(KS_mac, PK_IFD), `8A` A_IC (CAM) |
//!
//! K_π comes from the MRZ (SHA-1 of the MRZ information) or the CAN, through the KDF with counter 3 (§9.7.3); the
//! session keys from the shared secret through counters 1 and 2, the cipher named by the protocol's identifier. The
//! tokens are MACs over the public key data object `7F49` with the protocol's identifier (§4.4.3.4, §9.4). After
//! PACE-CAM the terminal reads EF.CardSecurity and checks the chip authentication data against the chip's static key
//! with [`CamEvidence::verify`].
//!
//! Both sides are here, as states that each take one message and give the next ([`Terminal`] for the gate, [`Chip`]
//! for the simulator); randomness is passed in ([`TerminalRandom`], [`ChipRandom`]) so that the worked examples of
//! Appendices G and H replay byte for byte. A failure is an [`crate::error::PaceError`] naming the step and the side
//! that broke the protocol.

mod chip;
pub(crate) mod group;
mod im;
mod terminal;
#[cfg(test)]
mod tests;

use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::crypto::{self, BlockCipher, SymmetricKey};
use crate::error::{AuthenticationFailure, Culprit, Error, PaceError, PaceStep};
use crate::sw::StatusWord;
use crate::tlv::{self, Tag, Tlv};

pub use crate::security_infos::{Group, KeyAgreement, Mapping, PaceProtocol};
pub use chip::{Chip, ChipAwaitKeyAgreement, ChipAwaitMapping, ChipAwaitToken, SetAt};
pub use terminal::{AwaitKeyAgreement, AwaitMapping, AwaitNonce, AwaitToken, CamEvidence, PaceOutcome, Terminal};

/// The password PACE is keyed with (9303-11 §9.7.3; the references of §4.4.4.1 Table 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordType {
    /// The MRZ: document number, date of birth, date of expiry with their check digits (reference 1).
    Mrz,
    /// The card access number printed on the document (reference 2).
    Can,
    /// A PIN (reference 3; eID cards, not passports).
    Pin,
    /// A PUK (reference 4).
    Puk,
}

impl PasswordType {
    /// The password reference of MSE:Set AT's data object `83`.
    pub fn reference(self) -> u8 {
        match self {
            PasswordType::Mrz => 1,
            PasswordType::Can => 2,
            PasswordType::Pin => 3,
            PasswordType::Puk => 4,
        }
    }

    /// The type of a password reference.
    pub fn from_reference(reference: u8) -> Option<Self> {
        Some(match reference {
            1 => PasswordType::Mrz,
            2 => PasswordType::Can,
            3 => PasswordType::Pin,
            4 => PasswordType::Puk,
            _ => return None,
        })
    }
}

/// A PACE password: its type and `f(π)`, the input of K_π's derivation, wiped on drop.
#[derive(Clone)]
pub struct Password {
    kind: PasswordType,
    seed: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Password({:?}, ..)", self.kind)
    }
}

impl Password {
    /// The MRZ password from the MRZ information (`T22000129364081251010318`, see
    /// [`crate::mrz::Mrz::mrz_information`]): `f(π) = SHA-1(MRZ information)`, all 20 bytes (§9.7.3).
    pub fn mrz(mrz_information: &str) -> Self {
        Self { kind: PasswordType::Mrz, seed: Zeroizing::new(crypto::sha1(mrz_information.as_bytes()).to_vec()) }
    }

    /// The CAN (or a PIN or PUK): `f(π)` is its characters' ISO 8859-1 bytes as they are.
    pub fn secret(kind: PasswordType, digits: &str) -> Self {
        Self { kind, seed: Zeroizing::new(digits.as_bytes().to_vec()) }
    }

    /// The CAN.
    pub fn can(can: &str) -> Self {
        Self::secret(PasswordType::Can, can)
    }

    /// The password's type.
    pub fn kind(&self) -> PasswordType {
        self.kind
    }

    /// K_π = KDF(f(π), 3) for the cipher (§9.7.3).
    pub fn key(&self, cipher: BlockCipher) -> SymmetricKey {
        crypto::kdf(&self.seed, None, 3, cipher)
    }
}

/// Bytes that must not leak: wiped on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
struct Secret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    fn new(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The length of the nonce `s` a chip draws: 16 bytes, or 32 when the cipher's key is longer than 16, so that the
/// Integrated Mapping's pseudo-random function (§4.4.3.3.2) has an `l` of at least the key size `k`.
pub fn nonce_len(cipher: BlockCipher) -> usize {
    if cipher.key_len() > 16 { 32 } else { 16 }
}

/// The terminal's randomness for one run, drawn by the caller.
#[derive(Debug, Clone)]
pub struct TerminalRandom {
    mapping: Secret,
    ephemeral: Secret,
}

impl TerminalRandom {
    /// `mapping` is SK_map,IFD for the Generic and Chip Authentication Mappings (a scalar in `[1, n - 1]`, or a DH
    /// exponent), the nonce `t` for the Integrated Mapping (as long as the cipher's key); `ephemeral` is SK_IFD.
    pub fn new(mapping: &[u8], ephemeral: &[u8]) -> Self {
        Self { mapping: Secret::new(mapping), ephemeral: Secret::new(ephemeral) }
    }

    /// Draws fresh values from the operating system.
    ///
    /// # Errors
    /// [`Error::Ec`] or [`Error::InvalidKey`] when the generator fails.
    pub fn generate(protocol: &PaceProtocol, group: &Group) -> Result<Self, Error> {
        let mapping = match protocol.mapping {
            Mapping::Integrated => random_bytes(protocol.cipher.key_len())?,
            Mapping::Generic | Mapping::ChipAuthentication => group::generate_secret(group)?,
        };
        Ok(Self { mapping, ephemeral: group::generate_secret(group)? })
    }
}

/// The chip's randomness for one run, drawn by the caller.
#[derive(Debug, Clone)]
pub struct ChipRandom {
    nonce: Secret,
    mapping: Secret,
    ephemeral: Secret,
}

impl ChipRandom {
    /// `nonce` is `s` (a whole number of cipher blocks, see [`nonce_len`]); `mapping` is SK_map,IC (unused by the
    /// Integrated Mapping); `ephemeral` is SK_IC.
    pub fn new(nonce: &[u8], mapping: &[u8], ephemeral: &[u8]) -> Self {
        Self { nonce: Secret::new(nonce), mapping: Secret::new(mapping), ephemeral: Secret::new(ephemeral) }
    }

    /// Draws fresh values from the operating system.
    ///
    /// # Errors
    /// [`Error::Ec`] or [`Error::InvalidKey`] when the generator fails.
    pub fn generate(protocol: &PaceProtocol, group: &Group) -> Result<Self, Error> {
        Ok(Self {
            nonce: random_bytes(nonce_len(protocol.cipher))?,
            mapping: group::generate_secret(group)?,
            ephemeral: group::generate_secret(group)?,
        })
    }
}

fn random_bytes(len: usize) -> Result<Secret, Error> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut out).map_err(|_| Error::InvalidKey("the random number generator failed"))?;
    Ok(Secret(out))
}

const MSE: u8 = 0x22;
const GENERAL_AUTHENTICATE: u8 = 0x86;
/// Dynamic authentication data.
const DO7C: Tag = Tag(0x7C);
const NONCE: Tag = Tag(0x80);
const MAP_IFD: Tag = Tag(0x81);
const MAP_IC: Tag = Tag(0x82);
const EPHEMERAL_IFD: Tag = Tag(0x83);
const EPHEMERAL_IC: Tag = Tag(0x84);
const TOKEN_IFD: Tag = Tag(0x85);
const TOKEN_IC: Tag = Tag(0x86);
const CAR: Tag = Tag(0x87);
const PREVIOUS_CAR: Tag = Tag(0x88);
const CHIP_AUTHENTICATION_DATA: Tag = Tag(0x8A);

/// A GENERAL AUTHENTICATE with dynamic authentication data holding `objects`; all but the last of PACE's are chained.
fn general_authenticate(last: bool, objects: &[u8]) -> Command {
    let cla = if last { 0x00 } else { 0x10 };
    Command::new(cla, GENERAL_AUTHENTICATE, 0x00, 0x00).with_data(tlv::to_vec(DO7C, objects)).with_le(256)
}

/// The data objects inside `7C`, checked to be exactly one `7C`. An empty input counts as an empty `7C` (some chips
/// answer the Integrated Mapping's step without data).
fn dynamic_data(data: &[u8]) -> Result<&[u8], AuthenticationFailure> {
    if data.is_empty() {
        return Ok(&[]);
    }
    Tlv::parse_exact(data, DO7C).map_err(|_| AuthenticationFailure::MalformedDataObject(DO7C))
}

/// The value of `tag` among dynamic authentication data objects, which must not repeat it.
fn object(objects: &[u8], tag: Tag) -> Result<Option<&[u8]>, AuthenticationFailure> {
    let mut found = None;
    for item in tlv::TlvIter::new(objects) {
        let item = item.map_err(|_| AuthenticationFailure::MalformedDataObject(DO7C))?;
        if item.tag == tag {
            if found.is_some() {
                return Err(AuthenticationFailure::MalformedDataObject(tag));
            }
            found = Some(item.value);
        }
    }
    Ok(found)
}

fn required(objects: &[u8], tag: Tag) -> Result<&[u8], AuthenticationFailure> {
    object(objects, tag)?.ok_or(AuthenticationFailure::MissingDataObject(tag))
}

/// The public key data object the tokens are computed over (§4.4.3.4, §9.4): `7F49` holding the protocol's
/// identifier and `86` (an EC point) or `84` (a DH value).
fn public_key_object(oid: &ObjectIdentifier, group: &Group, public_key: &[u8]) -> Vec<u8> {
    let mut body = tlv::to_vec(Tag(0x06), oid.as_bytes());
    body.extend_from_slice(&tlv::to_vec(group::public_key_tag(group), public_key));
    tlv::to_vec(Tag(0x7F49), &body)
}

/// An authentication token: the MAC of the other side's public key data object under KS_mac (§4.4.3.4). Unlike
/// secure messaging's, the input is not padded for CMAC; the retail MAC of 3DES pads as it always does.
fn token(ks_mac: &SymmetricKey, oid: &ObjectIdentifier, group: &Group, public_key: &[u8]) -> Result<[u8; 8], Error> {
    let input = public_key_object(oid, group, public_key);
    match ks_mac {
        SymmetricKey::Aes(k) => crypto::aes_cmac(k, &input),
        SymmetricKey::Tdes(k) => crypto::retail_mac(k, &crypto::pad(&input, crypto::DES_BLOCK)),
    }
}

fn failed(step: PaceStep, culprit: Culprit, failure: AuthenticationFailure) -> Error {
    Error::Pace(PaceError { step, culprit, failure })
}

/// Terminal side: the chip's answer must be `9000`.
fn accepted(step: PaceStep, response: &Response) -> Result<(), Error> {
    if response.sw == StatusWord::Ok {
        Ok(())
    } else {
        Err(failed(step, Culprit::Chip, AuthenticationFailure::Refused(response.sw)))
    }
}

/// `9000` with dynamic authentication data holding `objects`.
fn answer(objects: &[u8]) -> Response {
    Response::new(tlv::to_vec(DO7C, objects), StatusWord::Ok)
}

impl PaceError {
    /// The status word a chip answers this failure with: `6300` for a token that does not verify (a wrong
    /// password, 9303-11 §4.4.4.2), `6A80` for malformed data, `6985` for a command out of sequence, `6A88` for a
    /// protocol or password not offered.
    pub fn status_word(&self) -> StatusWord {
        match self.failure {
            AuthenticationFailure::BadToken | AuthenticationFailure::BadChipAuthenticationData => {
                StatusWord::AuthenticationFailed
            }
            AuthenticationFailure::UnexpectedCommand => StatusWord::ConditionsNotSatisfied,
            AuthenticationFailure::NotOffered => StatusWord::ReferencedDataNotFound,
            AuthenticationFailure::Refused(sw) => sw,
            _ => StatusWord::WrongData,
        }
    }
}
