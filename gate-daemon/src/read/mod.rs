//! Reading a traveller's passport and proving it genuine (ICAO 9303-10 §3, 9303-11 §4-6): EF.CardAccess, PACE when
//! offered (else BAC), EF.COM, EF.SOD, DG1, DG2 and the other data groups the chip lists, each once; then the chip's
//! proof (PACE-CAM's check, Chip Authentication, or Active Authentication where Chip Authentication is not offered)
//! and Passive Authentication of everything read. Blocking: run it on a thread of its own or in `spawn_blocking`.
//!
//! The chip proves itself after the files are read, so that its proof costs the read nothing: Chip Authentication
//! usually moves secure messaging to AES, whose short blocks are smaller. The proof still binds the session: a chip
//! without DG14's private key cannot answer under the keys Chip Authentication derives, and Passive Authentication
//! ties DG14 to the data read.

mod session;
pub mod verdict;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use hal::card::CardTransport;
use mrtd::aa::AaPublicKey;
use mrtd::lds::FileId;
use mrtd::lds::com::Com;
use mrtd::lds::dg1::Dg1;
use mrtd::lds::dg2::{Container, Dg2, ImageFormat};
use mrtd::mrz::Mrz;
use mrtd::pa::TrustStore;
use mrtd::security_infos::SecurityInfos;
use mrtd::sw::StatusWord;
use tracing::{debug, instrument};
use zeroize::Zeroizing;

use crate::chip::genuine::NotGenuine;
use crate::chip::strategy::Extended;
use crate::chip::{BlockPolicy, Chip, Secured, Stats};
use crate::error::{Error, Step};
pub use session::Access;
use session::Files;
pub use verdict::{Authenticity, ChipCheck, Passive, Reason};

/// The largest file the gate reads: ISO 39794-5 records with large images reach about 1 MB.
pub const MAX_FILE_LEN: usize = 4 * 1024 * 1024;

/// The largest face image, in pixels, decoded to check it.
pub const MAX_FACE_PIXELS: u64 = 16_000_000;

/// How the read is done.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Use extended length when the chip announces or accepts it; `false` keeps to short APDUs.
    pub extended_length: bool,
    /// Decode the face image to check it and learn its size.
    pub decode_face: bool,
    /// Never ask for more than this many bytes per READ BINARY (to compare with readers that use fixed blocks).
    pub max_block: Option<usize>,
    /// The card access number: PACE is keyed with it instead of the MRZ.
    pub can: Option<String>,
    /// The trust anchors of Passive Authentication (empty: every document is at best `untrusted`).
    pub trust: Arc<TrustStore>,
    /// The time certificates are checked at when the SOD carries no signing time.
    pub at: SystemTime,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            extended_length: true,
            decode_face: true,
            max_block: None,
            can: None,
            trust: Arc::new(TrustStore::builder().build()),
            at: SystemTime::now(),
        }
    }
}

/// What the face container in DG2 holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceSummary {
    /// ISO/IEC 19794-5 or 39794-5.
    pub container: Container,
    /// The image's encoding.
    pub image_format: ImageFormat,
    /// Width in pixels (decoded when decoding was asked for, else as declared).
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Whether the pixels were decoded.
    pub decoded: bool,
}

/// A passport as read from its chip.
#[derive(Debug)]
pub struct ChipRead {
    /// The access control used: `BAC`, `PACE-GM`, `PACE-IM` or `PACE-CAM`.
    pub access_control: &'static str,
    /// The files in the order they were read.
    pub order: Vec<FileId>,
    /// The files' bytes as read, wiped on drop (they are personal data).
    pub files: BTreeMap<FileId, Zeroizing<Vec<u8>>>,
    /// DG1's MRZ.
    pub dg1: Mrz,
    /// Whether DG1 equals the MRZ printed on the data page.
    pub dg1_matches_printed: bool,
    /// The face in DG2, when DG2 could be read and parsed.
    pub face: Option<FaceSummary>,
    /// Problems that do not stop the read but must be seen (a missing DG2, an undecodable image).
    pub problems: Vec<Problem>,
    /// Passive Authentication and the chip's proof, with every reason to refer.
    pub authenticity: Authenticity,
    /// The session's counters.
    pub stats: Stats,
    /// APDUs spent on access control (EF.CardAccess, EF.ATR/INFO, PACE or BAC, selecting the application).
    pub apdus_access: usize,
    /// APDUs spent proving the chip genuine (Chip or Active Authentication).
    pub apdus_chip_authentication: usize,
    /// Whether extended length was in use at the end.
    pub extended_length: bool,
    /// The plaintext block size in use at the end.
    pub block_size: usize,
    /// Time from the first APDU to the last file.
    pub elapsed: Duration,
}

/// A problem found while reading that a decision has to take into account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A file the LDS makes mandatory is absent.
    MissingFile(FileId),
    /// DG2 is malformed.
    FaceContainer,
    /// The face image does not decode.
    FaceImage,
    /// EF.COM is malformed, so the data groups present were guessed.
    ComMalformed,
    /// EF.CardAccess is malformed, so PACE could not be offered.
    CardAccessMalformed,
    /// DG14 is malformed, so Chip Authentication could not run.
    Dg14Malformed,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::MissingFile(file) => write!(f, "{file} is missing"),
            Problem::FaceContainer => f.write_str("DG2 is malformed"),
            Problem::FaceImage => f.write_str("the face image in DG2 does not decode"),
            Problem::ComMalformed => f.write_str("EF.COM is malformed"),
            Problem::CardAccessMalformed => f.write_str("EF.CardAccess is malformed"),
            Problem::Dg14Malformed => f.write_str("DG14 is malformed"),
        }
    }
}

/// Reads the passport in `card` with the keys of the printed `mrz` (or the CAN) and proves it genuine.
///
/// # Errors
/// [`Error::AccessControl`] when the chip refuses PACE or BAC, [`Error::Hardware`] when the card leaves or the reader
/// fails (a card pulled mid-read is [`hal::Error::CardRemoved`]), [`Error::ChipStatus`]/[`Error::Protocol`] when
/// the chip refuses a read or answers garbage, [`Error::MissingFile`] when DG1 is absent. A document or chip that
/// is not genuine is not an error: it is the read's [`Authenticity`].
#[instrument(skip_all, fields(reader = card.reader_name()))]
pub fn read_passport<T: CardTransport>(card: T, mrz: &Mrz, options: &ReadOptions) -> Result<ChipRead, Error> {
    let started = Instant::now();
    let mut chip = Chip::new(card);
    let mut files = Files::default();
    let mut problems = Vec::new();
    let card_access = match chip.read_card_access()? {
        Some(bytes) => {
            let infos = SecurityInfos::from_card_access(&bytes);
            files.insert(FileId::CardAccess, bytes);
            match infos {
                Ok(infos) => Some(infos),
                Err(e) => {
                    debug!(error = %e, "EF.CardAccess does not parse");
                    problems.push(Problem::CardAccessMalformed);
                    None
                }
            }
        }
        None => None,
    };
    let policy = block_policy(&mut chip, options)?;
    let (mut chip, access) = session::establish(chip, card_access.as_ref(), mrz, options, policy)?;
    let apdus_access = chip.stats().apdus;

    let mut wanted = vec![FileId::Sod, FileId::Dg(1), FileId::Dg(2)];
    if files.fetch(&mut chip, FileId::Com)? {
        match files.get(FileId::Com).map(Com::parse) {
            Some(Ok(com)) => wanted.extend([11u8, 12, 14, 15].into_iter().map(FileId::Dg).filter(|f| com.lists(*f))),
            _ => {
                problems.push(Problem::ComMalformed);
                wanted.extend([FileId::Dg(14), FileId::Dg(15)]);
            }
        }
    } else {
        problems.push(Problem::MissingFile(FileId::Com));
        wanted.extend([FileId::Dg(14), FileId::Dg(15)]);
    }
    for file in wanted {
        if !files.fetch(&mut chip, file)? && matches!(file, FileId::Sod | FileId::Dg(1) | FileId::Dg(2)) {
            problems.push(Problem::MissingFile(file));
        }
    }
    let dg14 = files.get(FileId::Dg(14)).and_then(|b| match SecurityInfos::from_dg14(b) {
        Ok(infos) => Some(infos),
        Err(e) => {
            debug!(error = %e, "DG14 does not parse");
            problems.push(Problem::Dg14Malformed);
            None
        }
    });
    let apdus_read = chip.stats().apdus;
    let chip_check = prove_chip(&mut chip, &access, dg14.as_ref(), &files)?;
    let apdus_chip_authentication = chip.stats().apdus - apdus_read;
    let elapsed = started.elapsed();
    let stats = chip.stats();
    let extended_length = chip.policy().extended_in_use();
    let block_size = chip.policy().current_block().unwrap_or(0);

    let dg1_bytes = files.get(FileId::Dg(1)).ok_or(Error::MissingFile(FileId::Dg(1)))?;
    let dg1 = Dg1::parse(dg1_bytes).map_err(|e| Error::Protocol { step: Step::Decode(FileId::Dg(1)), source: e })?;
    let dg1_matches_printed = dg1.mrz.concatenated() == mrz.concatenated();

    let face = files.get(FileId::Dg(2)).and_then(|bytes| match Dg2::parse(bytes) {
        Ok(dg2) => summarise_face(&dg2, options, &mut problems),
        Err(e) => {
            debug!(error = %e, "DG2 does not parse");
            problems.push(Problem::FaceContainer);
            None
        }
    });

    let findings =
        verdict::Findings { chip: chip_check, dg1_matches_printed, pace_unsupported: access.pace_unsupported };
    let authenticity = verdict::assess(&files, findings, &options.trust, options.at);
    let order = files.order().to_vec();
    Ok(ChipRead {
        access_control: access.name,
        order,
        files: files.into_map(),
        dg1: dg1.mrz,
        dg1_matches_printed,
        face,
        problems,
        authenticity,
        stats,
        apdus_access,
        apdus_chip_authentication,
        extended_length,
        block_size,
        elapsed,
    })
}

/// The block policy: short only when asked or when the ATR says so; else sized from EF.ATR/INFO, or probed.
fn block_policy<T: CardTransport>(
    chip: &mut Chip<T, crate::chip::Open>,
    options: &ReadOptions,
) -> Result<BlockPolicy, Error> {
    let caps = chip.capabilities();
    let policy = if !options.extended_length {
        BlockPolicy::new(Extended::Off, None)
    } else if caps.stated && !caps.extended_length {
        // The chip says it does not take extended length: believe it rather than spend APDUs on asking.
        BlockPolicy::new(Extended::Off, None)
    } else {
        // Announced, or not stated either way: EF.ATR/INFO, when the chip has it, gives the buffer size.
        let sizes = chip.read_atr_info()?;
        debug!(?sizes, announced = caps.extended_length, "extended length");
        match (caps.extended_length, sizes) {
            (true, sizes) => BlockPolicy::new(Extended::Announced, sizes.map(|(_, response)| response)),
            (false, Some((_, response))) => BlockPolicy::new(Extended::Announced, Some(response)),
            (false, None) => BlockPolicy::new(Extended::Probe, None),
        }
    };
    Ok(policy.with_cap(options.max_block))
}

/// The chip refused to go on under secure messaging: a MAC it cannot check, or objects it cannot open.
fn is_secure_messaging_refused(e: &Error) -> bool {
    match e {
        Error::ChipStatus { sw, .. } => {
            matches!(sw, StatusWord::SmObjectsIncorrect | StatusWord::SmObjectsMissing)
        }
        Error::Protocol { source: mrtd::Error::ChipMisbehaved(_), .. } => true,
        _ => false,
    }
}

/// Proves the chip genuine once every file is read (ICAO 9303-11 §6): PACE-CAM's proof checked against DG14's
/// key; else Chip Authentication, confirmed by one protected read under the new keys (only the holder of DG14's
/// private key can derive them); else Active Authentication with DG15's key. The keys are trusted only once Passive
/// Authentication shows DG14 and DG15 untouched ([`verdict::assess`]).
fn prove_chip<T: CardTransport>(
    chip: &mut Chip<T, Secured>,
    access: &Access,
    dg14: Option<&SecurityInfos>,
    files: &Files,
) -> Result<ChipCheck, Error> {
    if let Some(cam) = &access.cam {
        let key = dg14.and_then(|d| d.chip_authentication_keys().next().cloned());
        return Ok(match key {
            Some(key) => match cam.verify(&key) {
                Ok(()) => ChipCheck::Ca,
                Err(e) => ChipCheck::Failed(format!("the PACE-CAM proof does not match DG14's key: {e}")),
            },
            None => ChipCheck::Failed("PACE-CAM ran, but no DG14 key is there to check its proof against".into()),
        });
    }
    if let Some(infos) = dg14 {
        match chip.chip_authentication(infos)? {
            Some(Ok(())) => {
                // One byte of EF.COM under the new keys.
                let cmd = crate::chip::strategy::read_command(FileId::Com, 0, 1, true);
                return Ok(match chip.confirm(&cmd) {
                    Ok(()) => ChipCheck::Ca,
                    Err(e) if is_secure_messaging_refused(&e) => ChipCheck::Failed(
                        "the chip cannot continue secure messaging under the keys of Chip Authentication: it does \
                         not hold DG14's private key"
                            .into(),
                    ),
                    Err(e) => return Err(e),
                });
            }
            Some(Err(why)) => return Ok(ChipCheck::Failed(not_genuine("Chip Authentication", &why))),
            None => {}
        }
    }
    match files.get(FileId::Dg(15)) {
        None => Ok(ChipCheck::NotSupported),
        Some(bytes) => match AaPublicKey::from_dg15(bytes) {
            Err(_) => Ok(ChipCheck::Failed("DG15's Active Authentication key does not parse".into())),
            Ok(key) => Ok(match chip.active_authentication(&key, dg14)? {
                Ok(()) => ChipCheck::Aa,
                Err(why) => ChipCheck::Failed(not_genuine("Active Authentication", &why)),
            }),
        },
    }
}

fn not_genuine(protocol: &str, why: &NotGenuine) -> String {
    match why {
        NotGenuine::Refused(e) => format!("{protocol} failed: {e}"),
        NotGenuine::BadSignature => format!("{protocol}: the chip's signature does not verify with DG15's key"),
    }
}

fn summarise_face(dg2: &Dg2, options: &ReadOptions, problems: &mut Vec<Problem>) -> Option<FaceSummary> {
    let Some(face) = dg2.faces.first() else {
        problems.push(Problem::FaceContainer);
        return None;
    };
    let mut summary = FaceSummary {
        container: face.container,
        image_format: face.image_format,
        width: face.width.map(u32::from),
        height: face.height.map(u32::from),
        decoded: false,
    };
    if options.decode_face {
        match face.decode(MAX_FACE_PIXELS) {
            Ok(pixels) => {
                summary.width = Some(pixels.width);
                summary.height = Some(pixels.height);
                summary.decoded = true;
            }
            Err(e) => {
                debug!(error = %e, "face image does not decode");
                problems.push(Problem::FaceImage);
            }
        }
    }
    Some(summary)
}
