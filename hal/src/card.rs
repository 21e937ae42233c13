//! The contactless chip reader: a tiny transport seam and its PC/SC back end.
//!
//! The chip protocol (ICAO 9303 Part 11: BAC, PACE, secure messaging) lives in `mrtd` and only needs to exchange
//! APDUs (ISO/IEC 7816-4) through [`CardTransport`], in the style of openpgp-card's `CardBackend`. The PC/SC back end
//! (feature `pcsc`) is `PcscReader`: the `pcsc` crate blocks, so its calls run on a thread of their own behind a
//! bounded request channel, and `PcscHandle` offers async methods to the daemon. A `PcscCard` is both an async
//! handle on a card session and a blocking [`CardTransport`] for code run in `tokio::task::spawn_blocking`.

#[cfg(feature = "pcsc")]
mod pcsc_handle;
#[cfg(feature = "pcsc")]
mod pcsc_request;
#[cfg(feature = "pcsc")]
mod pcsc_service;

#[cfg(feature = "pcsc")]
pub use pcsc_handle::{PcscCard, PcscHandle};
#[cfg(feature = "pcsc")]
pub use pcsc_request::{CardPresence, ReaderSelection};
#[cfg(feature = "pcsc")]
pub use pcsc_service::{PcscConfig, PcscReader};

use crate::Error;

/// A card session that exchanges APDUs, blocking the calling thread.
///
/// Call it from a blocking context (a thread of its own, or `tokio::task::spawn_blocking`), never from an async task.
pub trait CardTransport: Send {
    /// Sends one command APDU and returns the response APDU (data and the two status bytes).
    ///
    /// # Errors
    /// [`Error::CardRemoved`] when the card left the reader, [`Error::ServiceUnavailable`] when the PC/SC service is
    /// gone, [`Error::Timeout`] when no answer came within the back end's bound, [`Error::InvalidResponse`] when
    /// the answer lacks a status word, [`Error::Reader`] otherwise.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error>;

    /// The card's answer to reset.
    fn atr(&self) -> &[u8];

    /// The name of the reader the card is in.
    fn reader_name(&self) -> &str;
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        (**self).transmit(apdu)
    }

    fn atr(&self) -> &[u8] {
        (**self).atr()
    }

    fn reader_name(&self) -> &str {
        (**self).reader_name()
    }
}

/// Formats bytes as upper-case hex without separators, for `trace` logs of APDUs.
#[cfg_attr(not(feature = "pcsc"), allow(dead_code))]
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Hex;

    #[test]
    fn hex_formats_upper_case_without_separators() {
        assert_eq!(Hex(&[0x00, 0xA4, 0x04, 0x0c]).to_string(), "00A4040C");
        assert_eq!(Hex(&[]).to_string(), "");
    }
}
