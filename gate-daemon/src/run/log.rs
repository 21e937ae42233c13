//! The gate's event log, one JSON object per line, and the journal that tells a restarted daemon a crossing was
//! cut short.
//!
//! The event log holds steps, outcomes, reasons, door and display changes, never personal data: no name, no
//! document number, no image. Each line has `t_ms` (milliseconds since the daemon started), `gate`, `event`, and
//! `crossing` where one is under way. Integrators and the simulator's scenarios read it; the officer's audit trail
//! is built from the same records.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hal::gate::Door;
use serde_json::{Value, json};
use tracing::warn;

use crate::crossing::Referral;
use crate::crossing::io::{Command, DoorWant, Lamps, Record};

/// Where the event log goes.
#[derive(Debug)]
pub struct EventLog {
    gate: String,
    out: Sink,
    lines: u64,
}

#[derive(Debug)]
enum Sink {
    Stdout,
    File(std::fs::File),
}

impl EventLog {
    /// An event log appended to `path`, or written to stdout when `path` is `-`; the folder is made if missing.
    ///
    /// # Errors
    /// The I/O error of creating the folder or opening the file.
    pub fn open(path: &Path, gate: &str) -> std::io::Result<EventLog> {
        let out = if path == Path::new("-") {
            Sink::Stdout
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            Sink::File(std::fs::OpenOptions::new().create(true).append(true).open(path)?)
        };
        Ok(EventLog { gate: gate.to_owned(), out, lines: 0 })
    }

    /// Lines written so far.
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Writes one event. A write that fails is logged and dropped: the crossing goes on (the audit trail has its
    /// own guarantees).
    pub fn write(&mut self, t: Duration, crossing: Option<u64>, event: &str, mut fields: Value) {
        let mut line =
            json!({ "t_ms": u64::try_from(t.as_millis()).unwrap_or(u64::MAX), "gate": self.gate, "event": event });
        if let (Some(map), Some(n)) = (line.as_object_mut(), crossing) {
            map.insert("crossing".into(), json!(n));
        }
        if let (Some(map), Some(extra)) = (line.as_object_mut(), fields.as_object_mut()) {
            map.append(extra);
        }
        let text = format!("{line}\n");
        let result = match &mut self.out {
            Sink::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Sink::File(f) => f.write_all(text.as_bytes()),
        };
        match result {
            Ok(()) => self.lines += 1,
            Err(e) => warn!(error = %e, "cannot write the event log"),
        }
    }

    /// Writes what `command` says, when it is worth a line: records, referrals, door wishes, display and lamps.
    pub fn command(&mut self, t: Duration, crossing: Option<u64>, command: &Command) {
        match command {
            Command::Record(record) => self.record(t, record),
            Command::Refer(reason) => self.write(t, crossing, "refer", json!({ "reason": reason.as_str() })),
            Command::Door(door, want) => {
                let want = if *want == DoorWant::Open { "open" } else { "closed" };
                self.write(t, crossing, "door", json!({ "door": door.name(), "want": want }));
            }
            Command::Show(message) => {
                let (id, en) = message.text();
                self.write(t, crossing, "display", json!({ "id": id, "en": en }));
            }
            Command::Lamps(lamps) => {
                let lamps = match lamps {
                    Lamps::Off => "off",
                    Lamps::Green => "green",
                    Lamps::Red => "red",
                };
                self.write(t, crossing, "lamps", json!({ "lamps": lamps }));
            }
            _ => {}
        }
    }

    fn record(&mut self, t: Duration, record: &Record) {
        let door = |d: &Option<Door>| d.map(Door::name);
        let reason = |r: &Option<Referral>| r.map(Referral::as_str);
        match record {
            Record::CrossingStarted { crossing } => self.write(t, Some(*crossing), "crossing_started", json!({})),
            Record::StepDone { crossing, step, ok, elapsed_ms } => self.write(
                t,
                Some(*crossing),
                "step",
                json!({ "step": step.as_str(), "ok": ok, "elapsed_ms": elapsed_ms }),
            ),
            Record::Decided { crossing, referral, elapsed_ms } => self.write(
                t,
                Some(*crossing),
                "decided",
                json!({ "outcome": if referral.is_some() { "refer" } else { "pass" }, "reason": reason(referral),
                        "elapsed_ms": elapsed_ms }),
            ),
            Record::CrossingEnded { crossing, left_by } => {
                self.write(t, Some(*crossing), "crossing_ended", json!({ "left_by": door(left_by) }));
            }
            Record::ObjectLeft => self.write(t, None, "object_left", json!({})),
            Record::Emergency { active } => self.write(t, None, "emergency", json!({ "active": active })),
            Record::Officer(command) => self.write(t, None, "officer", json!({ "command": command.as_str() })),
            Record::DoorFault { door } => self.write(t, None, "door_fault", json!({ "door": door.name() })),
            Record::Started { interrupted } => self.write(t, None, "started", json!({ "interrupted": interrupted })),
        }
    }
}

/// A marker file present while a crossing is under way, so that a daemon that restarts after a crash knows it
/// cut one short. It holds nothing but the crossing's number.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal at `path`.
    #[must_use]
    pub fn new(path: PathBuf) -> Journal {
        Journal { path }
    }

    /// Whether the last run left a crossing under way.
    #[must_use]
    pub fn interrupted(&self) -> bool {
        self.path.exists()
    }

    /// Marks a crossing as under way (or not). Failing to write it is logged: the gate still works, it would only
    /// not know after a crash.
    pub fn set(&self, crossing: Option<u64>) {
        let result = match crossing {
            Some(n) => {
                if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    let _ = std::fs::create_dir_all(dir);
                }
                std::fs::write(&self.path, format!("{n}\n"))
            }
            None => match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
        if let Err(e) = result {
            warn!(error = %e, path = %self.path.display(), "cannot update the crossing journal");
        }
    }
}
