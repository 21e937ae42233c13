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
    /// A Diffie-Hellman parameter or key cannot be used. Where the value came from (the chip, the terminal, our own
    /// key) is known to the caller, which wraps or maps it.
    #[error("Diffie-Hellman: {0}")]
    Dh(#[from] DhError),
    /// PACE failed (ICAO 9303-11 §4.4): at which step, and which side broke it.
    #[error("{0}")]
    Pace(#[from] PaceError),
    /// Chip Authentication failed (ICAO 9303-11 §6.2): at which step, and which side broke it.
    #[error("{0}")]
    ChipAuthentication(#[from] CaError),
    /// An elliptic-curve parameter, point, key or signature cannot be used (BSI TR-03111). Where the value came
    /// from (a certificate, the chip, our own key) is known to the caller, which wraps or maps it.
    #[error("elliptic curve: {0}")]
    Ec(#[from] EcError),
    /// The chip failed Active Authentication (ICAO 9303-11 §6.1): its signature over our challenge is malformed or
    /// does not verify with the DG15 key, so the chip may be a copy.
    #[error("Active Authentication: {0}")]
    ActiveAuthentication(#[from] AaError),
    /// A document security object, certificate, CRL or master list cannot be read (Passive Authentication,
    /// ICAO 9303-11 §5.1, 9303-12).
    #[error("{0}")]
    Pa(#[from] PaError),
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

/// A signed object of Passive Authentication that cannot be read: EF.SOD, a certificate, a CRL or a master list.
///
/// A signature that does not verify is not an error: it is a verdict, reported by [`crate::pa::PaReport`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaError {
    /// The BER (or DER) encoding is malformed or over a bound.
    #[error("BER: {0}")]
    Ber(BerError),
    /// The encoding is well formed but not the structure expected.
    #[error("malformed {what}")]
    Structure {
        /// The structure, or the part of it, that is wrong.
        what: &'static str,
    },
    /// A part handed to the DER decoder was refused.
    #[error("{what}: {source}")]
    Der {
        /// The part.
        what: &'static str,
        /// The decoder's error.
        source: der::Error,
    },
    /// The content type of a CMS object is not one this object can have.
    #[error("{what} has content type {oid}")]
    ContentType {
        /// The object (`EF.SOD`, `master list`).
        what: &'static str,
        /// The content type found.
        oid: der::oid::ObjectIdentifier,
    },
    /// A version number this implementation does not know.
    #[error("{what} version {version} is not supported")]
    Version {
        /// The structure.
        what: &'static str,
        /// The version found.
        version: u64,
    },
    /// A hash algorithm this implementation does not know.
    #[error("hash algorithm {0} is not supported")]
    UnknownHash(der::oid::ObjectIdentifier),
    /// A PEM block is malformed.
    #[error("PEM: {0}")]
    Pem(der::pem::Error),
    /// The bytes are neither a certificate, a CRL nor a master list, in DER or PEM.
    #[error("not a certificate, a CRL or a CSCA master list")]
    UnknownFormat,
}

/// A malformed or oversized BER encoding (ITU-T X.690 §8). Offsets count bytes from the start of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BerError {
    /// The input is larger than the limit.
    #[error("input over the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Elements nest deeper than the limit.
    #[error("nesting deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// More elements than the limit.
    #[error("more than {limit} elements")]
    TooManyElements {
        /// The limit.
        limit: usize,
    },
    /// The input ends inside an element.
    #[error("cut short in the element at offset {offset}")]
    UnexpectedEnd {
        /// Where the element starts.
        offset: usize,
    },
    /// Bytes follow the element.
    #[error("bytes after the element, from offset {offset}")]
    TrailingBytes {
        /// Where they start.
        offset: usize,
    },
    /// An identifier, length or segment that BER does not allow.
    #[error("offset {offset}: {what}")]
    Malformed {
        /// Where the element starts.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
}

/// An elliptic-curve value that cannot be used (BSI TR-03111 §2-§4, SEC 1, X9.62). The variant says what is wrong
/// with the value; the caller knows whose value it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EcError {
    /// A named curve whose object identifier is not in the table of [`crate::ec::NamedCurve`].
    #[error("curve {0} is not a supported named curve")]
    UnknownCurve(der::asn1::ObjectIdentifier),
    /// A standardized domain parameter id (ICAO 9303-11 §9.5.1) that names no elliptic curve.
    #[error("standardized domain parameter id {0} is not an elliptic curve")]
    UnknownParameterId(u8),
    /// ECParameters that do not decode.
    #[error("EC domain parameters do not decode: {0}")]
    ParametersDer(der::Error),
    /// ECParameters that decode but do not describe a usable curve.
    #[error("EC domain parameters invalid: {0}")]
    InvalidParameters(&'static str),
    /// ECParameters of a kind this crate does not implement (a binary field, implicitlyCA, an even cofactor).
    #[error("EC domain parameters not supported: {0}")]
    UnsupportedParameters(&'static str),
    /// A point encoding that is malformed, off the curve, or the point at infinity where a public key is needed.
    #[error("EC point {0}")]
    InvalidPoint(&'static str),
    /// A private scalar outside `[1, n-1]`.
    #[error("EC private key {0}")]
    InvalidScalar(&'static str),
    /// Points, keys or parameters from two different curves were combined.
    #[error("values from two different curves combined")]
    CurveMismatch,
    /// A signature that is malformed (its encoding, or `r`, `s` outside `[1, n-1]`).
    #[error("ECDSA signature malformed: {0}")]
    MalformedSignature(&'static str),
    /// A well-formed signature that does not verify.
    #[error("ECDSA signature does not verify")]
    BadSignature,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Rng,
}

/// Active Authentication failed or cannot be done (ICAO 9303-11 §6.1, §9.2.9).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AaError {
    /// DG15 holds a key of an algorithm other than RSA and EC.
    #[error("DG15 key algorithm {0} is neither RSA nor EC")]
    UnsupportedKeyAlgorithm(der::asn1::ObjectIdentifier),
    /// DG15's RSA key cannot be used.
    #[error("DG15 RSA key {0}")]
    InvalidRsaKey(&'static str),
    /// DG15's EC key cannot be used.
    #[error("DG15 EC key: {0}")]
    InvalidEcKey(EcError),
    /// DG14 names a signature algorithm that is not one of Active Authentication's ECDSA algorithms.
    #[error("signature algorithm {0} is not an ECDSA algorithm of Active Authentication")]
    UnsupportedSignatureAlgorithm(der::asn1::ObjectIdentifier),
    /// An EC key without the signature algorithm DG14 must name for it.
    #[error("DG15 holds an EC key but DG14 names no Active Authentication signature algorithm")]
    MissingSignatureAlgorithm,
    /// The chip's answer is not a signature of the key's size or format (the chip misbehaved).
    #[error("the chip's signature is malformed: {0}")]
    MalformedSignature(&'static str),
    /// The chip's signature does not verify: it did not prove it holds the DG15 key.
    #[error("the chip's signature does not verify")]
    BadSignature,
    /// The challenge is not the 8 bytes ICAO 9303-11 §6.1 prescribes (seen by the chip side).
    #[error("challenge of {0} bytes, 8 expected")]
    ChallengeLength(usize),
    /// A key of ours cannot sign (chip side): a bad key file, not the terminal's fault.
    #[error("our Active Authentication key cannot sign: {0}")]
    SigningKey(&'static str),
}

/// A Diffie-Hellman group, key or result that cannot be used (ICAO 9303-11 §9.5.1, §4.4, §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DhError {
    /// The domain parameters are malformed or unusable.
    #[error("domain parameters: {0}")]
    Parameters(&'static str),
    /// A public key is outside `(1, p - 1)` or outside the subgroup of order `q`.
    #[error("public key outside the group")]
    PublicKey,
    /// A private key is empty, too long, or made from too little randomness.
    #[error("private key unusable")]
    PrivateKey,
    /// A computed value is degenerate (1, 0 or `p - 1`).
    #[error("degenerate result")]
    Degenerate,
}

/// The side of a protocol that broke it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Culprit {
    /// The chip (seen by the terminal).
    Chip,
    /// The terminal (seen by the chip).
    Terminal,
}

impl std::fmt::Display for Culprit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Culprit::Chip => "the chip",
            Culprit::Terminal => "the terminal",
        })
    }
}

/// The steps of PACE (ICAO 9303-11 §4.4.4, the commands of §4.4.4.1-4.4.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaceStep {
    /// MSE:Set AT: choosing the protocol, the password and the domain parameters.
    SetAuthenticationTemplate,
    /// GENERAL AUTHENTICATE 1: the encrypted nonce.
    EncryptedNonce,
    /// GENERAL AUTHENTICATE 2: the mapping of the nonce.
    Mapping,
    /// GENERAL AUTHENTICATE 3: the ephemeral key agreement.
    KeyAgreement,
    /// GENERAL AUTHENTICATE 4: the authentication tokens.
    MutualAuthentication,
    /// PACE-CAM: the chip authentication data and its check against the chip's static key.
    ChipAuthentication,
}

impl std::fmt::Display for PaceStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PaceStep::SetAuthenticationTemplate => "MSE:Set AT",
            PaceStep::EncryptedNonce => "encrypted nonce",
            PaceStep::Mapping => "mapping",
            PaceStep::KeyAgreement => "key agreement",
            PaceStep::MutualAuthentication => "mutual authentication",
            PaceStep::ChipAuthentication => "chip authentication mapping",
        })
    }
}

/// What went wrong in a step of PACE or Chip Authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthenticationFailure {
    /// The chip answered an error status (`6300` at mutual authentication: a wrong password).
    #[error("refused with {0}")]
    Refused(StatusWord),
    /// A command that this step does not take: another instruction, parameters, or chaining.
    #[error("sent an unexpected command")]
    UnexpectedCommand,
    /// A protocol, password or key that is not offered.
    #[error("asked for a protocol, password or key that is not offered")]
    NotOffered,
    /// A data object is absent.
    #[error("left out data object {0}")]
    MissingDataObject(Tag),
    /// A data object is malformed or not allowed here.
    #[error("sent malformed data object {0}")]
    MalformedDataObject(Tag),
    /// The encrypted nonce is not a whole number of blocks, or too short.
    #[error("sent an encrypted nonce of the wrong size")]
    BadNonce,
    /// A public key is not in the group, or equals a key it must differ from.
    #[error("sent an invalid public key")]
    InvalidPublicKey,
    /// The mapping gave a degenerate generator.
    #[error("made the mapping degenerate")]
    Degenerate,
    /// An authentication token does not verify: the password differs (or the messages were tampered with).
    #[error("sent an authentication token that does not verify")]
    BadToken,
    /// PACE-CAM's chip authentication data does not decrypt or does not match the chip's static key.
    #[error("sent chip authentication data that does not prove its static key")]
    BadChipAuthenticationData,
    /// The domain parameters the chip lists cannot be used for the protocol.
    #[error("lists unusable domain parameters")]
    BadDomainParameters,
}

/// PACE failed: the step, the side at fault, and what it did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PACE {step}: {culprit} {failure}")]
pub struct PaceError {
    /// The step that failed.
    pub step: PaceStep,
    /// The side that broke the protocol.
    pub culprit: Culprit,
    /// What it did.
    pub failure: AuthenticationFailure,
}

/// The steps of Chip Authentication (ICAO 9303-11 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaStep {
    /// Choosing the protocol and key: the DG14 entries, MSE:Set AT.
    Setup,
    /// The key agreement: MSE:Set KAT, or GENERAL AUTHENTICATE.
    KeyAgreement,
}

impl std::fmt::Display for CaStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CaStep::Setup => "setup",
            CaStep::KeyAgreement => "key agreement",
        })
    }
}

/// Chip Authentication failed: the step, the side at fault, and what it did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Chip Authentication {step}: {culprit} {failure}")]
pub struct CaError {
    /// The step that failed.
    pub step: CaStep,
    /// The side that broke the protocol.
    pub culprit: Culprit,
    /// What it did.
    pub failure: AuthenticationFailure,
}
