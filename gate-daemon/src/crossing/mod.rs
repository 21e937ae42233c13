//! The crossing: one traveller's passage through the gate (DOMAIN.md, "One crossing, step by step").
//!
//! This module holds what every part of the gate that speaks of a crossing shares: the referral reasons, whose codes
//! the console, the audit, the metrics and the simulator's scenarios key on (CLI.md, "Referral reasons"), and the
//! bilingual display messages the traveller reads.

pub mod counter;
pub mod io;
pub mod machine;
pub mod policy;
pub mod safety;
#[cfg(test)]
mod testing;

/// Why the gate sends a traveller to an officer instead of opening the exit door.
///
/// Security is fail-closed: every failure or missing piece maps to one of these, never to a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Referral {
    /// The MRZ check digits did not validate.
    MrzUnreadable,
    /// The chip did not answer.
    ChipUnreadable,
    /// BAC or PACE failed.
    AccessControlFailed,
    /// Passive Authentication failed or could not be completed.
    DocumentNotGenuine,
    /// Chip or Active Authentication failed: a copied chip.
    ChipNotGenuine,
    /// The document is expired or too close to expiry.
    DocumentExpired,
    /// Age, nationality or document type is not served by this gate.
    Ineligible,
    /// The live face did not match the chip photo within the allowed tries.
    FaceMismatch,
    /// No capture of usable quality within the allowed tries.
    FaceQuality,
    /// A presentation attack was detected.
    PresentationAttack,
    /// The watchlist reported a hit; never shown to the traveller.
    Watchlist,
    /// The watchlist is out of date, so no clear answer can be given.
    WatchlistStale,
    /// More than one person in the mantrap.
    Tailgating,
    /// A step did not finish in its time.
    Timeout,
    /// Something stayed in the gate after the traveller left.
    ObjectLeft,
    /// A door did not reach its commanded position.
    DoorFault,
    /// Fire alarm or break-glass.
    Emergency,
    /// An officer took the crossing over.
    Officer,
}

impl Referral {
    /// Every reason, in the order CLI.md lists them.
    pub const ALL: [Referral; 18] = [
        Referral::MrzUnreadable,
        Referral::ChipUnreadable,
        Referral::AccessControlFailed,
        Referral::DocumentNotGenuine,
        Referral::ChipNotGenuine,
        Referral::DocumentExpired,
        Referral::Ineligible,
        Referral::FaceMismatch,
        Referral::FaceQuality,
        Referral::PresentationAttack,
        Referral::Watchlist,
        Referral::WatchlistStale,
        Referral::Tailgating,
        Referral::Timeout,
        Referral::ObjectLeft,
        Referral::DoorFault,
        Referral::Emergency,
        Referral::Officer,
    ];

    /// The reason whose code is `code`.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Referral> {
        Referral::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The stable code shared by scenarios, the console, the audit and the metrics (CLI.md).
    pub fn as_str(self) -> &'static str {
        match self {
            Referral::MrzUnreadable => "mrz_unreadable",
            Referral::ChipUnreadable => "chip_unreadable",
            Referral::AccessControlFailed => "access_control_failed",
            Referral::DocumentNotGenuine => "document_not_genuine",
            Referral::ChipNotGenuine => "chip_not_genuine",
            Referral::DocumentExpired => "document_expired",
            Referral::Ineligible => "ineligible",
            Referral::FaceMismatch => "face_mismatch",
            Referral::FaceQuality => "face_quality",
            Referral::PresentationAttack => "presentation_attack",
            Referral::Watchlist => "watchlist",
            Referral::WatchlistStale => "watchlist_stale",
            Referral::Tailgating => "tailgating",
            Referral::Timeout => "timeout",
            Referral::ObjectLeft => "object_left",
            Referral::DoorFault => "door_fault",
            Referral::Emergency => "emergency",
            Referral::Officer => "officer",
        }
    }
}

/// What the gate's display tells the traveller, always in Indonesian and English.
///
/// There is one neutral referral message for every reason: a watchlist hit must look to the traveller exactly like any
/// other referral (DOMAIN.md step 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Message {
    /// Idle: the gate waits for a passport.
    PlacePassport,
    /// The chip and the checks are running.
    ReadingPassport,
    /// The entry door is open for the traveller.
    PleaseEnter,
    /// Face capture.
    LookAtCamera,
    /// Pass: the exit door is open.
    PleaseProceed,
    /// Any referral, whatever the reason.
    SeeOfficer,
    /// More than one person in the mantrap.
    OnePersonOnly,
    /// Fire alarm or break-glass: both doors released.
    Emergency,
    /// The lane is closed or in maintenance.
    LaneClosed,
}

impl Message {
    /// Every message.
    pub const ALL: [Message; 9] = [
        Message::PlacePassport,
        Message::ReadingPassport,
        Message::PleaseEnter,
        Message::LookAtCamera,
        Message::PleaseProceed,
        Message::SeeOfficer,
        Message::OnePersonOnly,
        Message::Emergency,
        Message::LaneClosed,
    ];

    /// The text as (Indonesian, English).
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Message::PlacePassport => ("Letakkan paspor Anda", "Place your passport"),
            Message::ReadingPassport => ("Membaca paspor, mohon tunggu", "Reading your passport, please wait"),
            Message::PleaseEnter => ("Silakan masuk", "Please enter"),
            Message::LookAtCamera => ("Lihat ke kamera", "Look at the camera"),
            Message::PleaseProceed => ("Silakan lanjut", "Please proceed"),
            Message::SeeOfficer => ("Silakan menuju petugas", "Please see an officer"),
            Message::OnePersonOnly => ("Satu orang saja", "One person at a time"),
            Message::Emergency => ("Keadaan darurat, silakan keluar", "Emergency, please leave the gate"),
            Message::LaneClosed => ("Jalur ditutup", "Lane closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Message, Referral};

    #[test]
    fn every_message_has_both_languages() {
        for m in Message::ALL {
            let (id, en) = m.text();
            assert!(!id.is_empty() && !en.is_empty(), "{m:?}");
            assert_ne!(id, en, "{m:?} is not translated");
        }
    }

    /// The codes are a stable surface: they are exactly those CLI.md lists, in its order (read from
    /// ../shared/CLI.md, its paragraph "Referral reasons").
    #[test]
    fn referral_codes_are_exactly_those_of_cli_md() {
        let cli = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/CLI.md")).unwrap();
        let paragraph = cli.split("Referral reasons").nth(1).unwrap().split("\n\n").next().unwrap();
        let listed: Vec<&str> = paragraph.split('`').skip(1).step_by(2).collect();
        let codes: Vec<&str> = Referral::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(codes, listed);
    }
}
