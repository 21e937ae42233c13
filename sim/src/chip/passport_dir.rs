//! A passport directory: the chip's files as raw bytes, one file each, and an optional `chip.toml` that says how the
//! chip is accessed.
//!
//! File names, any subset (ICAO 9303-10 §4.5 for the files themselves):
//! - this project's own, as `gate-sim passport make` writes them: `EF.CardAccess.bin`, `EF.CardSecurity.bin`,
//!   `EF.COM.bin`, `EF.SOD.bin`, `DG1.bin` ... `DG16.bin`;
//! - JMRTD's BSI 2008 specimen: `EF_COM.bin`, `EF_SOD.bin`, `Datagroup1.bin` ...;
//! - JMRTD's Dutch 2006 specimen: the file identifier in hex, `ef011E.bin` (EF.COM), `ef011D.bin` (EF.SOD),
//!   `ef011C.bin` (EF.CardAccess), `ef0101.bin` ... `ef0110.bin` (DG1 to DG16).
//!
//! `chip.toml`:
//! ```toml
//! access = "bac"               # "bac" (default), "pace", "pace-cam", "pace+bac"
//! can = "123456"               # the card access number printed on the data page (PACE)
//! mrz = ["P<IDN...", "X12..."] # the MRZ printed on the data page, as the document reader sends it
//! [keys]                       # the chip's private keys, relative to the directory
//! chip_authentication = "keys/ca.pem"
//! active_authentication = "keys/aa.pem"
//! ```
//!
//! The BAC keys (9303-11 §9.7.2) come from the printed MRZ when `chip.toml` gives one that parses, else from DG1's
//! MRZ, so that the specimen chips work without a `chip.toml`. Taking the printed MRZ first matches how a chip is
//! personalised (its keys are those of the data page), and lets a chip whose DG1 differs from the data page be
//! opened, so that the gate's DG1-against-MRZ check is what catches it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mrtd::bac::BacKeys;
use mrtd::lds::FileId;
use mrtd::lds::dg1::Dg1;
use mrtd::mrz::Mrz;
use mrtd::security_infos::{Mapping, SecurityInfos};
use serde::Deserialize;

pub use crate::access::Access;
use crate::error::Error;

/// The largest chip file accepted: far above any real LDS file (a 39794-5 DG2 with a large image is about 1 MB),
/// and a bound on what a mistaken path can make us load.
const MAX_FILE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
struct ChipToml {
    access: Option<Access>,
    can: Option<String>,
    mrz: Option<Vec<String>>,
    #[serde(default)]
    keys: KeysToml,
}

#[derive(Debug, Default, Deserialize)]
struct KeysToml {
    chip_authentication: Option<PathBuf>,
    active_authentication: Option<PathBuf>,
}

/// Where the chip's private keys are, resolved against the passport directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPaths {
    /// The Chip Authentication private key (DG14's public key).
    pub chip_authentication: Option<PathBuf>,
    /// The Active Authentication private key (DG15's public key).
    pub active_authentication: Option<PathBuf>,
}

/// A loaded passport directory.
#[derive(Clone)]
pub struct Passport {
    /// The directory it came from.
    pub dir: PathBuf,
    /// The chip's files, raw.
    pub files: BTreeMap<FileId, Vec<u8>>,
    /// The access control `chip.toml` asks for.
    pub access: Access,
    /// The card access number, for PACE.
    pub can: Option<String>,
    /// The MRZ printed on the data page, when `chip.toml` gives one.
    pub printed_mrz: Option<Vec<String>>,
    /// The chip's private keys.
    pub keys: KeyPaths,
}

impl std::fmt::Debug for Passport {
    // Files, CAN and MRZ are personal data: show which files there are and how large.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files: Vec<(String, usize)> = self.files.iter().map(|(id, b)| (id.name(), b.len())).collect();
        f.debug_struct("Passport")
            .field("dir", &self.dir)
            .field("files", &files)
            .field("access", &self.access)
            .field("can", &self.can.as_ref().map(|_| "<redacted>"))
            .field("printed_mrz", &self.printed_mrz.as_ref().map(|_| "<redacted>"))
            .field("keys", &self.keys)
            .finish()
    }
}

/// The chip file a directory entry holds, by its name in any of the three conventions.
pub fn file_for_name(name: &str) -> Option<FileId> {
    let stem = name.strip_suffix(".bin")?;
    match stem {
        "EF.CardAccess" | "EF_CardAccess" => return Some(FileId::CardAccess),
        "EF.CardSecurity" | "EF_CardSecurity" => return Some(FileId::CardSecurity),
        "EF.COM" | "EF_COM" => return Some(FileId::Com),
        "EF.SOD" | "EF_SOD" => return Some(FileId::Sod),
        _ => {}
    }
    let dg = |n: &str| -> Option<FileId> {
        let n: u8 = n.parse().ok()?;
        (1..=16).contains(&n).then_some(FileId::Dg(n))
    };
    if let Some(n) = stem.strip_prefix("DG").or_else(|| stem.strip_prefix("Datagroup")) {
        return dg(n);
    }
    let fid = stem.strip_prefix("ef").or_else(|| stem.strip_prefix("EF"))?;
    if fid.len() != 4 {
        return None;
    }
    match u16::from_str_radix(fid, 16).ok()? {
        0x011C => Some(FileId::CardAccess),
        0x011D => Some(FileId::Sod),
        0x011E => Some(FileId::Com),
        n @ 0x0101..=0x0110 => Some(FileId::Dg((n & 0xFF) as u8)),
        _ => None,
    }
}

impl Passport {
    /// Loads a passport directory.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory or a file cannot be read, [`Error::ChipToml`] when `chip.toml` is not valid,
    /// [`Error::InvalidPassport`] when the directory holds no chip file, a file is too large, or PACE is asked for
    /// without EF.CardAccess.
    pub fn load(dir: &Path) -> Result<Passport, Error> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let mut files = BTreeMap::new();
        let entries = std::fs::read_dir(dir).map_err(io(dir))?;
        for entry in entries {
            let entry = entry.map_err(io(dir))?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(file_for_name) else {
                tracing::debug!(file = ?name, "not a chip file, ignored");
                continue;
            };
            let path = entry.path();
            let size = std::fs::metadata(&path).map_err(io(&path))?.len();
            if size > MAX_FILE {
                return Err(Error::InvalidPassport { path, reason: "a chip file is larger than 4 MiB" });
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            if files.insert(id, bytes).is_some() {
                return Err(Error::InvalidPassport { path, reason: "the same chip file is there under two names" });
            }
        }
        if files.is_empty() {
            return Err(Error::InvalidPassport {
                path: dir.to_path_buf(),
                reason: "no chip file (EF.COM.bin, DG1.bin ...) in this directory",
            });
        }
        let toml_path = dir.join("chip.toml");
        let config = match std::fs::read_to_string(&toml_path) {
            Ok(text) => toml::from_str::<ChipToml>(&text)
                .map_err(|source| Error::ChipToml { path: toml_path.clone(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ChipToml::default(),
            Err(source) => return Err(Error::Io { path: toml_path, source }),
        };
        let access = config.access.unwrap_or_default();
        let passport = Passport {
            dir: dir.to_path_buf(),
            files,
            access,
            can: config.can,
            printed_mrz: config.mrz,
            keys: KeyPaths {
                chip_authentication: config.keys.chip_authentication.map(|p| dir.join(p)),
                active_authentication: config.keys.active_authentication.map(|p| dir.join(p)),
            },
        };
        passport.check_access(access)?;
        Ok(passport)
    }

    /// Checks that the chip holds what `access` needs: EF.CardAccess for PACE; for PACE-CAM also a PACE-CAM
    /// PACEInfo in it and the Chip Authentication key; an MRZ for BAC.
    ///
    /// # Errors
    /// [`Error::InvalidPassport`] or [`Error::InvalidMrz`] naming what is missing.
    pub fn check_access(&self, access: Access) -> Result<(), Error> {
        let invalid = |reason| Error::InvalidPassport { path: self.dir.clone(), reason };
        let card_access = self.files.get(&FileId::CardAccess);
        if access.offers_pace() && card_access.is_none() {
            return Err(invalid("PACE needs EF.CardAccess.bin in the passport directory"));
        }
        if access == Access::PaceCam {
            let infos = card_access.and_then(|c| SecurityInfos::from_card_access(c).ok()).unwrap_or_default();
            if !infos.pace().any(|p| p.protocol.mapping == Mapping::ChipAuthentication) {
                return Err(invalid("pace-cam needs a PACE-CAM PACEInfo in EF.CardAccess.bin"));
            }
            if self.keys.chip_authentication.is_none() {
                return Err(invalid(
                    "pace-cam needs the Chip Authentication key (keys.chip_authentication in chip.toml)",
                ));
            }
        }
        if access.allows_bac() {
            self.bac_keys()?;
        }
        Ok(())
    }

    /// The MRZ the chip's BAC keys come from: the printed one when it parses, else DG1's.
    ///
    /// # Errors
    /// [`Error::InvalidMrz`] when neither is there and valid.
    pub fn key_mrz(&self) -> Result<Mrz, Error> {
        if let Some(lines) = &self.printed_mrz {
            match Mrz::parse(lines) {
                Ok(mrz) => return Ok(mrz),
                Err(e) => tracing::info!(error = %e, "printed MRZ in chip.toml does not parse; BAC keys from DG1"),
            }
        }
        let path = self.dir.join("DG1.bin");
        let dg1 = self.files.get(&FileId::Dg(1)).ok_or_else(|| Error::InvalidPassport {
            path: self.dir.clone(),
            reason: "BAC needs DG1 or a valid `mrz` in chip.toml",
        })?;
        Ok(Dg1::parse(dg1).map_err(|source| Error::InvalidMrz { path, source })?.mrz)
    }

    /// The BAC keys (9303-11 §9.7.2).
    ///
    /// # Errors
    /// As [`Passport::key_mrz`].
    pub fn bac_keys(&self) -> Result<BacKeys, Error> {
        Ok(BacKeys::from_mrz_information(self.key_mrz()?.mrz_information()))
    }

    /// The MRZ lines the document reader sends: those printed in `chip.toml` as they are (an unreadable MRZ is a
    /// scenario too), else DG1's.
    ///
    /// # Errors
    /// [`Error::InvalidPassport`] or [`Error::InvalidMrz`] when there is neither.
    pub fn printed_lines(&self) -> Result<Vec<String>, Error> {
        if let Some(lines) = &self.printed_mrz {
            return Ok(lines.clone());
        }
        let dg1 = self.files.get(&FileId::Dg(1)).ok_or_else(|| Error::InvalidPassport {
            path: self.dir.clone(),
            reason: "the MRZ reader needs DG1 or `mrz` in chip.toml",
        })?;
        let dg1 = Dg1::parse(dg1).map_err(|source| Error::InvalidMrz { path: self.dir.join("DG1.bin"), source })?;
        Ok(dg1.mrz.lines().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_every_convention() {
        assert_eq!(file_for_name("EF.COM.bin"), Some(FileId::Com));
        assert_eq!(file_for_name("EF_SOD.bin"), Some(FileId::Sod));
        assert_eq!(file_for_name("EF.CardAccess.bin"), Some(FileId::CardAccess));
        assert_eq!(file_for_name("DG15.bin"), Some(FileId::Dg(15)));
        assert_eq!(file_for_name("Datagroup2.bin"), Some(FileId::Dg(2)));
        assert_eq!(file_for_name("ef011E.bin"), Some(FileId::Com));
        assert_eq!(file_for_name("ef011D.bin"), Some(FileId::Sod));
        assert_eq!(file_for_name("ef010F.bin"), Some(FileId::Dg(15)));
        for other in ["chip.toml", "DG17.bin", "DG0.bin", "ef0111.bin", "ef01.bin", "DG1.txt", "keys"] {
            assert_eq!(file_for_name(other), None, "{other}");
        }
    }

    fn specimen(name: &str) -> Option<PathBuf> {
        let p =
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/icao/data/jmrtd/lds")).join(name);
        if p.is_dir() {
            Some(p)
        } else {
            eprintln!("SKIP: {} is absent", p.display());
            None
        }
    }

    #[test]
    fn loads_the_specimens_as_they_are() {
        let Some(bsi) = specimen("bsi2008") else { return };
        let p = Passport::load(&bsi).unwrap();
        let ids: Vec<FileId> = p.files.keys().copied().collect();
        assert_eq!(
            ids,
            vec![
                FileId::Com,
                FileId::Sod,
                FileId::Dg(1),
                FileId::Dg(2),
                FileId::Dg(3),
                FileId::Dg(4),
                FileId::Dg(14),
                FileId::Dg(15)
            ]
        );
        assert_eq!(p.access, Access::Bac);
        assert_eq!(p.key_mrz().unwrap().mrz_information(), "C11T002JM496081221310317");
        assert_eq!(p.printed_lines().unwrap().len(), 2);
        assert!(!format!("{p:?}").contains("MUSTERMANN"));

        let Some(nl) = specimen("loes2006") else { return };
        let p = Passport::load(&nl).unwrap();
        assert_eq!(p.files.len(), 5);
        assert!(p.files.contains_key(&FileId::Dg(15)));
        assert!(matches!(p.check_access(Access::Pace), Err(Error::InvalidPassport { .. })));
    }

    #[test]
    fn chip_toml_sets_access_and_mrz() {
        let dir = std::env::temp_dir().join(format!("sim-passport-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("EF.COM.bin"), [0x60, 0x00]).unwrap();
        std::fs::write(dir.join("EF.CardAccess.bin"), [0x31, 0x00]).unwrap();
        std::fs::write(
            dir.join("chip.toml"),
            "access = \"pace+bac\"\ncan = \"123456\"\nmrz = [\"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\", \
             \"L898902C<3UTO6908061F9406236ZE184226B<<<<<14\"]\n[keys]\nactive_authentication = \"keys/aa.pem\"\n",
        )
        .unwrap();
        let p = Passport::load(&dir).unwrap();
        assert_eq!(p.access, Access::PaceBac);
        assert_eq!(p.key_mrz().unwrap().mrz_information(), "L898902C<369080619406236");
        assert_eq!(p.keys.active_authentication, Some(dir.join("keys/aa.pem")));
        std::fs::write(dir.join("chip.toml"), "access = \"magic\"").unwrap();
        assert!(matches!(Passport::load(&dir), Err(Error::ChipToml { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(Passport::load(&dir), Err(Error::Io { .. })));
    }
}
