//! The chip step of a crossing: wait for the passport on the reader, read and prove it, and reduce the result to
//! what the crossing machine decides on.
//!
//! The read itself is `read::read_passport`, the same as `gate-daemon read-chip`. Every failure becomes a referral
//! reason: a card pulled, a reader or pcscd gone, a chip that refuses or garbles are `chip_unreadable`; BAC or
//! PACE refused is `access_control_failed`; the proofs' reasons keep their own codes.

use std::sync::Arc;
use std::time::Duration;

use hal::card::{PcscHandle, ReaderSelection};
use mrtd::lds::FileId;
use mrtd::mrz::{Mrz, Ymd};
use mrtd::pa::TrustStore;
use tracing::{debug, info};
use zeroize::Zeroizing;

use crate::crossing::Referral;
use crate::crossing::io::ChipFacts;
use crate::crossing::policy::DocumentFacts;
use crate::read::{self, ChipRead, Problem, ReadOptions};

/// What the loop keeps of a good read: the facts for the machine, and the chip photo for the face step.
#[derive(Debug)]
pub struct ChipOutcome {
    /// The facts eligibility is decided on.
    pub facts: ChipFacts,
    /// DG2 as read (personal data: wiped on drop).
    pub dg2: Zeroizing<Vec<u8>>,
    /// APDUs exchanged, for the event log.
    pub apdus: usize,
    /// Bytes over the air, both ways, for the event log.
    pub bytes: usize,
    /// Time from the first APDU to the last file.
    pub elapsed: Duration,
}

/// The settings of the chip step.
#[derive(Debug, Clone)]
pub struct ChipSettings {
    /// Which reader.
    pub reader: ReaderSelection,
    /// Use extended length when the chip takes it.
    pub extended_length: bool,
    /// The trust anchors of Passive Authentication.
    pub trust: Arc<TrustStore>,
}

/// Waits up to `wait` for the passport, reads it with the keys of `mrz` and proves it.
///
/// # Errors
/// The referral reason when the chip cannot be read or is not proved genuine.
pub async fn read_chip(
    handle: PcscHandle,
    settings: ChipSettings,
    mrz: Mrz,
    today: Ymd,
    wait: Duration,
) -> Result<ChipOutcome, Referral> {
    let present = handle.wait_for_card(&settings.reader, wait).await.map_err(|e| unreadable(&e.into()))?;
    if present.is_none() {
        info!("no passport on the reader");
        return Err(Referral::ChipUnreadable);
    }
    let card = handle.connect(&settings.reader).await.map_err(|e| unreadable(&e.into()))?;
    let options = ReadOptions {
        extended_length: settings.extended_length,
        // The face step decodes the photo itself; decoding it here too would only cost time.
        decode_face: false,
        trust: settings.trust,
        at: std::time::SystemTime::now(),
        ..ReadOptions::default()
    };
    let read = tokio::task::spawn_blocking(move || read::read_passport(card, &mrz, &options))
        .await
        .map_err(|_| Referral::ChipUnreadable)?
        .map_err(|e| unreadable(&e))?;
    judge(read, today)
}

fn unreadable(e: &crate::Error) -> Referral {
    debug!(kind = e.kind(), error = %e, "chip read failed");
    match e.kind() {
        "access_control_failed" => Referral::AccessControlFailed,
        _ => Referral::ChipUnreadable,
    }
}

/// Reduces a read to the crossing's facts, or the first reason to refer.
///
/// # Errors
/// The reason of the read's first proof that failed; `document_not_genuine` when Passive Authentication is not
/// `valid` for any other reason; `chip_unreadable` when DG2 is missing, since no face can then be matched.
pub fn judge(mut read: ChipRead, today: Ymd) -> Result<ChipOutcome, Referral> {
    if let Some(reason) = read.authenticity.reasons.first() {
        info!(code = reason.code, "the document or chip is not proved genuine");
        return Err(Referral::from_code(reason.code).unwrap_or(Referral::DocumentNotGenuine));
    }
    if read.authenticity.passive != read::verdict::Passive::Valid || !read.dg1_matches_printed {
        return Err(Referral::DocumentNotGenuine);
    }
    if read.problems.iter().any(|p| matches!(p, Problem::MissingFile(FileId::Dg(2)) | Problem::FaceContainer)) {
        return Err(Referral::ChipUnreadable);
    }
    let dg2 = read.files.remove(&FileId::Dg(2)).ok_or(Referral::ChipUnreadable)?;
    let dg1 = &read.dg1;
    let bare = |s: &str| s.trim_end_matches('<').replace('<', "");
    let facts = ChipFacts {
        document: DocumentFacts {
            document_code: bare(dg1.document_code()),
            nationality: bare(dg1.nationality()),
            date_of_birth: dg1.birth_date(today),
            date_of_expiry: dg1.expiry_date(today),
        },
        today,
    };
    Ok(ChipOutcome {
        facts,
        dg2,
        apdus: read.stats.apdus,
        bytes: read.stats.bytes_sent + read.stats.bytes_received,
        elapsed: read.elapsed,
    })
}
