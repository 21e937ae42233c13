//! The simulated e-passport chip: its file system and its APDU state machine, pure logic with no I/O. Bytes in, bytes
//! out; [`super::vpcd`] carries them to pcscd.
//!
//! What it implements:
//! - SELECT (ISO/IEC 7816-4 §11.2.2; ICAO 9303-10 §3.6.2): the eMRTD application by name (`00 A4 04 0C 07
//!   A0000002471001`, P2 `0C` or `00`), a file by identifier with P1 `02` (or `00`, where `3F00` or no data selects
//!   the master file) and P2 `0C` (no answer), `00` or `04` (the file's FCP: size, descriptor, identifier). Files of
//!   the master file (EF.CardAccess `011C`, EF.CardSecurity `011D`, EF.ATR/INFO `2F01`) are reached while the master
//!   file is current; the LDS files while the application is.
//! - GET CHALLENGE and EXTERNAL AUTHENTICATE: Basic Access Control (9303-11 §4.3), the chip side from
//!   [`mrtd::bac::Chip`]. A wrong MRZ gets `6300` and no session; EXTERNAL AUTHENTICATE without a fresh challenge gets
//!   `6985`.
//! - Secure messaging (9303-11 §9.8) once BAC or PACE succeeded: every command must then be protected. An
//!   unprotected command gets a bare `6987`, a wrong MAC or malformed data objects a bare `6988`, and either ends the
//!   session: the chip deletes its session keys, and access to the LDS files needs a new BAC or PACE. Power off,
//!   power on and reset end the session too, as a power loss does.
//! - READ BINARY `B0` (7816-4 §11.3.3): P1 bit 8 set means a short file identifier in P1 bits 1-5 with the offset in
//!   P2, else a 15-bit offset in P1-P2 on the current file; `B1`: the offset in DO'54' of the command data, the
//!   response wrapped in DO'53', the file by P1-P2 (`0000` current file, `00xx` a short identifier, else a file
//!   identifier). Short and extended `Le`.
//! - MSE:Set AT and GENERAL AUTHENTICATE: PACE (9303-11 §4.4) with the protocols EF.CardAccess lists, keyed with the
//!   MRZ or the CAN, then AES or 3DES secure messaging; see the `pace` room (card/pace.rs). Chaining (CLA `10`) is
//!   taken for PACE's GENERAL AUTHENTICATE only (`6884` elsewhere).
//! - Inside secure messaging: Chip Authentication (MSE:Set KAT, or MSE:Set AT and GENERAL AUTHENTICATE, 9303-11
//!   §6.2), after which the session switches to the new keys, and Active Authentication (INTERNAL AUTHENTICATE,
//!   §6.1); see the `chip_auth` room (card/chip_auth.rs), which also says what the `clone` fault does.
//!
//! Access rules, as on real chips: the LDS files need BAC or PACE first (`6982`); DG3 and DG4 need Extended Access
//! Control, which this chip does not offer, so they can be selected but reading them gets `6982`. A chip configured
//! for PACE only answers GET CHALLENGE and EXTERNAL AUTHENTICATE outside secure messaging with `6982`: the
//! instructions exist (Terminal Authentication uses them) but BAC is not an access path, and `6982` ("establish the
//! security state first") tells a terminal to run PACE, whereas `6300` would claim a wrong MRZ. A chip that does not
//! offer PACE answers MSE:Set AT for PACE with `6A88`; one without an Active Authentication key does not know
//! INTERNAL AUTHENTICATE (`6D00`).
//!
//! Lengths, the behaviour terminals disagree about most:
//! - An offset at or beyond the end of the file gets `6B00` (7816-4 §5.6: wrong parameters P1-P2, offset outside the
//!   file). An explicit `Le` beyond the end gets what is left with the warning `6282`, whereas the maximal `Le`
//!   (`00` short, `0000` extended), which 7816-4 §5.1 defines as "as many as available", gets what is left with
//!   `9000`.
//! - The chip has a response buffer ([`CardConfig::max_response`], 4096 bytes by default): the largest response data
//!   field, secure messaging included, that it returns; EF.ATR/INFO announces it. A short command's response also
//!   has to fit 256 bytes: with 3DES secure messaging that leaves 231 plaintext bytes
//!   ([`SecureMessaging::max_plain_response`]). When the bytes a command asks for do not fit, the chip does what
//!   [`LeOverflow`] says. The default, [`LeOverflow::WrongLength`], answers `6700`: what most chips do, including to
//!   a short `Le` of `00` under secure messaging (readers such as NFCPassportReader start at 256 and step down to 224
//!   or 160 on `6700`). [`LeOverflow::ExactLe`] answers `6Cxx` with the `Le` that would fit when it fits in one byte
//!   (7816-4 §5.6), `6700` otherwise; [`LeOverflow::FewerBytes`] returns what fits with `9000`, as some chips do,
//!   leaving the terminal to notice the short answer.
//! - Extended length (7816-4 §5.1) can be switched off: then an extended command gets `6700`, the ATR's card
//!   capabilities do not announce it and EF.ATR/INFO has no DO'7F66'. A protected extended command is still opened
//!   and answered under secure messaging, so that the send sequence counter stays in step and the terminal can
//!   retry with a short one.
//!
//! The ATR is that of a contactless ISO 14443-4 chip as a PC/SC reader builds it (PC/SC Part 3 §3.1.3.2.3):
//! `3B 85 80 01`, historical bytes `80 73 94 01 xx` (7816-4 §8.1.1.2.7: category indicator, then the card
//! capabilities: selection by full DF name, file identifier and short EF identifier; data unit of one byte; in the
//! third byte bit 7 (`40`) "extended Lc and Le fields" and bit 6 (`20`) "extended length information in
//! EF.ATR/INFO" when extended length is on), and the check byte TCK.

use std::collections::BTreeMap;

use mrtd::apdu::{Command, Response};
use mrtd::bac::BacKeys;
use mrtd::error::PeerMisbehaved;
use mrtd::lds::FileId;
use mrtd::sm::SecureMessaging;
use mrtd::sw::StatusWord;

use super::fault;
use super::passport_dir::Passport;
use crate::error::Error;

mod atr;
mod bac;
mod chip_auth;
mod config;
mod file_system;
mod pace;

pub use atr::atr;
use atr::atr_info;
use config::system_random;
pub use config::{CardConfig, DEFAULT_MAX_RESPONSE, LeOverflow, MAX_RESPONSE_LIMIT, MIN_RESPONSE_LIMIT, Random};

/// GENERAL AUTHENTICATE, the instruction of PACE and of Chip Authentication with AES.
const GENERAL_AUTHENTICATE: u8 = 0x86;

/// The dedicated file that is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Df {
    Master,
    Application,
}

/// Where access control stands.
#[derive(Debug)]
enum Auth {
    /// No access to the LDS files.
    None,
    /// GET CHALLENGE handed out RND.IC; EXTERNAL AUTHENTICATE may follow.
    Challenged([u8; 8]),
    /// MSE:Set AT chose PACE; its GENERAL AUTHENTICATE steps are under way.
    Pace(Box<pace::Run>),
    /// BAC or PACE succeeded: secure messaging with these keys.
    Secure(SecureMessaging),
}

/// What a command is executed under.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    secure: bool,
    extended: bool,
    /// The most response data bytes (plaintext, before secure messaging) this response can carry.
    capacity: usize,
}

/// Bytes in hex, for trace logs.
pub(crate) struct Hex<'a>(pub &'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

/// The chip.
pub struct Card {
    config: CardConfig,
    files: BTreeMap<FileId, Vec<u8>>,
    bac_keys: Option<BacKeys>,
    random: Random,
    df: Df,
    current: Option<FileId>,
    auth: Auth,
    pace: pace::Offer,
    keys: chip_auth::Keys,
    /// Chip Authentication's MSE:Set AT was taken; its GENERAL AUTHENTICATE is awaited.
    ca_pending: Option<mrtd::ca::ChipAwaitKey>,
    /// The session Chip Authentication agreed on, in force once the current response went out under the old one.
    next_session: Option<SecureMessaging>,
    protected_responses: u64,
    data_responses: u64,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Card")
            .field("config", &self.config)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("df", &self.df)
            .field("current", &self.current)
            .field("secure", &matches!(self.auth, Auth::Secure(_)))
            .finish_non_exhaustive()
    }
}

impl Card {
    /// A chip holding the passport's files and private keys, with the faults of `config` applied to them.
    ///
    /// # Errors
    /// [`Error::InvalidPassport`] or [`Error::InvalidMrz`] when the passport lacks what the access control needs
    /// (EF.CardAccess for PACE; a PACE-CAM PACEInfo and the Chip Authentication key on PACE's curve for PACE-CAM;
    /// an MRZ for BAC), [`Error::Io`] or [`Error::ChipKey`] when a private key of `chip.toml` does not load,
    /// [`Error::InvalidChipConfig`] for a buffer size out of range.
    pub fn new(passport: &Passport, config: CardConfig) -> Result<Card, Error> {
        if !(MIN_RESPONSE_LIMIT..=MAX_RESPONSE_LIMIT).contains(&config.max_response) {
            return Err(Error::InvalidChipConfig {
                what: "max_response",
                reason: "must be between 64 and 65533 bytes (vpcd frames carry at most 65535 bytes)",
            });
        }
        passport.check_access(config.access)?;
        let bac_keys = if config.access.allows_bac() { Some(passport.bac_keys()?) } else { None };
        let keys = chip_auth::Keys::load(passport, config.faults.clone)?;
        let pace = pace::Offer::new(passport, config.access, &keys)?;
        let mut files = passport.files.clone();
        if config.faults.tamper_dg2 {
            match files.get_mut(&FileId::Dg(2)) {
                Some(dg2) => fault::tamper_dg2(dg2),
                None => tracing::warn!("fault tamper-dg2: the chip has no DG2"),
            }
        }
        if config.faults.bad_sod_signature {
            match files.get_mut(&FileId::Sod) {
                Some(sod) => {
                    if !fault::break_sod_signature(sod) {
                        tracing::warn!("fault bad-sod-signature: EF.SOD does not decode; its last byte was flipped");
                    }
                }
                None => tracing::warn!("fault bad-sod-signature: the chip has no EF.SOD"),
            }
        }
        files.insert(FileId::AtrInfo, atr_info(&config));
        Ok(Card {
            config,
            files,
            bac_keys,
            random: system_random(),
            df: Df::Master,
            current: None,
            auth: Auth::None,
            pace,
            keys,
            ca_pending: None,
            next_session: None,
            protected_responses: 0,
            data_responses: 0,
        })
    }

    /// Replaces the random source, so that tests can fix RND.IC and K.IC.
    #[must_use]
    pub fn with_random(mut self, random: Random) -> Self {
        self.random = random;
        self
    }

    /// The chip's configuration.
    pub fn config(&self) -> &CardConfig {
        &self.config
    }

    /// The files the chip holds (EF.ATR/INFO included), with faults applied.
    pub fn files(&self) -> &BTreeMap<FileId, Vec<u8>> {
        &self.files
    }

    /// The answer to reset.
    pub fn atr(&self) -> Vec<u8> {
        atr(self.config.extended_length)
    }

    /// Power on: a fresh session, the master file current.
    pub fn power_on(&mut self) {
        self.reset_state();
    }

    /// Power off: the session keys are gone.
    pub fn power_off(&mut self) {
        self.reset_state();
    }

    /// Warm reset: as a power cycle for the chip's state.
    pub fn reset(&mut self) {
        self.reset_state();
    }

    /// True while secure messaging is established.
    pub fn is_secure(&self) -> bool {
        matches!(self.auth, Auth::Secure(_))
    }

    fn reset_state(&mut self) {
        self.df = Df::Master;
        self.current = None;
        self.end_session();
    }

    /// Forgets every session key and half-run protocol.
    fn end_session(&mut self) {
        self.auth = Auth::None;
        self.ca_pending = None;
        self.next_session = None;
    }

    /// Answers one command APDU. Every input gets an answer: malformed commands get a status word.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        tracing::trace!(apdu = %Hex(apdu), ">>");
        let resp = match Command::parse(apdu) {
            Ok(cmd) => {
                let resp = self.dispatch(&cmd);
                tracing::debug!(
                    cla = cmd.cla,
                    ins = cmd.ins,
                    p1 = cmd.p1,
                    p2 = cmd.p2,
                    sw = %format_args!("{:04X}", resp.sw.to_u16()),
                    data_len = resp.data.len(),
                    "APDU"
                );
                resp
            }
            Err(e) => {
                tracing::debug!(error = %e, len = apdu.len(), "malformed APDU");
                Response::status(StatusWord::WrongLength)
            }
        };
        let mut bytes = resp.to_bytes();
        if !resp.data.is_empty() {
            self.data_responses += 1;
            if self.config.faults.truncate == Some(self.data_responses) {
                // Keep the status word so that the bytes still parse as a response; lose half the data.
                let keep = resp.data.len() / 2;
                bytes = resp.data.get(..keep).unwrap_or_default().to_vec();
                bytes.extend_from_slice(&resp.sw.to_bytes());
                tracing::info!(response = self.data_responses, kept = keep, "fault truncate: response cut short");
            }
        }
        tracing::trace!(apdu = %Hex(&bytes), "<<");
        bytes
    }

    fn dispatch(&mut self, cmd: &Command) -> Response {
        if cmd.cla & !0x1C != 0 {
            return Response::status(StatusWord::ClaNotSupported);
        }
        if cmd.cla & 0x10 != 0 && cmd.ins != GENERAL_AUTHENTICATE {
            // Command chaining (7816-4 §5.4.1): only PACE's GENERAL AUTHENTICATE uses it (9303-11 §4.4.4.2).
            return Response::status(StatusWord::Other(0x6884));
        }
        let protected = match cmd.cla & 0x0C {
            0x00 => false,
            0x0C => true,
            // Proprietary secure-messaging formats.
            _ => return Response::status(StatusWord::SecureMessagingNotSupported),
        };
        match std::mem::replace(&mut self.auth, Auth::None) {
            Auth::Secure(sm) => self.dispatch_secure(sm, cmd),
            Auth::Pace(_) if cmd.ins != GENERAL_AUTHENTICATE => {
                // Any other command abandons PACE half-way, as on real chips; it then runs as usual.
                tracing::debug!("PACE abandoned by another command");
                self.dispatch(cmd)
            }
            other => {
                self.auth = other;
                if protected {
                    return Response::status(StatusWord::SecureMessagingNotSupported);
                }
                let extended = cmd.is_extended();
                let capacity = self.response_limit(extended);
                self.execute(cmd, Ctx { secure: false, extended, capacity })
            }
        }
    }

    /// Opens a protected command, executes it and protects the answer. Any secure-messaging error ends the session:
    /// `self.auth` stays `None`.
    fn dispatch_secure(&mut self, mut sm: SecureMessaging, cmd: &Command) -> Response {
        let inner = match sm.unprotect_command(cmd) {
            Ok(inner) => inner,
            Err(e) => {
                let sw = match e {
                    mrtd::Error::TerminalMisbehaved(PeerMisbehaved::MissingDataObject(_)) => {
                        StatusWord::SmObjectsMissing
                    }
                    _ => StatusWord::SmObjectsIncorrect,
                };
                tracing::info!(error = %e, sw = %format_args!("{:04X}", sw.to_u16()), "secure messaging ended");
                self.current = None;
                self.end_session();
                return Response::status(sw);
            }
        };
        let extended = cmd.is_extended();
        let capacity = sm.max_plain_response(self.response_limit(extended));
        self.auth = Auth::Secure(sm);
        let resp = self.execute(&inner, Ctx { secure: true, extended, capacity });
        let Auth::Secure(sm) = &mut self.auth else {
            // The command ended the session itself; its answer goes out as it is.
            return resp;
        };
        match sm.protect_response(&resp) {
            Ok(mut protected) => {
                self.protected_responses += 1;
                if self.config.faults.wrong_mac == Some(self.protected_responses) {
                    // DO'8E' comes last: its last byte is the MAC's.
                    if let Some(b) = protected.data.last_mut() {
                        *b ^= 0x01;
                    }
                    tracing::info!(response = self.protected_responses, "fault wrong-mac: response MAC broken");
                }
                // Chip Authentication answers under the old keys, then restarts secure messaging (9303-11 §6.2).
                if let Some(next) = self.next_session.take() {
                    *sm = next;
                    tracing::info!("Chip Authentication: secure messaging restarted with the new keys");
                }
                protected
            }
            Err(e) => {
                tracing::warn!(error = %e, "protecting the response failed; secure messaging ended");
                self.end_session();
                Response::status(StatusWord::Unknown)
            }
        }
    }

    /// The largest response data field for a command of this encoding.
    fn response_limit(&self, extended: bool) -> usize {
        let limit = if extended { MAX_RESPONSE_LIMIT } else { mrtd::apdu::MAX_SHORT_LE };
        limit.min(self.config.max_response)
    }

    fn execute(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if ctx.extended && !self.config.extended_length {
            return Response::status(StatusWord::WrongLength);
        }
        if cmd.data.len() > self.config.max_response {
            return Response::status(StatusWord::WrongLength);
        }
        if cmd.ins != GENERAL_AUTHENTICATE {
            // Anything but GENERAL AUTHENTICATE drops a Chip Authentication left half-way.
            self.ca_pending = None;
        }
        match cmd.ins {
            0xA4 => self.select(cmd, ctx),
            0xB0 | 0xB1 => self.read_binary(cmd, ctx),
            0x84 => self.get_challenge(cmd, ctx),
            0x82 => self.external_authenticate(cmd, ctx),
            0x22 => self.manage_security_environment(cmd, ctx),
            GENERAL_AUTHENTICATE => self.general_authenticate(cmd, ctx),
            0x88 => self.internal_authenticate(cmd, ctx),
            _ => Response::status(StatusWord::InsNotSupported),
        }
    }

    /// MSE (7816-4 §11.5.11): Set AT for PACE (`C1 A4`, 9303-11 §4.4.4.1) or Chip Authentication (`41 A4`), Set KAT
    /// for Chip Authentication with 3DES (`41 A6`, 9303-11 §6.2.4.1).
    fn manage_security_environment(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        match (cmd.p1, cmd.p2) {
            (0xC1, 0xA4) => self.pace_set_at(cmd, ctx),
            (0x41, 0xA6) => self.ca_set_kat(cmd, ctx),
            (0x41, 0xA4) => self.ca_set_at(cmd, ctx),
            _ => Response::status(StatusWord::WrongP1P2),
        }
    }

    /// GENERAL AUTHENTICATE (7816-4 §11.5.5): the next step of PACE, or Chip Authentication's key agreement.
    fn general_authenticate(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if matches!(self.auth, Auth::Pace(_)) {
            return self.pace_step(cmd);
        }
        if ctx.secure && cmd.cla & 0x10 == 0 && self.ca_pending.is_some() {
            return self.ca_general_authenticate(cmd);
        }
        Response::status(StatusWord::ConditionsNotSatisfied)
    }

    fn random<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut out = [0u8; N];
        (self.random)(&mut out).then_some(out)
    }
}

#[cfg(test)]
mod auth_tests;
#[cfg(test)]
mod pace_tests;
#[cfg(test)]
mod profile_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
