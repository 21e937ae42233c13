//! The simulator's error type.

/// Everything that can go wrong in the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A protocol step of the e-passport library failed.
    #[error(transparent)]
    Mrtd(#[from] mrtd::Error),
    /// The system's random number generator failed.
    #[error("no randomness from the system: {0}")]
    Random(#[source] getrandom::Error),
    /// An ASN.1 structure could not be encoded or decoded.
    #[error("{what}: {source}")]
    Der {
        /// The structure.
        what: &'static str,
        /// Why.
        source: der::Error,
    },
    /// A certificate, CRL or public key could not be built.
    #[error("{what}: {source}")]
    Certificate {
        /// The structure.
        what: &'static str,
        /// Why.
        source: x509_cert::builder::Error,
    },
    /// A private key could not be encoded as PKCS#8.
    #[error("private key: {source}")]
    KeyEncoding {
        /// Why.
        source: p256::pkcs8::Error,
    },
    /// `pki init` would overwrite an existing PKI.
    #[error("{path} already exists")]
    PkiExists {
        /// The first existing file found.
        path: std::path::PathBuf,
    },
    /// A file of the PKI folder is missing (the folder was not made by `pki init`).
    #[error("{path} is missing; make the PKI with `gate-sim pki init DIR` first")]
    PkiMissing {
        /// The missing file.
        path: std::path::PathBuf,
    },
    /// A file of the PKI folder does not parse.
    #[error("{path}: {source}")]
    PkiFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: crate::pki::PkiFileError,
    },
    /// The Document Signer key does not belong to the Document Signer certificate.
    #[error("{key} is not the key of the Document Signer certificate beside it")]
    PkiMismatch {
        /// The key file.
        key: std::path::PathBuf,
    },
    /// A passport profile is unreadable or invalid.
    #[error("{file}: {source}")]
    Profile {
        /// The profile file.
        file: std::path::PathBuf,
        /// What is wrong, naming the key (boxed: the TOML parser's error is large, and every `Result` would carry it).
        source: Box<crate::passport::ProfileError>,
    },
    /// A passport's files could not be built or signed.
    #[error("{what}: {source}")]
    Passport {
        /// The file or structure being made.
        what: &'static str,
        /// Why.
        source: crate::passport::BuildError,
    },
    /// A `--fault` is not a known fault or has a bad count.
    #[error("fault {spec:?} {reason}")]
    InvalidFault {
        /// The fault as given.
        spec: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A passport directory does not hold what the chip needs.
    #[error("{path}: {reason}")]
    InvalidPassport {
        /// The directory or file.
        path: std::path::PathBuf,
        /// What is missing or wrong.
        reason: &'static str,
    },
    /// A private key of the chip (`keys/ca.pem`, `keys/aa.pem`) does not load.
    #[error("{path}: {source}")]
    ChipKey {
        /// The key file.
        path: std::path::PathBuf,
        /// Why.
        source: crate::keys::KeyError,
    },
    /// A passport directory's `chip.toml` does not parse.
    #[error("{path}: {source}")]
    ChipToml {
        /// The file.
        path: std::path::PathBuf,
        /// Why, naming the key.
        source: toml::de::Error,
    },
    /// The MRZ the chip's BAC keys come from does not parse.
    #[error("{path}: {source}")]
    InvalidMrz {
        /// The file it came from.
        path: std::path::PathBuf,
        /// Why.
        source: mrtd::Error,
    },
    /// A setting of the simulated chip is out of range.
    #[error("{what} {reason}")]
    InvalidChipConfig {
        /// The setting.
        what: &'static str,
        /// The range it must be in.
        reason: &'static str,
    },
    /// The connection to pcscd's vpcd driver failed.
    #[error("vpcd at {addr}: {source}")]
    Vpcd {
        /// The address connected to.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The MRZ reader's pseudo-terminal could not be set up.
    #[error("MRZ reader pseudo-terminal {path}: {source}")]
    Pty {
        /// The link asked for.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
