//! Passport chip images: from a profile (see ../shared/CLI.md) and the test PKI to the folder of files the chip
//! simulator serves, laid out as ICAO 9303-10 §4 and 9303-11 §9 describe a chip's content.
//!
//! ```text
//! OUT/EF.COM.bin          60: LDS 1.7, Unicode 4.0.0, the data groups present (9303-10 §4.6.1)
//! OUT/DG1.bin             61: the MRZ (§4.7.1)
//! OUT/DG2.bin             75: the portrait in an ISO/IEC 19794-5 (or 39794-5) container (§4.7.2)
//! OUT/DG14.bin            6E: Chip Authentication, Active Authentication and PACE infos (§4.7.14)
//! OUT/DG15.bin            6F: the Active Authentication public key (§4.7.15)
//! OUT/EF.SOD.bin          77: hashes of every data group, signed by the Document Signer (§4.6.2)
//! OUT/EF.CardAccess.bin   PACE parameters, when the chip offers PACE (9303-11 §9.2.1)
//! OUT/EF.CardSecurity.bin signed PACE-CAM infos, for pace-cam (9303-11 §9.2.3)
//! OUT/chip.toml           access control, printed MRZ, CAN, and where the chip's private keys are
//! OUT/keys/ca.pem         Chip Authentication private key (PKCS#8, mode 0600)
//! OUT/keys/aa.pem         Active Authentication private key (PKCS#8, mode 0600)
//! ```

pub mod j2k;
pub mod portrait;
pub mod profile;
pub mod security;
pub mod sod;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use der::Decode as _;
use mrtd::lds::FileId;
use mrtd::lds::com::Com;
use mrtd::lds::dg1::Dg1;
use mrtd::lds::dg2::{Dg2, ImageFormat};
use serde::Serialize;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

pub use portrait::Portrait;
pub use profile::{Access, Dg2Container, PaceCurve, PortraitFormat, Profile, ProfileError};

use crate::cli;
use crate::error::Error;
use crate::keys;
use crate::pki::{self, DocumentSigner, Signer};

/// `gate-sim passport make`: the arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct MakeArgs {
    /// The passport profile (TOML; format in CLI.md).
    #[arg(long, value_name = "FILE")]
    pub profile: PathBuf,
    /// The folder `gate-sim pki init` wrote.
    #[arg(long, value_name = "DIR")]
    pub pki: PathBuf,
    /// The folder to write the chip image to (created if missing; files of an earlier image are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The Document Signer that signs EF.SOD, overriding the profile's `signer`: valid (DIR/dsc.pem), expired
    /// (DIR/expired/), revoked (DIR/revoked/, on DIR/crl.der) or untrusted (DIR/untrusted/, another CSCA).
    #[arg(long, value_name = "SIGNER", value_parser = ["valid", "expired", "revoked", "untrusted"])]
    pub signer: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// What went wrong while building a file of the chip.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An ASN.1 structure did not encode.
    #[error("{0}")]
    Der(#[source] der::Error),
    /// The CMS SignedData could not be built or signed.
    #[error("{0}")]
    Cms(#[source] cms::builder::Error),
    /// A public key did not encode.
    #[error("{0}")]
    Spki(#[source] x509_cert::spki::Error),
    /// A private key did not encode.
    #[error("{0}")]
    Key(#[source] p256::pkcs8::Error),
    /// A chip key did not encode.
    #[error("{0}")]
    ChipKey(#[source] keys::KeyError),
    /// The e-passport library refused a file (DG2 too large, an invalid MRZ).
    #[error("{0}")]
    Mrtd(#[source] mrtd::Error),
    /// chip.toml did not serialise.
    #[error("{0}")]
    Toml(#[source] toml::ser::Error),
}

fn build(what: &'static str) -> impl Fn(BuildError) -> Error {
    move |source| Error::Passport { what, source }
}

/// The file names the chip simulator loads.
pub mod files {
    /// EF.COM.
    pub const COM: &str = "EF.COM.bin";
    /// EF.SOD.
    pub const SOD: &str = "EF.SOD.bin";
    /// DG1.
    pub const DG1: &str = "DG1.bin";
    /// DG2.
    pub const DG2: &str = "DG2.bin";
    /// DG14.
    pub const DG14: &str = "DG14.bin";
    /// DG15.
    pub const DG15: &str = "DG15.bin";
    /// EF.CardAccess.
    pub const CARD_ACCESS: &str = "EF.CardAccess.bin";
    /// EF.CardSecurity.
    pub const CARD_SECURITY: &str = "EF.CardSecurity.bin";
    /// The chip's settings.
    pub const CHIP_TOML: &str = "chip.toml";
    /// The Chip Authentication private key, relative to the image folder.
    pub const CA_KEY: &str = "keys/ca.pem";
    /// The Active Authentication private key, relative to the image folder.
    pub const AA_KEY: &str = "keys/aa.pem";
}

/// `chip.toml`: what the chip simulator needs beside the files.
#[derive(Debug, Serialize)]
struct ChipToml<'a> {
    access: &'a str,
    mrz: &'a [String],
    can: &'a str,
    keys: ChipKeys,
}

#[derive(Debug, Serialize)]
struct ChipKeys {
    #[serde(skip_serializing_if = "Option::is_none")]
    chip_authentication: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active_authentication: Option<&'static str>,
}

/// A chip image as written.
pub struct Made {
    /// The folder.
    pub out: PathBuf,
    /// Each file written, relative to the folder, with its size.
    pub files: Vec<(String, usize)>,
    /// The MRZ lines as printed (and as DG1 holds them).
    pub mrz: Vec<String>,
    /// The card access number.
    pub can: String,
    /// The checked profile.
    pub profile: Profile,
    /// The portrait as stored in DG2.
    pub portrait: Portrait,
    /// The data groups the SOD covers.
    pub data_groups: Vec<u8>,
    /// The Document Signer's subject.
    pub signer: String,
    /// Which Document Signer of the PKI signed.
    pub signer_kind: Signer,
}

impl std::fmt::Debug for Made {
    // The MRZ and the CAN are the holder's data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Made").field("out", &self.out).field("files", &self.files).finish_non_exhaustive()
    }
}

/// A fresh EC key on the curve of `parameter_id` (ICAO 9303-11 §9.5.1).
fn new_key(parameter_id: u8) -> Result<mrtd::ec::PrivateKey, Error> {
    let curve = mrtd::ec::Curve::from_parameter_id(parameter_id)
        .map_err(|e| build("private key")(BuildError::Mrtd(e.into())))?;
    mrtd::ec::PrivateKey::generate(&curve).map_err(|e| build("private key")(BuildError::Mrtd(e.into())))
}

fn public(key: &mrtd::ec::PrivateKey) -> Result<SubjectPublicKeyInfoOwned, Error> {
    let der = key.public_key().to_spki_der(false).map_err(|e| build("public key")(BuildError::Mrtd(e.into())))?;
    SubjectPublicKeyInfoOwned::from_der(&der).map_err(|e| build("public key")(BuildError::Der(e)))
}

fn random_can() -> Result<String, Error> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(Error::Random)?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

/// Builds the chip image of the profile at `profile_path`, signed with the PKI in `pki_dir` by the profile's
/// Document Signer, into `out`.
///
/// # Errors
/// As [`make_signed`].
pub fn make(profile_path: &Path, pki_dir: &Path, out: &Path) -> Result<Made, Error> {
    make_signed(profile_path, pki_dir, out, None)
}

/// Builds the chip image of the profile at `profile_path` into `out`, signed with the PKI in `pki_dir` by `signer`
/// (the profile's `signer` when `None`).
///
/// The Chip Authentication key lives on PACE's curve when the chip offers PACE, as PACE-CAM needs (9303-11
/// §4.4.3.5) and as chips keep one set of domain parameters; on P-256 otherwise, as is the Active Authentication
/// key.
///
/// # Errors
/// [`Error::Profile`] for a bad profile or portrait (the message names the key), [`Error::PkiMissing`] and its kin
/// for a PKI folder that `pki init` did not make (or made before it wrote the expired, revoked and untrusted
/// signers), [`Error::Io`] when a file cannot be written, and [`Error::Passport`] when a structure cannot be built.
pub fn make_signed(profile_path: &Path, pki_dir: &Path, out: &Path, signer: Option<Signer>) -> Result<Made, Error> {
    let profile_error = |source| Error::Profile { file: profile_path.to_path_buf(), source: Box::new(source) };
    let profile = Profile::load(profile_path).map_err(profile_error)?;
    if !pki_dir.is_dir() {
        return Err(Error::PkiMissing { path: pki_dir.to_path_buf() });
    }
    let signer_kind = signer.unwrap_or(profile.signer);
    let signer = DocumentSigner::load_signer(pki_dir, signer_kind)?;
    let portrait = portrait::prepare(&profile).map_err(profile_error)?;

    let mrz = mrtd::mrz::Mrz::build(&profile.mrz).map_err(|e| build("DG1")(BuildError::Mrtd(e.into())))?;
    let lines = mrz.lines().to_vec();
    let dg1 = Dg1::from(mrz).to_bytes();
    let image_format = match portrait.format {
        PortraitFormat::Jpeg => ImageFormat::Jpeg,
        PortraitFormat::Jpeg2000 => ImageFormat::Jpeg2000,
    };
    let dg2 = match profile.dg2_container {
        Dg2Container::Iso19794_5 => Dg2::encode_19794_5(&portrait.bytes, image_format, portrait.width, portrait.height),
        Dg2Container::Iso39794_5 => Dg2::encode_39794_5(&portrait.bytes, image_format, portrait.width, portrait.height),
    }
    .map_err(|e| build("DG2")(BuildError::Mrtd(e)))?;

    let ca_curve = if profile.access.offers_pace() {
        profile.pace_curve.parameter_id()
    } else {
        PaceCurve::NistP256.parameter_id()
    };
    let ca_key = if profile.chip_authentication { Some(new_key(ca_curve)?) } else { None };
    let aa_key = if profile.active_authentication { Some(new_key(PaceCurve::NistP256.parameter_id())?) } else { None };
    let ca_public = ca_key.as_ref().map(public).transpose()?;
    let aa_public = aa_key.as_ref().map(public).transpose()?;
    let dg14 = security::dg14(profile.access, profile.pace_curve, ca_public.as_ref(), aa_key.is_some())
        .map_err(build("DG14"))?;
    let dg15 = aa_public.as_ref().map(security::dg15).transpose().map_err(build("DG15"))?;

    let mut groups: Vec<(u8, &[u8])> = vec![(1, &dg1), (2, &dg2)];
    if let Some(d) = &dg14 {
        groups.push((14, d));
    }
    if let Some(d) = &dg15 {
        groups.push((15, d));
    }
    let data_groups: Vec<u8> = groups.iter().map(|(n, _)| *n).collect();
    let com = Com {
        lds_version: Some((1, 7)),
        unicode_version: Some((4, 0, 0)),
        data_groups: data_groups.iter().map(|&n| FileId::Dg(n)).collect(),
    }
    .to_bytes();
    let sod = sod::ef_sod(&signer, &groups).map_err(build("EF.SOD"))?;
    let card_access = security::card_access(profile.access, profile.pace_curve).map_err(build("EF.CardAccess"))?;
    let card_security = match (profile.access, &ca_public) {
        (Access::PaceCam, Some(key)) => {
            let infos = security::card_security_infos(profile.access, profile.pace_curve, key)
                .map_err(build("EF.CardSecurity"))?;
            Some(sod::signed_data(&signer, sod::ID_SECURITY_OBJECT, &infos).map_err(build("EF.CardSecurity"))?)
        }
        _ => None,
    };

    let can = match &profile.can {
        Some(can) => can.clone(),
        None => random_can()?,
    };
    let chip_toml = toml::to_string(&ChipToml {
        access: profile.access.as_str(),
        mrz: &lines,
        can: &can,
        keys: ChipKeys {
            chip_authentication: ca_key.as_ref().map(|_| files::CA_KEY),
            active_authentication: aa_key.as_ref().map(|_| files::AA_KEY),
        },
    })
    .map_err(|e| build("chip.toml")(BuildError::Toml(e)))?;

    let mut outputs: Vec<(&str, Vec<u8>)> = vec![(files::COM, com), (files::DG1, dg1), (files::DG2, dg2)];
    if let Some(d) = dg14 {
        outputs.push((files::DG14, d));
    }
    if let Some(d) = dg15 {
        outputs.push((files::DG15, d));
    }
    outputs.push((files::SOD, sod));
    if let Some(d) = card_access {
        outputs.push((files::CARD_ACCESS, d));
    }
    if let Some(d) = card_security {
        outputs.push((files::CARD_SECURITY, d));
    }
    outputs.push((files::CHIP_TOML, chip_toml.into_bytes()));

    std::fs::create_dir_all(out.join("keys")).map_err(|source| Error::Io { path: out.join("keys"), source })?;
    // A file of an earlier image that this one lacks (EF.CardAccess of a PACE profile remade for BAC) would be served
    // by the chip: remove it.
    let all = [files::DG14, files::DG15, files::CARD_ACCESS, files::CARD_SECURITY, files::CA_KEY, files::AA_KEY];
    let keys = [(files::CA_KEY, &ca_key), (files::AA_KEY, &aa_key)];
    let written_name =
        |f: &str| outputs.iter().any(|(n, _)| *n == f) || keys.iter().any(|(n, k)| *n == f && k.is_some());
    for stale in all.iter().filter(|f| !written_name(f)) {
        let path = out.join(stale);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::Io { path, source: e }),
            _ => {}
        }
    }
    let mut written = Vec::with_capacity(outputs.len());
    for (name, bytes) in &outputs {
        pki::write_file(&out.join(name), bytes, false)?;
        written.push(((*name).to_owned(), bytes.len()));
    }
    for (name, key) in keys {
        if let Some(key) = key {
            // Written straight from the zeroizing PEM buffer.
            let pem = keys::ec_pkcs8_pem(key).map_err(|e| build("private key")(BuildError::ChipKey(e)))?;
            pki::write_file(&out.join(name), pem.as_bytes(), true)?;
            written.push((name.to_owned(), pem.len()));
        }
    }

    Ok(Made {
        out: out.to_path_buf(),
        files: written,
        mrz: lines,
        can,
        profile,
        portrait,
        data_groups,
        signer: signer.certificate.tbs_certificate().subject().to_string(),
        signer_kind,
    })
}

fn describe(made: &Made) -> (serde_json::Value, String) {
    let p = &made.profile;
    let portrait = &made.portrait;
    let dg2_bytes = made.files.iter().find(|(n, _)| n == files::DG2).map_or(0, |(_, s)| *s);
    let container = match p.dg2_container {
        Dg2Container::Iso19794_5 => "ISO19794-5",
        Dg2Container::Iso39794_5 => "ISO39794-5",
    };
    let image_format = match portrait.format {
        PortraitFormat::Jpeg => "JPEG",
        PortraitFormat::Jpeg2000 => "JPEG2000",
    };
    let files: serde_json::Map<String, serde_json::Value> =
        made.files.iter().map(|(n, s)| (n.clone(), serde_json::json!(s))).collect();
    let value = serde_json::json!({
        "out": made.out.display().to_string(),
        "files": files,
        "mrz": made.mrz,
        "access": p.access.as_str(),
        "can": made.can,
        "data_groups": made.data_groups,
        "dg2": {
            "container": container,
            "image_format": image_format,
            "width": portrait.width,
            "height": portrait.height,
            "greyscale": portrait.greyscale,
            "image_bytes": portrait.bytes.len(),
            "dg2_bytes": dg2_bytes,
            "stored_as_given": portrait.as_given,
            "jpeg_quality": portrait.jpeg_quality,
            "lossless": portrait.lossless,
        },
        "chip_authentication": p.chip_authentication,
        "active_authentication": p.active_authentication,
        "pace_parameter_id": p.access.offers_pace().then_some(p.pace_curve.parameter_id()),
        "signed_by": made.signer,
        "signer": made.signer_kind.as_str(),
    });
    let mut human = format!("chip image written to {}:\n", made.out.display());
    for (name, size) in &made.files {
        human.push_str(&format!("  {name:<20} {size:>6} bytes\n"));
    }
    human.push_str(&format!(
        "DG2: {container} {image_format} {}x{}{}; access {}; CAN {}; signed by the {} DSC ({})\nMRZ:\n",
        portrait.width,
        portrait.height,
        if portrait.greyscale { " greyscale" } else { "" },
        p.access.as_str(),
        made.can,
        made.signer_kind.as_str(),
        made.signer,
    ));
    human.push_str(&made.mrz.join("\n"));
    (value, human)
}

/// `gate-sim passport make --profile FILE --pki DIR --out DIR [--json]`.
pub fn make_command(args: &MakeArgs) -> ExitCode {
    // clap has checked the name against the list.
    let signer = args.signer.as_deref().and_then(Signer::from_name);
    match make_signed(&args.profile, &args.pki, &args.out, signer) {
        Ok(made) => {
            let (value, human) = describe(&made);
            cli::done(args.json, &value, &human)
        }
        Err(e) => {
            let (code, kind) = match &e {
                Error::Profile { source, .. } => match **source {
                    ProfileError::Portrait { .. } => (cli::BAD_INPUT, "portrait_unreadable"),
                    ProfileError::Read(_) => (cli::BAD_INPUT, "profile_unreadable"),
                    _ => (cli::BAD_INPUT, "profile_invalid"),
                },
                Error::PkiMissing { .. } => (cli::BAD_INPUT, "pki_missing"),
                Error::PkiFile { .. } | Error::PkiMismatch { .. } => (cli::BAD_INPUT, "pki_invalid"),
                Error::Io { .. } => (cli::FAILED, "io"),
                _ => (cli::FAILED, "passport_failed"),
            };
            cli::fail(args.json, code, kind, &e.to_string())
        }
    }
}
