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
//! # Reading from a file
//! [`open_file`] makes the same checks, in the same order, on a bundle it reads from a file instead of holding it
//! whole: the first two lines, then a first pass over the payload that hashes it (and checks that it is UTF-8 text)
//! before any line is parsed. [`OpenBundle::payload`] then parses one line at a time as its reader asks for them and,
//! after the last line, hashes the payload again (the file may have changed since the first pass) and compares the
//! count; a caller keeps nothing of it before that. Memory stays that of one line and of the entry ids seen (to
//! refuse repeats), whatever the size of the list: `watchlist import` reads bundles this way.
//!
//! [`check_sequence`] refuses lists that would roll the gate back or skip a delta, and [`freshness`] tells whether
//! the list in force is too old to screen with (the gate then refers every traveller).

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ed25519_dalek::{Signature, Signer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use super::record::{self, Date, DeltaOp, Record, RecordError};

mod freshness;
mod keys;
mod stream;

pub use freshness::{Freshness, freshness, is_stale};
pub use keys::{KeyProblem, keygen, load_public_key, load_signing_key, parse_public_key, parse_signing_key};
pub use stream::{Lines, OpenBundle, PayloadLines, Source};

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

/// Checks a bundle held in memory against the list authority's public key and parses its payload; `now` is the
/// gate's clock. Version order is not checked here: see [`check_sequence`].
///
/// # Errors
/// Every [`BundleError`] listed in the module documentation, in that order.
pub fn verify(bundle: &[u8], public_key: &VerifyingKey, now: SystemTime) -> Result<VerifiedBundle, BundleError> {
    read_whole(open(Cursor::new(bundle), Path::new("the bundle"), public_key, now)?)
}

/// Every record or operation of an open bundle, parsed and checked.
fn read_whole<R: BufRead>(bundle: OpenBundle<R>) -> Result<VerifiedBundle, BundleError> {
    let payload = match bundle.payload {
        PayloadLines::Full(records) => Payload::Full(records.collect::<Result<_, _>>()?),
        PayloadLines::Delta(ops) => Payload::Delta(ops.collect::<Result<_, _>>()?),
    };
    Ok(VerifiedBundle { manifest: bundle.manifest, payload })
}

/// Checks the bundle in the file at `path` as [`verify`] does, up to the payload's lines: the signature, the
/// manifest, the payload's hash and text, and the creation time. The lines are parsed and checked as
/// [`OpenBundle::payload`] is read, one at a time, so that a regular file is never held whole (a pipe, which cannot
/// be read twice, is read into memory first).
///
/// # Errors
/// [`BundleError::Io`], and the [`BundleError`]s of the module documentation up to [`BundleError::CreatedInFuture`]
/// and a payload that is not UTF-8 text, in that order.
pub fn open_file(path: &Path, public_key: &VerifyingKey, now: SystemTime) -> Result<OpenBundle<Source>, BundleError> {
    let io = |source| BundleError::Io { path: path.to_owned(), source };
    let mut file = File::open(path).map_err(io)?;
    let source = if file.metadata().map_err(io)?.is_file() {
        Source::File(BufReader::with_capacity(READ_BUFFER_BYTES, file))
    } else {
        let limit = u64::try_from(MAX_BUNDLE_BYTES).unwrap_or(u64::MAX);
        let mut bytes = Vec::new();
        Read::take(&mut file, limit + 1).read_to_end(&mut bytes).map_err(io)?;
        if bytes.len() > MAX_BUNDLE_BYTES {
            let rest = std::io::copy(&mut file, &mut std::io::sink()).map_err(io)?;
            let length = bytes.len().saturating_add(usize::try_from(rest).unwrap_or(usize::MAX));
            return Err(BundleError::TooLarge { length, limit: MAX_BUNDLE_BYTES });
        }
        Source::Memory(Cursor::new(bytes))
    };
    open(source, path, public_key, now)
}

/// How much of the file is read at once.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// The checks of [`verify`] up to the payload's lines, on a bundle read from `reader` (named `path` in errors).
fn open<R: BufRead + Seek>(
    mut reader: R,
    path: &Path,
    public_key: &VerifyingKey,
    now: SystemTime,
) -> Result<OpenBundle<R>, BundleError> {
    let io = |source| BundleError::Io { path: path.to_owned(), source };
    let too_large = |length: u64| BundleError::TooLarge {
        length: usize::try_from(length).unwrap_or(usize::MAX),
        limit: MAX_BUNDLE_BYTES,
    };
    let limit = u64::try_from(MAX_BUNDLE_BYTES).unwrap_or(u64::MAX);
    let length = reader.seek(SeekFrom::End(0)).map_err(io)?;
    if length > limit {
        return Err(too_large(length));
    }
    reader.rewind().map_err(io)?;
    let mut manifest_line = Vec::new();
    let ended = stream::read_line(&mut reader, record::MAX_LINE_BYTES, &mut manifest_line).map_err(io)?;
    recognise(&manifest_line)?;
    if manifest_line.ends_with(b"\r") {
        return Err(BundleError::LineEndingsChanged);
    }
    if !ended {
        return Err(BundleError::Unsigned);
    }
    // Long enough for the prefix, 128 digits and one more: a longer line is as wrong as that.
    let mut signature_line = Vec::new();
    let max = SIGNATURE_PREFIX.len() + 129;
    let signature_ended = stream::read_line(&mut reader, max, &mut signature_line).map_err(io)?;
    let signature_hex = signature_line.strip_prefix(SIGNATURE_PREFIX).ok_or(BundleError::Unsigned)?;
    let mut signature = [0u8; 64];
    hex::decode_to_slice(signature_hex, &mut signature).map_err(|_| BundleError::SignatureEncoding)?;
    public_key
        .verify_strict(&manifest_line, &Signature::from_bytes(&signature))
        .map_err(|_| BundleError::BadSignature)?;

    let manifest = parse_manifest(&manifest_line)?;
    let header = u64::try_from(manifest_line.len() + 1 + signature_line.len() + usize::from(signature_ended))
        .unwrap_or(u64::MAX);
    let scan = stream::scan(&mut reader, (limit + 1).saturating_sub(header)).map_err(io)?;
    if header + scan.length > limit {
        return Err(too_large(header + scan.length));
    }
    if scan.sha256 != manifest.sha256 {
        return Err(BundleError::PayloadMismatch);
    }
    if now.checked_add(MAX_CLOCK_SKEW).is_some_and(|latest| manifest.created > latest) {
        return Err(BundleError::CreatedInFuture { created: manifest.created, now });
    }
    if let Some(line) = scan.not_utf8 {
        return Err(RecordError { line, reason: record::Problem::NotUtf8 }.into());
    }
    reader.seek(SeekFrom::Start(header)).map_err(io)?;
    Ok(OpenBundle::new(manifest, reader, scan.length, path))
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
