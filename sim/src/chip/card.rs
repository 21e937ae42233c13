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
use mrtd::lds::{EMRTD_AID, FileId};
use mrtd::sm::SecureMessaging;
use mrtd::sw::StatusWord;
use mrtd::tlv::{self, Tag};

use super::fault::{self, Faults};
use super::passport_dir::{Access, Passport};
use crate::error::Error;

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

    /// The file a file identifier names in the current DF, if the chip holds it.
    fn by_fid(&self, fid: u16) -> Option<FileId> {
        let id = match (self.df, fid) {
            (Df::Master, 0x011C) => FileId::CardAccess,
            (Df::Master, 0x011D) => FileId::CardSecurity,
            (Df::Master, 0x2F01) => FileId::AtrInfo,
            (Df::Application, 0x011E) => FileId::Com,
            (Df::Application, 0x011D) => FileId::Sod,
            (Df::Application, n @ 0x0101..=0x0110) => FileId::Dg((n & 0xFF) as u8),
            _ => return None,
        };
        self.files.contains_key(&id).then_some(id)
    }

    /// The file a short file identifier names in the current DF, if the chip holds it.
    fn by_sfi(&self, sfi: u8) -> Option<FileId> {
        let id = match (self.df, sfi) {
            (Df::Master, 0x1C) => FileId::CardAccess,
            (Df::Master, 0x1D) => FileId::CardSecurity,
            (Df::Master, 0x01) => FileId::AtrInfo,
            (Df::Application, 0x1E) => FileId::Com,
            (Df::Application, 0x1D) => FileId::Sod,
            (Df::Application, n @ 0x01..=0x10) => FileId::Dg(n),
            _ => return None,
        };
        self.files.contains_key(&id).then_some(id)
    }

    /// Whether the file may be read now.
    fn access_to(&self, file: FileId, ctx: Ctx) -> Result<(), StatusWord> {
        if file.in_master_file() {
            return Ok(());
        }
        if !ctx.secure || matches!(file, FileId::Dg(3) | FileId::Dg(4)) {
            return Err(StatusWord::SecurityStatusNotSatisfied);
        }
        Ok(())
    }

    fn select(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if !matches!(cmd.p2 & 0xFC, 0x00 | 0x04 | 0x0C) {
            return Response::status(StatusWord::WrongP1P2);
        }
        let answer = cmd.p2 & 0x0C != 0x0C && cmd.le.is_some();
        match cmd.p1 {
            0x04 => {
                if cmd.data.as_slice() != EMRTD_AID.as_slice() {
                    return Response::status(StatusWord::FileNotFound);
                }
                self.df = Df::Application;
                self.current = None;
                if answer {
                    // FCI with the DF name only (7816-4 §7.4.1).
                    let fci = tlv::to_vec(Tag(0x6F), &tlv::to_vec(Tag(0x84), &EMRTD_AID));
                    return Response::new(fci, StatusWord::Ok);
                }
                Response::status(StatusWord::Ok)
            }
            0x00 | 0x02 => {
                if cmd.p1 == 0x00 && (cmd.data.is_empty() || cmd.data.as_slice() == [0x3F, 0x00]) {
                    self.df = Df::Master;
                    self.current = None;
                    return Response::status(StatusWord::Ok);
                }
                let Ok(fid) = <[u8; 2]>::try_from(cmd.data.as_slice()) else {
                    return Response::status(StatusWord::WrongLength);
                };
                if self.df == Df::Application && !ctx.secure {
                    return Response::status(StatusWord::SecurityStatusNotSatisfied);
                }
                let fid = u16::from_be_bytes(fid);
                let Some(file) = self.by_fid(fid) else { return Response::status(StatusWord::FileNotFound) };
                self.current = Some(file);
                if answer {
                    let size = self.files.get(&file).map_or(0, Vec::len);
                    return Response::new(fcp(size, fid), StatusWord::Ok);
                }
                Response::status(StatusWord::Ok)
            }
            _ => Response::status(StatusWord::WrongP1P2),
        }
    }

    fn read_binary(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        let odd = cmd.ins == 0xB1;
        let (file, offset) = if odd {
            let file = match u16::from_be_bytes([cmd.p1, cmd.p2]) {
                0 => self.current,
                n @ 0x0001..=0x001F => self.by_sfi((n & 0x1F) as u8),
                fid => self.by_fid(fid),
            };
            // The offset is DO'54' (7816-4 §11.3.3), one to three bytes in practice.
            let offset = match tlv::Tlv::parse_exact(&cmd.data, Tag(0x54)) {
                Ok(v) if !v.is_empty() && v.len() <= 4 => v.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
                _ => return Response::status(StatusWord::WrongData),
            };
            (file, offset)
        } else if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return Response::status(StatusWord::WrongP1P2);
            }
            (self.by_sfi(cmd.p1 & 0x1F), usize::from(cmd.p2))
        } else {
            if self.current.is_none() {
                // Command not allowed: no current EF (7816-4 §5.6).
                return Response::status(StatusWord::Other(0x6986));
            }
            (self.current, usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])))
        };
        if !odd && !cmd.data.is_empty() {
            return Response::status(StatusWord::WrongData);
        }
        let Some(file) = file else {
            if self.df == Df::Application && !ctx.secure {
                return Response::status(StatusWord::SecurityStatusNotSatisfied);
            }
            return Response::status(StatusWord::FileNotFound);
        };
        if let Err(sw) = self.access_to(file, ctx) {
            return Response::status(sw);
        }
        self.current = Some(file);
        let Some(ne) = cmd.le else { return Response::status(StatusWord::WrongLength) };
        let content = self.files.get(&file).map(Vec::as_slice).unwrap_or_default();
        let maximal = ne == mrtd::apdu::MAX_EXTENDED_LE || (!ctx.extended && ne == mrtd::apdu::MAX_SHORT_LE);
        read_range(content, offset, ne, maximal, odd, ctx, self.config.le_overflow)
    }
}

/// Bytes taken by DO'53' around `n` bytes of data.
fn wrapped_len(n: usize, wrap: bool) -> usize {
    if !wrap {
        return n;
    }
    let len_len = match n {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    };
    1 + len_len + n
}

/// The most data bytes, at most `available`, whose (wrapped) length fits `limit`.
fn fit(available: usize, limit: usize, wrap: bool) -> usize {
    let mut n = available.min(limit);
    // The wrapper takes at most 5 bytes: a few steps down always suffice.
    while n > 0 && wrapped_len(n, wrap) > limit {
        n -= 1;
    }
    n
}

/// READ BINARY's answer for `ne` bytes from `offset`.
fn read_range(
    content: &[u8],
    offset: usize,
    ne: usize,
    maximal: bool,
    wrap: bool,
    ctx: Ctx,
    overflow: LeOverflow,
) -> Response {
    let Some(rest) = content.get(offset..).filter(|r| !r.is_empty()) else {
        return Response::status(StatusWord::WrongParameters);
    };
    let want = fit(rest.len(), ne, wrap);
    if want == 0 {
        // Not even the DO'53' header fits the Le given.
        return Response::status(StatusWord::WrongLength);
    }
    let (n, sw) = if wrapped_len(want, wrap) > ctx.capacity {
        let can = fit(rest.len(), ctx.capacity, wrap);
        match overflow {
            LeOverflow::FewerBytes if can > 0 => (can, StatusWord::Ok),
            LeOverflow::ExactLe if can > 0 && wrapped_len(can, wrap) < 0x100 => {
                return Response::status(StatusWord::WrongLe((wrapped_len(can, wrap) & 0xFF) as u8));
            }
            _ => return Response::status(StatusWord::WrongLength),
        }
    } else if maximal || wrapped_len(want, wrap) == ne {
        (want, StatusWord::Ok)
    } else {
        (want, StatusWord::EndOfFile)
    };
    let data = rest.get(..n).unwrap_or_default();
    let data = if wrap { tlv::to_vec(Tag(0x53), data) } else { data.to_vec() };
    Response::new(data, sw)
}

/// The FCP template of a transparent EF (7816-4 §7.4.3): its size, descriptor and identifier.
fn fcp(size: usize, fid: u16) -> Vec<u8> {
    let mut inner = Vec::new();
    tlv::encode(Tag(0x80), &uint(size), &mut inner);
    tlv::encode(Tag(0x82), &[0x01], &mut inner);
    tlv::encode(Tag(0x83), &fid.to_be_bytes(), &mut inner);
    tlv::to_vec(Tag(0x62), &inner)
}

/// An unsigned number in as few bytes as it takes, at least two (file sizes are given on two bytes at least).
fn uint(n: usize) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take(bytes.len() - 2).take_while(|&&b| b == 0).count();
    bytes.get(skip..).unwrap_or_default().to_vec()
}

/// A positive DER INTEGER's content octets.
fn der_uint(n: usize) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take(bytes.len() - 1).take_while(|&&b| b == 0).count();
    let mut out = bytes.get(skip..).unwrap_or_default().to_vec();
    if out.first().is_some_and(|&b| b & 0x80 != 0) {
        out.insert(0, 0);
    }
    out
}

/// The third software function table of the card capabilities (7816-4 §8.1.1.2.7, Table 119).
fn third_function_byte(extended_length: bool) -> u8 {
    if extended_length { 0x40 | 0x20 } else { 0x00 }
}

/// The card capabilities: selection by full DF name (`80`), by file identifier (`10`) and by short EF identifier
/// (`04`); data unit of one byte (`01`); the third byte.
fn card_capabilities(extended_length: bool) -> [u8; 3] {
    [0x94, 0x01, third_function_byte(extended_length)]
}

/// The answer to reset (see the module documentation).
pub fn atr(extended_length: bool) -> Vec<u8> {
    let mut historical = vec![0x80, 0x73];
    historical.extend_from_slice(&card_capabilities(extended_length));
    let mut atr = vec![0x3B, 0x80 | (historical.len() as u8 & 0x0F), 0x80, 0x01];
    atr.extend_from_slice(&historical);
    // TCK: the exclusive-or of every byte from T0 on (7816-3 §8.2.5), needed since T=1 is indicated.
    let tck = atr.iter().skip(1).fold(0u8, |acc, b| acc ^ b);
    atr.push(tck);
    atr
}

/// EF.ATR/INFO (7816-4 §12.7.1): the card capabilities (DO'47') and, with extended length, DO'7F66' with the largest
/// command and response the chip takes.
fn atr_info(config: &CardConfig) -> Vec<u8> {
    let mut out = tlv::to_vec(Tag(0x47), &card_capabilities(config.extended_length));
    if config.extended_length {
        let mut sizes = tlv::to_vec(Tag(0x02), &der_uint(config.max_response));
        tlv::encode(Tag(0x02), &der_uint(config.max_response), &mut sizes);
        tlv::encode(Tag(0x7F66), &sizes, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
