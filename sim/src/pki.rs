//! The simulator's test PKI (ICAO 9303-12): a Country Signing CA, one Document Signer certificate it issued, and an
//! empty CRL it signed, all ECDSA on P-256 with SHA-256 so that the SODs they sign stay small.
//!
//! The profiles follow 9303-12 §7.1 (Table 6 and Table 7) where it is cheap to: both certificates carry authority and
//! subject key identifiers and a private key usage period; the CSCA is a CA (basicConstraints, critical) limited to
//! keyCertSign and cRLSign; the DSC is limited to digitalSignature and names the document types it may sign
//! (9303-12 §7.1.1.3, documentTypeList). The country is "UT", which ICAO 9303 uses for its fictitious Utopia, so that no
//! certificate made here is mistaken for a real state's.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr as _;
use std::time::{Duration, SystemTime};

use der::asn1::{GeneralizedTime, OctetString, PrintableString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::pem::LineEnding;
use der::{Decode as _, DecodePem as _, Encode as _, Sequence};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate as _;
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use sha2::Digest as _;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder, CrlBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlNumber, KeyUsage, KeyUsages, PrivateKeyUsagePeriod,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, crl::CertificateList};

use crate::cli;
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

/// Every file `pki init` writes, in the order it writes them.
pub const FILES: [&str; 7] = [CSCA_PEM, CSCA_DER, CSCA_KEY, DSC_PEM, DSC_DER, DSC_KEY, CRL_DER];

const DAY: Duration = Duration::from_secs(24 * 60 * 60);
const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60 + 6 * 60 * 60);
/// A CSCA key is used for 3-5 years and its certificate outlives the last passport it signed (9303-12 §5.1); 15
/// years keeps the test root valid for the whole life of the passports made with it.
const CSCA_VALIDITY: Duration = Duration::from_secs(15 * YEAR.as_secs());
/// The CSCA signs with its key for the first 5 years (privateKeyUsagePeriod).
const CSCA_KEY_USAGE: Duration = Duration::from_secs(5 * YEAR.as_secs());
/// A DSC must stay valid as long as the passports it signed (10 years for an Indonesian e-paspor); it starts one day
/// back so that a clock a little behind does not reject a fresh PKI.
const DSC_VALIDITY: Duration = Duration::from_secs(10 * YEAR.as_secs());
/// A real DSC signs for about 3 months (9303-12 §5.1); the simulator's signs passports whenever a test makes one, so
/// its key may be used for the certificate's whole life, and a strict verifier finds no signature outside the period.
const DSC_KEY_USAGE: Duration = DSC_VALIDITY;
/// CSCAs issue a CRL at least every 90 days (9303-12 §7.1.4).
const CRL_NEXT_UPDATE: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// id-icao-mrtd-security-extensions-documentTypeList, 2.23.136.1.1.6.2 (9303-12 §7.1.1.3).
const ID_DOCUMENT_TYPE_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.6.2");

/// The document types the test DSC may sign: every passport (`P`), identity card (`I`, `A`, `C`) the profiles make.
const DOCUMENT_TYPES: [&str; 4] = ["P", "I", "A", "C"];

/// The test PKI as it lives in memory.
pub struct Pki {
    /// The self-signed CSCA certificate.
    pub csca: Certificate,
    csca_key: p256::SecretKey,
    /// The Document Signer certificate, issued by the CSCA.
    pub dsc: Certificate,
    dsc_key: p256::SecretKey,
    /// The CSCA's empty CRL.
    pub crl: CertificateList,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private keys stay out of debug output.
        f.debug_struct("Pki")
            .field("csca", &self.csca.tbs_certificate().subject().to_string())
            .field("dsc", &self.dsc.tbs_certificate().subject().to_string())
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

/// DocumentTypeListSyntax ::= SEQUENCE { version DocumentTypeListVersion, docTypeList SET OF DocumentType }
/// (9303-12 §7.1.1.3); DocumentType ::= PrintableString(SIZE(1..2)).
#[derive(Clone, Debug, Sequence)]
struct DocumentTypeList {
    version: u8,
    doc_type_list: SetOfVec<PrintableString>,
}

/// Which of the two certificates a profile makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Csca,
    DocumentSigner,
}

/// The 9303-12 certificate profile for the builder: subject, issuer and the extensions of Table 6.
struct IcaoProfile {
    role: Role,
    subject: Name,
    issuer: Name,
    key_usage_period: PrivateKeyUsagePeriod,
}

impl BuilderProfile for IcaoProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki_source = SubjectKeyIdentifier::try_from(issuer_spk)?;
        let aki = AuthorityKeyIdentifier { key_identifier: Some(aki_source.0), ..Default::default() };
        extensions.push(aki.to_extension(tbs.subject(), &extensions)?);
        extensions.push(ski.to_extension(tbs.subject(), &extensions)?);
        let usages = match self.role {
            Role::Csca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Role::DocumentSigner => KeyUsages::DigitalSignature.into(),
        };
        extensions.push(KeyUsage(usages).to_extension(tbs.subject(), &extensions)?);
        extensions.push(self.key_usage_period.to_extension(tbs.subject(), &extensions)?);
        match self.role {
            Role::Csca => {
                // pathLenConstraint 0: the CSCA issues Document Signers and link certificates, never another CA
                // below it (9303-12 Table 6).
                let bc = BasicConstraints { ca: true, path_len_constraint: Some(0) };
                let mut ext = bc.to_extension(tbs.subject(), &extensions)?;
                ext.critical = true;
                extensions.push(ext);
            }
            Role::DocumentSigner => {
                let mut list = SetOfVec::new();
                for t in DOCUMENT_TYPES {
                    list.insert(PrintableString::new(t)?)?;
                }
                let value = DocumentTypeList { version: 0, doc_type_list: list }.to_der()?;
                extensions.push(Extension {
                    extn_id: ID_DOCUMENT_TYPE_LIST,
                    critical: false,
                    extn_value: OctetString::new(value)?,
                });
            }
        }
        Ok(extensions)
    }
}

impl Pki {
    /// Makes a new CSCA, a DSC issued by it and an empty CRL, with fresh keys, valid from `now`.
    ///
    /// # Errors
    /// [`Error::Random`] when the system has no randomness, [`Error::Certificate`] when a structure does not encode.
    pub fn generate(now: SystemTime) -> Result<Self, Error> {
        let csca_key = p256::SecretKey::try_generate().map_err(Error::Random)?;
        let dsc_key = p256::SecretKey::try_generate().map_err(Error::Random)?;
        let csca_signer = SigningKey::from(&csca_key);

        let csca_name = name("CN=Autogate Test CSCA,O=Autogate Test PKI,C=UT")?;
        let dsc_name = name("CN=Autogate Test Document Signer 1,OU=Document Signers,O=Autogate Test PKI,C=UT")?;

        let csca_profile = IcaoProfile {
            role: Role::Csca,
            subject: csca_name.clone(),
            issuer: csca_name.clone(),
            key_usage_period: key_usage_period(now, CSCA_KEY_USAGE)?,
        };
        let csca_spki = spki(&csca_key)?;
        let validity = Validity::new(time(now)?, time(now + CSCA_VALIDITY)?);
        let csca = CertificateBuilder::new(csca_profile, serial()?, validity, csca_spki)
            .map_err(|source| Error::Certificate { what: "CSCA certificate", source })?
            .build::<_, DerSignature>(&csca_signer)
            .map_err(|source| Error::Certificate { what: "CSCA certificate", source })?;

        let dsc_from = now.checked_sub(DAY).unwrap_or(now);
        let dsc_profile = IcaoProfile {
            role: Role::DocumentSigner,
            subject: dsc_name,
            issuer: csca_name,
            key_usage_period: key_usage_period(dsc_from, DSC_KEY_USAGE)?,
        };
        let validity = Validity::new(time(dsc_from)?, time(dsc_from + DSC_VALIDITY)?);
        let dsc = CertificateBuilder::new(dsc_profile, serial()?, validity, spki(&dsc_key)?)
            .map_err(|source| Error::Certificate { what: "Document Signer certificate", source })?
            .build::<_, DerSignature>(&csca_signer)
            .map_err(|source| Error::Certificate { what: "Document Signer certificate", source })?;

        let crl_number = CrlNumber::try_from(1u128).map_err(|source| Error::Der { what: "CRL number", source })?;
        let crl = CrlBuilder::new_with_this_update(&csca, crl_number, time(now)?)
            .map_err(|source| Error::Der { what: "CRL", source })?
            .with_next_update(Some(time(now + CRL_NEXT_UPDATE)?))
            .build::<_, DerSignature>(&csca_signer)
            .map_err(|source| Error::Certificate { what: "CRL", source })?;

        Ok(Self { csca, csca_key, dsc, dsc_key, crl })
    }

    /// Writes the PKI's files into `dir` (created if missing). Private keys get mode 0600.
    ///
    /// # Errors
    /// [`Error::PkiExists`] when `dir` already holds one of the files and `force` is false; [`Error::Io`] when a file
    /// cannot be written.
    pub fn write(&self, dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
        if !force && let Some(existing) = FILES.iter().map(|f| dir.join(f)).find(|p| p.exists()) {
            return Err(Error::PkiExists { path: existing });
        }
        fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let csca_der = der(&self.csca, "CSCA certificate")?;
        let dsc_der = der(&self.dsc, "Document Signer certificate")?;
        let crl_der = der(&self.crl, "CRL")?;
        let csca_key = self.csca_key.to_pkcs8_pem(LineEnding::LF).map_err(|source| Error::KeyEncoding { source })?;
        let dsc_key = self.dsc_key.to_pkcs8_pem(LineEnding::LF).map_err(|source| Error::KeyEncoding { source })?;
        let csca_pem = pem(&self.csca, "CSCA certificate")?;
        let dsc_pem = pem(&self.dsc, "Document Signer certificate")?;
        // The PEM of a key stays in its zeroizing buffer up to the write.
        let contents: [(&str, &[u8], bool); 7] = [
            (CSCA_PEM, csca_pem.as_bytes(), false),
            (CSCA_DER, &csca_der, false),
            (CSCA_KEY, csca_key.as_bytes(), true),
            (DSC_PEM, dsc_pem.as_bytes(), false),
            (DSC_DER, &dsc_der, false),
            (DSC_KEY, dsc_key.as_bytes(), true),
            (CRL_DER, &crl_der, false),
        ];
        let mut written = Vec::with_capacity(contents.len());
        for (file, bytes, secret) in contents {
            let path = dir.join(file);
            write_file(&path, bytes, secret)?;
            written.push(path);
        }
        Ok(written)
    }
}

impl DocumentSigner {
    /// Loads the Document Signer certificate and key from a folder written by `pki init`.
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

fn key_usage_period(from: SystemTime, length: Duration) -> Result<PrivateKeyUsagePeriod, Error> {
    let g = |t| GeneralizedTime::from_system_time(t).map_err(|source| Error::Der { what: "key usage period", source });
    Ok(PrivateKeyUsagePeriod { not_before: Some(g(from)?), not_after: Some(g(from + length)?) })
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

fn describe(cert: &Certificate) -> serde_json::Value {
    let tbs = cert.tbs_certificate();
    let fingerprint = cert.to_der().map(|d| hex_lower(&sha2::Sha256::digest(d))).unwrap_or_default();
    serde_json::json!({
        "subject": tbs.subject().to_string(),
        "issuer": tbs.issuer().to_string(),
        "serial": hex_lower(tbs.serial_number().as_bytes()),
        "not_before": iso_date(&tbs.validity().not_before),
        "not_after": iso_date(&tbs.validity().not_after),
        "sha256": fingerprint,
    })
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `gate-sim pki init DIR [--force] [--json]`: makes the test PKI in DIR and prints what it wrote.
pub fn init_command(dir: &Path, force: bool, json: bool) -> ExitCode {
    let result = Pki::generate(SystemTime::now()).and_then(|pki| pki.write(dir, force).map(|files| (pki, files)));
    match result {
        Ok((pki, files)) => {
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            let value = serde_json::json!({
                "dir": dir.display().to_string(),
                "files": names,
                "csca": describe(&pki.csca),
                "dsc": describe(&pki.dsc),
                "crl": {
                    "this_update": iso_date(&pki.crl.tbs_cert_list.this_update),
                    "next_update": pki.crl.tbs_cert_list.next_update.as_ref().map(iso_date),
                    "revoked": 0,
                },
                "signature_algorithm": "ecdsa-with-SHA256",
                "curve": "P-256",
            });
            let mut human = format!("test PKI written to {}:\n", dir.display());
            for (file, what) in FILES.iter().zip([
                "CSCA certificate (PEM)",
                "CSCA certificate (DER)",
                "CSCA private key (PKCS#8, mode 0600)",
                "Document Signer certificate (PEM)",
                "Document Signer certificate (DER)",
                "Document Signer private key (PKCS#8, mode 0600)",
                "empty CRL signed by the CSCA (DER)",
            ]) {
                human.push_str(&format!("  {file:<9} {what}\n"));
            }
            let tbs = pki.dsc.tbs_certificate();
            human.push_str(&format!(
                "CSCA {} valid to {}; DSC valid {} to {}; ECDSA P-256 with SHA-256",
                pki.csca.tbs_certificate().subject(),
                iso_date(&pki.csca.tbs_certificate().validity().not_after),
                iso_date(&tbs.validity().not_before),
                iso_date(&tbs.validity().not_after),
            ));
            cli::done(json, &value, &human)
        }
        Err(e @ Error::PkiExists { .. }) => {
            cli::fail(json, cli::BAD_INPUT, "pki_exists", &format!("{e}; pass --force to replace it"))
        }
        Err(e @ Error::Io { .. }) => cli::fail(json, cli::FAILED, "io", &e.to_string()),
        Err(e) => cli::fail(json, cli::FAILED, "pki_failed", &e.to_string()),
    }
}

/// True when `cert` names itself as its issuer, as a CSCA root does.
pub fn is_self_issued(cert: &Certificate) -> bool {
    cert.tbs_certificate().subject() == cert.tbs_certificate().issuer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier as _;
    use p256::ecdsa::{Signature, VerifyingKey};

    fn verify(issuer: &Certificate, tbs_der: &[u8], sig: &[u8]) {
        let spki = issuer.tbs_certificate().subject_public_key_info();
        let key = VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()).unwrap();
        let sig = Signature::from_der(sig).unwrap();
        key.verify(tbs_der, &sig).unwrap();
    }

    #[test]
    fn dsc_and_crl_chain_to_the_csca() {
        let pki = Pki::generate(SystemTime::now()).unwrap();
        assert!(is_self_issued(&pki.csca));
        assert_eq!(pki.dsc.tbs_certificate().issuer(), pki.csca.tbs_certificate().subject());
        verify(&pki.csca, &pki.csca.tbs_certificate().to_der().unwrap(), pki.csca.signature().raw_bytes());
        verify(&pki.csca, &pki.dsc.tbs_certificate().to_der().unwrap(), pki.dsc.signature().raw_bytes());
        verify(&pki.csca, &pki.crl.tbs_cert_list.to_der().unwrap(), pki.crl.signature.raw_bytes());

        let ku = pki.csca.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap();
        assert!(ku.0);
        assert!(ku.1.key_cert_sign() && ku.1.crl_sign() && !ku.1.digital_signature());
        let (_, bc) = pki.csca.tbs_certificate().get_extension::<BasicConstraints>().unwrap().unwrap();
        assert!(bc.ca);
        let (_, ku) = pki.dsc.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap();
        assert!(ku.digital_signature() && !ku.key_cert_sign());
        let (_, aki) = pki.dsc.tbs_certificate().get_extension::<AuthorityKeyIdentifier>().unwrap().unwrap();
        let (_, ski) = pki.csca.tbs_certificate().get_extension::<SubjectKeyIdentifier>().unwrap().unwrap();
        assert_eq!(aki.key_identifier, Some(ski.0));
        let doc_types = pki
            .dsc
            .tbs_certificate()
            .extensions()
            .unwrap()
            .iter()
            .find(|e| e.extn_id == ID_DOCUMENT_TYPE_LIST)
            .unwrap();
        let list = DocumentTypeList::from_der(doc_types.extn_value.as_bytes()).unwrap();
        assert_eq!(list.doc_type_list.len(), DOCUMENT_TYPES.len());
        assert_eq!(pki.csca.tbs_certificate().subject().country().unwrap().unwrap().as_str(), "UT");
    }

    #[test]
    fn writes_keys_private_and_refuses_to_overwrite() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("gate-sim-pki-unit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let pki = Pki::generate(SystemTime::now()).unwrap();
        let files = pki.write(&dir, false).unwrap();
        assert_eq!(files.len(), FILES.len());
        let mode = fs::metadata(dir.join(DSC_KEY)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(pki.write(&dir, false), Err(Error::PkiExists { .. })));
        pki.write(&dir, true).unwrap();
        let signer = DocumentSigner::load(&dir).unwrap();
        assert_eq!(signer.certificate, pki.dsc);
        assert_eq!(load_certificate(&dir.join(CSCA_DER)).unwrap(), pki.csca);
        let _ = fs::remove_dir_all(&dir);
        assert!(matches!(DocumentSigner::load(&dir), Err(Error::PkiMissing { .. })));
    }
}
