//! The answer to reset and EF.ATR/INFO: the card capabilities and the extended-length information the chip announces
//! before any command.

use mrtd::tlv::{self, Tag};

use super::CardConfig;

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

/// The answer to reset (see the documentation of [`super`]).
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
pub(super) fn atr_info(config: &CardConfig) -> Vec<u8> {
    let mut out = tlv::to_vec(Tag(0x47), &card_capabilities(config.extended_length));
    if config.extended_length {
        let mut sizes = tlv::to_vec(Tag(0x02), &der_uint(config.max_response));
        tlv::encode(Tag(0x02), &der_uint(config.max_response), &mut sizes);
        tlv::encode(Tag(0x7F66), &sizes, &mut out);
    }
    out
}
