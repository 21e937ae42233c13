//! The daemon's one error type, and the snake_case kinds the command line reports (../shared/CLI.md).

use mrtd::lds::FileId;
use mrtd::sw::StatusWord;

/// Everything that can go wrong in the daemon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The reader hardware or the PC/SC service failed, or the card left.
    #[error(transparent)]
    Hardware(#[from] hal::Error),
    /// The MRZ given or read is malformed; the chip is not touched with it.
    #[error("the MRZ is not valid: {0}")]
    Mrz(#[source] mrtd::error::MrzError),
    /// The chip did not accept our access keys (wrong MRZ, or the chip is not what it claims).
    #[error("access control failed: {reason}")]
    AccessControl {
        /// Why.
        reason: &'static str,
        /// The underlying protocol error, if any.
        #[source]
        source: Option<mrtd::Error>,
    },
    /// The chip answered a command with an error status.
    #[error("the chip refused {step} with status {sw}")]
    ChipStatus {
        /// The step.
        step: Step,
        /// Its status word.
        sw: StatusWord,
    },
    /// The chip broke the protocol or sent malformed data.
    #[error("the chip's answer is malformed at {step}: {source}")]
    Protocol {
        /// The step.
        step: Step,
        /// What was wrong.
        #[source]
        source: mrtd::Error,
    },
    /// A file the gate needs is not on the chip.
    #[error("the chip has no {0}")]
    MissingFile(FileId),
    /// A file would exceed the size the gate accepts.
    #[error("{file} declares {length} bytes, over the limit of {limit}")]
    FileTooLarge {
        /// The file.
        file: FileId,
        /// Its declared length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The operating system's random generator failed.
    #[error("no randomness available")]
    Random,
    /// A bounded wait ran out.
    #[error("{what} did not finish within {seconds} s")]
    Timeout {
        /// What was waited for.
        what: &'static str,
        /// The bound.
        seconds: u64,
    },
    /// A command-line argument is unusable.
    #[error("{0}")]
    Usage(UsageError),
    /// A file named on the command line is not what it should be (an EF.SOD, a certificate, a master list, a CRL).
    #[error("{path} cannot be read: {source}")]
    Malformed {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        #[source]
        source: mrtd::Error,
    },
}

/// A step of the chip session, to say where something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Selecting the eMRTD application.
    SelectApplication,
    /// GET CHALLENGE.
    GetChallenge,
    /// EXTERNAL AUTHENTICATE.
    ExternalAuthenticate,
    /// Selecting a file.
    Select(FileId),
    /// Reading a file.
    Read(FileId),
    /// Decoding a file read.
    Decode(FileId),
    /// PACE (MSE:Set AT and GENERAL AUTHENTICATE).
    Pace,
    /// Chip Authentication.
    ChipAuthentication,
    /// Active Authentication (INTERNAL AUTHENTICATE).
    ActiveAuthentication,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::SelectApplication => f.write_str("SELECT of the eMRTD application"),
            Step::GetChallenge => f.write_str("GET CHALLENGE"),
            Step::ExternalAuthenticate => f.write_str("EXTERNAL AUTHENTICATE"),
            Step::Select(file) => write!(f, "SELECT {file}"),
            Step::Read(file) => write!(f, "READ BINARY {file}"),
            Step::Decode(file) => write!(f, "decoding {file}"),
            Step::Pace => f.write_str("PACE"),
            Step::ChipAuthentication => f.write_str("Chip Authentication"),
            Step::ActiveAuthentication => f.write_str("Active Authentication"),
        }
    }
}

/// A command-line argument that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// No MRZ was given and no MRZ reader either.
    #[error("give the MRZ with --mrz (two or three lines) or --mrz-serial")]
    NoMrz,
    /// A CAN that is not the digits printed on the document.
    #[error("--can: give the card access number's digits (up to 12)")]
    Can,
    /// A `--dg` argument is not `N=FILE` with N from 1 to 16.
    #[error("--dg {argument}: give a data group as N=FILE, N from 1 to 16")]
    DataGroup {
        /// The argument as given.
        argument: String,
    },
    /// A date argument is not a `YYYY-MM-DD` date.
    #[error("--at {argument}: give a date as YYYY-MM-DD")]
    Date {
        /// The argument as given.
        argument: String,
    },
    /// A file named on the command line cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The path.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The `kind` reported in JSON: a stable snake_case word integrators can match on.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Hardware(h) => match h {
                hal::Error::CardRemoved { .. } => "card_removed",
                hal::Error::NoCard { .. } => "no_card",
                hal::Error::NoReader | hal::Error::UnknownReader { .. } => "no_reader",
                hal::Error::ServiceUnavailable { .. } | hal::Error::ReaderServiceStopped => "pcsc_unavailable",
                hal::Error::Timeout { .. } => "timeout",
                _ => "reader_failed",
            },
            Error::Mrz(_) => "mrz_invalid",
            Error::AccessControl { .. } => "access_control_failed",
            Error::ChipStatus { .. } | Error::MissingFile(_) | Error::FileTooLarge { .. } => "chip_unreadable",
            Error::Protocol { .. } => "chip_misbehaved",
            Error::Random => "internal",
            Error::Timeout { .. } => "timeout",
            Error::Usage(UsageError::Unreadable { .. }) => "unreadable_input",
            Error::Usage(_) => "usage",
            Error::Malformed { .. } => "malformed_input",
        }
    }

    /// True for errors of the input given (exit status 2), as opposed to an operation that ran and failed (1).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::Mrz(_) | Error::Usage(_) | Error::Malformed { .. })
    }
}
