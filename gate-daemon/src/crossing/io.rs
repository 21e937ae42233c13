//! What goes into the crossing state machine and what comes out of it: [`Event`]s in, [`Command`]s out.
//!
//! The machine does no I/O (STYLE.md, convention 1): the daemon's loop turns serial lines, chip reads, face matches,
//! watchlist answers, sensor edges and officer actions into events, and carries the commands out. Personal data
//! stays with the loop: the MRZ, DG1 and the faces never enter the machine, only the facts a decision needs.

use hal::gate::{Door, Input, Levels};
use mrtd::mrz::Ymd;

use super::policy::DocumentFacts;
use super::{Message, Referral};

/// Something that happened at the gate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The loop has read the inputs for the first time: the machine learns where the doors are and whether anyone
    /// is inside, and only then drives anything (start-up begins in the safe state).
    Started {
        /// Every input's level at start.
        levels: Levels,
        /// Whether the previous run of the daemon ended in the middle of a crossing (its journal says so).
        interrupted: bool,
    },
    /// The document reader sent an MRZ: `Ok` when every check digit holds (the loop keeps the lines), else
    /// `Err` with the reason.
    Mrz(Result<(), Referral>),
    /// The chip was read and the document and chip proved genuine, with the facts eligibility needs, or the
    /// reason it failed.
    Chip(Result<ChipFacts, Referral>),
    /// The watchlist's answer for the direction of travel.
    Screened(Screening),
    /// One live capture was matched against the chip photo.
    Face(FaceResult),
    /// An input changed level (logical: `true` = active).
    Input(Input, bool),
    /// An officer's command from the console or the lane's panel.
    Officer(OfficerCommand),
    /// Time passed: the loop sends this at least every few tens of milliseconds so that deadlines fire.
    Tick,
}

/// What the chip read established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipFacts {
    /// The document as eligibility sees it (from DG1, which equals the printed MRZ).
    pub document: DocumentFacts,
    /// The date of the crossing, in the gate's time zone.
    pub today: Ymd,
}

/// The watchlist's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screening {
    /// No entry is close enough.
    Clear,
    /// An entry scored `possible` or `hit`: refer, and let the officer judge.
    Listed,
    /// The list in force is older than its maximum age, or no list is in force.
    Stale,
    /// The store could not be read: fail closed.
    Unavailable,
}

/// The outcome of one live capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceResult {
    /// The live face matches the chip photo.
    Match,
    /// A face was captured and does not match.
    NoMatch,
    /// No capture of usable quality (no face, several faces, blur, pose).
    PoorQuality,
    /// A presentation attack was detected.
    Attack,
    /// The camera gave no frame in time.
    CameraFailed,
}

/// What an officer can tell the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficerCommand {
    /// Let the traveller through: open the exit door.
    ReleaseExit,
    /// Send the traveller back: open the entry door.
    SendBack,
    /// Return the gate to service after a referral, a fault or an emergency (the emergency input must be off).
    Reset,
    /// Stop taking travellers.
    CloseLane,
    /// Take travellers again.
    OpenLane,
}

impl OfficerCommand {
    /// Every command.
    pub const ALL: [OfficerCommand; 5] = [
        OfficerCommand::ReleaseExit,
        OfficerCommand::SendBack,
        OfficerCommand::Reset,
        OfficerCommand::CloseLane,
        OfficerCommand::OpenLane,
    ];

    /// The command's name in the audit trail and the console.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OfficerCommand::ReleaseExit => "release_exit",
            OfficerCommand::SendBack => "send_back",
            OfficerCommand::Reset => "reset",
            OfficerCommand::CloseLane => "close_lane",
            OfficerCommand::OpenLane => "open_lane",
        }
    }
}

/// Where the machine wants a door. [`super::safety::Safety`] alone turns this into drive and lock levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorWant {
    /// Unlocked and driven open.
    Open,
    /// Driven closed, and locked once closed.
    Closed,
}

/// The indicator lamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lamps {
    /// Both off.
    Off,
    /// Green: go ahead.
    Green,
    /// Red: stop, see an officer, fault.
    Red,
}

/// Something the loop must do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// Put a door where the machine wants it.
    Door(Door, DoorWant),
    /// Set the lamps.
    Lamps(Lamps),
    /// Sound the buzzer, or stop it.
    Buzzer(bool),
    /// Show a message on the display (both languages).
    Show(Message),
    /// Read the chip with the MRZ the loop holds, and prove it; answer with [`Event::Chip`].
    ReadChip,
    /// Screen the holder of the MRZ the loop holds against the watchlist; answer with [`Event::Screened`].
    Screen,
    /// Take one live capture and match it; answer with [`Event::Face`].
    Capture {
        /// 1 for the first try.
        attempt: u8,
    },
    /// Stop any read, screening or capture under way: their answers no longer count.
    Abandon,
    /// Clear the emergency latch of [`super::safety::Safety`], which clears it only when the emergency input is
    /// off.
    ResetEmergency,
    /// Forget the crossing's personal data: the MRZ, DG1, the chip photo, the live frames and templates.
    WipePersonalData,
    /// Call an officer, with the reason.
    Refer(Referral),
    /// Write a record to the event log and the audit trail.
    Record(Record),
}

/// One step of a crossing, as the event log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The MRZ from the document reader.
    Mrz,
    /// Chip access, reading, and the document's and chip's proofs.
    Chip,
    /// Eligibility: type, nationality, age, validity.
    Eligibility,
    /// The watchlist.
    Screening,
    /// The entry door and the traveller coming in, alone.
    Entry,
    /// The face.
    Face,
    /// The exit.
    Exit,
}

impl Step {
    /// The step's name in the event log.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Mrz => "mrz",
            Step::Chip => "chip",
            Step::Eligibility => "eligibility",
            Step::Screening => "screening",
            Step::Entry => "entry",
            Step::Face => "face",
            Step::Exit => "exit",
        }
    }
}

/// What the event log and the audit trail keep of a crossing: steps, outcomes and reasons, never personal data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Record {
    /// A traveller's document was read: a crossing begins.
    CrossingStarted {
        /// The crossing's number since the daemon started.
        crossing: u64,
    },
    /// A step ended.
    StepDone {
        /// The crossing.
        crossing: u64,
        /// Which step.
        step: Step,
        /// Whether it let the crossing go on.
        ok: bool,
        /// How long it took, in milliseconds.
        elapsed_ms: u64,
    },
    /// The gate decided.
    Decided {
        /// The crossing.
        crossing: u64,
        /// `None` for a pass, the reason for a referral.
        referral: Option<Referral>,
        /// From the MRZ to the decision, in milliseconds.
        elapsed_ms: u64,
    },
    /// The traveller has left and the gate is ready for the next.
    CrossingEnded {
        /// The crossing.
        crossing: u64,
        /// Which way the traveller left: the exit door, back through the entry door, or never in.
        left_by: Option<Door>,
    },
    /// Something stayed in the mantrap after the traveller left.
    ObjectLeft,
    /// The emergency input became active or the emergency was reset.
    Emergency {
        /// `true` when it began.
        active: bool,
    },
    /// An officer's command was carried out.
    Officer(OfficerCommand),
    /// A door did not reach its position in time.
    DoorFault {
        /// Which door.
        door: Door,
    },
    /// The daemon started; `interrupted` when a crossing was under way when it last stopped.
    Started {
        /// Whether a crossing was cut short.
        interrupted: bool,
    },
}
