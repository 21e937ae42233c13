//! The simulator's test PKI (ICAO 9303-12): a Country Signing CA, the Document Signer certificates it issued and the
//! CRL it signed, and a second CSCA that no gate trusts, all ECDSA on P-256 with SHA-256 so that the SODs they sign
//! stay small.
//!
//! `gate-sim pki init DIR` writes:
//!
//! ```text
//! DIR/csca.pem csca.der csca.key      the CSCA, valid from 4 years back to 15 years ahead
//! DIR/dsc.pem dsc.der dsc.key         a Document Signer the CSCA issued, valid from yesterday for 10 years
//! DIR/crl.der                         the CSCA's CRL, listing the revoked Document Signer
//! DIR/expired/dsc.pem dsc.der dsc.key a Document Signer of the CSCA valid from 3 years back for 1 year: expired
//! DIR/revoked/dsc.pem dsc.der dsc.key a Document Signer of the CSCA, valid, but on crl.der
//! DIR/untrusted/csca.* dsc.* crl.der  a second CSCA ("Autogate Untrusted CSCA") with its own Document Signer and
//!                                     empty CRL, for documents of a state the gate does not trust
//! ```
//!
//! Every Document Signer folder holds the same three names, so that `gate-sim passport make --signer NAME` and
//! [`DocumentSigner::load`] take any of them. The CSCA predates every certificate it issued, the expired one
//! included, so that each chain nests in time and only the certificate meant to fail does.
//!
//! The profiles follow 9303-12 §7.1 (Table 6 and Table 7) where it is cheap to: every certificate carries authority
//! and subject key identifiers and a private key usage period; a CSCA is a CA (basicConstraints, critical) limited
//! to keyCertSign and cRLSign; a DSC is limited to digitalSignature and names the document types it may sign
//! (9303-12 §7.1.1.3, documentTypeList). The country is "UT", which ICAO 9303 uses for its fictitious Utopia, so that
//! no certificate made here is mistaken for a real state's.

mod command;
mod load;
mod profile;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::{Duration, SystemTime};

use der::asn1::GeneralizedTime;
use der::pem::LineEnding;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate as _;
use p256::pkcs8::EncodePrivateKey as _;
use serde::Deserialize;
use x509_cert::builder::{Builder as _, CertificateBuilder, CrlBuilder};
use x509_cert::crl::RevokedCert;
use x509_cert::ext::pkix::{CrlNumber, PrivateKeyUsagePeriod};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfo;
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, crl::CertificateList};
use zeroize::Zeroizing;

pub use command::init_command;
pub(crate) use load::write_file;
pub use load::{PkiFileError, load_certificate};
use profile::{IcaoProfile, Role};

use crate::error::Error;

/// The CSCA certificate, PEM.
pub const CSCA_PEM: &str = "csca.pem";
/// The CSCA certificate, DER.
pub const CSCA_DER: &str = "csca.der";
/// The CSCA private key, PKCS#8 PEM.
pub const CSCA_KEY: &str = "csca.key";
/// The Document Signer certificate, PEM.
pub const DSC_PEM: &str = "dsc.pem";
/// The Document Signer certificate, DER.
pub const DSC_DER: &str = "dsc.der";
/// The Document Signer private key, PKCS#8 PEM.
pub const DSC_KEY: &str = "dsc.key";
/// The CSCA's CRL, DER.
pub const CRL_DER: &str = "crl.der";

/// Every file `pki init` writes at the top of its folder, in the order it writes them.
pub const FILES: [&str; 7] = [CSCA_PEM, CSCA_DER, CSCA_KEY, DSC_PEM, DSC_DER, DSC_KEY, CRL_DER];

/// The folder of the expired Document Signer.
pub const EXPIRED_DIR: &str = "expired";
/// The folder of the revoked Document Signer.
pub const REVOKED_DIR: &str = "revoked";
/// The folder of the untrusted CSCA and its Document Signer.
pub const UNTRUSTED_DIR: &str = "untrusted";

const DAY: Duration = Duration::from_secs(24 * 60 * 60);
const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60 + 6 * 60 * 60);
/// A CSCA key is used for 3-5 years and its certificate outlives the last passport it signed (9303-12 §5.1); 15
/// years ahead keeps the test root valid for the whole life of the passports made with it.
const CSCA_VALIDITY: Duration = Duration::from_secs(15 * YEAR.as_secs());
/// The CSCA starts 4 years back, before the expired Document Signer it issued 3 years ago.
const CSCA_BACKDATE: Duration = Duration::from_secs(4 * YEAR.as_secs());
/// The CSCA signs with its key until 5 years ahead (privateKeyUsagePeriod).
const CSCA_KEY_USAGE: Duration = Duration::from_secs(5 * YEAR.as_secs());
/// A DSC must stay valid as long as the passports it signed (10 years for an Indonesian e-paspor); it starts one day
/// back so that a clock a little behind does not reject a fresh PKI.
const DSC_VALIDITY: Duration = Duration::from_secs(10 * YEAR.as_secs());
/// The expired DSC was issued 3 years ago ...
const EXPIRED_BACKDATE: Duration = Duration::from_secs(3 * YEAR.as_secs());
/// ... for one year.
const EXPIRED_VALIDITY: Duration = YEAR;
/// CSCAs issue a CRL at least every 90 days (9303-12 §7.1.4).
const CRL_NEXT_UPDATE: Duration = Duration::from_secs(90 * 24 * 60 * 60);

const CSCA_NAME: &str = "CN=Autogate Test CSCA,O=Autogate Test PKI,C=UT";
const DSC_NAME: &str = "CN=Autogate Test Document Signer 1,OU=Document Signers,O=Autogate Test PKI,C=UT";
const EXPIRED_NAME: &str = "CN=Autogate Test Document Signer Expired,OU=Document Signers,O=Autogate Test PKI,C=UT";
const REVOKED_NAME: &str = "CN=Autogate Test Document Signer Revoked,OU=Document Signers,O=Autogate Test PKI,C=UT";
const UNTRUSTED_CSCA_NAME: &str = "CN=Autogate Untrusted CSCA,O=Autogate Untrusted Test PKI,C=UT";
const UNTRUSTED_DSC_NAME: &str =
    "CN=Autogate Untrusted Document Signer,OU=Document Signers,O=Autogate Untrusted Test PKI,C=UT";

/// Which Document Signer of the test PKI signs a passport (`passport make --signer`, the profile's `signer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signer {
    /// `dsc.pem`: valid, trusted.
    #[default]
    Valid,
    /// `expired/dsc.pem`: its validity ended before the passport was signed.
    Expired,
    /// `revoked/dsc.pem`: listed on the CSCA's `crl.der`.
    Revoked,
    /// `untrusted/dsc.pem`: issued by a CSCA the gate does not trust.
    Untrusted,
}

impl Signer {
    /// Every signer, in the order the help lists them.
    pub const ALL: [Signer; 4] = [Signer::Valid, Signer::Expired, Signer::Revoked, Signer::Untrusted];

    /// The name as the command line and profiles spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Signer::Valid => "valid",
            Signer::Expired => "expired",
            Signer::Revoked => "revoked",
            Signer::Untrusted => "untrusted",
        }
    }

    /// Parses the name as the command line spells it.
    pub fn from_name(name: &str) -> Option<Signer> {
        Signer::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The folder of a PKI written by `pki init` that holds this signer's `dsc.pem` and `dsc.key`.
    pub fn dir(self, pki: &Path) -> PathBuf {
        match self {
            Signer::Valid => pki.to_path_buf(),
            Signer::Expired => pki.join(EXPIRED_DIR),
            Signer::Revoked => pki.join(REVOKED_DIR),
            Signer::Untrusted => pki.join(UNTRUSTED_DIR),
        }
    }
}

/// A certificate with its private key.
pub struct Issued {
    /// The certificate.
    pub certificate: Certificate,
    key: p256::SecretKey,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key stays out of debug output.
        f.debug_struct("Issued")
            .field("subject", &self.certificate.tbs_certificate().subject().to_string())
            .finish_non_exhaustive()
    }
}

/// The second CSCA, which no gate trusts, with its own Document Signer and (empty) CRL.
pub struct Untrusted {
    /// Its self-signed certificate.
    pub csca: Certificate,
    csca_key: p256::SecretKey,
    /// Its Document Signer.
    pub dsc: Issued,
    /// Its empty CRL.
    pub crl: CertificateList,
}

impl std::fmt::Debug for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Untrusted")
            .field("csca", &self.csca.tbs_certificate().subject().to_string())
            .field("dsc", &self.dsc)
            .finish_non_exhaustive()
    }
}

/// The test PKI as it lives in memory.
pub struct Pki {
    /// The self-signed CSCA certificate.
    pub csca: Certificate,
    csca_key: p256::SecretKey,
    /// The Document Signer certificate, issued by the CSCA.
    pub dsc: Certificate,
    dsc_key: p256::SecretKey,
    /// The CSCA's CRL, listing [`Pki::revoked`].
    pub crl: CertificateList,
    /// A Document Signer of the CSCA that has expired.
    pub expired: Issued,
    /// A Document Signer of the CSCA that the CRL revokes.
    pub revoked: Issued,
    /// The second, untrusted CSCA and its Document Signer.
    pub untrusted: Untrusted,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private keys stay out of debug output.
        f.debug_struct("Pki")
            .field("csca", &self.csca.tbs_certificate().subject().to_string())
            .field("dsc", &self.dsc.tbs_certificate().subject().to_string())
            .field("expired", &self.expired)
            .field("revoked", &self.revoked)
            .field("untrusted", &self.untrusted)
            .finish_non_exhaustive()
    }
}

/// What a passport needs from the PKI: the Document Signer's certificate and key.
pub struct DocumentSigner {
    /// The DSC, placed in the SOD's `certificates`.
    pub certificate: Certificate,
    /// The key the SOD is signed with.
    pub key: SigningKey,
}

impl std::fmt::Debug for DocumentSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSigner")
            .field("certificate", &self.certificate.tbs_certificate().subject().to_string())
            .finish_non_exhaustive()
    }
}

fn new_key() -> Result<p256::SecretKey, Error> {
    p256::SecretKey::try_generate().map_err(Error::Random)
}

/// A self-signed CSCA certificate named `subject`, valid from `from` to `until`, signing with its key until
/// `key_until`, and its key.
fn make_csca(
    subject: &str,
    from: SystemTime,
    until: SystemTime,
    key_until: SystemTime,
) -> Result<(Certificate, p256::SecretKey), Error> {
    let what = "CSCA certificate";
    let key = new_key()?;
    let subject = name(subject)?;
    let profile = IcaoProfile {
        role: Role::Csca,
        subject: subject.clone(),
        issuer: subject,
        key_usage_period: key_usage_period(from, key_until)?,
    };
    let validity = Validity::new(time(from)?, time(until)?);
    let certificate = CertificateBuilder::new(profile, serial()?, validity, spki(&key)?)
        .map_err(|source| Error::Certificate { what, source })?
        .build::<_, DerSignature>(&SigningKey::from(&key))
        .map_err(|source| Error::Certificate { what, source })?;
    Ok((certificate, key))
}

/// A Document Signer certificate named `subject`, issued by `csca`, valid for `length` from `from`.
fn make_dsc(
    csca: &Certificate,
    csca_key: &p256::SecretKey,
    subject: &str,
    from: SystemTime,
    length: Duration,
) -> Result<Issued, Error> {
    let what = "Document Signer certificate";
    let key = new_key()?;
    let until = from + length;
    let profile = IcaoProfile {
        role: Role::DocumentSigner,
        subject: name(subject)?,
        issuer: csca.tbs_certificate().subject().clone(),
        // A real DSC signs for about 3 months (9303-12 §5.1); the simulator's signs passports whenever a test makes
        // one, so its key may be used for the certificate's whole life, and a strict verifier finds no signature
        // outside the period.
        key_usage_period: key_usage_period(from, until)?,
    };
    let validity = Validity::new(time(from)?, time(until)?);
    let certificate = CertificateBuilder::new(profile, serial()?, validity, spki(&key)?)
        .map_err(|source| Error::Certificate { what, source })?
        .build::<_, DerSignature>(&SigningKey::from(csca_key))
        .map_err(|source| Error::Certificate { what, source })?;
    Ok(Issued { certificate, key })
}

/// The CRL of `csca` issued `now`, revoking `revoked` as of `now`.
fn make_crl(
    csca: &Certificate,
    csca_key: &p256::SecretKey,
    now: SystemTime,
    revoked: &[&Certificate],
) -> Result<CertificateList, Error> {
    let crl_number = CrlNumber::try_from(1u128).map_err(|source| Error::Der { what: "CRL number", source })?;
    let entries = revoked
        .iter()
        .map(|c| {
            Ok(RevokedCert {
                serial_number: c.tbs_certificate().serial_number().clone(),
                revocation_date: time(now)?,
                crl_entry_extensions: None,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    CrlBuilder::new_with_this_update(csca, crl_number, time(now)?)
        .map_err(|source| Error::Der { what: "CRL", source })?
        .with_next_update(Some(time(now + CRL_NEXT_UPDATE)?))
        .with_certificates(entries.into_iter())
        .build::<_, DerSignature>(&SigningKey::from(csca_key))
        .map_err(|source| Error::Certificate { what: "CRL", source })
}

/// One file of the PKI folder: its path relative to the folder, its bytes, and whether it is a private key.
type PkiFile = (String, Zeroizing<Vec<u8>>, bool);

fn key_pem(key: &p256::SecretKey) -> Result<Zeroizing<Vec<u8>>, Error> {
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|source| Error::KeyEncoding { source })?;
    Ok(Zeroizing::new(pem.as_bytes().to_vec()))
}

/// The files of one authority or signer folder, `prefix` being the folder's name (empty for the top).
fn authority_files(
    prefix: &str,
    csca: Option<(&Certificate, &p256::SecretKey)>,
    dsc: (&Certificate, &p256::SecretKey),
    crl: Option<&CertificateList>,
) -> Result<Vec<PkiFile>, Error> {
    let path = |file: &str| if prefix.is_empty() { file.to_owned() } else { format!("{prefix}/{file}") };
    let mut out = Vec::new();
    if let Some((cert, key)) = csca {
        out.push((path(CSCA_PEM), Zeroizing::new(pem(cert, "CSCA certificate")?.into_bytes()), false));
        out.push((path(CSCA_DER), Zeroizing::new(der(cert, "CSCA certificate")?), false));
        out.push((path(CSCA_KEY), key_pem(key)?, true));
    }
    let (cert, key) = dsc;
    out.push((path(DSC_PEM), Zeroizing::new(pem(cert, "Document Signer certificate")?.into_bytes()), false));
    out.push((path(DSC_DER), Zeroizing::new(der(cert, "Document Signer certificate")?), false));
    out.push((path(DSC_KEY), key_pem(key)?, true));
    if let Some(crl) = crl {
        out.push((path(CRL_DER), Zeroizing::new(der(crl, "CRL")?), false));
    }
    Ok(out)
}

impl Pki {
    /// Makes the whole test PKI with fresh keys, as of `now`: the CSCA, its valid, expired and revoked Document
    /// Signers, its CRL revoking the last, and the untrusted CSCA with its Document Signer and empty CRL.
    ///
    /// # Errors
    /// [`Error::Random`] when the system has no randomness, [`Error::Certificate`] when a structure does not encode.
    pub fn generate(now: SystemTime) -> Result<Self, Error> {
        let csca_from = now.checked_sub(CSCA_BACKDATE).unwrap_or(now);
        let csca_until = now + CSCA_VALIDITY;
        let key_until = now + CSCA_KEY_USAGE;
        let (csca, csca_key) = make_csca(CSCA_NAME, csca_from, csca_until, key_until)?;
        let dsc_from = now.checked_sub(DAY).unwrap_or(now);
        let dsc = make_dsc(&csca, &csca_key, DSC_NAME, dsc_from, DSC_VALIDITY)?;
        let expired_from = now.checked_sub(EXPIRED_BACKDATE).unwrap_or(now);
        let expired = make_dsc(&csca, &csca_key, EXPIRED_NAME, expired_from, EXPIRED_VALIDITY)?;
        let revoked = make_dsc(&csca, &csca_key, REVOKED_NAME, dsc_from, DSC_VALIDITY)?;
        let crl = make_crl(&csca, &csca_key, now, &[&revoked.certificate])?;

        let (other, other_key) = make_csca(UNTRUSTED_CSCA_NAME, csca_from, csca_until, key_until)?;
        let other_dsc = make_dsc(&other, &other_key, UNTRUSTED_DSC_NAME, dsc_from, DSC_VALIDITY)?;
        let other_crl = make_crl(&other, &other_key, now, &[])?;
        let untrusted = Untrusted { csca: other, csca_key: other_key, dsc: other_dsc, crl: other_crl };
        Ok(Self { csca, csca_key, dsc: dsc.certificate, dsc_key: dsc.key, crl, expired, revoked, untrusted })
    }

    /// Every file of the folder, the top's [`FILES`] first in their order.
    fn files(&self) -> Result<Vec<PkiFile>, Error> {
        let mut out =
            authority_files("", Some((&self.csca, &self.csca_key)), (&self.dsc, &self.dsc_key), Some(&self.crl))?;
        out.extend(authority_files(EXPIRED_DIR, None, (&self.expired.certificate, &self.expired.key), None)?);
        out.extend(authority_files(REVOKED_DIR, None, (&self.revoked.certificate, &self.revoked.key), None)?);
        let u = &self.untrusted;
        out.extend(authority_files(
            UNTRUSTED_DIR,
            Some((&u.csca, &u.csca_key)),
            (&u.dsc.certificate, &u.dsc.key),
            Some(&u.crl),
        )?);
        Ok(out)
    }

    /// Writes the PKI's files into `dir` (created if missing, with its subfolders) and returns their paths, the top
    /// folder's seven first in the order of [`FILES`]. Private keys get mode 0600.
    ///
    /// # Errors
    /// [`Error::PkiExists`] when `dir` already holds one of the files and `force` is false; [`Error::Io`] when a file
    /// cannot be written.
    pub fn write(&self, dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
        let files = self.files()?;
        if !force && let Some(existing) = files.iter().map(|(f, _, _)| dir.join(f)).find(|p| p.exists()) {
            return Err(Error::PkiExists { path: existing });
        }
        for sub in ["", EXPIRED_DIR, REVOKED_DIR, UNTRUSTED_DIR] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(|source| Error::Io { path, source })?;
        }
        let mut written = Vec::with_capacity(files.len());
        for (file, bytes, secret) in files {
            let path = dir.join(file);
            write_file(&path, &bytes, secret)?;
            written.push(path);
        }
        Ok(written)
    }
}

fn name(s: &str) -> Result<Name, Error> {
    Name::from_str(s).map_err(|source| Error::Der { what: "distinguished name", source })
}

fn spki(key: &p256::SecretKey) -> Result<SubjectPublicKeyInfo<der::Any, der::asn1::BitString>, Error> {
    SubjectPublicKeyInfo::from_key(&key.public_key())
        .map_err(|source| Error::Certificate { what: "public key", source: source.into() })
}

fn time(t: SystemTime) -> Result<Time, Error> {
    Time::try_from(t).map_err(|source| Error::Der { what: "validity time", source })
}

fn key_usage_period(from: SystemTime, until: SystemTime) -> Result<PrivateKeyUsagePeriod, Error> {
    let g = |t| GeneralizedTime::from_system_time(t).map_err(|source| Error::Der { what: "key usage period", source });
    Ok(PrivateKeyUsagePeriod { not_before: Some(g(from)?), not_after: Some(g(until)?) })
}

/// A positive random 64-bit serial number (RFC 5280 §4.1.2.2 asks for unique, positive, at most 20 bytes).
fn serial() -> Result<SerialNumber, Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(Error::Random)?;
    bytes[0] = (bytes[0] & 0x7F) | 0x40;
    SerialNumber::new(&bytes).map_err(|source| Error::Der { what: "serial number", source })
}

fn der<T: der::Encode>(value: &T, what: &'static str) -> Result<Vec<u8>, Error> {
    value.to_der().map_err(|source| Error::Der { what, source })
}

fn pem<T: der::EncodePem>(value: &T, what: &'static str) -> Result<String, Error> {
    value.to_pem(LineEnding::LF).map_err(|source| Error::Der { what, source })
}

/// `YYYY-MM-DD` of a certificate time.
pub(crate) fn iso_date(t: &Time) -> String {
    let d = t.to_date_time();
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// True when `cert` names itself as its issuer, as a CSCA root does.
pub fn is_self_issued(cert: &Certificate) -> bool {
    cert.tbs_certificate().subject() == cert.tbs_certificate().issuer()
}
