//! The passport profile: the TOML file an integrator writes to describe a document (format in ../shared/CLI.md),
//! read and checked field by field so that every error names its key.
//!
//! Names and codes are taken as ICAO 9303-3 §6 writes them in the MRZ: upper-case Latin letters, names already
//! transliterated. A profile with accents, lower case or punctuation is refused rather than silently changed, since a
//! document whose printed name differs from the profile's would confuse the tests that use it.

use std::path::{Path, PathBuf};

use mrtd::mrz::{Format, MrzFields, Sex};
use serde::Deserialize;

use fields::{field, iso_date, mrz_key, name, one_of, range, required, state_code, syntax};

pub use crate::access::Access;
pub use crate::pki::Signer;

/// A profile as written, before any check: every key optional here so that a missing one is reported by name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    format: Option<String>,
    document_code: Option<String>,
    issuing_state: Option<String>,
    surname: Option<String>,
    given_names: Option<String>,
    document_number: Option<String>,
    nationality: Option<String>,
    date_of_birth: Option<String>,
    sex: Option<String>,
    date_of_expiry: Option<String>,
    optional_data: Option<String>,
    optional_data_2: Option<String>,
    portrait: Option<PathBuf>,
    image_format: Option<String>,
    access: Option<String>,
    can: Option<String>,
    portrait_bytes: Option<i64>,
    portrait_quality: Option<i64>,
    portrait_max_width: Option<i64>,
    portrait_max_height: Option<i64>,
    dg2_container: Option<String>,
    pace_curve: Option<String>,
    chip_authentication: Option<bool>,
    active_authentication: Option<bool>,
    signer: Option<String>,
}

/// How the chip's image is to be stored in DG2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortraitFormat {
    /// JPEG (ISO/IEC 10918-1).
    Jpeg,
    /// JPEG 2000 (ISO/IEC 15444-1), JP2 file format.
    Jpeg2000,
}

/// The face container of DG2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dg2Container {
    /// ISO/IEC 19794-5:2005, what passports have carried since 2006.
    Iso19794_5,
    /// ISO/IEC 39794-5 in the ICAO application profile, the newer format.
    Iso39794_5,
}

/// The standardized domain parameters PACE runs on (9303-11 §9.5.1, Table 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceCurve {
    /// brainpoolP256r1, parameterId 13: what most European passports use.
    BrainpoolP256r1,
    /// NIST P-256 (secp256r1), parameterId 12.
    NistP256,
}

impl PaceCurve {
    /// The standardized domain parameter identifier of PACEInfo.
    pub fn parameter_id(self) -> u8 {
        match self {
            PaceCurve::BrainpoolP256r1 => 13,
            PaceCurve::NistP256 => 12,
        }
    }
}

/// The default size the portrait is fitted into, in bytes of encoded image: real DG2s hold 11-25 KB, and the
/// chip-read benchmark needs 15 KB or more.
pub const DEFAULT_PORTRAIT_BYTES: usize = 18_000;
/// The default largest portrait, the size of a 300 dpi passport photo's face crop (ICAO 9303-3 / ISO 19794-5 token
/// images are 240x320 and up; 480x640 is what issuers commonly store).
pub const DEFAULT_MAX_WIDTH: u32 = 480;
/// See [`DEFAULT_MAX_WIDTH`].
pub const DEFAULT_MAX_HEIGHT: u32 = 640;

/// A checked profile.
#[derive(Clone)]
pub struct Profile {
    /// The MRZ's fields, ready for the builder.
    pub mrz: MrzFields,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Date of expiry, `YYYY-MM-DD`.
    pub date_of_expiry: String,
    /// The portrait file, resolved against the profile's folder.
    pub portrait: PathBuf,
    /// How DG2 stores the image.
    pub image_format: PortraitFormat,
    /// DG2's container.
    pub dg2_container: Dg2Container,
    /// Target size of the encoded image when it must be (re-)encoded.
    pub portrait_bytes: usize,
    /// A fixed JPEG quality instead of the size target.
    pub portrait_quality: Option<u8>,
    /// Largest stored width in pixels.
    pub portrait_max_width: u32,
    /// Largest stored height in pixels.
    pub portrait_max_height: u32,
    /// Access control.
    pub access: Access,
    /// The card access number, six digits; `None` draws one at random.
    pub can: Option<String>,
    /// The curve of PACE.
    pub pace_curve: PaceCurve,
    /// Whether the chip supports Chip Authentication (DG14 with its key).
    pub chip_authentication: bool,
    /// Whether the chip supports Active Authentication (DG15 with its key).
    pub active_authentication: bool,
    /// The Document Signer of the test PKI that signs EF.SOD (and EF.CardSecurity), unless `--signer` says.
    pub signer: Signer,
}

impl std::fmt::Debug for Profile {
    // Names, numbers, dates and the portrait's file name are the holder's personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("mrz", &self.mrz)
            .field("image_format", &self.image_format)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// What is wrong with a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file could not be read.
    #[error("cannot read the profile: {0}")]
    Read(#[source] std::io::Error),
    /// The file is not TOML of the profile's shape: an unknown key, a value of the wrong type.
    #[error("line {line}{}: {}", key.as_ref().map(|k| format!(", {k}")).unwrap_or_default(), source.message())]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// The key written on that line, when there is one.
        key: Option<String>,
        /// The parser's error.
        source: toml::de::Error,
    },
    /// A key's value is missing or invalid.
    #[error("{key}: {problem}")]
    Field {
        /// The key.
        key: &'static str,
        /// What is wrong.
        problem: Problem,
    },
    /// The portrait named by `portrait` cannot be read or decoded.
    #[error("portrait: {path}: {source}")]
    Portrait {
        /// The file, as resolved.
        path: PathBuf,
        /// Why.
        source: PortraitError,
    },
}

/// Why the portrait is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortraitError {
    /// The file cannot be read.
    #[error("{0}")]
    Read(#[source] std::io::Error),
    /// The file is not a JPEG or PNG image, or is corrupt.
    #[error("not a readable JPEG or PNG image: {0}")]
    Decode(#[source] image::ImageError),
    /// The image could not be encoded as JPEG 2000.
    #[error("cannot encode as JPEG 2000: {0}")]
    Encode(#[source] super::j2k::J2kError),
    /// The image has no pixels or is absurdly large.
    #[error("a {width}x{height} image cannot be a portrait")]
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

/// What is wrong with one key's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The key is required.
    #[error("missing; this key is required")]
    Missing,
    /// Not an ISO date.
    #[error("{found:?} is not a date written YYYY-MM-DD")]
    NotADate {
        /// The value.
        found: String,
    },
    /// The value is not one of the allowed words.
    #[error("{found:?} is not one of {allowed}")]
    NotOneOf {
        /// The value.
        found: String,
        /// The allowed values, for the message.
        allowed: &'static str,
    },
    /// A code of the wrong shape.
    #[error("{found:?} is not {expected}")]
    BadCode {
        /// The value.
        found: String,
        /// What was expected, for the message.
        expected: &'static str,
    },
    /// Characters a name in the MRZ cannot hold. The value is not repeated: it is the holder's name.
    #[error(
        "holds characters other than upper-case A-Z and spaces; write the name as the MRZ prints it, transliterated \
         as ICAO 9303-3 §6 describes (e.g. \"MUELLER\" for \"Müller\")"
    )]
    BadName,
    /// Too long for its field.
    #[error("is {length} characters long; at most {max} fit")]
    TooLong {
        /// Characters given.
        length: usize,
        /// Characters allowed.
        max: usize,
    },
    /// A number outside its range.
    #[error("{found} is outside {min}..={max}")]
    OutOfRange {
        /// The value.
        found: i64,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// The value contradicts another key.
    #[error("{0}")]
    Conflict(&'static str),
    /// The MRZ builder refused the value.
    #[error("{0}")]
    Mrz(&'static str),
}

impl Profile {
    /// Reads and checks the profile at `path`; relative paths in it are taken from its folder.
    ///
    /// # Errors
    /// [`ProfileError`] naming the key at fault.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(ProfileError::Read)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
    }

    /// Checks a profile's text; `base` is the folder relative paths start from.
    ///
    /// # Errors
    /// [`ProfileError`] naming the key at fault.
    pub fn parse(text: &str, base: &Path) -> Result<Self, ProfileError> {
        let raw: Raw = toml::from_str(text).map_err(|source| syntax(text, source))?;
        let format = one_of(
            "format",
            raw.format,
            Format::Td3,
            &[("td1", Format::Td1), ("td2", Format::Td2), ("td3", Format::Td3)],
            "\"td1\", \"td2\", \"td3\"",
        )?;
        let default_code = if format == Format::Td3 { "P" } else { "I" };
        let document_code = raw.document_code.unwrap_or_else(|| default_code.to_owned());
        let code_ok = (1..=2).contains(&document_code.len())
            && document_code.bytes().all(|b| b.is_ascii_uppercase() || b == b'<')
            && document_code.starts_with(|c: char| c.is_ascii_uppercase());
        if !code_ok {
            let expected = "a document code of one or two upper-case letters such as P, PE, I or ID";
            return Err(field("document_code", Problem::BadCode { found: document_code, expected }));
        }
        let issuing_state = state_code("issuing_state", raw.issuing_state)?;
        let nationality = state_code("nationality", raw.nationality)?;
        let surname = name("surname", raw.surname)?;
        let given_names = name("given_names", raw.given_names)?;
        if surname.is_empty() && given_names.is_empty() {
            return Err(field("given_names", Problem::Conflict("surname and given_names are both empty")));
        }

        let document_number = required("document_number", raw.document_number)?;
        if document_number.is_empty() || !document_number.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            let expected = "a document number of upper-case letters and digits";
            return Err(field("document_number", Problem::BadCode { found: document_number, expected }));
        }
        // TD3 has nine characters for the number; TD1 and TD2 carry a longer one's overflow in their optional data
        // (9303-5 §4.2.2 note j), which the MRZ builder checks against what the optional data leaves.
        if format == Format::Td3 && document_number.len() > 9 {
            return Err(field("document_number", Problem::TooLong { length: document_number.len(), max: 9 }));
        }

        let (date_of_birth, dob) = iso_date("date_of_birth", raw.date_of_birth)?;
        let (date_of_expiry, doe) = iso_date("date_of_expiry", raw.date_of_expiry)?;
        if date_of_expiry <= date_of_birth {
            return Err(field("date_of_expiry", Problem::Conflict("is not after date_of_birth")));
        }
        let sex = required("sex", raw.sex)?;
        let sex = match sex.as_str() {
            "M" => Sex::Male,
            "F" => Sex::Female,
            "X" | "<" => Sex::Unspecified,
            _ => return Err(field("sex", Problem::NotOneOf { found: sex, allowed: "\"M\", \"F\", \"X\"" })),
        };
        let optional_data = raw.optional_data.unwrap_or_default();
        if !optional_data.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<' || b == b' ') {
            let expected = "optional data of upper-case letters, digits and spaces";
            return Err(field("optional_data", Problem::BadCode { found: optional_data, expected }));
        }
        let optional_data_2 = raw.optional_data_2.unwrap_or_default();
        if !optional_data_2.is_empty() && format != Format::Td1 {
            return Err(field("optional_data_2", Problem::Conflict("exists only in a TD1 MRZ (format = \"td1\")")));
        }

        let mrz = MrzFields {
            format,
            document_code,
            issuing_state,
            surname,
            given_names,
            document_number,
            nationality,
            date_of_birth: dob,
            sex,
            date_of_expiry: doe,
            optional_data,
            optional_data_2,
        };
        // The builder knows every field's width; its refusal names the field.
        if let Err(e) = mrtd::mrz::Mrz::build(&mrz) {
            return Err(match e {
                mrtd::error::MrzError::InvalidField { field: f, reason, .. } => field(mrz_key(f), Problem::Mrz(reason)),
                _ => field("format", Problem::Mrz("the fields do not make a valid MRZ")),
            });
        }

        let portrait = raw.portrait.ok_or(field("portrait", Problem::Missing))?;
        let portrait = if portrait.is_absolute() { portrait } else { base.join(portrait) };
        let image_format = one_of(
            "image_format",
            raw.image_format,
            PortraitFormat::Jpeg,
            &[("jpeg", PortraitFormat::Jpeg), ("jpeg2000", PortraitFormat::Jpeg2000)],
            "\"jpeg\", \"jpeg2000\"",
        )?;
        let dg2_container = one_of(
            "dg2_container",
            raw.dg2_container,
            Dg2Container::Iso19794_5,
            &[("iso19794-5", Dg2Container::Iso19794_5), ("iso39794-5", Dg2Container::Iso39794_5)],
            "\"iso19794-5\", \"iso39794-5\"",
        )?;
        let access = one_of(
            "access",
            raw.access,
            Access::Bac,
            &[
                ("bac", Access::Bac),
                ("pace", Access::Pace),
                ("pace-cam", Access::PaceCam),
                ("pace+bac", Access::PaceBac),
            ],
            "\"bac\", \"pace\", \"pace-cam\", \"pace+bac\"",
        )?;
        let pace_curve = one_of(
            "pace_curve",
            raw.pace_curve,
            PaceCurve::BrainpoolP256r1,
            &[("brainpoolP256r1", PaceCurve::BrainpoolP256r1), ("P-256", PaceCurve::NistP256)],
            "\"brainpoolP256r1\", \"P-256\"",
        )?;
        let signer = one_of(
            "signer",
            raw.signer,
            Signer::Valid,
            &Signer::ALL.map(|s| (s.as_str(), s)),
            "\"valid\", \"expired\", \"revoked\", \"untrusted\"",
        )?;
        if let Some(can) = &raw.can
            && (can.len() != 6 || !can.bytes().all(|b| b.is_ascii_digit()))
        {
            let expected = "a card access number of six digits";
            return Err(field("can", Problem::BadCode { found: can.clone(), expected }));
        }
        let portrait_bytes =
            range("portrait_bytes", raw.portrait_bytes, DEFAULT_PORTRAIT_BYTES as i64, 2_000, 500_000)?;
        let portrait_quality =
            raw.portrait_quality.map(|q| range("portrait_quality", Some(q), q, 1, 100)).transpose()?;
        let max_w = range("portrait_max_width", raw.portrait_max_width, i64::from(DEFAULT_MAX_WIDTH), 32, 4096)?;
        let max_h = range("portrait_max_height", raw.portrait_max_height, i64::from(DEFAULT_MAX_HEIGHT), 32, 4096)?;
        let chip_authentication = raw.chip_authentication.unwrap_or(true);
        if access == Access::PaceCam && !chip_authentication {
            return Err(field(
                "chip_authentication",
                Problem::Conflict(
                    "PACE-CAM authenticates the chip with its Chip Authentication key: it cannot be false",
                ),
            ));
        }

        Ok(Self {
            mrz,
            date_of_birth,
            date_of_expiry,
            portrait,
            image_format,
            dg2_container,
            // The ranges above keep these conversions exact.
            portrait_bytes: usize::try_from(portrait_bytes).unwrap_or(DEFAULT_PORTRAIT_BYTES),
            portrait_quality: portrait_quality.and_then(|q| u8::try_from(q).ok()),
            portrait_max_width: u32::try_from(max_w).unwrap_or(DEFAULT_MAX_WIDTH),
            portrait_max_height: u32::try_from(max_h).unwrap_or(DEFAULT_MAX_HEIGHT),
            access,
            can: raw.can,
            pace_curve,
            chip_authentication,
            active_authentication: raw.active_authentication.unwrap_or(true),
            signer,
        })
    }
}

mod fields;
#[cfg(test)]
mod tests;
