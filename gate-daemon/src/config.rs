//! The daemon's one typed configuration (TOML, default `/etc/autogate/gate.toml`), loaded and validated at start;
//! every refusal names the file and the key (STYLE.md, convention 11).
//!
//! Tables: `[gate]` (the name and the crossing policy, see [`Policy`]), `[gate.timeouts]`, `[hardware]`, `[reader]`,
//! `[document_reader]`, `[camera]`, `[face]`, `[trust]`, `[watchlist]` (see
//! [`crate::watchlist::cli::WatchlistConfig`]), `[log]` and `[pins]` (read by `hal::gate::PinMap` on a board).
//! Unknown keys are refused, so a misspelt key never silently falls back to its default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::crossing::policy::{Policy, PolicyError};
use crate::watchlist::cli::WatchlistConfig;

/// Which hardware the daemon drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The GPIO character device of a Linux board.
    Board,
    /// A Raspberry Pi's GPIO.
    Rpi,
    /// The simulated gate of `gate-sim`, over its socket.
    Sim,
}

/// `[hardware]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hardware {
    /// Which back end.
    pub backend: Backend,
    /// The GPIO chip of a board.
    pub gpio_chip: PathBuf,
    /// The simulated gate's socket.
    pub sim_socket: PathBuf,
    /// How often the inputs are read, in milliseconds (1 to 50).
    pub poll_ms: u64,
}

impl Default for Hardware {
    fn default() -> Self {
        Hardware {
            backend: Backend::Board,
            gpio_chip: PathBuf::from("/dev/gpiochip0"),
            sim_socket: PathBuf::from("/run/autogate/sim.sock"),
            poll_ms: 5,
        }
    }
}

/// `[reader]`: the contactless chip reader.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reader {
    /// The PC/SC reader's name, or its beginning; the first reader with a card when absent.
    pub name: Option<String>,
    /// Use extended-length APDUs when the chip takes them.
    pub extended_length: bool,
}

impl Default for Reader {
    fn default() -> Self {
        Reader { name: None, extended_length: true }
    }
}

/// `[document_reader]`: the MRZ reader's serial line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentReader {
    /// The serial device.
    pub serial: PathBuf,
    /// Its baud rate.
    pub baud: u32,
}

impl Default for DocumentReader {
    fn default() -> Self {
        DocumentReader { serial: PathBuf::from("/dev/ttyUSB0"), baud: 9600 }
    }
}

/// `[camera]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    /// The V4L2 device (ignored with the simulated gate, whose camera comes over its socket).
    pub device: PathBuf,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig { device: PathBuf::from("/dev/video0") }
    }
}

/// `[face]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaceConfig {
    /// The folder of the model manifests.
    pub models: PathBuf,
    /// Threads for ONNX Runtime (1 to 8).
    pub threads: usize,
}

impl Default for FaceConfig {
    fn default() -> Self {
        FaceConfig { models: PathBuf::from("/usr/share/autogate/models"), threads: 2 }
    }
}

/// `[trust]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Trust {
    /// CSCA master lists, certificates, CRLs, or folders of them.
    pub paths: Vec<PathBuf>,
}

impl Default for Trust {
    fn default() -> Self {
        Trust { paths: vec![PathBuf::from("/etc/autogate/csca")] }
    }
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    /// The JSON-lines event log (`-` for stdout).
    pub events: PathBuf,
    /// The marker of the crossing under way, read after a restart.
    pub journal: PathBuf,
    /// The tracing filter (`info`, `gate_daemon=debug` ...); `GATE_LOG` overrides it.
    pub level: String,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            events: PathBuf::from("/var/log/autogate/events.jsonl"),
            journal: PathBuf::from("/var/lib/autogate/crossing"),
            level: "info".to_owned(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub file: PathBuf,
    /// The gate's name (`[gate] name`).
    pub gate_name: String,
    /// The crossing policy (the rest of `[gate]`).
    pub gate: Policy,
    /// `[hardware]`.
    pub hardware: Hardware,
    /// `[reader]`.
    pub reader: Reader,
    /// `[document_reader]`.
    pub document_reader: DocumentReader,
    /// `[camera]`.
    pub camera: CameraConfig,
    /// `[face]`.
    pub face: FaceConfig,
    /// `[trust]`.
    pub trust: Trust,
    /// `[watchlist]`.
    pub watchlist: WatchlistConfig,
    /// `[log]`.
    pub log: Log,
    /// `[pins]`: the wiring, required with the `board` and `rpi` back ends.
    pub pins: Option<hal::gate::PinMap>,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{}: line {line}: {message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The line (from 1).
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A value cannot be used.
    #[error("{}: {key}: {problem}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The dotted key.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
}

const TABLES: [&str; 10] =
    ["gate", "hardware", "reader", "document_reader", "camera", "face", "trust", "watchlist", "log", "pins"];

impl Config {
    /// Reads and validates the configuration at `file`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file, and the key for a value that cannot be used.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(file).map_err(|source| ConfigError::Read { file: file.to_path_buf(), source })?;
        Config::from_toml_str(&text, file)
    }

    /// Parses and validates `text`, read from `file`.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let invalid = |key: &str, problem: String| ConfigError::Invalid {
            file: file.to_path_buf(),
            key: key.to_owned(),
            problem,
        };
        let mut doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map_or(0, |s| text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1);
            ConfigError::Syntax { file: file.to_path_buf(), line, message: e.message().to_owned() }
        })?;
        for key in doc.keys() {
            if !TABLES.contains(&key.as_str()) {
                return Err(invalid(
                    key,
                    format!("is not a table of this configuration (known: {})", TABLES.join(", ")),
                ));
            }
        }
        let mut gate = match doc.remove("gate") {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t,
            Some(_) => return Err(invalid("gate", "must be a table".into())),
        };
        let gate_name = match gate.remove("name") {
            None => "gate".to_owned(),
            Some(toml::Value::String(s)) if !s.is_empty() && s.len() <= 64 => s,
            Some(_) => return Err(invalid("gate.name", "must be a text of 1 to 64 characters".into())),
        };
        let policy: Policy = section(toml::Value::Table(gate), "gate", &invalid)?;
        policy.validate().map_err(|PolicyError { key, problem }| invalid(&key, problem))?;
        let take =
            |doc: &mut toml::Table, name: &str| doc.remove(name).unwrap_or(toml::Value::Table(toml::Table::new()));
        let hardware: Hardware = section(take(&mut doc, "hardware"), "hardware", &invalid)?;
        if !(1..=50).contains(&hardware.poll_ms) {
            return Err(invalid("hardware.poll_ms", format!("{} is not from 1 to 50 milliseconds", hardware.poll_ms)));
        }
        let reader: Reader = section(take(&mut doc, "reader"), "reader", &invalid)?;
        let document_reader: DocumentReader = section(take(&mut doc, "document_reader"), "document_reader", &invalid)?;
        const BAUDS: [u32; 8] = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200];
        if !BAUDS.contains(&document_reader.baud) {
            return Err(invalid(
                "document_reader.baud",
                format!("{} is not a standard rate (9600, 115200 ...)", document_reader.baud),
            ));
        }
        let camera: CameraConfig = section(take(&mut doc, "camera"), "camera", &invalid)?;
        let face: FaceConfig = section(take(&mut doc, "face"), "face", &invalid)?;
        if !(1..=8).contains(&face.threads) {
            return Err(invalid("face.threads", format!("{} is not from 1 to 8", face.threads)));
        }
        let trust: Trust = section(take(&mut doc, "trust"), "trust", &invalid)?;
        let watchlist: WatchlistConfig = section(take(&mut doc, "watchlist"), "watchlist", &invalid)?;
        if !(0.0..=1.0).contains(&watchlist.possible) || !(watchlist.possible..=1.0).contains(&watchlist.hit) {
            return Err(invalid("watchlist.hit", "thresholds must satisfy 0 <= possible <= hit <= 1".into()));
        }
        let log: Log = section(take(&mut doc, "log"), "log", &invalid)?;
        let pins = match doc.remove("pins") {
            None if hardware.backend == Backend::Sim => None,
            None => {
                return Err(invalid("pins", "the board's wiring is needed: [pins.outputs] and [pins.inputs]".into()));
            }
            Some(toml::Value::Table(t)) => Some(pin_map(t, &invalid)?),
            Some(_) => return Err(invalid("pins", "must be a table".into())),
        };
        Ok(Config {
            file: file.to_path_buf(),
            gate_name,
            gate: policy,
            hardware,
            reader,
            document_reader,
            camera,
            face,
            trust,
            watchlist,
            log,
            pins,
        })
    }
}

/// Reads `[pins.outputs]` and `[pins.inputs]`: every line of the gate named once, `{ line = N, active_low = B }`,
/// no line wired twice.
fn pin_map(
    mut table: toml::Table,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<hal::gate::PinMap, ConfigError> {
    use hal::gate::{Input, Output, PinSpec};
    let mut used: Vec<(u32, String)> = Vec::new();
    let mut side = |name: &str, names: &[&'static str]| -> Result<Vec<PinSpec>, ConfigError> {
        let key = format!("pins.{name}");
        let mut t = match table.remove(name) {
            Some(toml::Value::Table(t)) => t,
            _ => return Err(invalid(&key, "must be a table naming every line".into())),
        };
        let mut specs = Vec::new();
        for line_name in names {
            let key = format!("{key}.{line_name}");
            let spec = match t.remove(*line_name) {
                Some(toml::Value::Table(spec)) => spec,
                _ => return Err(invalid(&key, "is missing: give { line = N } (and active_low = true if so)".into())),
            };
            let line = match spec.get("line").and_then(toml::Value::as_integer) {
                Some(n) if (0..=1023).contains(&n) => u32::try_from(n).unwrap_or(0),
                _ => return Err(invalid(&key, "line must be a GPIO line number from 0 to 1023".into())),
            };
            let active_low = match spec.get("active_low") {
                None => false,
                Some(toml::Value::Boolean(b)) => *b,
                Some(_) => return Err(invalid(&key, "active_low must be true or false".into())),
            };
            if let Some(other) = spec.keys().find(|k| *k != "line" && *k != "active_low") {
                return Err(invalid(&key, format!("{other:?} is not a key of a pin (line, active_low)")));
            }
            if let Some((_, first)) = used.iter().find(|(l, _)| *l == line) {
                return Err(invalid(&key, format!("line {line} is already wired to {first}")));
            }
            used.push((line, key.clone()));
            specs.push(PinSpec { line, active_low });
        }
        if let Some(extra) = t.keys().next() {
            return Err(invalid(&format!("{key}.{extra}"), "is not a line of the gate".into()));
        }
        Ok(specs)
    };
    let outputs = side("outputs", &Output::ALL.map(Output::name))?;
    let inputs = side("inputs", &Input::ALL.map(Input::name))?;
    if let Some(extra) = table.keys().next() {
        return Err(invalid(&format!("pins.{extra}"), "is not outputs or inputs".into()));
    }
    let fallback = PinSpec { line: 0, active_low: false };
    Ok(hal::gate::PinMap {
        outputs: std::array::from_fn(|n| outputs.get(n).copied().unwrap_or(fallback)),
        inputs: std::array::from_fn(|n| inputs.get(n).copied().unwrap_or(fallback)),
    })
}

/// Deserializes one table, turning serde's message into the key it names: `unknown field `x`` becomes `table.x`.
fn section<T: serde::de::DeserializeOwned>(
    value: toml::Value,
    table: &str,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<T, ConfigError> {
    T::deserialize(value).map_err(|e| {
        let message = e.message().to_owned();
        let key = message
            .split('`')
            .nth(1)
            .filter(|_| message.starts_with("unknown field") || message.starts_with("missing field"))
            .map_or_else(|| table.to_owned(), |field| format!("{table}.{field}"));
        invalid(&key, message)
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Backend, Config, ConfigError};

    fn key_of(text: &str) -> String {
        match Config::from_toml_str(text, Path::new("/etc/autogate/gate.toml")) {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_shipped_example_loads_and_is_the_defaults() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../systemd/gate.toml");
        let c = Config::load(&file).unwrap();
        let d = Config::from_toml_str("[hardware]\nbackend = \"board\"\n[pins]\nx = 1", Path::new("x.toml"));
        assert!(matches!(d, Err(ConfigError::Invalid { .. })));
        let d = Config::from_toml_str(
            &std::fs::read_to_string(&file).unwrap().replace("T3-D-07", "gate"),
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.gate, d.gate);
        assert_eq!(
            (c.hardware, c.reader, c.document_reader, c.face, c.trust, c.log),
            (d.hardware, d.reader, d.document_reader, d.face, d.trust, d.log)
        );
        assert_eq!(c.gate_name, "T3-D-07");
        assert_eq!(d.gate_name, "gate");
    }

    #[test]
    fn a_board_needs_its_whole_wiring_each_line_once() {
        let board =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../systemd/gate.toml")).unwrap();
        let c = Config::from_toml_str(&board, Path::new("g.toml")).unwrap();
        let pins = c.pins.unwrap();
        assert_eq!(pins.inputs[hal::gate::Input::Emergency.index()], hal::gate::PinSpec { line: 26, active_low: true });
        let without = board.replace("mantrap = { line = 16 }", "");
        assert_eq!(key_of(&without), "pins.inputs.mantrap");
        let twice = board.replace("mantrap = { line = 16 }", "mantrap = { line = 17 }");
        // The second line wired to 17 is the one named.
        assert_eq!(key_of(&twice), "pins.inputs.exit_presence");
        let extra = board.replace("mantrap = { line = 16 }", "mantrap = { line = 16 }\nmantrap2 = { line = 2 }");
        assert_eq!(key_of(&extra), "pins.inputs.mantrap2");
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let c = Config::from_toml_str("[hardware]\nbackend = \"sim\"", Path::new("x.toml")).unwrap();
        assert_eq!(c.hardware.backend, Backend::Sim);
        assert_eq!(
            Config::from_toml_str("", Path::new("x.toml")).unwrap_err().to_string(),
            "x.toml: pins: the board's wiring is needed: [pins.outputs] and [pins.inputs]"
        );
        assert_eq!(c.gate.minimum_age, 6);
        assert_eq!(c.gate_name, "gate");
    }

    #[test]
    fn every_refusal_names_its_key() {
        assert_eq!(key_of("[gate]\nminimum_age = 200"), "gate.minimum_age");
        assert_eq!(key_of("[gate.timeouts]\ndoor = 0.0"), "gate.timeouts.door");
        assert_eq!(key_of("[hardware]\nbackend = \"fpga\""), "hardware");
        assert_eq!(key_of("[hardware]\npoll_ms = 500"), "hardware.poll_ms");
        assert_eq!(key_of("[document_reader]\nbaud = 9601"), "document_reader.baud");
        assert_eq!(key_of("[face]\nthreads = 0"), "face.threads");
        assert_eq!(key_of("[reader]\nnmae = \"x\""), "reader.nmae");
        assert_eq!(key_of("[watchlist]\nhit = 0.5\npossible = 0.8"), "watchlist.hit");
        assert_eq!(key_of("[cameras]\ndevice = \"/dev/video0\""), "cameras");
        let err = Config::from_toml_str("[hardware]\npoll_ms = 500", Path::new("/etc/autogate/gate.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/etc/autogate/gate.toml: hardware.poll_ms: 500"), "{err}");
    }

    #[test]
    fn a_syntax_error_gives_its_line() {
        match Config::from_toml_str("[gate]\nname = \"a\"\nminimum_age = = 3\n", Path::new("g.toml")) {
            Err(ConfigError::Syntax { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }
}
