//! A session with the e-passport chip over any [`CardTransport`]: selecting the application, access control, and
//! reading files under secure messaging (ICAO 9303-11 §4, 9303-10 §3).
//!
//! The session is a type per state: a [`Chip<T, Open>`] can only select and authenticate; reading a data group needs a
//! [`Chip<T, Secured>`], which only access control gives. Reading follows [`strategy`]: the largest block the chip
//! takes, the file's length from its first bytes, the rest in as few APDUs as possible.

pub mod access;
pub mod genuine;
pub mod strategy;

use std::time::{Duration, Instant};

use hal::card::CardTransport;
use mrtd::apdu::{Command, Response};
use mrtd::bac::{self, BacKeys};
use mrtd::lds::{EMRTD_AID, FileId};
use mrtd::sm::SecureMessaging;
use mrtd::sw::StatusWord;
use tracing::{debug, trace};

use crate::error::{Error, Step};
pub use strategy::BlockPolicy;

/// The chip before access control.
#[derive(Debug)]
pub struct Open;

/// The chip under secure messaging.
#[derive(Debug)]
pub struct Secured {
    sm: SecureMessaging,
    policy: BlockPolicy,
    current: Option<FileId>,
}

/// Counters of one session, for the report and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// APDUs exchanged.
    pub apdus: usize,
    /// Bytes sent in command APDUs.
    pub bytes_sent: usize,
    /// Bytes received in response APDUs, status words included.
    pub bytes_received: usize,
    /// Plaintext file bytes read.
    pub file_bytes: usize,
    /// Time spent waiting for the card.
    pub card_time: Duration,
}

/// A chip session in state `S` over transport `T`.
#[derive(Debug)]
pub struct Chip<T, S> {
    card: T,
    state: S,
    stats: Stats,
    capabilities: mrtd::atr::Capabilities,
}

impl<T: CardTransport, S> Chip<T, S> {
    /// The session's counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Gives the transport back.
    pub fn into_card(self) -> T {
        self.card
    }

    /// What the ATR said about the chip.
    pub fn capabilities(&self) -> mrtd::atr::Capabilities {
        self.capabilities
    }

    fn exchange(&mut self, cmd: &Command, step: Step) -> Result<Response, Error> {
        let bytes = cmd.to_bytes().map_err(|e| Error::Protocol { step, source: e.into() })?;
        trace!(apdu = %Hex(&bytes), ">>");
        let started = Instant::now();
        let answer = self.card.transmit(&bytes)?;
        self.stats.card_time += started.elapsed();
        trace!(apdu = %Hex(&answer), "<<");
        self.stats.apdus += 1;
        self.stats.bytes_sent += bytes.len();
        self.stats.bytes_received += answer.len();
        Response::parse(&answer).map_err(|e| Error::Protocol { step, source: e.into() })
    }
}

impl<T: CardTransport> Chip<T, Open> {
    /// A session on a card just connected.
    pub fn new(card: T) -> Self {
        let capabilities = mrtd::atr::capabilities(card.atr());
        Self { card, state: Open, stats: Stats::default(), capabilities }
    }

    /// Reads EF.ATR/INFO from the master file, when the chip has one: it tells the largest response the chip's buffer
    /// holds, which saves probing. Costs one APDU; absent is fine.
    ///
    /// # Errors
    /// Only transport errors; a chip without the file is not an error.
    pub fn read_atr_info(&mut self) -> Result<Option<(usize, usize)>, Error> {
        let file = FileId::AtrInfo;
        let cmd = Command::new(0x00, 0xB0, 0x80 | file.sfi(), 0x00).with_le(256);
        let resp = self.exchange(&cmd, Step::Read(file))?;
        if !resp.sw.is_success() {
            debug!(sw = %resp.sw, "no EF.ATR/INFO");
            return Ok(None);
        }
        Ok(mrtd::atr::extended_length_info(&resp.data))
    }

    /// Selects the eMRTD application (9303-10 §3.1.2).
    ///
    /// # Errors
    /// [`Error::ChipStatus`] when the chip has no eMRTD application.
    pub fn select_application(&mut self) -> Result<(), Error> {
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
        let resp = self.exchange(&cmd, Step::SelectApplication)?;
        match resp.sw {
            StatusWord::Ok => Ok(()),
            sw => Err(Error::ChipStatus { step: Step::SelectApplication, sw }),
        }
    }

    /// Basic Access Control with the keys from the MRZ (9303-11 §4.3); on success the session is secured. On failure
    /// the open session comes back with the error, for another attempt.
    ///
    /// # Errors
    /// [`Error::AccessControl`] when the chip refuses our keys or its answer does not prove it knows them; transport
    /// errors as they come.
    pub fn bac(mut self, keys: &BacKeys, policy: BlockPolicy) -> Result<Chip<T, Secured>, Box<(Self, Error)>> {
        match self.run_bac(keys) {
            Ok(sm) => Ok(Chip {
                card: self.card,
                state: Secured { sm, policy, current: None },
                stats: self.stats,
                capabilities: self.capabilities,
            }),
            Err(e) => Err(Box::new((self, e))),
        }
    }

    fn run_bac(&mut self, keys: &BacKeys) -> Result<SecureMessaging, Error> {
        let resp = self.exchange(&bac::get_challenge(), Step::GetChallenge)?;
        if resp.sw != StatusWord::Ok {
            return Err(Error::AccessControl { reason: "the chip refused GET CHALLENGE", source: None });
        }
        let rnd_ic: [u8; 8] = resp.data.as_slice().try_into().map_err(|_| Error::Protocol {
            step: Step::GetChallenge,
            source: mrtd::error::PeerMisbehaved::WrongAuthenticationLength(resp.data.len()).into(),
        })?;
        let mut rnd_ifd = [0u8; 8];
        let mut k_ifd = [0u8; 16];
        getrandom::fill(&mut rnd_ifd).map_err(|_| Error::Random)?;
        getrandom::fill(&mut k_ifd).map_err(|_| Error::Random)?;
        let terminal = bac::Terminal::new(keys.clone(), rnd_ic, rnd_ifd, k_ifd);
        let cmd = terminal
            .external_authenticate()
            .map_err(|e| Error::Protocol { step: Step::ExternalAuthenticate, source: e })?;
        let resp = self.exchange(&cmd, Step::ExternalAuthenticate)?;
        if resp.sw != StatusWord::Ok {
            // 6300 is what chips answer to keys from another MRZ.
            return Err(Error::AccessControl {
                reason: "the chip refused the keys from this MRZ",
                source: Some(mrtd::Error::Status(resp.sw)),
            });
        }
        terminal.finish(&resp.data).map_err(|e| Error::AccessControl {
            reason: "the chip's answer does not prove it knows the keys",
            source: Some(e),
        })
    }
}

impl<T: CardTransport> Chip<T, Secured> {
    /// The block policy as it stands (it learns what the chip takes).
    pub fn policy(&self) -> &BlockPolicy {
        &self.state.policy
    }

    /// One protected exchange; the send sequence counter moves on both for the command and for the answer, whatever
    /// the answer.
    fn secure_exchange(&mut self, cmd: &Command, step: Step) -> Result<Response, Error> {
        let protected = self.state.sm.protect(cmd).map_err(|e| Error::Protocol { step, source: e })?;
        let resp = self.exchange(&protected, step)?;
        self.state.sm.unprotect(&resp).map_err(|e| Error::Protocol { step, source: e })
    }

    /// Reads a whole file, or `None` when the chip does not have it.
    ///
    /// # Errors
    /// [`Error::ChipStatus`] when the chip refuses the read (a file protected by Extended Access Control answers
    /// `6982`), [`Error::Protocol`] on malformed data, transport errors as they come.
    pub fn read_file(&mut self, file: FileId, max_len: usize) -> Result<Option<Vec<u8>>, Error> {
        let step = Step::Read(file);
        // The first read goes by short file identifier, which selects and reads in one APDU (ISO 7816-4 §7.2.2);
        // chips that do not take it get a SELECT.
        let first = match self.read_block(file, 0, true, step)? {
            Some(first) => first,
            None => {
                if !self.select(file)? {
                    return Ok(None);
                }
                match self.read_block(file, 0, false, step)? {
                    Some(block) => block,
                    None => return Err(Error::ChipStatus { step, sw: StatusWord::FileNotFound }),
                }
            }
        };
        let header = mrtd::tlv::parse_header(&first)
            .map_err(|e| Error::Protocol { step: Step::Decode(file), source: e.into() })?;
        let total = header.total_len();
        if total > max_len {
            return Err(Error::FileTooLarge { file, length: total, limit: max_len });
        }
        let mut content = first;
        content.truncate(total);
        while content.len() < total {
            let before = content.len();
            let Some(block) = self.read_block(file, before, false, step)? else {
                return Err(Error::ChipStatus { step, sw: StatusWord::FileNotFound });
            };
            if block.is_empty() {
                // A chip that returns nothing before the declared end would loop us forever.
                return Err(Error::Protocol {
                    step,
                    source: mrtd::error::LdsError::Invalid { file: "file", what: "ends before its declared length" }
                        .into(),
                });
            }
            content.extend_from_slice(&block);
            content.truncate(total);
        }
        self.stats.file_bytes += content.len();
        Ok(Some(content))
    }

    fn select(&mut self, file: FileId) -> Result<bool, Error> {
        let step = Step::Select(file);
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(file.fid().to_be_bytes().to_vec());
        let resp = self.secure_exchange(&cmd, step)?;
        match resp.sw {
            StatusWord::Ok => {
                self.state.current = Some(file);
                Ok(true)
            }
            StatusWord::FileNotFound => Ok(false),
            sw => Err(Error::ChipStatus { step, sw }),
        }
    }

    /// Reads one block at `offset`, stepping the block size down while the chip refuses it. `None` when reading by
    /// short file identifier is not taken (the caller selects instead) or the file is absent.
    fn read_block(&mut self, file: FileId, offset: usize, by_sfi: bool, step: Step) -> Result<Option<Vec<u8>>, Error> {
        for _ in 0..strategy::MAX_ATTEMPTS {
            let le = self.state.policy.next_le(&self.state.sm);
            let cmd = strategy::read_command(file, offset, le, by_sfi);
            let resp = self.secure_exchange(&cmd, step)?;
            let data = if cmd.ins == 0xB1 { strategy::unwrap_offset_data(&resp.data, step)? } else { resp.data };
            match resp.sw {
                StatusWord::Ok | StatusWord::EndOfFile if !data.is_empty() || resp.sw == StatusWord::Ok => {
                    if by_sfi {
                        self.state.current = Some(file);
                    }
                    self.state.policy.accepted(le, cmd.is_extended());
                    return Ok(Some(data));
                }
                StatusWord::WrongLength | StatusWord::EndOfFile => self.state.policy.refused(le, None, &self.state.sm),
                StatusWord::WrongLe(exact) => self.state.policy.refused(le, Some(exact), &self.state.sm),
                StatusWord::FileNotFound | StatusWord::WrongP1P2 | StatusWord::FunctionNotSupported if by_sfi => {
                    return Ok(None);
                }
                StatusWord::InsNotSupported | StatusWord::WrongParameters if by_sfi => return Ok(None),
                StatusWord::FileNotFound => return Ok(None),
                sw => return Err(Error::ChipStatus { step, sw }),
            }
            debug!(file = %file, le, "chip refused the block size; stepping down");
        }
        Err(Error::ChipStatus { step, sw: StatusWord::WrongLength })
    }
}

struct Hex<'a>(&'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}
