//! The verdict of Passive Authentication and why: a status, machine-readable reasons with their text, and what was
//! found on the way (the algorithm, the Document Signer, the CSCA, each data group's hash).

use std::collections::BTreeMap;

use der::DateTime;

use super::cert::CertInfo;
use super::signature::HashAlgorithm;

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Signature, chain, validity, revocation and every data group given check out.
    Valid,
    /// Something is wrong with the document: a hash, the signature, the DSC. Beats [`Status::Untrusted`].
    Invalid,
    /// Nothing is wrong, but the DSC does not chain to a trusted CSCA.
    Untrusted,
}

impl Status {
    /// `valid`, `invalid` or `untrusted` (../shared/CLI.md).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Untrusted => "untrusted",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reason means for the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The document is not genuine, or cannot be shown to be.
    Invalid,
    /// The trust chain is missing.
    Untrusted,
}

/// Why a verdict is not `valid`, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReasonCode {
    /// The SignedData has no SignerInfo.
    NoSigner,
    /// No certificate in the SOD (or the trust store) matches the SignerInfo.
    SignerNotFound,
    /// A signature, hash or key algorithm that cannot be verified here.
    UnsupportedAlgorithm,
    /// The contentType attribute is not the eContentType (RFC 5652 §11.1).
    ContentTypeMismatch,
    /// The messageDigest attribute is missing or not the hash of the content (RFC 5652 §11.2).
    MessageDigestMismatch,
    /// The SOD's signature does not verify with the DSC's key.
    SignatureInvalid,
    /// The DSC was not yet valid at the time checked.
    DscNotYetValid,
    /// The DSC had expired at the time checked.
    DscExpired,
    /// The DSC is on a CRL its CSCA signed.
    DscRevoked,
    /// The CSCA the DSC names by its key identifier does not verify the DSC's signature.
    DscSignatureInvalid,
    /// No trusted CSCA issued the DSC.
    CscaNotFound,
    /// The CSCA was not valid at the time checked.
    CscaNotValid,
    /// A data group's hash differs from the one in the SOD.
    DgHashMismatch,
    /// A data group was given that the SOD does not list.
    DgNotInSod,
}

impl ReasonCode {
    /// The snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::NoSigner => "no_signer",
            ReasonCode::SignerNotFound => "signer_not_found",
            ReasonCode::UnsupportedAlgorithm => "unsupported_algorithm",
            ReasonCode::ContentTypeMismatch => "content_type_mismatch",
            ReasonCode::MessageDigestMismatch => "message_digest_mismatch",
            ReasonCode::SignatureInvalid => "signature_invalid",
            ReasonCode::DscNotYetValid => "dsc_not_yet_valid",
            ReasonCode::DscExpired => "dsc_expired",
            ReasonCode::DscRevoked => "dsc_revoked",
            ReasonCode::DscSignatureInvalid => "dsc_signature_invalid",
            ReasonCode::CscaNotFound => "csca_not_found",
            ReasonCode::CscaNotValid => "csca_not_valid",
            ReasonCode::DgHashMismatch => "dg_hash_mismatch",
            ReasonCode::DgNotInSod => "dg_not_in_sod",
        }
    }

    /// What the reason does to the verdict.
    pub fn severity(self) -> Severity {
        match self {
            ReasonCode::SignerNotFound | ReasonCode::CscaNotFound => Severity::Untrusted,
            _ => Severity::Invalid,
        }
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason: its code and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The code.
    pub code: ReasonCode,
    /// The sentence.
    pub message: String,
}

impl Reason {
    pub(crate) fn new(code: ReasonCode, message: String) -> Reason {
        Reason { code, message }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// How the SignerInfo was matched to its certificate (RFC 5652 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignerMatch {
    /// issuerAndSerialNumber, the issuer names equal by meaning (RFC 5280 §7.1).
    IssuerAndSerial,
    /// The serial number alone, held by exactly one certificate: the issuer names differ.
    SerialOnly,
    /// subjectKeyIdentifier.
    SubjectKeyIdentifier,
}

impl SignerMatch {
    /// `issuer_and_serial`, `serial_only` or `subject_key_identifier`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignerMatch::IssuerAndSerial => "issuer_and_serial",
            SignerMatch::SerialOnly => "serial_only",
            SignerMatch::SubjectKeyIdentifier => "subject_key_identifier",
        }
    }
}

/// A data group's hash compared with the SOD's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DgCheck {
    /// The hash of the bytes given equals the SOD's.
    Match,
    /// It differs.
    Mismatch,
    /// The SOD lists the data group; no bytes were given.
    NotProvided,
    /// Bytes were given for a data group the SOD does not list.
    NotInSod,
}

impl DgCheck {
    /// `match`, `mismatch`, `not_provided` or `not_in_sod`.
    pub fn as_str(self) -> &'static str {
        match self {
            DgCheck::Match => "match",
            DgCheck::Mismatch => "mismatch",
            DgCheck::NotProvided => "not_provided",
            DgCheck::NotInSod => "not_in_sod",
        }
    }
}

/// Where the time the certificates were checked at came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeSource {
    /// The signingTime attribute of the SOD.
    SigningTime,
    /// The time the caller gave.
    Caller,
}

/// Everything Passive Authentication found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaReport {
    /// The verdict.
    pub status: Status,
    /// Why it is not `valid`; empty when it is.
    pub reasons: Vec<Reason>,
    /// Facts worth knowing that do not change the verdict (the signer matched by serial only, a CRL whose signature
    /// does not verify and was ignored).
    pub notes: Vec<String>,
    /// The SOD's signature algorithm, when known (`sha256WithRSAEncryption`, `RSASSA-PSS (SHA-256, MGF1 SHA-256,
    /// salt 32)`, `ecdsa-with-SHA384`).
    pub signature_algorithm: Option<String>,
    /// The hash algorithm of the data groups.
    pub hash_algorithm: HashAlgorithm,
    /// The LDSSecurityObject version (0, or 1 with LDSVersionInfo).
    pub lds_security_object_version: u8,
    /// The LDS and Unicode versions of LDSVersionInfo (9303-10 §4.6.2.3), when present.
    pub lds_version: Option<(String, String)>,
    /// How the signer's certificate was found.
    pub signer_match: Option<SignerMatch>,
    /// The Document Signer certificate.
    pub dsc: Option<CertInfo>,
    /// The CSCA (or link certificate) whose key verified the DSC.
    pub csca: Option<CertInfo>,
    /// Each data group the SOD lists, and any given that it does not.
    pub data_groups: BTreeMap<u8, DgCheck>,
    /// The signingTime attribute, when present.
    pub signing_time: Option<DateTime>,
    /// The time the certificates' validity was checked at.
    pub checked_at: DateTime,
    /// Where `checked_at` came from.
    pub checked_at_source: TimeSource,
}

/// The verdict the reasons give: any invalid reason makes it invalid, else any untrusted one untrusted.
pub(crate) fn status_of(reasons: &[Reason]) -> Status {
    if reasons.iter().any(|r| r.code.severity() == Severity::Invalid) {
        Status::Invalid
    } else if reasons.is_empty() {
        Status::Valid
    } else {
        Status::Untrusted
    }
}
