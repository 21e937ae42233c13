//! Access control before secure messaging: reading EF.CardAccess from the master file, and PACE (ICAO 9303-11
//! §4.4), which the terminal must try first whenever EF.CardAccess offers it.
//!
//! Of the protocols the chip lists, the strongest the gate can run is chosen: Chip Authentication Mapping first (it
//! proves the chip genuine during PACE), then Generic, then Integrated Mapping; AES-256 before 192, 128 and 3DES.

use hal::card::CardTransport;
use mrtd::apdu::{Command, Response};
use mrtd::crypto::BlockCipher;
use mrtd::lds::FileId;
use mrtd::pace::{self, CamEvidence, PaceProtocol, Password, TerminalRandom};
use mrtd::security_infos::{Mapping, PaceInfo, SecurityInfos};
use mrtd::sw::StatusWord;
use tracing::debug;

use super::{BlockPolicy, Chip, Open, Secured};
use crate::error::{Error, Step};

/// The largest EF.CardAccess read: real ones are a few hundred bytes.
const MAX_CARD_ACCESS: usize = 4096;

/// The reason of the [`Error::AccessControl`] for a chip whose PACE protocols are none the gate can run.
pub const NO_PACE_PROTOCOL: &str = "no PACE protocol the chip offers can be run";

/// A failed access attempt: the open session back, with why.
pub type Refused<T> = Box<(Chip<T, Open>, Error)>;

/// What a PACE run established besides secure messaging.
#[derive(Debug)]
pub struct PaceRun {
    /// The protocol run.
    pub protocol: PaceProtocol,
    /// PACE-CAM's chip authentication data, to check against the chip's static key once it is read and verified.
    pub cam: Option<CamEvidence>,
}

/// The name `read-chip` reports for a PACE protocol.
pub fn pace_name(protocol: &PaceProtocol) -> &'static str {
    match protocol.mapping {
        Mapping::Generic => "PACE-GM",
        Mapping::Integrated => "PACE-IM",
        Mapping::ChipAuthentication => "PACE-CAM",
    }
}

fn preference(info: &PaceInfo) -> (u8, u8) {
    let mapping = match info.protocol.mapping {
        Mapping::ChipAuthentication => 3,
        Mapping::Generic => 2,
        Mapping::Integrated => 1,
    };
    let cipher = match info.protocol.cipher {
        BlockCipher::Aes256 => 4,
        BlockCipher::Aes192 => 3,
        BlockCipher::Aes128 => 2,
        BlockCipher::Tdes => 1,
    };
    (mapping, cipher)
}

impl<T: CardTransport> Chip<T, Open> {
    /// Reads EF.CardAccess from the master file without access control (9303-10 §3.11.3), or `None` when the chip has
    /// none (a BAC-only chip).
    ///
    /// # Errors
    /// Transport errors; [`Error::FileTooLarge`] for an absurd length; [`Error::Protocol`] for a malformed header.
    pub fn read_card_access(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let file = FileId::CardAccess;
        let step = Step::Read(file);
        let mut content: Vec<u8> = Vec::new();
        let mut total = None;
        // A few reads at most: the file is small; the bound keeps a chip that returns nothing from looping us.
        for _ in 0..32 {
            let offset = content.len();
            let cmd = if offset == 0 {
                Command::new(0x00, 0xB0, 0x80 | file.sfi(), 0x00).with_le(256)
            } else {
                let [hi, lo] = u16::try_from(offset).unwrap_or(u16::MAX).to_be_bytes();
                Command::new(0x00, 0xB0, hi, lo).with_le(256)
            };
            let resp = self.exchange(&cmd, step)?;
            match resp.sw {
                StatusWord::Ok | StatusWord::EndOfFile => {}
                StatusWord::FileNotFound | StatusWord::WrongP1P2 | StatusWord::SecurityStatusNotSatisfied
                    if offset == 0 =>
                {
                    return Ok(None);
                }
                sw if offset == 0 => {
                    debug!(%sw, "no EF.CardAccess");
                    return Ok(None);
                }
                sw => return Err(Error::ChipStatus { step, sw }),
            }
            if resp.data.is_empty() {
                break;
            }
            content.extend_from_slice(&resp.data);
            let want = match total {
                Some(t) => t,
                None => {
                    let header = mrtd::tlv::parse_header(&content)
                        .map_err(|e| Error::Protocol { step: Step::Decode(file), source: e.into() })?;
                    let t = header.total_len();
                    if t > MAX_CARD_ACCESS {
                        return Err(Error::FileTooLarge { file, length: t, limit: MAX_CARD_ACCESS });
                    }
                    total = Some(t);
                    t
                }
            };
            if content.len() >= want {
                content.truncate(want);
                return Ok(Some(content));
            }
        }
        Err(Error::Protocol {
            step,
            source: mrtd::error::LdsError::Invalid { file: "EF.CardAccess", what: "ends before its declared length" }
                .into(),
        })
    }

    /// Runs PACE with the best protocol EF.CardAccess offers and the gate supports; on success the session is secured.
    /// On failure the open session comes back with the error, so that the caller decides (never silently) whether BAC
    /// may follow.
    ///
    /// # Errors
    /// [`Error::AccessControl`] when no offered protocol can be run or the chip refuses the password or answers
    /// wrongly; transport errors as they come.
    pub fn pace(
        mut self,
        infos: &SecurityInfos,
        password: &Password,
        policy: BlockPolicy,
    ) -> Result<(Chip<T, Secured>, PaceRun), Refused<T>> {
        match self.run_pace(infos, password) {
            Ok((sm, run)) => Ok((
                Chip {
                    card: self.card,
                    state: Secured { sm, policy, current: None },
                    stats: self.stats,
                    capabilities: self.capabilities,
                },
                run,
            )),
            Err(e) => Err(Box::new((self, e))),
        }
    }

    fn run_pace(
        &mut self,
        infos: &SecurityInfos,
        password: &Password,
    ) -> Result<(mrtd::sm::SecureMessaging, PaceRun), Error> {
        let unsupported = |source: Option<mrtd::Error>| Error::AccessControl { reason: NO_PACE_PROTOCOL, source };
        let mut offered: Vec<&PaceInfo> = infos.pace().collect();
        offered.sort_by_key(|info| std::cmp::Reverse(preference(info)));
        let mut last_error = None;
        let mut chosen = None;
        for info in offered {
            let Some(parameters) = infos.pace_domain_parameters(info) else { continue };
            let group = match parameters.resolve() {
                Ok(group) => group,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            };
            let random = TerminalRandom::generate(&info.protocol, &group).map_err(|_| Error::Random)?;
            match pace::Terminal::new(info.protocol, group, password, random) {
                Ok(terminal) => {
                    let terminal = match info.parameter_id {
                        Some(id) if infos.pace().filter(|i| i.protocol == info.protocol).count() > 1 => {
                            terminal.with_parameter_reference(id)
                        }
                        _ => terminal,
                    };
                    chosen = Some(terminal);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let Some(terminal) = chosen else { return Err(unsupported(last_error)) };
        let failed = |e: mrtd::Error| Error::AccessControl { reason: "PACE failed", source: Some(e) };
        let step = Step::Pace;
        let resp = self.exchange(&terminal.mse_set_at(), step)?;
        let (cmd, next) = terminal.request_nonce(&resp).map_err(failed)?;
        let resp = self.exchange(&cmd, step)?;
        let (cmd, next) = next.map(&resp).map_err(failed)?;
        let resp = self.exchange(&cmd, step)?;
        let (cmd, next) = next.agree(&resp).map_err(failed)?;
        let resp = self.exchange(&cmd, step)?;
        let (cmd, next) = next.authenticate(&resp).map_err(failed)?;
        let resp: Response = self.exchange(&cmd, step)?;
        let outcome = next.finish(&resp).map_err(failed)?;
        Ok((outcome.sm, PaceRun { protocol: outcome.protocol, cam: outcome.chip_authentication }))
    }
}
