//! The list authority's key files: `authority.key` (the Ed25519 secret seed of RFC 8032 section 5.1.5, 64
//! hexadecimal digits and LF, mode 0600) and `authority.pub` (the 32-byte public key the same way), made by
//! [`keygen`] and read by the signer and the gates.

use std::fs;
use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use super::{BundleError, PUBLIC_KEY_FILE, SIGNING_KEY_FILE, SigningKey, VerifyingKey};

const MAX_KEY_FILE_BYTES: u64 = 1024;

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
