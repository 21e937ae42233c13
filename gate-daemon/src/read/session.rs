//! Opening the chip: PACE when EF.CardAccess offers it, BAC otherwise (ICAO 9303-11 §4.2), and the files read in
//! the session, each once.

use std::collections::BTreeMap;

use hal::card::CardTransport;
use mrtd::bac::BacKeys;
use mrtd::lds::FileId;
use mrtd::mrz::Mrz;
use mrtd::pace::{CamEvidence, Password};
use mrtd::security_infos::SecurityInfos;
use tracing::{debug, info, warn};
use zeroize::Zeroizing;

use super::{MAX_FILE_LEN, ReadOptions};
use crate::chip::access::{NO_PACE_PROTOCOL, pace_name};
use crate::chip::{BlockPolicy, Chip, Open, Secured};
use crate::error::Error;

/// How the session was opened.
#[derive(Debug)]
pub struct Access {
    /// `BAC`, `PACE-GM`, `PACE-IM` or `PACE-CAM`.
    pub name: &'static str,
    /// PACE-CAM's evidence, checked once DG14 is read.
    pub cam: Option<CamEvidence>,
    /// PACE was offered but none of its protocols can be run here, so BAC was used: a decision must see it.
    pub pace_unsupported: bool,
}

/// Opens secure messaging: PACE first whenever EF.CardAccess offers it; BAC only when the chip offers no PACE, or
/// offers only PACE protocols this gate cannot run (said in [`Access::pace_unsupported`], never silently). A PACE
/// run that fails is reported as such, with no BAC after it: the chip refused the password or answered wrongly.
///
/// # Errors
/// [`Error::AccessControl`] when PACE or BAC fails; transport errors as they come.
pub fn establish<T: CardTransport>(
    mut chip: Chip<T, Open>,
    card_access: Option<&SecurityInfos>,
    mrz: &Mrz,
    options: &ReadOptions,
    policy: BlockPolicy,
) -> Result<(Chip<T, Secured>, Access), Error> {
    let mut pace_unsupported = false;
    if let Some(infos) = card_access.filter(|i| i.pace().next().is_some()) {
        let password = match &options.can {
            Some(can) => Password::can(can),
            None => Password::mrz(mrz.mrz_information()),
        };
        match chip.pace(infos, &password, policy.clone()) {
            Ok((mut secured, run)) => {
                let name = pace_name(&run.protocol);
                info!(access_control = name, "secure messaging established");
                secured.select_application()?;
                return Ok((secured, Access { name, cam: run.cam, pace_unsupported: false }));
            }
            Err(failed) => {
                let (open, e) = *failed;
                match e {
                    Error::AccessControl { reason, .. } if reason == NO_PACE_PROTOCOL => {
                        warn!(error = %e, "PACE offered but not runnable here; trying BAC");
                        pace_unsupported = true;
                        chip = open;
                    }
                    other => return Err(other),
                }
            }
        }
    }
    chip.select_application()?;
    let keys = BacKeys::from_mrz_information(mrz.mrz_information());
    let secured = chip.bac(&keys, policy).map_err(|failed| failed.1)?;
    info!(access_control = "BAC", "secure messaging established");
    Ok((secured, Access { name: "BAC", cam: None, pace_unsupported }))
}

/// The files read, in order, each once; wiped on drop (they are personal data).
#[derive(Debug, Default)]
pub struct Files {
    map: BTreeMap<FileId, Zeroizing<Vec<u8>>>,
    order: Vec<FileId>,
}

impl Files {
    /// Keeps a file read outside the session (EF.CardAccess).
    pub fn insert(&mut self, file: FileId, bytes: Vec<u8>) {
        if self.map.insert(file, Zeroizing::new(bytes)).is_none() {
            self.order.push(file);
        }
    }

    /// Reads `file` unless it was read already; `false` when the chip does not have it.
    ///
    /// # Errors
    /// As [`Chip::read_file`].
    pub fn fetch<T: CardTransport>(&mut self, chip: &mut Chip<T, Secured>, file: FileId) -> Result<bool, Error> {
        if self.map.contains_key(&file) {
            return Ok(true);
        }
        match chip.read_file(file, MAX_FILE_LEN)? {
            Some(bytes) => {
                debug!(%file, len = bytes.len(), "read");
                self.insert(file, bytes);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// A file's bytes as read.
    pub fn get(&self, file: FileId) -> Option<&[u8]> {
        self.map.get(&file).map(|b| b.as_slice())
    }

    /// The files in the order they were read.
    pub fn order(&self) -> &[FileId] {
        &self.order
    }

    /// The data groups read, as Passive Authentication takes them.
    pub fn data_groups(&self) -> Vec<(u8, &[u8])> {
        self.map
            .iter()
            .filter_map(|(file, bytes)| match file {
                FileId::Dg(n) => Some((*n, bytes.as_slice())),
                _ => None,
            })
            .collect()
    }

    /// Every file, for callers that keep them (the face matcher, Passive Authentication).
    pub fn into_map(self) -> BTreeMap<FileId, Zeroizing<Vec<u8>>> {
        self.map
    }
}
