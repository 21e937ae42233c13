//! Signed watchlists: the bundle the list authority signs with Ed25519 (RFC 8032) and every gate checks before a list
//! comes into force, the rules on versions, and the age past which a list no longer counts.
//!
//! # The bundle
//! One file in three parts, each of the first two ending in LF:
//!
//! ```text
//! {"format":"autogate-watchlist/1","kind":"full","version":42,"created":"2025-03-01T08:00:00Z","records":2,"sha256":"<64 hex digits>"}
//! signature <128 hex digits>
//! <payload>
//! ```
//!
//! - The first line is the manifest: `format` names this layout; `kind` is `full` (a snapshot that replaces the list)
//!   or `delta` (operations on the list in force); `version` is the authority's counter; `created` is the signing
//!   time, RFC 3339 in UTC to the second; `records` counts the payload's non-blank lines; `sha256` is the SHA-256 of
//!   the payload bytes in hexadecimal. No other key is allowed in this format.
//! - The second line is `signature `, then the Ed25519 signature over the exact bytes of the first line (without its
//!   LF) in hexadecimal. Through `sha256` the signature covers the payload too.
//! - The payload is the records file (`full`) or the delta file (`delta`) exactly as the authority wrote it; see
//!   [`super::record`]. Line numbers in errors count from its first line, as in the file the authority signed.
//!
//! # Key files
//! `authority.key` holds the Ed25519 secret key, the 32-byte seed of RFC 8032 section 5.1.5, as 64 hexadecimal digits
//! and LF, mode 0600; `authority.pub` holds the 32-byte public key of section 5.1.5 the same way. Both are raw
//! Ed25519, so keys made by other Ed25519 tools can be written into them.
//!
//! # What is refused
//! [`verify`] refuses, in this order: a file over [`MAX_BUNDLE_BYTES`]; a file whose first line is not a manifest;
//! another format; a list without a signature line (a bare records file included); a signature that does not verify
//! with the authority's public key (strict verification: no malleable or small-order signatures); a malformed signed
//! manifest; a payload whose SHA-256 differs; a creation time ahead of the gate's clock by more than
//! [`MAX_CLOCK_SKEW`]; a payload with a broken line; a record count that differs. Nothing in the payload is parsed
//! before the signature and hash hold.
//!
//! [`check_sequence`] refuses lists that would roll the gate back or skip a delta, and [`freshness`] tells whether
//! the list in force is too old to screen with (the gate then refers every traveller).

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ed25519_dalek::{Signature, Signer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use super::record::{self, Date, DeltaOp, Record, RecordError};

/// The `format` of this layout.
pub const FORMAT: &str = "autogate-watchlist/1";
/// The secret key's file name in a key directory.
pub const SIGNING_KEY_FILE: &str = "authority.key";
/// The public key's file name in a key directory.
pub const PUBLIC_KEY_FILE: &str = "authority.pub";
/// The largest bundle accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 1024 * 1024 * 1024;
/// How far a list's creation time may lie ahead of the gate's clock: the authority's and the gate's clocks differ.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

const SIGNATURE_PREFIX: &[u8] = b"signature ";
const MAX_KEY_FILE_BYTES: u64 = 1024;

/// A full snapshot or a delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Replaces the whole list.
    Full,
    /// Adds and removes entries of the list in force.
    Delta,
}

impl Kind {
    /// `full` or `delta`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Delta => "delta",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed first line of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// Full snapshot or delta.
    pub kind: Kind,
    /// The authority's version number.
    pub version: u64,
    /// When the authority signed it, to the second.
    pub created: SystemTime,
    /// How many records or delta operations the payload holds.
    pub records: usize,
    /// SHA-256 of the payload.
    pub sha256: [u8; 32],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    format: String,
    kind: Kind,
    version: u64,
    created: String,
    records: usize,
    sha256: String,
}

/// A verified payload, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// The records of a full snapshot.
    Full(Vec<Record>),
    /// The operations of a delta.
    Delta(Vec<DeltaOp>),
}

impl Payload {
    /// How many records or operations.
    pub fn len(&self) -> usize {
        match self {
            Self::Full(records) => records.len(),
            Self::Delta(ops) => ops.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A bundle whose signature, hash, count and records all hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The signed manifest.
    pub manifest: Manifest,
    /// The parsed payload.
    pub payload: Payload,
}

/// What the gate remembers of the list in force, to judge the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListState {
    /// Its version (after a delta, the delta's).
    pub version: u64,
    /// Its creation time (after a delta, the delta's).
    pub created: SystemTime,
}

impl From<&Manifest> for ListState {
    fn from(manifest: &Manifest) -> Self {
        Self { version: manifest.version, created: manifest.created }
    }
}

/// What is wrong with a key file's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// Not 64 hexadecimal digits.
    #[error("not a key: it should hold 64 hexadecimal digits (32 bytes of raw Ed25519 key)")]
    NotHex,
    /// The bytes do not encode a point of the curve.
    #[error("not an Ed25519 public key: the bytes do not encode a curve point")]
    NotAPoint,
    /// A point of small order, for which signatures prove nothing.
    #[error("a weak Ed25519 public key (a point of small order), which would accept forged signatures")]
    Weak,
    /// A secret key file that others may read.
    #[error("readable or writable by others (mode {mode:o}): a signing key must be mode 600")]
    Permissions {
        /// The file's permission bits.
        mode: u32,
    },
}

/// Why a bundle, a key or a version was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The file is too large.
    #[error("the file is {length} bytes long, over the limit of {limit} for a watchlist bundle")]
    TooLarge {
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The first line is not a JSON manifest.
    #[error("the file is not a watchlist bundle: its first line is not a JSON manifest")]
    NotABundle,
    /// A manifest of another format.
    #[error("the bundle's format is {found}, not \"{FORMAT}\", which this gate reads")]
    UnsupportedFormat {
        /// The `format` found (at most 64 characters of it).
        found: String,
    },
    /// No signature line, or no manifest at all.
    #[error(
        "the list is not signed (a bundle starts with a manifest and a signature line, as `gate-daemon watchlist \
         sign` writes them); unsigned lists are refused"
    )]
    Unsigned,
    /// CR LF line ends where the signer wrote LF.
    #[error("the bundle's line ends were changed to CR LF, so its bytes are no longer those signed; copy it as binary")]
    LineEndingsChanged,
    /// The signature line is malformed.
    #[error("the signature line is not `signature ` followed by 128 hexadecimal digits")]
    SignatureEncoding,
    /// The signature does not verify.
    #[error(
        "the signature does not verify with the list authority's public key: the list is forged, altered, or signed \
         with another key"
    )]
    BadSignature,
    /// The manifest is signed but not a valid manifest.
    #[error("the signed manifest is malformed: {0}")]
    BadManifest(#[source] serde_json::Error),
    /// A manifest field is signed but malformed.
    #[error("the signed manifest's `{field}` is malformed")]
    ManifestField {
        /// The key.
        field: &'static str,
    },
    /// The payload's hash differs from the manifest's.
    #[error("the records do not match the SHA-256 in the signed manifest: the list was altered after signing")]
    PayloadMismatch,
    /// The payload holds another number of records than the manifest says.
    #[error("the signed manifest declares {declared} records but the list holds {found}")]
    CountMismatch {
        /// In the manifest.
        declared: usize,
        /// In the payload.
        found: usize,
    },
    /// The list claims to be made later than the gate's clock allows.
    #[error(
        "the list was created at {}, ahead of the gate's clock ({}) by more than {}: check both clocks",
        show_time(*created), show_time(*now), show_duration(MAX_CLOCK_SKEW)
    )]
    CreatedInFuture {
        /// The manifest's creation time.
        created: SystemTime,
        /// The gate's time.
        now: SystemTime,
    },
    /// A record or delta line is broken; the list is refused whole.
    #[error("the list is refused at {0}")]
    Record(#[from] RecordError),
    /// A list not newer than the one in force.
    #[error("version {offered} is not newer than version {in_force} in force: older and repeated lists are refused")]
    RolledBack {
        /// The version in force.
        in_force: u64,
        /// The version offered.
        offered: u64,
    },
    /// A delta that skips versions.
    #[error(
        "delta version {offered} does not follow version {in_force} in force (it should be {expected}): import the \
         missing deltas in order, or a full list"
    )]
    OutOfOrder {
        /// The version in force.
        in_force: u64,
        /// The only delta version that applies.
        expected: u64,
        /// The version offered.
        offered: u64,
    },
    /// A delta with no list in force.
    #[error("delta version {offered} has no list in force to apply to: import a full list first")]
    DeltaWithoutBase {
        /// The version offered.
        offered: u64,
    },
    /// A newer version created before the list in force.
    #[error(
        "version {offered} was created at {}, before the list in force (created at {}): refused",
        show_time(*created), show_time(*in_force_created)
    )]
    CreatedBeforeInForce {
        /// The version offered.
        offered: u64,
        /// Its creation time.
        created: SystemTime,
        /// The creation time of the list in force.
        in_force_created: SystemTime,
    },
    /// A signing time outside 1970-9999.
    #[error("the signing time is not between 1970 and 9999: check the clock")]
    TimeOutOfRange,
    /// A key file's content is unusable.
    #[error("{}: {problem}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: KeyProblem,
    },
    /// `keygen` found a key in its way.
    #[error("{} exists already: keygen does not overwrite keys", path.display())]
    KeyExists {
        /// The file.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("{} cannot be read or written: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The operating system's random generator failed.
    #[error("no randomness available from the operating system")]
    Random,
}

/// A new key pair for the list authority: `dir/authority.key` (mode 0600) and `dir/authority.pub`, `dir` made if
/// needed. Existing files are never overwritten.
///
/// # Errors
/// [`BundleError::KeyExists`] when either file exists, [`BundleError::Random`], [`BundleError::Io`].
pub fn keygen(dir: &Path) -> Result<VerifyingKey, BundleError> {
    let key_path = dir.join(SIGNING_KEY_FILE);
    let public_path = dir.join(PUBLIC_KEY_FILE);
    for path in [&key_path, &public_path] {
        if fs::symlink_metadata(path).is_ok() {
            return Err(BundleError::KeyExists { path: path.clone() });
        }
    }
    fs::create_dir_all(dir).map_err(|source| BundleError::Io { path: dir.to_owned(), source })?;
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut *seed).map_err(|_| BundleError::Random)?;
    let key = SigningKey::from_bytes(&seed);
    let mut text = Zeroizing::new([b'\n'; 65]);
    if let Some(digits) = text.get_mut(..64) {
        hex::encode_to_slice(seed.as_slice(), digits).map_err(|_| BundleError::Random)?;
    }
    write_new(&key_path, &*text, 0o600)?;
    let public = key.verifying_key();
    write_new(&public_path, format!("{}\n", hex::encode(public.to_bytes())).as_bytes(), 0o644)?;
    Ok(public)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), BundleError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::AlreadyExists => BundleError::KeyExists { path: path.to_owned() },
        _ => BundleError::Io { path: path.to_owned(), source },
    };
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

fn read_key_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, BundleError> {
    let io = |source| BundleError::Io { path: path.to_owned(), source };
    let metadata = fs::metadata(path).map_err(io)?;
    if metadata.len() > MAX_KEY_FILE_BYTES {
        return Err(BundleError::KeyFile { path: path.to_owned(), problem: KeyProblem::NotHex });
    }
    Ok(Zeroizing::new(fs::read(path).map_err(io)?))
}

/// The list authority's signing key from an `authority.key` file.
///
/// # Errors
/// [`BundleError::Io`]; [`BundleError::KeyFile`] when the file is not 64 hexadecimal digits or others may read it.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, BundleError> {
    let refuse = |problem| BundleError::KeyFile { path: path.to_owned(), problem };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(|source| BundleError::Io { path: path.to_owned(), source })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(refuse(KeyProblem::Permissions { mode: mode & 0o777 }));
        }
    }
    let bytes = read_key_file(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| refuse(KeyProblem::NotHex))?;
    parse_signing_key(text).map_err(refuse)
}

/// The list authority's public key from an `authority.pub` file.
///
/// # Errors
/// [`BundleError::Io`]; [`BundleError::KeyFile`] when the file is not a usable Ed25519 public key.
pub fn load_public_key(path: &Path) -> Result<VerifyingKey, BundleError> {
    let refuse = |problem| BundleError::KeyFile { path: path.to_owned(), problem };
    let bytes = read_key_file(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| refuse(KeyProblem::NotHex))?;
    parse_public_key(text).map_err(refuse)
}

/// A signing key from its 64 hexadecimal digits (white space around them is ignored).
///
/// # Errors
/// [`KeyProblem::NotHex`].
pub fn parse_signing_key(text: &str) -> Result<SigningKey, KeyProblem> {
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), &mut *seed).map_err(|_| KeyProblem::NotHex)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A public key from its 64 hexadecimal digits (white space around them is ignored), as in `authority.pub` or the
/// gate's configuration.
///
/// # Errors
/// [`KeyProblem::NotHex`], [`KeyProblem::NotAPoint`], [`KeyProblem::Weak`].
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, KeyProblem> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| KeyProblem::NotHex)?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyProblem::NotAPoint)?;
    if key.is_weak() {
        return Err(KeyProblem::Weak);
    }
    Ok(key)
}

/// A signed bundle of `payload` (a records file for [`Kind::Full`], a delta file for [`Kind::Delta`]), created at
/// `created` (to the second). The payload is checked first, so that a broken file is never signed.
///
/// # Errors
/// [`BundleError::Record`] naming the first broken line, [`BundleError::TooLarge`],
/// [`BundleError::TimeOutOfRange`].
pub fn sign(
    key: &SigningKey,
    version: u64,
    kind: Kind,
    payload: &[u8],
    created: SystemTime,
) -> Result<Vec<u8>, BundleError> {
    if payload.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge { length: payload.len(), limit: MAX_BUNDLE_BYTES });
    }
    let text = record::as_text(payload)?;
    let records = match kind {
        Kind::Full => record::parse_jsonl(text)?.len(),
        Kind::Delta => record::parse_delta_jsonl(text)?.len(),
    };
    let created = format_time(created).ok_or(BundleError::TimeOutOfRange)?;
    let bundle = assemble(key, kind, version, &created, records, payload);
    if bundle.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge { length: bundle.len(), limit: MAX_BUNDLE_BYTES });
    }
    Ok(bundle)
}

/// Manifest, signature line and payload, as they are, unchecked.
fn assemble(key: &SigningKey, kind: Kind, version: u64, created: &str, records: usize, payload: &[u8]) -> Vec<u8> {
    let manifest = format!(
        r#"{{"format":"{FORMAT}","kind":"{kind}","version":{version},"created":"{created}","records":{records},"sha256":"{}"}}"#,
        hex::encode(Sha256::digest(payload))
    );
    let signature = key.sign(manifest.as_bytes());
    let mut bundle = Vec::with_capacity(manifest.len() + SIGNATURE_PREFIX.len() + 130 + payload.len());
    bundle.extend_from_slice(manifest.as_bytes());
    bundle.push(b'\n');
    bundle.extend_from_slice(SIGNATURE_PREFIX);
    bundle.extend_from_slice(hex::encode(signature.to_bytes()).as_bytes());
    bundle.push(b'\n');
    bundle.extend_from_slice(payload);
    bundle
}

/// The line up to the first LF, and what follows the LF if there is one.
fn split_line(bytes: &[u8]) -> (&[u8], Option<&[u8]>) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => (bytes.get(..end).unwrap_or_default(), bytes.get(end + 1..)),
        None => (bytes, None),
    }
}

/// Tells a manifest of this format from other JSON (a bare records line means an unsigned list) and from anything
/// else, before any signature is checked; nothing read here is trusted.
fn recognise(line: &[u8]) -> Result<(), BundleError> {
    if line.len() > record::MAX_LINE_BYTES {
        return Err(BundleError::NotABundle);
    }
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(line).map_err(|_| BundleError::NotABundle)?;
    match object.get("format") {
        None => Err(BundleError::Unsigned),
        Some(serde_json::Value::String(format)) if format == FORMAT => Ok(()),
        Some(other) => Err(BundleError::UnsupportedFormat { found: other.to_string().chars().take(64).collect() }),
    }
}

fn parse_manifest(line: &[u8]) -> Result<Manifest, BundleError> {
    let raw: RawManifest = serde_json::from_slice(line).map_err(BundleError::BadManifest)?;
    if raw.format != FORMAT {
        return Err(BundleError::UnsupportedFormat { found: raw.format.chars().take(64).collect() });
    }
    let created = parse_time(&raw.created).ok_or(BundleError::ManifestField { field: "created" })?;
    let mut sha256 = [0u8; 32];
    hex::decode_to_slice(&raw.sha256, &mut sha256).map_err(|_| BundleError::ManifestField { field: "sha256" })?;
    Ok(Manifest { kind: raw.kind, version: raw.version, created, records: raw.records, sha256 })
}

/// Checks a bundle against the list authority's public key and parses its payload; `now` is the gate's clock.
/// Version order is not checked here: see [`check_sequence`].
///
/// # Errors
/// Every [`BundleError`] listed in the module documentation, in that order.
pub fn verify(bundle: &[u8], public_key: &VerifyingKey, now: SystemTime) -> Result<VerifiedBundle, BundleError> {
    if bundle.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge { length: bundle.len(), limit: MAX_BUNDLE_BYTES });
    }
    let (manifest_line, rest) = split_line(bundle);
    recognise(manifest_line)?;
    if manifest_line.ends_with(b"\r") {
        return Err(BundleError::LineEndingsChanged);
    }
    let (signature_line, payload) = split_line(rest.ok_or(BundleError::Unsigned)?);
    let payload = payload.unwrap_or_default();
    let signature_hex = signature_line.strip_prefix(SIGNATURE_PREFIX).ok_or(BundleError::Unsigned)?;
    let mut signature = [0u8; 64];
    hex::decode_to_slice(signature_hex, &mut signature).map_err(|_| BundleError::SignatureEncoding)?;
    public_key
        .verify_strict(manifest_line, &Signature::from_bytes(&signature))
        .map_err(|_| BundleError::BadSignature)?;

    let manifest = parse_manifest(manifest_line)?;
    if Sha256::digest(payload).as_slice() != manifest.sha256 {
        return Err(BundleError::PayloadMismatch);
    }
    if now.checked_add(MAX_CLOCK_SKEW).is_some_and(|latest| manifest.created > latest) {
        return Err(BundleError::CreatedInFuture { created: manifest.created, now });
    }
    let text = record::as_text(payload)?;
    let payload = match manifest.kind {
        Kind::Full => Payload::Full(record::parse_jsonl(text)?),
        Kind::Delta => Payload::Delta(record::parse_delta_jsonl(text)?),
    };
    if payload.len() != manifest.records {
        return Err(BundleError::CountMismatch { declared: manifest.records, found: payload.len() });
    }
    Ok(VerifiedBundle { manifest, payload })
}

/// Whether a verified list may follow the list in force (`None` when there is none): a full snapshot must have a
/// higher version, a delta exactly the next one, and neither may be created before the list in force.
///
/// # Errors
/// [`BundleError::RolledBack`], [`BundleError::OutOfOrder`], [`BundleError::DeltaWithoutBase`],
/// [`BundleError::CreatedBeforeInForce`].
pub fn check_sequence(in_force: Option<&ListState>, incoming: &Manifest) -> Result<(), BundleError> {
    let offered = incoming.version;
    let Some(in_force) = in_force else {
        return match incoming.kind {
            Kind::Full => Ok(()),
            Kind::Delta => Err(BundleError::DeltaWithoutBase { offered }),
        };
    };
    let rolled_back = BundleError::RolledBack { in_force: in_force.version, offered };
    match incoming.kind {
        Kind::Full if offered <= in_force.version => return Err(rolled_back),
        Kind::Full => {}
        Kind::Delta => match in_force.version.checked_add(1) {
            Some(expected) if offered == expected => {}
            Some(expected) if offered > expected => {
                return Err(BundleError::OutOfOrder { in_force: in_force.version, expected, offered });
            }
            _ => return Err(rolled_back),
        },
    }
    if incoming.created < in_force.created {
        return Err(BundleError::CreatedBeforeInForce {
            offered,
            created: incoming.created,
            in_force_created: in_force.created,
        });
    }
    Ok(())
}

/// Whether the list in force may still be screened with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Within its maximum age.
    Fresh,
    /// Older than the maximum age.
    Stale {
        /// Its age.
        age: Duration,
        /// The maximum.
        max_age: Duration,
    },
    /// Created later than the gate's clock by more than [`MAX_CLOCK_SKEW`]: the gate's clock is wrong, so the age is
    /// unknown.
    Ahead {
        /// By how much.
        by: Duration,
    },
}

impl fmt::Display for Freshness {
    /// What the officer is told.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fresh => f.write_str("the watchlist is within its maximum age"),
            Self::Stale { age, max_age } => write!(
                f,
                "the watchlist is {} old, over the maximum age of {}: every traveller is referred until a newer list \
                 is imported",
                show_duration(*age),
                show_duration(*max_age)
            ),
            Self::Ahead { by } => write!(
                f,
                "the watchlist was created {} later than the gate's clock shows: the clock is wrong, the list's age is \
                 unknown, and every traveller is referred until the clock is set",
                show_duration(*by)
            ),
        }
    }
}

/// How the list created at `created` stands at `now` with `max_age` configured. A list created ahead of the clock
/// within [`MAX_CLOCK_SKEW`] counts as fresh.
pub fn freshness(created: SystemTime, now: SystemTime, max_age: Duration) -> Freshness {
    match now.duration_since(created) {
        Ok(age) if age > max_age => Freshness::Stale { age, max_age },
        Ok(_) => Freshness::Fresh,
        Err(ahead) if ahead.duration() > MAX_CLOCK_SKEW => Freshness::Ahead { by: ahead.duration() },
        Err(_) => Freshness::Fresh,
    }
}

/// Whether the gate must refer every traveller instead of screening with this list (fail closed): see
/// [`freshness`] for the reason to show.
pub fn is_stale(created: SystemTime, now: SystemTime, max_age: Duration) -> bool {
    freshness(created, now, max_age) != Freshness::Fresh
}

/// `time` as RFC 3339 in UTC to the second (`2025-03-01T08:00:00Z`), if it lies within 1970-9999.
pub fn format_time(time: SystemTime) -> Option<String> {
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
    let date = Date::from_unix_days(i64::try_from(seconds / 86_400).ok()?)?;
    let of_day = seconds % 86_400;
    Some(format!("{date}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day / 60 % 60, of_day % 60))
}

/// Exactly `YYYY-MM-DDTHH:MM:SSZ`, from 1970 on, as [`format_time`] writes it.
pub fn parse_time(text: &str) -> Option<SystemTime> {
    let number = |range: std::ops::Range<usize>, max: u64| {
        let part = text.get(range)?;
        let value: u64 = (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse().ok())??;
        (value <= max).then_some(value)
    };
    if text.len() != 20 || text.get(10..11)? != "T" || text.get(13..14)? != ":" || text.get(16..17)? != ":" {
        return None;
    }
    if text.get(19..)? != "Z" {
        return None;
    }
    let date: Date = text.get(..10)?.parse().ok()?;
    let days = u64::try_from(date.unix_days()).ok()?;
    let seconds = days * 86_400 + number(11..13, 23)? * 3600 + number(14..16, 59)? * 60 + number(17..19, 59)?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

fn show_time(time: SystemTime) -> String {
    format_time(time).unwrap_or_else(|| "a time outside 1970-9999".to_owned())
}

fn show_duration(duration: Duration) -> String {
    let minutes = duration.as_secs() / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) if duration.as_secs() < 60 => format!("{} s", duration.as_secs()),
        (0, 0) => format!("{minutes} min"),
        (0, hours) => format!("{hours} h {minutes} min"),
        (days, hours) => format!("{days} d {hours} h"),
    }
}

#[cfg(test)]
mod tests;
