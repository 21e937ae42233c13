//! What the answer to reset says about the chip (ISO/IEC 7816-3 §8.2, 7816-4 §8.1.1): the historical bytes and, in
//! their card-capabilities object, whether the chip takes extended `Lc` and `Le` fields. For a contactless chip the
//! PC/SC reader builds the ATR from the chip's ATS (PC/SC Part 3 §3.1.3.2.3), so the same parsing applies.
//!
//! Also EF.ATR/INFO's extended-length information (DO'7F66', ISO/IEC 7816-4 §12.7.1): the largest command and
//! response the chip's buffers take.

use crate::tlv::{self, Tag};

/// What the ATR announces about APDU lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The ATR holds a card-capabilities object with a third byte, so what follows is the chip's own statement and
    /// not a default.
    pub stated: bool,
    /// The chip takes extended `Lc` and `Le` fields.
    pub extended_length: bool,
    /// EF.ATR/INFO holds the extended-length information.
    pub extended_length_info_in_ef_atr: bool,
}

/// The historical bytes of an ATR, or `None` when the ATR is malformed.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let k = usize::from(t0 & 0x0F);
    let mut y = t0 >> 4;
    let mut pos = 2usize;
    // Each TDi says which of TA(i+1)..TD(i+1) follow; at most a few levels exist, bound the walk anyway.
    for _ in 0..8 {
        let present = (y & 0x0F).count_ones() as usize;
        let td_present = y & 0x08 != 0;
        pos = pos.checked_add(present)?;
        if !td_present {
            break;
        }
        let td = *atr.get(pos.checked_sub(1)?)?;
        y = td >> 4;
    }
    atr.get(pos..pos.checked_add(k)?)
}

/// Reads the card-capabilities object from the historical bytes.
pub fn capabilities(atr: &[u8]) -> Capabilities {
    let mut caps = Capabilities::default();
    let Some(hist) = historical_bytes(atr) else { return caps };
    let objects = match hist.split_first() {
        Some((0x80, rest)) => rest,
        // Category 00: compact-TLV objects followed by a three-byte status indicator.
        Some((0x00, rest)) => rest.get(..rest.len().saturating_sub(3)).unwrap_or_default(),
        _ => return caps,
    };
    let mut rest = objects;
    while let Some((&head, tail)) = rest.split_first() {
        let tag = head >> 4;
        let len = usize::from(head & 0x0F);
        let Some((value, after)) = tail.split_at_checked(len) else { break };
        if tag == 0x7
            && let Some(&third) = value.get(2)
        {
            caps.stated = true;
            caps.extended_length = third & 0x40 != 0;
            caps.extended_length_info_in_ef_atr = third & 0x20 != 0;
        }
        rest = after;
    }
    caps
}

/// The largest command and response (in bytes) from EF.ATR/INFO's DO'7F66', when present.
pub fn extended_length_info(ef_atr_info: &[u8]) -> Option<(usize, usize)> {
    let value = find_deep(ef_atr_info, Tag(0x7F66))?;
    let mut sizes = tlv::TlvIter::new(value).filter_map(Result::ok).filter(|t| t.tag == Tag(0x02));
    let to_usize = |v: &[u8]| -> Option<usize> {
        if v.is_empty() || v.len() > 4 {
            return None;
        }
        Some(v.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
    };
    let command = to_usize(sizes.next()?.value)?;
    let response = to_usize(sizes.next()?.value)?;
    Some((command, response))
}

fn find_deep(input: &[u8], tag: Tag) -> Option<&[u8]> {
    for item in tlv::TlvIter::new(input) {
        let item = item.ok()?;
        if item.tag == tag {
            return Some(item.value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_extended_length_from_the_card_capabilities() {
        // A contactless ATR as a PC/SC reader builds it: 3B 8n 80 01, then the ATS historical bytes, then TCK.
        // Historical bytes 80 73 C8 21 40 ... hold card capabilities (tag 7, 3 bytes), third byte 0x40 set.
        let with = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xC8, 0x21, 0x40, 0x00];
        assert_eq!(historical_bytes(&with), Some(&[0x80, 0x73, 0xC8, 0x21, 0x40][..]));
        assert!(capabilities(&with).extended_length);
        let without = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xC8, 0x21, 0x00, 0x00];
        assert!(!capabilities(&without).extended_length);
        assert!(capabilities(&without).stated);
        // vpcd's default ATR has no historical bytes: the chip says nothing either way.
        assert!(!capabilities(&[0x3B, 0x80, 0x80, 0x01, 0x01]).stated);
        // Truncated and empty ATRs say nothing, and do not panic.
        for n in 0..with.len() - 1 {
            let _ = capabilities(&with[..n]);
        }
        assert_eq!(capabilities(&[]), Capabilities::default());
    }

    #[test]
    fn reads_buffer_sizes_from_ef_atr_info() {
        let info = [0x7F, 0x66, 0x08, 0x02, 0x02, 0x04, 0x00, 0x02, 0x02, 0x10, 0x00];
        assert_eq!(extended_length_info(&info), Some((1024, 4096)));
        assert_eq!(extended_length_info(&[0x7F, 0x66, 0x02, 0x02, 0x00]), None);
    }
}
