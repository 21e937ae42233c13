//! Reading a PKI folder back (the Document Signer a passport is signed with, certificates) and writing its files.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use der::{Decode as _, DecodePem as _};
use p256::ecdsa::SigningKey;
use p256::pkcs8::DecodePrivateKey as _;
use x509_cert::Certificate;
use x509_cert::spki::SubjectPublicKeyInfo;

use super::{DSC_KEY, DSC_PEM, DocumentSigner, Signer};
use crate::error::Error;

impl DocumentSigner {
    /// Loads the Document Signer certificate and key from a folder written by `pki init` (the top folder, or one of
    /// its signer folders: see [`Signer::dir`]).
    ///
    /// # Errors
    /// [`Error::PkiMissing`] when the folder or a file is missing, [`Error::PkiFile`] when a file does not parse, and
    /// [`Error::PkiMismatch`] when the key is not the certificate's.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let certificate = load_certificate(&dir.join(DSC_PEM))?;
        let key_path = dir.join(DSC_KEY);
        let key_pem = read_pki_file(&key_path)?;
        let secret = p256::SecretKey::from_pkcs8_pem(&key_pem)
            .map_err(|source| Error::PkiFile { path: key_path.clone(), source: PkiFileError::Key(source) })?;
        let key = SigningKey::from(&secret);
        let ours = SubjectPublicKeyInfo::from_key(key.verifying_key())
            .map_err(|source| Error::PkiFile { path: key_path.clone(), source: PkiFileError::Spki(source) })?;
        if &ours != certificate.tbs_certificate().subject_public_key_info() {
            return Err(Error::PkiMismatch { key: key_path });
        }
        Ok(Self { certificate, key })
    }

    /// Loads one of the Document Signers of a PKI folder written by `pki init`.
    ///
    /// # Errors
    /// As [`DocumentSigner::load`]; a folder made before the expired, revoked and untrusted signers existed lacks
    /// their files ([`Error::PkiMissing`]).
    pub fn load_signer(pki: &Path, signer: Signer) -> Result<Self, Error> {
        Self::load(&signer.dir(pki))
    }
}

/// Loads a certificate in PEM or DER from a PKI folder.
///
/// # Errors
/// [`Error::PkiMissing`] when the file is missing, [`Error::PkiFile`] when it is not a certificate.
pub fn load_certificate(path: &Path) -> Result<Certificate, Error> {
    let bytes = fs::read(path).map_err(|source| missing_or_io(path, source))?;
    let parsed =
        if bytes.starts_with(b"-----BEGIN") { Certificate::from_pem(&bytes) } else { Certificate::from_der(&bytes) };
    parsed.map_err(|source| Error::PkiFile { path: path.to_path_buf(), source: PkiFileError::Der(source) })
}

fn read_pki_file(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path).map_err(|source| missing_or_io(path, source))
}

fn missing_or_io(path: &Path, source: std::io::Error) -> Error {
    if source.kind() == std::io::ErrorKind::NotFound {
        Error::PkiMissing { path: path.to_path_buf() }
    } else {
        Error::Io { path: path.to_path_buf(), source }
    }
}

/// What was wrong with a file of the PKI folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiFileError {
    /// The certificate's DER or PEM does not parse.
    #[error("not a certificate: {0}")]
    Der(#[source] der::Error),
    /// The private key is not a PKCS#8 P-256 key.
    #[error("not a PKCS#8 P-256 private key: {0}")]
    Key(#[source] p256::pkcs8::Error),
    /// The key's public half does not encode.
    #[error("the public key does not encode: {0}")]
    Spki(#[source] x509_cert::spki::Error),
}

/// Writes `bytes` to `path`, replacing it; a `secret` file is created with mode 0600 and kept at 0600.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub(crate) fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), Error> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if secret {
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    if secret {
        // A file that existed before keeps its mode through open(); a key must not stay readable by others.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    file.write_all(bytes).map_err(io)?;
    Ok(())
}
