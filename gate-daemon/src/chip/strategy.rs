//! How big a block to ask for, and how to ask (ICAO 9303-10 §3.6, ISO/IEC 7816-4 §11.3.3).
//!
//! Reading is dominated by APDU round trips: a 15 KB photo takes about 94 of JMRTD's 223-byte blocks, 66 of the
//! largest short blocks (231 bytes of plaintext under 3DES secure messaging), and a handful with extended length. So
//! the policy asks for the largest block the chip takes: with extended length when the ATR announces it (sized from
//! EF.ATR/INFO when the chip has one) or when the chip simply accepts it, else the largest short block. A refusal
//! (`6700`, `6Cxx`, or `6282` without data) steps the block down and the same read is sent again; the secure
//! messaging layer keeps the send sequence counter in step across the refusal.

use mrtd::apdu::{Command, MAX_SHORT_LE};
use mrtd::lds::FileId;
use mrtd::sm::SecureMessaging;
use mrtd::tlv::{Tag, Tlv};

use crate::error::{Error, Step};

/// How many times one read may be re-sent with a smaller block before the chip is given up on.
pub const MAX_ATTEMPTS: usize = 12;

/// The largest response data asked for: vpcd frames carry at most 65535 bytes, the status word included, so a full
/// 65536-byte extended response cannot pass; 25 bytes less costs nothing.
pub const MAX_RESPONSE_DATA: usize = 65533;

/// Response sizes tried in turn, largest first, when the chip refuses a block.
const LADDER: [usize; 9] = [MAX_RESPONSE_DATA, 32768, 16384, 8192, 4096, 2048, 1024, 512, 256];

/// The response size tried after the largest when the chip did not say whether it takes extended length.
const PROBE_FALLBACK: usize = 4096;

/// The largest offset READ BINARY with an even instruction can address (15 bits).
const MAX_B0_OFFSET: usize = 0x7FFF;

/// How extended length is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extended {
    /// The chip announced it: use it, stepping down through the ladder of variants on refusal.
    Announced,
    /// The chip said nothing: try the largest block, then a 4096-byte buffer's worth; a refusal of that means
    /// short blocks from then on.
    Probe,
    /// Short APDUs only.
    Off,
}

/// The block size a session asks for, learnt as the chip answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockPolicy {
    extended: Extended,
    /// Largest response APDU data the chip takes, from EF.ATR/INFO.
    max_response: Option<usize>,
    /// The plaintext block size currently asked for, once one has been chosen.
    block: Option<usize>,
    /// Whether the last block the chip answered came in an extended APDU.
    last_extended: bool,
    /// A ceiling set by the operator, to compare with other readers' fixed block sizes.
    cap: Option<usize>,
}

impl BlockPolicy {
    /// A policy for a chip that announced (or not) extended length, with its largest response when known.
    pub fn new(extended: Extended, max_response: Option<usize>) -> Self {
        Self { extended, max_response, block: None, last_extended: false, cap: None }
    }

    /// Never asks for more than `cap` bytes at once.
    #[must_use]
    pub fn with_cap(mut self, cap: Option<usize>) -> Self {
        self.cap = cap.map(|c| c.max(1));
        self
    }

    /// True when the last block the chip answered came in an extended APDU.
    pub fn extended_in_use(&self) -> bool {
        self.last_extended
    }

    /// The block size the chip last accepted or was last asked for.
    pub fn current_block(&self) -> Option<usize> {
        self.block
    }

    /// The plaintext `Le` for the next read.
    pub fn next_le(&self, sm: &SecureMessaging) -> usize {
        let le = self.uncapped_le(sm);
        self.cap.map_or(le, |cap| le.min(cap))
    }

    fn uncapped_le(&self, sm: &SecureMessaging) -> usize {
        if let Some(block) = self.block {
            return block;
        }
        match self.extended {
            Extended::Off => sm.max_plain_response(MAX_SHORT_LE),
            Extended::Announced | Extended::Probe => {
                let limit = self.max_response.unwrap_or(MAX_RESPONSE_DATA).clamp(MAX_SHORT_LE, MAX_RESPONSE_DATA);
                sm.max_plain_response(limit)
            }
        }
    }

    /// The chip answered a read of `le` bytes, sent as an extended APDU or not.
    pub fn accepted(&mut self, le: usize, extended: bool) {
        self.block = Some(le);
        self.last_extended = extended;
    }

    /// The chip refused a read of `le` bytes; `exact` is the length a `6Cxx` named.
    pub fn refused(&mut self, le: usize, exact: Option<u8>, sm: &SecureMessaging) {
        let short_max = sm.max_plain_response(MAX_SHORT_LE);
        if let Some(exact) = exact {
            let exact = if exact == 0 { MAX_SHORT_LE } else { usize::from(exact) };
            self.block = Some(exact.min(short_max).min(le.saturating_sub(1)).max(1));
            return;
        }
        if le > short_max && self.extended == Extended::Probe {
            let common = sm.max_plain_response(PROBE_FALLBACK);
            if le > common {
                // Perhaps only a smaller buffer: the size most chips with extended length take.
                self.block = Some(common);
            } else {
                // The chip did not announce extended length and does not take it.
                self.extended = Extended::Off;
                self.block = Some(short_max);
            }
            return;
        }
        let next = LADDER
            .iter()
            .map(|&limit| sm.max_plain_response(limit))
            .find(|&candidate| candidate < le)
            .unwrap_or_else(|| (le / 2).max(1));
        self.block = Some(next);
    }
}

/// READ BINARY of `le` bytes at `offset`: by short file identifier in P1 (offsets up to 255), by the 15-bit offset
/// in P1-P2 once the file is selected, and with the odd instruction `B1` and an offset data object beyond 32767.
pub fn read_command(file: FileId, offset: usize, le: usize, by_sfi: bool) -> Command {
    if by_sfi && offset <= 0xFF {
        return Command::new(0x00, 0xB0, 0x80 | file.sfi(), (offset & 0xFF) as u8).with_le(le);
    }
    if offset <= MAX_B0_OFFSET {
        let [hi, lo] = (offset as u16).to_be_bytes();
        return Command::new(0x00, 0xB0, hi, lo).with_le(le);
    }
    let offset_bytes: Vec<u8> = {
        let b = (offset as u32).to_be_bytes();
        let skip = b.iter().take(3).take_while(|&&x| x == 0).count();
        b.get(skip..).map(<[u8]>::to_vec).unwrap_or_default()
    };
    // The answer is wrapped in DO'53': ask for its header too.
    Command::new(0x00, 0xB1, 0x00, 0x00).with_data(mrtd::tlv::to_vec(Tag(0x54), &offset_bytes)).with_le(le)
}

/// The data of a `B1` answer, inside its DO'53'.
///
/// # Errors
/// [`Error::Protocol`] when the answer is not a DO'53'.
pub fn unwrap_offset_data(data: &[u8], step: Step) -> Result<Vec<u8>, Error> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let (tlv, _) = Tlv::parse(data).map_err(|e| Error::Protocol { step, source: e.into() })?;
    if tlv.tag != Tag(0x53) {
        return Err(Error::Protocol {
            step,
            source: mrtd::error::TlvError::UnexpectedTag { expected: Tag(0x53), found: tlv.tag }.into(),
        });
    }
    Ok(tlv.value.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrtd::crypto::kdf_3des;

    fn sm() -> SecureMessaging {
        SecureMessaging::tdes(kdf_3des(&[1; 16], 1), kdf_3des(&[1; 16], 2), 0)
    }

    #[test]
    fn starts_at_the_largest_block_and_steps_down() {
        let sm = sm();
        let mut p = BlockPolicy::new(Extended::Announced, None);
        let first = p.next_le(&sm);
        assert_eq!(first, sm.max_plain_response(MAX_RESPONSE_DATA));
        p.refused(first, None, &sm);
        assert_eq!(p.next_le(&sm), sm.max_plain_response(32768));
        let mut p = BlockPolicy::new(Extended::Announced, Some(4096));
        assert_eq!(p.next_le(&sm), sm.max_plain_response(4096));
        p.refused(p.next_le(&sm), Some(0x80), &sm);
        assert_eq!(p.next_le(&sm), 0x80);

        let mut probe = BlockPolicy::new(Extended::Probe, None);
        probe.refused(probe.next_le(&sm), None, &sm);
        assert_eq!(probe.next_le(&sm), sm.max_plain_response(4096));
        probe.refused(probe.next_le(&sm), None, &sm);
        assert_eq!(probe.next_le(&sm), 231);
        probe.accepted(231, false);
        assert!(!probe.extended_in_use());

        let mut off = BlockPolicy::new(Extended::Off, None);
        assert_eq!(off.next_le(&sm), 231);
        off.refused(231, None, &sm);
        assert!(off.next_le(&sm) < 231);
    }

    #[test]
    fn addresses_every_offset() {
        let c = read_command(FileId::Dg(2), 0, 231, true);
        assert_eq!((c.ins, c.p1, c.p2), (0xB0, 0x82, 0x00));
        let c = read_command(FileId::Dg(2), 0x1234, 231, false);
        assert_eq!((c.ins, c.p1, c.p2), (0xB0, 0x12, 0x34));
        let c = read_command(FileId::Dg(2), 0x12345, 4096, false);
        assert_eq!((c.ins, c.data.clone()), (0xB1, vec![0x54, 0x03, 0x01, 0x23, 0x45]));
        assert_eq!(unwrap_offset_data(&[0x53, 0x02, 9, 9], Step::Read(FileId::Dg(2))).unwrap(), vec![9, 9]);
        assert!(unwrap_offset_data(&[0x54, 0x02, 9, 9], Step::Read(FileId::Dg(2))).is_err());
    }
}
