//! Scenario files for `gate-sim scenario` (CLI.md, "Scenario (TOML)"): the gate's overrides, the watchlist in force,
//! the travellers in order with their passports, faces, behaviours and expected outcomes, and timed events.
//! Loaded and checked before anything runs; every refusal names the file and the key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::gate::Behaviour;

/// The referral codes a scenario may expect (CLI.md, "Referral reasons").
pub const REASONS: [&str; 18] = [
    "mrz_unreadable",
    "chip_unreadable",
    "access_control_failed",
    "document_not_genuine",
    "chip_not_genuine",
    "document_expired",
    "ineligible",
    "face_mismatch",
    "face_quality",
    "presentation_attack",
    "watchlist",
    "watchlist_stale",
    "tailgating",
    "timeout",
    "object_left",
    "door_fault",
    "emergency",
    "officer",
];

/// The behaviours the simulator knows, by name, with how the body walks and what else happens.
pub const BEHAVIOURS: [&str; 10] =
    ["normal", "slow", "turns_back", "tailgater", "together", "leaves_bag", "child", "impostor", "listed", "expired"];

/// The timed events the simulator knows.
pub const EVENTS: [&str; 13] = [
    "emergency",
    "emergency_reset",
    "card_removed",
    "pcscd_restart",
    "camera_fail",
    "door_jam:entry",
    "door_jam:exit",
    "sensor_stuck:approach",
    "sensor_stuck:mantrap",
    "sensor_stuck:exit",
    "daemon_restart",
    "officer_reset",
    "clear_lane",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    gate: toml::Table,
    watchlist: Option<WatchlistFile>,
    #[serde(default, rename = "traveller")]
    travellers: Vec<TravellerFile>,
    #[serde(default, rename = "event")]
    events: Vec<EventFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchlistFile {
    records: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TravellerFile {
    passport: PathBuf,
    #[serde(default = "same")]
    face: String,
    #[serde(default = "normal")]
    behaviour: String,
    #[serde(default)]
    chip_faults: Vec<String>,
    expect: String,
    /// A referral the gate also makes after this traveller (`object_left` after a bag was left).
    #[serde(default)]
    expect_after: Option<String>,
    /// The chip's RF link in kbit/s (default 424).
    #[serde(default)]
    chip_kbps: Option<u32>,
}

fn same() -> String {
    "same".into()
}

fn normal() -> String {
    "normal".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFile {
    at_s: f64,
    what: String,
}

/// What the camera sees for a traveller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Face {
    /// A live capture of the portrait's person: the portrait with changes of light and position.
    Same,
    /// The chip photo held up to the camera.
    ChipPhoto,
    /// Nobody in front of the camera.
    None,
    /// A picture file.
    Image(PathBuf),
}

/// The outcome a traveller's crossing must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The exit door opens.
    Pass,
    /// Referred with this reason.
    Refer(String),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Pass => f.write_str("pass"),
            Expect::Refer(r) => write!(f, "refer:{r}"),
        }
    }
}

/// One traveller.
#[derive(Debug, Clone)]
pub struct Traveller {
    /// The passport profile (TOML).
    pub passport: PathBuf,
    /// The camera's view.
    pub face: Face,
    /// The behaviour's name (one of [`BEHAVIOURS`]).
    pub behaviour: String,
    /// How the body walks.
    pub walk: Behaviour,
    /// Faults of the chip.
    pub chip_faults: Vec<String>,
    /// The expected outcome.
    pub expect: Expect,
    /// A referral expected after the traveller left.
    pub expect_after: Option<String>,
    /// The chip's RF link in kbit/s.
    pub chip_kbps: u32,
}

/// A timed event.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedEvent {
    /// Seconds from the start of the run.
    pub at_s: f64,
    /// What happens (one of [`EVENTS`]).
    pub what: String,
}

/// A loaded scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// The `[gate]` overrides, passed to the daemon's configuration as they are.
    pub gate: toml::Table,
    /// The watchlist records in force, if any (else an empty list is in force).
    pub watchlist: Option<PathBuf>,
    /// The travellers, in order.
    pub travellers: Vec<Traveller>,
    /// Timed events, in time order.
    pub events: Vec<TimedEvent>,
}

/// Why a scenario cannot be run.
#[derive(Debug, thiserror::Error)]
#[error("{}: {key}: {problem}", file.display())]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// The key at fault (`traveller[2].behaviour`), or `file`.
    pub key: String,
    /// What is wrong.
    pub problem: String,
}

impl Scenario {
    /// Reads and checks the scenario at `path`; paths inside are taken relative to its folder.
    ///
    /// # Errors
    /// [`ScenarioError`] naming the key: unreadable file, TOML error, unknown key, behaviour, face, event or
    /// reason, a file that a path names and that does not exist.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let err = |key: &str, problem: String| ScenarioError { file: path.to_path_buf(), key: key.to_owned(), problem };
        let text = std::fs::read_to_string(path).map_err(|e| err("file", e.to_string()))?;
        let file: File = toml::from_str(&text).map_err(|e| err("file", e.message().to_owned()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let exists = |key: &str, p: &Path| -> Result<PathBuf, ScenarioError> {
            let full = dir.join(p);
            if full.is_file() { Ok(full) } else { Err(err(key, format!("{} does not exist", full.display()))) }
        };
        let watchlist = match &file.watchlist {
            Some(w) => Some(exists("watchlist.records", &w.records)?),
            None => None,
        };
        if file.travellers.is_empty() {
            return Err(err("traveller", "a scenario needs at least one [[traveller]]".into()));
        }
        let mut travellers = Vec::new();
        for (n, t) in file.travellers.iter().enumerate() {
            let key = |k: &str| format!("traveller[{}].{k}", n + 1);
            let passport = exists(&key("passport"), &t.passport)?;
            let face = match t.face.as_str() {
                "same" => Face::Same,
                "chip_photo" => Face::ChipPhoto,
                "none" => Face::None,
                other => Face::Image(exists(&key("face"), Path::new(other))?),
            };
            if !BEHAVIOURS.contains(&t.behaviour.as_str()) {
                return Err(err(
                    &key("behaviour"),
                    format!("{:?} is not a behaviour; known: {}", t.behaviour, BEHAVIOURS.join(", ")),
                ));
            }
            let walk = match t.behaviour.as_str() {
                "slow" => Behaviour::Slow,
                "turns_back" => Behaviour::TurnsBack,
                "child" => Behaviour::Child,
                _ => Behaviour::Normal,
            };
            let reason = |k: &str, r: &str| -> Result<String, ScenarioError> {
                if REASONS.contains(&r) {
                    Ok(r.to_owned())
                } else {
                    Err(err(&key(k), format!("{r:?} is not a referral reason")))
                }
            };
            let expect = match t.expect.as_str() {
                "pass" => Expect::Pass,
                other => match other.strip_prefix("refer:") {
                    Some(r) => Expect::Refer(reason("expect", r)?),
                    None => {
                        return Err(err(&key("expect"), format!("{other:?} is neither \"pass\" nor \"refer:REASON\"")));
                    }
                },
            };
            let expect_after = match &t.expect_after {
                Some(r) => Some(reason("expect_after", r.strip_prefix("refer:").unwrap_or(r))?),
                None => None,
            };
            travellers.push(Traveller {
                passport,
                face,
                behaviour: t.behaviour.clone(),
                walk,
                chip_faults: t.chip_faults.clone(),
                expect,
                expect_after,
                chip_kbps: match t.chip_kbps {
                    Some(k) if (1..=10_000).contains(&k) => k,
                    Some(_) => return Err(err(&key("chip_kbps"), "must be from 1 to 10000 kbit/s".into())),
                    None => 424,
                },
            });
        }
        let mut events = Vec::new();
        for (n, e) in file.events.iter().enumerate() {
            if !(e.at_s.is_finite() && (0.0..=3600.0).contains(&e.at_s)) {
                return Err(err(&format!("event[{}].at_s", n + 1), "must be from 0 to 3600 seconds".into()));
            }
            if !EVENTS.contains(&e.what.as_str()) {
                return Err(err(
                    &format!("event[{}].what", n + 1),
                    format!("{:?} is not an event; known: {}", e.what, EVENTS.join(", ")),
                ));
            }
            events.push(TimedEvent { at_s: e.at_s, what: e.what.clone() });
        }
        events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Ok(Scenario { name: file.name, gate: file.gate, watchlist, travellers, events })
    }
}

#[cfg(test)]
mod tests {
    use super::Scenario;

    fn shipped() -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn every_shipped_scenario_loads() {
        let files = shipped();
        assert!(!files.is_empty());
        for f in files {
            Scenario::load(&f).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn a_bad_scenario_names_its_key() {
        let dir = std::env::temp_dir().join(format!("scenario-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let passport = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/budi.toml");
        let write = |text: &str| {
            let f = dir.join("s.toml");
            std::fs::write(&f, text).unwrap();
            Scenario::load(&f).unwrap_err().key
        };
        let p = passport.display();
        assert_eq!(
            write(&format!("name='x'\n[[traveller]]\npassport='{p}'\nbehaviour='running'\nexpect='pass'")),
            "traveller[1].behaviour"
        );
        assert_eq!(
            write(&format!("name='x'\n[[traveller]]\npassport='{p}'\nexpect='refer:lost'")),
            "traveller[1].expect"
        );
        assert_eq!(write("name='x'\n[[traveller]]\npassport='nowhere.toml'\nexpect='pass'"), "traveller[1].passport");
        assert_eq!(
            write(&format!("name='x'\n[[traveller]]\npassport='{p}'\nexpect='pass'\n[[event]]\nat_s=1\nwhat='flood'")),
            "event[1].what"
        );
        assert_eq!(write("name='x'\nspeed=3"), "file");
    }
}
