//! Chip Authentication (ICAO 9303-11 §6.2; BSI TR-03110-2 §3.4): the terminal proves the chip holds the private key
//! of DG14's ChipAuthenticationPublicKeyInfo by agreeing on new secure-messaging keys with it. A copied chip, lacking
//! the key, cannot answer the next protected command.
//!
//! The terminal draws an ephemeral key on the chip key's domain parameters and sends its public half under the
//! current secure messaging (§6.2):
//! - for 3DES, MSE:Set KAT (`00 22 41 A6`) with `91` the ephemeral public key and `84` the key id;
//! - for AES, MSE:Set AT (`00 22 41 A4`) with `80` the protocol and `84` the key id, then GENERAL AUTHENTICATE with
//!   `7C { 80 ephemeral public key }`.
//!
//! Both sides compute the shared secret `K` (the x coordinate of the ECDH point, or the DH value as long as `p`) and
//! restart secure messaging with `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` and the SSC at zero, once the chip's
//! answer (still under the old keys) is in (§6.2.3, §9.7.1). A chip that answers GENERAL AUTHENTICATE with a nonce
//! `81` and a token `82`, as BSI's version 2 does, derives with `KDF(K || r, c)` and proves itself with the token
//! `MAC(KS_mac, PK_IFD)`; that is checked too.
//!
//! Both sides are here: [`Terminal`] for the gate, [`Chip`] for the simulator. Commands and responses are the plain
//! ones; the caller protects and opens them with the session in force.

use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::crypto::{self, BlockCipher, SymmetricKey};
use crate::error::{AuthenticationFailure, CaError, CaStep, Culprit, Error};
use crate::pace::group;
use crate::security_infos::{CaProtocol, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, Group};
use crate::sm::SecureMessaging;
use crate::sw::StatusWord;
use crate::tlv::{self, Tag, Tlv};

const MSE: u8 = 0x22;
const GENERAL_AUTHENTICATE: u8 = 0x86;
const DO7C: Tag = Tag(0x7C);
const EPHEMERAL_KEY_GA: Tag = Tag(0x80);
const NONCE: Tag = Tag(0x81);
const TOKEN: Tag = Tag(0x82);
const KEY_ID: Tag = Tag(0x84);
const EPHEMERAL_KEY_KAT: Tag = Tag(0x91);

fn failed(step: CaStep, culprit: Culprit, failure: AuthenticationFailure) -> Error {
    Error::ChipAuthentication(CaError { step, culprit, failure })
}

fn chip_fault(step: CaStep, failure: AuthenticationFailure) -> Error {
    failed(step, Culprit::Chip, failure)
}

fn terminal_fault(step: CaStep, failure: AuthenticationFailure) -> Error {
    failed(step, Culprit::Terminal, failure)
}

/// The key id as data object `84`: the integer's big-endian bytes without leading zeros.
fn key_id_object(key_id: Option<u32>) -> Vec<u8> {
    key_id.map_or_else(Vec::new, |id| {
        let bytes = id.to_be_bytes();
        let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
        tlv::to_vec(KEY_ID, bytes.get(skip..).unwrap_or_default())
    })
}

fn parse_key_id(value: &[u8]) -> Option<u32> {
    if value.is_empty() || value.len() > 4 {
        return None;
    }
    Some(value.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// The public key data object the version-2 token is computed over: `7F49 { 06 protocol, 86/84 key }`.
fn token(ks_mac: &SymmetricKey, oid: &ObjectIdentifier, group: &Group, public_key: &[u8]) -> Result<[u8; 8], Error> {
    let mut body = tlv::to_vec(Tag(0x06), oid.as_bytes());
    body.extend_from_slice(&tlv::to_vec(group::public_key_tag(group), public_key));
    let input = tlv::to_vec(Tag(0x7F49), &body);
    match ks_mac {
        SymmetricKey::Aes(k) => crypto::aes_cmac(k, &input),
        SymmetricKey::Tdes(k) => crypto::retail_mac(k, &crypto::pad(&input, crypto::DES_BLOCK)),
    }
}

/// A secret wiped on drop and never printed.
struct Secret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The terminal's side of Chip Authentication.
#[derive(Debug)]
pub struct Terminal {
    protocol: CaProtocol,
    oid: ObjectIdentifier,
    group: Group,
    chip_key: Vec<u8>,
    key_id: Option<u32>,
    secret: Secret,
    public_key: Vec<u8>,
    le_on_case3: bool,
}

/// What the terminal does next.
#[derive(Debug)]
pub enum Step {
    /// Send this command (protected with the session in force) and pass its opened answer to [`Terminal::next`].
    Send(Command, Terminal),
    /// Chip Authentication succeeded: from the next command on, use this session.
    Done(SecureMessaging),
}

impl Terminal {
    /// Prepares Chip Authentication with the chip's key from DG14 (see
    /// [`crate::security_infos::SecurityInfos::chip_authentication_pairs`]) and the terminal's ephemeral private key
    /// `ephemeral` on the key's domain parameters (from [`Terminal::generate_ephemeral`], or a worked example's).
    /// `session` is the secure messaging in force; the new one keeps its treatment of case-3 commands.
    ///
    /// # Errors
    /// [`Error::ChipAuthentication`] (the chip at fault) when DG14's parameters or key are unusable;
    /// [`Error::InvalidKey`] when `ephemeral` is not a key of the group.
    pub fn new(
        info: &ChipAuthenticationInfo,
        key: &ChipAuthenticationPublicKeyInfo,
        ephemeral: &[u8],
        session: &SecureMessaging,
    ) -> Result<Self, Error> {
        let bad = || chip_fault(CaStep::Setup, AuthenticationFailure::BadDomainParameters);
        let group = key.parameters.resolve().map_err(|_| bad())?;
        if group.agreement() != info.protocol.agreement || key.agreement != info.protocol.agreement {
            return Err(bad());
        }
        let chip_key = group::normalize(&group, &key.public_key)
            .map_err(|_| chip_fault(CaStep::Setup, AuthenticationFailure::InvalidPublicKey))?;
        let public_key = group::public_key(&group, ephemeral)
            .map_err(|_| Error::InvalidKey("the terminal's ephemeral key is not a key of the chip's group"))?;
        Ok(Self {
            protocol: info.protocol,
            oid: info.protocol.oid(),
            group,
            chip_key,
            key_id: info.key_id.or(key.key_id),
            secret: Secret(Zeroizing::new(ephemeral.to_vec())),
            public_key,
            le_on_case3: session.le_on_case3(),
        })
    }

    /// A fresh ephemeral private key on the chip key's domain parameters.
    ///
    /// # Errors
    /// [`Error::ChipAuthentication`] when the parameters are unusable; [`Error::Ec`] or [`Error::InvalidKey`] when
    /// the random number generator fails.
    pub fn generate_ephemeral(key: &ChipAuthenticationPublicKeyInfo) -> Result<Zeroizing<Vec<u8>>, Error> {
        let group = key
            .parameters
            .resolve()
            .map_err(|_| chip_fault(CaStep::Setup, AuthenticationFailure::BadDomainParameters))?;
        group::generate_secret_bytes(&group)
    }

    /// The terminal's ephemeral public key as sent (Terminal Authentication signs a digest of it).
    pub fn ephemeral_public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The first command: MSE:Set KAT for 3DES, MSE:Set AT for AES.
    pub fn start(self) -> (Command, Terminal) {
        let command = if self.protocol.cipher == BlockCipher::Tdes {
            let mut data = tlv::to_vec(EPHEMERAL_KEY_KAT, &self.public_key);
            data.extend_from_slice(&key_id_object(self.key_id));
            Command::new(0x00, MSE, 0x41, 0xA6).with_data(data)
        } else {
            let mut data = tlv::to_vec(Tag(0x80), self.oid.as_bytes());
            data.extend_from_slice(&key_id_object(self.key_id));
            Command::new(0x00, MSE, 0x41, 0xA4).with_data(data)
        };
        (command, self)
    }

    /// Takes the chip's (opened) answer to the last command sent and says what to do next.
    ///
    /// # Errors
    /// [`Error::ChipAuthentication`] (the chip at fault) when the chip refused or its version-2 token does not
    /// verify.
    pub fn next(self, response: &Response) -> Result<Step, Error> {
        let step = CaStep::KeyAgreement;
        if response.sw != StatusWord::Ok {
            let at = if self.protocol.cipher == BlockCipher::Tdes { step } else { CaStep::Setup };
            return Err(chip_fault(at, AuthenticationFailure::Refused(response.sw)));
        }
        if self.protocol.cipher == BlockCipher::Tdes {
            return self.done(None);
        }
        if response.data.is_empty() {
            // The answer to MSE:Set AT: send the key.
            let data = tlv::to_vec(DO7C, &tlv::to_vec(EPHEMERAL_KEY_GA, &self.public_key));
            let command = Command::new(0x00, GENERAL_AUTHENTICATE, 0x00, 0x00).with_data(data).with_le(256);
            return Ok(Step::Send(command, self));
        }
        let objects = Tlv::parse_exact(&response.data, DO7C)
            .map_err(|_| chip_fault(step, AuthenticationFailure::MalformedDataObject(DO7C)))?;
        let find = |tag| {
            tlv::find(objects, tag).map_err(|_| chip_fault(step, AuthenticationFailure::MalformedDataObject(DO7C)))
        };
        match (find(NONCE)?, find(TOKEN)?) {
            (None, None) => self.done(None),
            (Some(nonce), Some(t)) => {
                let nonce = nonce.to_vec();
                let t = t.to_vec();
                self.done(Some((&nonce, &t)))
            }
            (None, Some(_)) => Err(chip_fault(step, AuthenticationFailure::MissingDataObject(NONCE))),
            (Some(_), None) => Err(chip_fault(step, AuthenticationFailure::MissingDataObject(TOKEN))),
        }
    }

    fn done(self, v2: Option<(&[u8], &[u8])>) -> Result<Step, Error> {
        let step = CaStep::KeyAgreement;
        let k = group::agree(&self.group, &self.secret.0, &self.chip_key)
            .map_err(|_| chip_fault(step, AuthenticationFailure::InvalidPublicKey))?;
        let nonce = v2.map(|(nonce, _)| nonce);
        if let Some((nonce, t)) = v2 {
            let ks_mac = crypto::kdf(&k, Some(nonce), 2, self.protocol.cipher);
            let expected = token(&ks_mac, &self.oid, &self.group, &self.public_key)?;
            if !crypto::mac_eq(t, &expected) {
                return Err(chip_fault(step, AuthenticationFailure::BadToken));
            }
        }
        let sm = SecureMessaging::derive(self.protocol.cipher, &k, nonce).with_le_on_case3(self.le_on_case3);
        Ok(Step::Done(sm))
    }
}

/// The chip's side of Chip Authentication, for the simulator.
#[derive(Debug)]
pub struct Chip {
    protocol: CaProtocol,
    oid: ObjectIdentifier,
    group: Group,
    secret: Secret,
    key_id: Option<u32>,
    le_on_case3: bool,
}

impl Chip {
    /// A chip with the static private key `private_key` on `group`, offering `protocol` under `key_id` as DG14 says.
    /// `session` is the secure messaging in force.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when the key is not a key of the group or the group does not suit the protocol.
    pub fn new(
        protocol: CaProtocol,
        group: Group,
        private_key: &[u8],
        key_id: Option<u32>,
        session: &SecureMessaging,
    ) -> Result<Self, Error> {
        if group.agreement() != protocol.agreement {
            return Err(Error::InvalidKey("the chip's Chip Authentication group does not suit the protocol"));
        }
        group::public_key(&group, private_key)
            .map_err(|_| Error::InvalidKey("the chip's Chip Authentication key is not a key of its group"))?;
        Ok(Self {
            protocol,
            oid: protocol.oid(),
            group,
            secret: Secret(Zeroizing::new(private_key.to_vec())),
            key_id,
            le_on_case3: session.le_on_case3(),
        })
    }

    fn check_key_id(&self, objects: &[u8], step: CaStep) -> Result<(), Error> {
        let given = tlv::find(objects, KEY_ID)
            .map_err(|_| terminal_fault(step, AuthenticationFailure::MalformedDataObject(KEY_ID)))?;
        match given {
            None => Ok(()),
            Some(value) => match parse_key_id(value) {
                Some(id) if Some(id) == self.key_id => Ok(()),
                Some(_) => Err(terminal_fault(step, AuthenticationFailure::NotOffered)),
                None => Err(terminal_fault(step, AuthenticationFailure::MalformedDataObject(KEY_ID))),
            },
        }
    }

    /// MSE:Set KAT (3DES): answers `9000` (to be protected with the old keys) and the new session.
    ///
    /// # Errors
    /// [`Error::ChipAuthentication`] (the terminal at fault) for another command, an unknown key id or an invalid
    /// ephemeral key; the chip answers `6A80` and keeps its session.
    pub fn set_kat(&self, command: &Command) -> Result<(Response, SecureMessaging), Error> {
        let step = CaStep::KeyAgreement;
        if (command.cla & !0x0C, command.ins, command.p1, command.p2) != (0x00, MSE, 0x41, 0xA6)
            || self.protocol.cipher != BlockCipher::Tdes
        {
            return Err(terminal_fault(step, AuthenticationFailure::UnexpectedCommand));
        }
        self.check_key_id(&command.data, step)?;
        let key = tlv::find(&command.data, EPHEMERAL_KEY_KAT)
            .map_err(|_| terminal_fault(step, AuthenticationFailure::MalformedDataObject(EPHEMERAL_KEY_KAT)))?
            .ok_or(terminal_fault(step, AuthenticationFailure::MissingDataObject(EPHEMERAL_KEY_KAT)))?;
        let sm = self.agree(key, None)?;
        Ok((Response::status(StatusWord::Ok), sm))
    }

    /// MSE:Set AT (AES): checks the protocol and key id and answers `9000`.
    ///
    /// # Errors
    /// [`Error::ChipAuthentication`] (the terminal at fault) for another command, protocol or key id.
    pub fn set_at(self, command: &Command) -> Result<(Response, ChipAwaitKey), Error> {
        let step = CaStep::Setup;
        if (command.cla & !0x0C, command.ins, command.p1, command.p2) != (0x00, MSE, 0x41, 0xA4) {
            return Err(terminal_fault(step, AuthenticationFailure::UnexpectedCommand));
        }
        let oid = tlv::find(&command.data, Tag(0x80))
            .map_err(|_| terminal_fault(step, AuthenticationFailure::MalformedDataObject(Tag(0x80))))?
            .ok_or(terminal_fault(step, AuthenticationFailure::MissingDataObject(Tag(0x80))))?;
        if oid != self.oid.as_bytes() {
            return Err(terminal_fault(step, AuthenticationFailure::NotOffered));
        }
        self.check_key_id(&command.data, step)?;
        Ok((Response::status(StatusWord::Ok), ChipAwaitKey { chip: self }))
    }

    fn agree(&self, key: &[u8], nonce: Option<&[u8]>) -> Result<SecureMessaging, Error> {
        let step = CaStep::KeyAgreement;
        let k = group::agree(&self.group, &self.secret.0, key)
            .map_err(|_| terminal_fault(step, AuthenticationFailure::InvalidPublicKey))?;
        Ok(SecureMessaging::derive(self.protocol.cipher, &k, nonce).with_le_on_case3(self.le_on_case3))
    }
}

/// The chip after MSE:Set AT, awaiting the terminal's ephemeral key.
#[derive(Debug)]
pub struct ChipAwaitKey {
    chip: Chip,
}

impl ChipAwaitKey {
    /// GENERAL AUTHENTICATE: answers (to be protected with the old keys) and the new session. With `nonce`, the
    /// answer carries it and the token of BSI's version 2, and the keys are derived with it.
    ///
    /// # Errors
    /// [`Error::ChipAuthentication`] (the terminal at fault) for another command or an invalid ephemeral key.
    pub fn general_authenticate(
        self,
        command: &Command,
        nonce: Option<&[u8]>,
    ) -> Result<(Response, SecureMessaging), Error> {
        let step = CaStep::KeyAgreement;
        if (command.cla & !0x0C, command.ins, command.p1, command.p2) != (0x00, GENERAL_AUTHENTICATE, 0, 0) {
            return Err(terminal_fault(step, AuthenticationFailure::UnexpectedCommand));
        }
        let objects = Tlv::parse_exact(&command.data, DO7C)
            .map_err(|_| terminal_fault(step, AuthenticationFailure::MalformedDataObject(DO7C)))?;
        let key = tlv::find(objects, EPHEMERAL_KEY_GA)
            .map_err(|_| terminal_fault(step, AuthenticationFailure::MalformedDataObject(DO7C)))?
            .ok_or(terminal_fault(step, AuthenticationFailure::MissingDataObject(EPHEMERAL_KEY_GA)))?;
        let sm = self.chip.agree(key, nonce)?;
        let mut answer = Vec::new();
        if let Some(nonce) = nonce {
            let terminal_key = group::normalize(&self.chip.group, key)
                .map_err(|_| terminal_fault(step, AuthenticationFailure::InvalidPublicKey))?;
            let k = group::agree(&self.chip.group, &self.chip.secret.0, key)
                .map_err(|_| terminal_fault(step, AuthenticationFailure::InvalidPublicKey))?;
            let ks_mac = crypto::kdf(&k, Some(nonce), 2, self.chip.protocol.cipher);
            answer.extend_from_slice(&tlv::to_vec(NONCE, nonce));
            answer.extend_from_slice(&tlv::to_vec(
                TOKEN,
                &token(&ks_mac, &self.chip.oid, &self.chip.group, &terminal_key)?,
            ));
        }
        Ok((Response::new(tlv::to_vec(DO7C, &answer), StatusWord::Ok), sm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bac::tests::h;
    use crate::crypto::TdesKey;
    use crate::security_infos::{DomainParameters, KeyAgreement, SecurityInfos};
    use crate::sm::tests::vector_file;

    fn bac_session() -> SecureMessaging {
        SecureMessaging::tdes(TdesKey::from_bytes([1; 16]), TdesKey::from_bytes([2; 16]), 7)
    }

    fn pace_session() -> SecureMessaging {
        SecureMessaging::derive(BlockCipher::Aes128, &[9; 32], None)
    }

    fn done(step: Step) -> SecureMessaging {
        match step {
            Step::Done(sm) => sm,
            Step::Send(c, _) => panic!("more to send: {c:?}"),
        }
    }

    fn send(step: Step) -> (Command, Terminal) {
        match step {
            Step::Send(c, t) => (c, t),
            Step::Done(_) => panic!("done too early"),
        }
    }

    fn ca_error(e: Error) -> CaError {
        match e {
            Error::ChipAuthentication(c) => c,
            other => panic!("not a CA error: {other:?}"),
        }
    }

    #[test]
    fn bsi_worked_example_both_sides() {
        // BSI Worked Example for EAC v1.01 via OpenPACE's eactest.c (bsi_eac_worked_example_openpace.json, ca_*):
        // id-CA-{EC}DH-AES-CBC-CMAC-128 with key id 1 as EF.CardAccess lists it, the static key of EF.CardSecurity,
        // the chip's nonce r and token of version 2, and the session keys KDF(K || r, c).
        let Some(v) = vector_file("bsi_eac_worked_example_openpace.json") else { return };
        for (variant, id) in [("ecdh", 13), ("dh", 0)] {
            let set = &v[variant];
            let infos = SecurityInfos::from_card_access(&h(&set["ef_cardaccess"])).unwrap();
            let info = infos.chip_authentication().next().unwrap().clone();
            assert_eq!(
                info.protocol.oid().to_string(),
                if id == 0 { "0.4.0.127.0.7.2.2.3.1.2" } else { "0.4.0.127.0.7.2.2.3.2.2" }
            );
            let key = ChipAuthenticationPublicKeyInfo {
                agreement: info.protocol.agreement,
                parameters: DomainParameters::Standardized(id),
                public_key: h(&set["ca_picc_pub_key"]),
                key_id: Some(1),
            };
            let session = pace_session();
            let t = Terminal::new(&info, &key, &h(&set["ca_pcd_priv_key"]), &session).unwrap();
            let pcd_pub = h(&set["ca_pcd_pub_key"]);
            assert_eq!(t.ephemeral_public_key(), &pcd_pub[..], "{variant}");
            let group = key.parameters.resolve().unwrap();
            let chip = Chip::new(info.protocol, group, &h(&set["ca_picc_priv_key"]), Some(1), &session).unwrap();

            let (cmd, t) = t.start();
            assert_eq!(
                hex::encode_upper(cmd.to_bytes().unwrap()),
                format!("002241A40F800A{}840101", hex::encode_upper(info.protocol.oid().as_bytes()))
            );
            let (r, chip) = chip.set_at(&cmd).unwrap();
            let (cmd, t) = send(t.next(&r).unwrap());
            assert_eq!(cmd.data, tlv::to_vec(DO7C, &tlv::to_vec(Tag(0x80), &pcd_pub)));
            let (r, chip_sm) = chip.general_authenticate(&cmd, Some(&h(&set["ca_nonce"]))).unwrap();
            let objects = Tlv::parse_exact(&r.data, DO7C).unwrap();
            assert_eq!(tlv::find(objects, TOKEN).unwrap().unwrap(), &h(&set["ca_picc_token"])[..], "{variant}");
            let sm = done(t.next(&r).unwrap());
            let (enc, mac) = sm.aes_keys().unwrap();
            assert_eq!(enc.as_bytes(), &h(&set["ca_k_enc"])[..], "{variant}");
            assert_eq!(mac.as_bytes(), &h(&set["ca_k_mac"])[..], "{variant}");
            assert_eq!(sm.ssc_bytes(), vec![0; 16]);
            assert_eq!(sm, chip_sm);

            // The shared secret itself.
            let k =
                group::agree(&key.parameters.resolve().unwrap(), &h(&set["ca_pcd_priv_key"]), &key.public_key).unwrap();
            assert_eq!(&k[..], &h(&set["ca_shared_secret_k"])[..], "{variant}");
        }
    }

    #[test]
    fn version_1_general_authenticate_and_a_forged_token() {
        let Some(v) = vector_file("bsi_eac_worked_example_openpace.json") else { return };
        let set = &v["ecdh"];
        let protocol = CaProtocol { agreement: KeyAgreement::Ecdh, cipher: BlockCipher::Aes128 };
        let info = ChipAuthenticationInfo { protocol, version: 1, key_id: None };
        let key = ChipAuthenticationPublicKeyInfo {
            agreement: KeyAgreement::Ecdh,
            parameters: DomainParameters::Standardized(13),
            public_key: h(&set["ca_picc_pub_key"]),
            key_id: None,
        };
        let session = pace_session();
        let group = key.parameters.resolve().unwrap();
        let chip = || Chip::new(protocol, group.clone(), &h(&set["ca_picc_priv_key"]), None, &session).unwrap();
        let terminal = || Terminal::new(&info, &key, &h(&set["ca_pcd_priv_key"]), &session).unwrap();
        // Version 1: 7C 00, keys KDF(K, c).
        let (cmd, t) = terminal().start();
        let (r, c) = chip().set_at(&cmd).unwrap();
        let (cmd, t) = send(t.next(&r).unwrap());
        let (r, chip_sm) = c.general_authenticate(&cmd, None).unwrap();
        assert_eq!(r.data, vec![0x7C, 0x00]);
        let sm = done(t.next(&r).unwrap());
        assert_eq!(sm, chip_sm);
        let k = h(&set["ca_shared_secret_k"]);
        assert_eq!(sm, SecureMessaging::derive(BlockCipher::Aes128, &k, None));
        // A token that does not verify: a chip without the key.
        let (cmd, t) = terminal().start();
        let (r, c) = chip().set_at(&cmd).unwrap();
        let (cmd, t) = send(t.next(&r).unwrap());
        let (mut r, _) = c.general_authenticate(&cmd, Some(&[1; 8])).unwrap();
        let last = r.data.len() - 1;
        r.data[last] ^= 1;
        let e = ca_error(t.next(&r).unwrap_err());
        assert_eq!(
            (e.step, e.culprit, e.failure),
            (CaStep::KeyAgreement, Culprit::Chip, AuthenticationFailure::BadToken)
        );
        // The chip refuses MSE:Set AT.
        let (_, t) = terminal().start();
        let e = ca_error(t.next(&Response::status(StatusWord::ReferencedDataNotFound)).unwrap_err());
        assert_eq!((e.step, e.culprit), (CaStep::Setup, Culprit::Chip));
    }

    #[test]
    fn gmrtd_set_at_with_key_id() {
        // gmrtd's secure messaging test protects this MSE:Set AT (misc_secure_messaging_vectors.json,
        // gmrtd_aes_encode): id-CA-ECDH-AES-CBC-CMAC-128 with key id C3.
        let Some(v) = vector_file("misc_secure_messaging_vectors.json") else { return };
        let protocol = CaProtocol { agreement: KeyAgreement::Ecdh, cipher: BlockCipher::Aes128 };
        let info = ChipAuthenticationInfo { protocol, version: 1, key_id: Some(0xC3) };
        let Group::Ec(curve) = DomainParameters::Standardized(13).resolve().unwrap() else { panic!("not a curve") };
        let chip_key = crate::ec::PrivateKey::generate(&curve).unwrap();
        let key = ChipAuthenticationPublicKeyInfo {
            agreement: KeyAgreement::Ecdh,
            parameters: DomainParameters::Standardized(13),
            public_key: chip_key.public_key().to_uncompressed(),
            key_id: Some(0xC3),
        };
        let ephemeral = Terminal::generate_ephemeral(&key).unwrap();
        let (cmd, _) = Terminal::new(&info, &key, &ephemeral, &pace_session()).unwrap().start();
        assert_eq!(hex::encode_upper(cmd.to_bytes().unwrap()), v["gmrtd_aes_encode"]["command"].as_str().unwrap());
    }

    #[test]
    fn tdes_key_agreement_on_an_early_dg14() {
        // The BSI 2008 specimen's DG14 (testdata/icao/data/jmrtd/lds/bsi2008/Datagroup14.bin): brainpoolP224r1 given
        // explicitly, id-CA-ECDH-3DES-CBC-CBC implied. Its private key is not public, so the chip here has its own key
        // on the same parameters; both sides run MSE:Set KAT inside a BAC session.
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/icao/data/jmrtd/lds/bsi2008/Datagroup14.bin");
        let Ok(dg14) = std::fs::read(path) else {
            eprintln!("SKIP: {path} is absent");
            return;
        };
        let infos = SecurityInfos::from_dg14(&dg14).unwrap();
        let (info, specimen_key) = infos.chip_authentication_pairs().into_iter().next().unwrap();
        let group = specimen_key.parameters.resolve().unwrap();
        let Group::Ec(curve) = &group else { panic!("not a curve") };
        let chip_key = crate::ec::PrivateKey::generate(curve).unwrap();
        let key = ChipAuthenticationPublicKeyInfo {
            public_key: chip_key.public_key().to_uncompressed(),
            ..specimen_key.clone()
        };
        let session = bac_session();
        let ephemeral = Terminal::generate_ephemeral(&key).unwrap();
        let t = Terminal::new(&info, &key, &ephemeral, &session).unwrap();
        let chip = Chip::new(info.protocol, group, &chip_key.to_bytes(), None, &session).unwrap();
        let (cmd, t) = t.start();
        assert_eq!((cmd.ins, cmd.p1, cmd.p2), (0x22, 0x41, 0xA6));
        assert_eq!(tlv::find(&cmd.data, Tag(0x91)).unwrap().unwrap().len(), 57);
        let (r, chip_sm) = chip.set_kat(&cmd).unwrap();
        let sm = done(t.next(&r).unwrap());
        assert_eq!(sm, chip_sm);
        assert!(sm.tdes_keys().is_some());
        assert_eq!(sm.ssc(), [0; 8]);
        assert!(sm.le_on_case3());
        // A key id the chip does not have, or KAT for an AES chip, is the terminal's fault.
        let with_id = Command::new(0, 0x22, 0x41, 0xA6).with_data([cmd.data.clone(), vec![0x84, 0x01, 0x05]].concat());
        let e = ca_error(chip.set_kat(&with_id).unwrap_err());
        assert_eq!((e.culprit, e.failure), (Culprit::Terminal, AuthenticationFailure::NotOffered));
        let bad_point = Command::new(0, 0x22, 0x41, 0xA6).with_data(vec![0x91, 0x03, 0x04, 0x01, 0x02]);
        let e = ca_error(chip.set_kat(&bad_point).unwrap_err());
        assert_eq!((e.culprit, e.failure), (Culprit::Terminal, AuthenticationFailure::InvalidPublicKey));
    }

    #[test]
    fn dh_tdes_and_mismatched_parameters() {
        let protocol = CaProtocol { agreement: KeyAgreement::Dh, cipher: BlockCipher::Tdes };
        let group = DomainParameters::Standardized(2).resolve().unwrap();
        let Group::Dh(dh) = &group else { panic!("not DH") };
        let chip_secret = crate::dh::DhPrivateKey::generate(dh, &[0x5A; 40]).unwrap();
        let key = ChipAuthenticationPublicKeyInfo {
            agreement: KeyAgreement::Dh,
            parameters: DomainParameters::Standardized(2),
            public_key: dh.public_key(&chip_secret),
            key_id: Some(7),
        };
        let info = ChipAuthenticationInfo { protocol, version: 1, key_id: Some(7) };
        let session = bac_session();
        let t = Terminal::new(&info, &key, &Terminal::generate_ephemeral(&key).unwrap(), &session).unwrap();
        let chip = Chip::new(protocol, group, &chip_secret.to_bytes(), Some(7), &session).unwrap();
        let (cmd, t) = t.start();
        let (r, chip_sm) = chip.set_kat(&cmd).unwrap();
        assert_eq!(done(t.next(&r).unwrap()), chip_sm);

        // DG14 naming ECDH for a DH key is the chip's fault.
        let ecdh =
            ChipAuthenticationInfo { protocol: CaProtocol { agreement: KeyAgreement::Ecdh, ..protocol }, ..info };
        let e = ca_error(Terminal::new(&ecdh, &key, &[1; 32], &session).unwrap_err());
        assert_eq!(
            (e.step, e.culprit, e.failure),
            (CaStep::Setup, Culprit::Chip, AuthenticationFailure::BadDomainParameters)
        );
        let mut bad_key = key.clone();
        bad_key.public_key = vec![1];
        let e = ca_error(Terminal::new(&info, &bad_key, &[1; 32], &session).unwrap_err());
        assert_eq!(e.failure, AuthenticationFailure::InvalidPublicKey);
        assert!(!format!("{t:?}", t = Terminal::new(&info, &key, &[0x77; 32], &session).unwrap()).contains("7777"));
    }
}
