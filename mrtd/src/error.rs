//! The one error type of the crate, [`Error`], and the detail types it carries.
//!
//! Errors say who was wrong: the chip (or the terminal, on the chip side) misbehaving is kept apart from input that is
//! merely malformed and from our own failures, so that the gate can map each to refer, retry or fault.

use crate::sw::StatusWord;
use crate::tlv::Tag;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The machine-readable zone is malformed.
    #[error("MRZ: {0}")]
    Mrz(#[from] MrzError),
    /// A BER-TLV structure is malformed.
    #[error("TLV: {0}")]
    Tlv(#[from] TlvError),
    /// An APDU is malformed.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    /// The chip broke the protocol: a wrong MAC, a wrong cryptogram, a missing data object.
    #[error("the chip misbehaved: {0}")]
    ChipMisbehaved(#[from] PeerMisbehaved),
    /// The terminal broke the protocol (seen by the chip side).
    #[error("the terminal misbehaved: {0}")]
    TerminalMisbehaved(PeerMisbehaved),
    /// The chip answered a command with an error status.
    #[error("the chip answered {0}")]
    Status(StatusWord),
    /// A file of the logical data structure is malformed.
    #[error("{0}")]
    Lds(#[from] LdsError),
    /// A face image could not be decoded.
    #[error("face image: {0}")]
    Image(#[from] ImageError),
    /// A key or parameter of ours has the wrong size (a bug or a bad key file, not the chip's fault).
    #[error("invalid key material: {0}")]
    InvalidKey(&'static str),
}

/// A malformed machine-readable zone. Positions are 1-based within the line, as printed in ICAO 9303 Part 3.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// The lines do not make TD1 (3x30), TD2 (2x36) or TD3 (2x44).
    #[error("{lines} line(s) of {lengths:?} characters are not a TD1 (3x30), TD2 (2x36) or TD3 (2x44) MRZ")]
    UnknownFormat {
        /// Number of lines given.
        lines: usize,
        /// Length of each line.
        lengths: Vec<usize>,
    },
    /// A character outside `A-Z0-9<`.
    #[error("line {line}, position {position}: character {found:?} is not allowed in an MRZ")]
    InvalidCharacter {
        /// 1-based line number.
        line: usize,
        /// 1-based position in the line.
        position: usize,
        /// The character found.
        found: char,
    },
    /// A check digit does not match its field.
    #[error("line {line}, position {position}: check digit of {field} is {found:?}, expected '{expected}'")]
    CheckDigit {
        /// The field checked (`document_number`, `date_of_birth`, `date_of_expiry`, `optional_data`, `composite`).
        field: &'static str,
        /// 1-based line number of the check digit.
        line: usize,
        /// 1-based position of the check digit.
        position: usize,
        /// The digit printed.
        found: char,
        /// The digit computed.
        expected: char,
    },
    /// A field holds a value it cannot hold (a date that is not a date, a sex that is not M, F, X or `<`).
    #[error("line {line}, position {position}: {field} {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// 1-based line number where the field starts.
        line: usize,
        /// 1-based position where the field starts.
        position: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// A malformed BER-TLV structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlvError {
    /// The input ends before the structure does.
    #[error("cut short: {needed} bytes needed, {available} present")]
    Truncated {
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// A tag byte that cannot start a tag.
    #[error("invalid tag byte {byte:#04X}")]
    InvalidTag {
        /// The byte.
        byte: u8,
    },
    /// A tag longer than three bytes.
    #[error("tag longer than three bytes")]
    TagTooLong,
    /// The indefinite length form, which the LDS does not use.
    #[error("indefinite length")]
    IndefiniteLength,
    /// A length field longer than four bytes.
    #[error("length field of {bytes} bytes")]
    LengthTooLong {
        /// Bytes in the length field.
        bytes: usize,
    },
    /// A length above [`crate::tlv::MAX_LENGTH`].
    #[error("length {length} above the limit")]
    LengthTooLarge {
        /// The declared length.
        length: usize,
    },
    /// Another tag was expected here.
    #[error("expected tag {expected}, found {found}")]
    UnexpectedTag {
        /// The tag expected.
        expected: Tag,
        /// The tag found.
        found: Tag,
    },
    /// A required data object is absent.
    #[error("data object {0} missing")]
    Missing(Tag),
    /// Bytes follow the structure.
    #[error("{count} trailing bytes")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

/// A malformed command or response APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// A response shorter than its two status bytes.
    #[error("response of {0} bytes has no status word")]
    NoStatusWord(usize),
    /// A command shorter than its four header bytes.
    #[error("command of {0} bytes has no header")]
    NoHeader(usize),
    /// The length fields of a command do not agree with its size.
    #[error("length fields do not match a command of {0} bytes")]
    BadLength(usize),
    /// Data longer than an extended APDU can carry.
    #[error("data of {0} bytes is longer than an APDU can carry")]
    TooLong(usize),
}

/// The peer broke the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// A secure-messaging MAC did not verify.
    #[error("secure messaging MAC does not verify")]
    BadMac,
    /// A secure-messaging data object is absent.
    #[error("secure messaging data object {0} missing")]
    MissingDataObject(Tag),
    /// A secure-messaging data object is not allowed here or is malformed.
    #[error("secure messaging data object {0} malformed")]
    MalformedDataObject(Tag),
    /// A cryptogram's padding is wrong once decrypted.
    #[error("cryptogram padding is wrong")]
    BadPadding,
    /// A cryptogram is not a whole number of blocks.
    #[error("cryptogram is not a whole number of blocks")]
    BadCryptogramLength,
    /// An authentication cryptogram did not decrypt to what was sent.
    #[error("authentication cryptogram does not answer our challenge")]
    WrongChallenge,
    /// An authentication message has the wrong size.
    #[error("authentication message of {0} bytes has the wrong size")]
    WrongAuthenticationLength(usize),
    /// The status word in the protected response differs from the one outside it.
    #[error("status word outside the protected response differs from the one inside")]
    StatusMismatch,
    /// A command arrived that the state does not allow.
    #[error("command not allowed in this state")]
    UnexpectedCommand,
}

/// A malformed file of the logical data structure (ICAO 9303-10).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdsError {
    /// The file's outer tag is not the one this file has.
    #[error("{file}: outer tag {found}, expected {expected}")]
    WrongFileTag {
        /// The file.
        file: &'static str,
        /// The tag expected.
        expected: Tag,
        /// The tag found.
        found: Tag,
    },
    /// A structure inside the file is malformed.
    #[error("{file}: {source}")]
    Tlv {
        /// The file.
        file: &'static str,
        /// What is wrong.
        source: TlvError,
    },
    /// A field inside the file has a value it cannot have.
    #[error("{file}: {what}")]
    Invalid {
        /// The file.
        file: &'static str,
        /// What is wrong.
        what: &'static str,
    },
    /// DG1's MRZ is malformed.
    #[error("DG1: {0}")]
    Mrz(MrzError),
}

/// A face image that cannot be decoded.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The bytes are neither JPEG, JPEG 2000 nor PNG.
    #[error("not a JPEG, JPEG 2000 or PNG image")]
    UnknownFormat,
    /// The image's header is malformed, cut short, or declares an empty image.
    #[error("{format} header: {what}")]
    Header {
        /// `JPEG`, `JPEG 2000` or `PNG`.
        format: &'static str,
        /// What is wrong.
        what: &'static str,
    },
    /// The image uses a feature that is not decoded here (a JPEG height given by a DNL marker, more than four
    /// components, an unknown colour space).
    #[error("{format}: {what} not supported")]
    Unsupported {
        /// `JPEG`, `JPEG 2000` or `PNG`.
        format: &'static str,
        /// The feature.
        what: &'static str,
    },
    /// The image is larger than the pixel limit.
    #[error("{width}x{height} pixels is over the limit of {limit}")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit in pixels.
        limit: u64,
    },
    /// The decoder refused the image.
    #[error("{format} decoder refused the image")]
    Decode {
        /// `JPEG`, `JPEG 2000` or `PNG`.
        format: &'static str,
        /// The decoder's own error.
        #[source]
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
}
