//! What a read proves (ICAO 9303-11 §5, §6): Passive Authentication of EF.SOD and of every data group read, the
//! chip's own proof (PACE-CAM, Chip or Active Authentication), DG1 against the printed MRZ. Security fails closed:
//! whatever is missing or fails is a reason to refer, named with the referral codes of ../shared/CLI.md.

use std::time::SystemTime;

use mrtd::lds::FileId;
use mrtd::pa::{DgCheck, PaReport, Sod, Status, TrustStore};

use super::session::Files;

/// The verdict of Passive Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passive {
    /// The SOD's signature verifies, its signer chains to a trusted CSCA, every data group read matches its hash.
    Valid,
    /// A signature, a hash or a certificate's status is wrong.
    Invalid,
    /// Nothing is wrong, but no trusted CSCA vouches for the signer.
    Untrusted,
    /// There was no SOD to check.
    NotChecked,
}

impl Passive {
    /// The word `read-chip` reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Passive::Valid => "valid",
            Passive::Invalid => "invalid",
            Passive::Untrusted => "untrusted",
            Passive::NotChecked => "not_checked",
        }
    }
}

/// What proved, or failed to prove, the chip genuine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipCheck {
    /// Chip Authentication, or PACE-CAM, with DG14's key.
    Ca,
    /// Active Authentication with DG15's key.
    Aa,
    /// The chip offers neither.
    NotSupported,
    /// The chip failed the proof it offers: a copy, or a broken chip.
    Failed(String),
}

impl ChipCheck {
    /// The word `read-chip` reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChipCheck::Ca => "CA",
            ChipCheck::Aa => "AA",
            ChipCheck::NotSupported => "not_supported",
            ChipCheck::Failed(_) => "failed",
        }
    }
}

/// One reason to refer: a referral code and what exactly failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The referral code (`document_not_genuine`, `chip_not_genuine`, `access_control_failed` ...).
    pub code: &'static str,
    /// What failed, for the officer.
    pub detail: String,
}

impl Reason {
    fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self { code, detail: detail.into() }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

/// Everything the read proves about the document and the chip.
#[derive(Debug, Clone)]
pub struct Authenticity {
    /// Passive Authentication.
    pub passive: Passive,
    /// The chip's proof.
    pub chip: ChipCheck,
    /// Every reason to refer; empty when the document and the chip are proven genuine.
    pub reasons: Vec<Reason>,
    /// Passive Authentication's full report, when it ran.
    pub pa: Option<PaReport>,
}

/// What the session found before the verdict.
#[derive(Debug)]
pub struct Findings {
    /// The chip's proof as the session ran it.
    pub chip: ChipCheck,
    /// DG1 equals the MRZ printed on the data page.
    pub dg1_matches_printed: bool,
    /// PACE was offered but could not be run, so BAC was used.
    pub pace_unsupported: bool,
}

/// Runs Passive Authentication on the files read and puts the verdict together.
pub fn assess(files: &Files, findings: Findings, trust: &TrustStore, at: SystemTime) -> Authenticity {
    let mut reasons = Vec::new();
    let (passive, pa) = match files.get(FileId::Sod) {
        None => {
            reasons.push(Reason::new("document_not_genuine", "the chip has no EF.SOD"));
            (Passive::NotChecked, None)
        }
        Some(bytes) => match Sod::parse(bytes) {
            Err(e) => {
                reasons.push(Reason::new("document_not_genuine", format!("EF.SOD is malformed: {e}")));
                (Passive::Invalid, None)
            }
            Ok(sod) => {
                let report = sod.verify(&files.data_groups(), trust, at);
                for reason in &report.reasons {
                    reasons.push(Reason::new(
                        "document_not_genuine",
                        format!("{}: {}", reason.code.as_str(), reason.message),
                    ));
                }
                let passive = match report.status {
                    Status::Valid => Passive::Valid,
                    Status::Invalid => Passive::Invalid,
                    Status::Untrusted => Passive::Untrusted,
                };
                (passive, Some(report))
            }
        },
    };
    if !findings.dg1_matches_printed {
        reasons.push(Reason::new("document_not_genuine", "DG1 differs from the MRZ printed on the data page"));
    }
    if findings.pace_unsupported {
        reasons.push(Reason::new(
            "access_control_failed",
            "the chip offers PACE, but none of its PACE protocols can be run here; BAC was used",
        ));
    }

    // A key proves the chip genuine only when the SOD vouches for the file that holds it.
    let covered = |dg: u8| pa.as_ref().is_some_and(|r| r.data_groups.get(&dg) == Some(&DgCheck::Match));
    let chip = match findings.chip {
        ChipCheck::Ca if !covered(14) => ChipCheck::Failed(
            "DG14, which holds the Chip Authentication key, is not \
             covered by a matching hash in EF.SOD"
                .into(),
        ),
        ChipCheck::Aa if !covered(15) => ChipCheck::Failed(
            "DG15, which holds the Active Authentication key, is not \
             covered by a matching hash in EF.SOD"
                .into(),
        ),
        other => other,
    };
    match &chip {
        ChipCheck::Failed(why) => reasons.push(Reason::new("chip_not_genuine", why.clone())),
        ChipCheck::NotSupported => reasons.push(Reason::new(
            "chip_not_genuine",
            "the chip offers neither Chip nor Active Authentication, so a copy cannot be told from it",
        )),
        ChipCheck::Ca | ChipCheck::Aa => {}
    }
    Authenticity { passive, chip, reasons, pa }
}
