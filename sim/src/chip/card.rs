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
//! - Secure messaging (9303-11 §9.8) once BAC succeeded: every command must then be protected. An unprotected command
//!   gets a bare `6987`, a wrong MAC or malformed data objects a bare `6988`, and either ends the session: the chip
//!   deletes its session keys, and access to the LDS files needs a new BAC. Power off, power on and
//!   reset end the session too, as a power loss does.
//! - READ BINARY `B0` (7816-4 §11.3.3): P1 bit 8 set means a short file identifier in P1 bits 1-5 with the offset in
//!   P2, else a 15-bit offset in P1-P2 on the current file; `B1`: the offset in DO'54' of the command data, the
//!   response wrapped in DO'53', the file by P1-P2 (`0000` current file, `00xx` a short identifier, else a file
//!   identifier). Short and extended `Le`.
//!
//! Access rules, as on real chips: the LDS files need BAC or PACE first (`6982`); DG3 and DG4 need Extended Access
//! Control, which this chip does not offer, so they can be selected but reading them gets `6982`. A chip configured
//! for PACE only answers GET CHALLENGE and EXTERNAL AUTHENTICATE outside secure messaging with `6982`: the
//! instructions exist (Terminal Authentication uses them) but BAC is not an access path, and `6982` ("establish the
//! security state first") tells a terminal to run PACE, whereas `6300` would claim a wrong MRZ. This chip does not
//! answer PACE (MSE:Set AT, GENERAL AUTHENTICATE), Chip Authentication or Active Authentication (INTERNAL
//! AUTHENTICATE): those instructions get `6D00`.
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
use mrtd::bac::{BacKeys, Chip};
use mrtd::error::PeerMisbehaved;
use mrtd::lds::FileId;
use mrtd::sm::SecureMessaging;
use mrtd::sw::StatusWord;

use super::fault::{self, Faults};
use super::passport_dir::{Access, Passport};
use crate::error::Error;

mod atr;
mod file_system;

pub use atr::atr;
use atr::atr_info;

/// The largest response data field vpcd can carry: its frames have a two-byte length and hold the status word too.
pub const MAX_RESPONSE_LIMIT: usize = 65533;
/// The smallest response buffer accepted: a protected response needs 14 bytes of status and MAC around its data.
pub const MIN_RESPONSE_LIMIT: usize = 64;
/// The response buffer when none is configured.
pub const DEFAULT_MAX_RESPONSE: usize = 4096;

/// What the chip answers when a READ BINARY asks for more than fits in one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeOverflow {
    /// `6700` (wrong length), the most common answer.
    #[default]
    WrongLength,
    /// `6Cxx` with the `Le` that would fit, when it fits in a byte; `6700` otherwise.
    ExactLe,
    /// As many bytes as fit, with `9000`.
    FewerBytes,
}

impl LeOverflow {
    /// The name as the command line spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LeOverflow::WrongLength => "wrong-length",
            LeOverflow::ExactLe => "exact-le",
            LeOverflow::FewerBytes => "fewer-bytes",
        }
    }

    /// Parses the name as the command line spells it.
    pub fn from_name(name: &str) -> Option<LeOverflow> {
        [LeOverflow::WrongLength, LeOverflow::ExactLe, LeOverflow::FewerBytes].into_iter().find(|m| m.as_str() == name)
    }
}

/// How the chip behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardConfig {
    /// The access control the chip offers.
    pub access: Access,
    /// Whether the chip takes extended-length APDUs.
    pub extended_length: bool,
    /// The largest response data field the chip returns, secure messaging included; also the largest command data
    /// field it takes. Between [`MIN_RESPONSE_LIMIT`] and [`MAX_RESPONSE_LIMIT`].
    pub max_response: usize,
    /// What happens when a read asks for more than fits.
    pub le_overflow: LeOverflow,
    /// Faults in force.
    pub faults: Faults,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self {
            access: Access::Bac,
            extended_length: true,
            max_response: DEFAULT_MAX_RESPONSE,
            le_overflow: LeOverflow::WrongLength,
            faults: Faults::default(),
        }
    }
}

/// The source of the chip's random numbers (RND.IC, K.IC); `false` when it failed.
pub type Random = Box<dyn FnMut(&mut [u8]) -> bool + Send>;

fn system_random() -> Random {
    Box::new(|buf| getrandom::fill(buf).is_ok())
}

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
    /// BAC succeeded: secure messaging with these keys.
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
    /// A chip holding the passport's files, with the faults of `config` applied to them.
    ///
    /// # Errors
    /// [`Error::InvalidPassport`] or [`Error::InvalidMrz`] when the passport lacks what the access control needs
    /// (EF.CardAccess for PACE, an MRZ for BAC), [`Error::InvalidChipConfig`] for a buffer size out of range.
    pub fn new(passport: &Passport, config: CardConfig) -> Result<Card, Error> {
        if !(MIN_RESPONSE_LIMIT..=MAX_RESPONSE_LIMIT).contains(&config.max_response) {
            return Err(Error::InvalidChipConfig {
                what: "max_response",
                reason: "must be between 64 and 65533 bytes (vpcd frames carry at most 65535 bytes)",
            });
        }
        passport.check_access(config.access)?;
        let bac_keys = if config.access.allows_bac() { Some(passport.bac_keys()?) } else { None };
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
        self.auth = Auth::None;
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
        if cmd.cla & 0x10 != 0 {
            // Command chaining (7816-4 §5.4.1): nothing the eMRTD application needs.
            return Response::status(StatusWord::Other(0x6884));
        }
        if cmd.cla & !0x0C != 0 {
            return Response::status(StatusWord::ClaNotSupported);
        }
        let protected = match cmd.cla & 0x0C {
            0x00 => false,
            0x0C => true,
            // Proprietary secure-messaging formats.
            _ => return Response::status(StatusWord::SecureMessagingNotSupported),
        };
        match std::mem::replace(&mut self.auth, Auth::None) {
            Auth::Secure(sm) => self.dispatch_secure(sm, cmd),
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
                protected
            }
            Err(e) => {
                tracing::warn!(error = %e, "protecting the response failed; secure messaging ended");
                self.auth = Auth::None;
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
        match cmd.ins {
            0xA4 => self.select(cmd, ctx),
            0xB0 | 0xB1 => self.read_binary(cmd, ctx),
            0x84 => self.get_challenge(cmd, ctx),
            0x82 => self.external_authenticate(cmd, ctx),
            _ => Response::status(StatusWord::InsNotSupported),
        }
    }

    fn random<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut out = [0u8; N];
        (self.random)(&mut out).then_some(out)
    }

    fn get_challenge(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if !ctx.secure && !self.config.access.allows_bac() {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Response::status(StatusWord::WrongP1P2);
        }
        if cmd.le != Some(8) {
            return Response::status(StatusWord::WrongLength);
        }
        let Some(rnd_ic) = self.random::<8>() else { return Response::status(StatusWord::Unknown) };
        if !ctx.secure {
            self.auth = Auth::Challenged(rnd_ic);
        }
        Response::new(rnd_ic.to_vec(), StatusWord::Ok)
    }

    fn external_authenticate(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if ctx.secure {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let Some(keys) = self.bac_keys.clone().filter(|_| self.config.access.allows_bac()) else {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        };
        // The challenge is used once, whatever happens next.
        let Auth::Challenged(rnd_ic) = std::mem::replace(&mut self.auth, Auth::None) else {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        };
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Response::status(StatusWord::WrongP1P2);
        }
        if cmd.data.len() != 40 {
            return Response::status(StatusWord::WrongLength);
        }
        let Some(k_ic) = self.random::<16>() else { return Response::status(StatusWord::Unknown) };
        match Chip::new(keys, rnd_ic).external_authenticate(&cmd.data, k_ic) {
            Ok((answer, sm)) => {
                tracing::info!("BAC succeeded; secure messaging established");
                self.auth = Auth::Secure(sm);
                self.current = None;
                Response::new(answer, StatusWord::Ok)
            }
            Err(e) => {
                tracing::info!(error = %e, "BAC failed: the terminal's keys do not match this chip's MRZ");
                Response::status(StatusWord::AuthenticationFailed)
            }
        }
    }
}

#[cfg(test)]
mod tests;
