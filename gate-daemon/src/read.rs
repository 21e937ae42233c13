//! Reading a traveller's passport: access control with the keys of the printed MRZ, then EF.COM, EF.SOD, DG1, DG2 and
//! the other data groups the chip lists, each once (ICAO 9303-10 §3, 9303-11 §4). Blocking: run it on a thread of
//! its own or in `spawn_blocking`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hal::card::CardTransport;
use mrtd::bac::BacKeys;
use mrtd::lds::FileId;
use mrtd::lds::com::Com;
use mrtd::lds::dg1::Dg1;
use mrtd::lds::dg2::{Container, Dg2, ImageFormat};
use mrtd::mrz::Mrz;
use tracing::{debug, info, instrument};
use zeroize::Zeroizing;

use crate::chip::strategy::Extended;
use crate::chip::{BlockPolicy, Chip, Stats};
use crate::error::{Error, Step};

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
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { extended_length: true, decode_face: true, max_block: None }
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
    /// The access control used: `BAC` for now.
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
    /// The session's counters.
    pub stats: Stats,
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
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::MissingFile(file) => write!(f, "{file} is missing"),
            Problem::FaceContainer => f.write_str("DG2 is malformed"),
            Problem::FaceImage => f.write_str("the face image in DG2 does not decode"),
            Problem::ComMalformed => f.write_str("EF.COM is malformed"),
        }
    }
}

/// Reads the passport in `card` with the keys of the printed `mrz`.
///
/// # Errors
/// [`Error::AccessControl`] when the chip refuses the keys, [`Error::Hardware`] when the card leaves or the reader
/// fails (a card pulled mid-read is [`hal::Error::CardRemoved`]), [`Error::ChipStatus`]/[`Error::Protocol`] when
/// the chip refuses a read or answers garbage, [`Error::MissingFile`] when DG1 is absent.
#[instrument(skip_all, fields(reader = card.reader_name()))]
pub fn read_passport<T: CardTransport>(card: T, mrz: &Mrz, options: &ReadOptions) -> Result<ChipRead, Error> {
    let started = Instant::now();
    let mut chip = Chip::new(card);
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
    }
    .with_cap(options.max_block);
    chip.select_application()?;
    let keys = BacKeys::from_mrz_information(mrz.mrz_information());
    let mut chip = chip.bac(&keys, policy).map_err(|failed| failed.1)?;
    info!(access_control = "BAC", "secure messaging established");

    let mut files = BTreeMap::new();
    let mut order = Vec::new();
    let mut problems = Vec::new();
    let mut wanted = vec![FileId::Sod, FileId::Dg(1), FileId::Dg(2)];
    if fetch(&mut chip, FileId::Com, &mut files, &mut order)? {
        match files.get(&FileId::Com).map(|b| Com::parse(b)) {
            Some(Ok(com)) => {
                for n in [11u8, 12, 14, 15] {
                    if com.lists(FileId::Dg(n)) {
                        wanted.push(FileId::Dg(n));
                    }
                }
            }
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
        if !fetch(&mut chip, file, &mut files, &mut order)?
            && matches!(file, FileId::Sod | FileId::Dg(1) | FileId::Dg(2))
        {
            problems.push(Problem::MissingFile(file));
        }
    }
    let elapsed = started.elapsed();
    let stats = chip.stats();
    let extended_length = chip.policy().extended_in_use();
    let block_size = chip.policy().current_block().unwrap_or(0);

    let dg1_bytes = files.get(&FileId::Dg(1)).ok_or(Error::MissingFile(FileId::Dg(1)))?;
    let dg1 = Dg1::parse(dg1_bytes).map_err(|e| Error::Protocol { step: Step::Decode(FileId::Dg(1)), source: e })?;
    let dg1_matches_printed = dg1.mrz.concatenated() == mrz.concatenated();

    let face = files.get(&FileId::Dg(2)).and_then(|bytes| match Dg2::parse(bytes) {
        Ok(dg2) => summarise_face(&dg2, options, &mut problems),
        Err(e) => {
            debug!(error = %e, "DG2 does not parse");
            problems.push(Problem::FaceContainer);
            None
        }
    });

    Ok(ChipRead {
        access_control: "BAC",
        order,
        files,
        dg1: dg1.mrz,
        dg1_matches_printed,
        face,
        problems,
        stats,
        extended_length,
        block_size,
        elapsed,
    })
}

/// Reads one file into `files`, once; `false` when the chip does not have it.
fn fetch<T: CardTransport>(
    chip: &mut Chip<T, crate::chip::Secured>,
    file: FileId,
    files: &mut BTreeMap<FileId, Zeroizing<Vec<u8>>>,
    order: &mut Vec<FileId>,
) -> Result<bool, Error> {
    if files.contains_key(&file) {
        return Ok(true);
    }
    match chip.read_file(file, MAX_FILE_LEN)? {
        Some(bytes) => {
            debug!(%file, len = bytes.len(), "read");
            files.insert(file, Zeroizing::new(bytes));
            order.push(file);
            Ok(true)
        }
        None => Ok(false),
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
