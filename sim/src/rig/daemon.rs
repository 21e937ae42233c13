//! The real gate daemon as a child process of the rig: its configuration written for the simulated gate, started
//! against the rig's private pcscd, stopped politely or killed hard, restarted; and its event log read as it grows.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The environment variable libpcsclite takes pcscd's socket from.
pub const PCSC_SOCKET_ENV: &str = "PCSCLITE_CSOCK_NAME";

/// Where the workspace's binaries are looked for: beside this executable (cargo puts them together), else in
/// `$PATH`; `GATE_DAEMON` names the daemon explicitly.
#[must_use]
pub fn find_binary(name: &str, env: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let beside = std::env::current_exe().ok().and_then(|exe| {
        // Test executables live one level further down (target/debug/deps).
        let dir = exe.parent()?.to_path_buf();
        [dir.join(name), dir.parent()?.join(name)].into_iter().find(|p| p.is_file())
    });
    beside.unwrap_or_else(|| PathBuf::from(name))
}

/// What the daemon's configuration says for a rig.
#[derive(Debug, Clone)]
pub struct RigConfig {
    /// The rig's folder: the configuration is written there.
    pub dir: PathBuf,
    /// The simulated gate's socket.
    pub sim_socket: PathBuf,
    /// The document reader's serial line (the pseudo-terminal's link).
    pub serial: PathBuf,
    /// The folder of the face model manifests.
    pub models: PathBuf,
    /// Trust anchors (the test CSCA).
    pub trust: PathBuf,
    /// The watchlist's store.
    pub watchlist_db: PathBuf,
    /// The list authority's public key file.
    pub public_key: PathBuf,
    /// The event log.
    pub events: PathBuf,
    /// The crossing journal.
    pub journal: PathBuf,
    /// The scenario's `[gate]` table, as given.
    pub gate: toml::Table,
}

impl RigConfig {
    /// Writes `gate.toml` in the rig's folder and returns its path.
    ///
    /// # Errors
    /// The I/O error of writing it.
    pub fn write(&self) -> std::io::Result<PathBuf> {
        let mut doc = toml::Table::new();
        let mut gate = self.gate.clone();
        gate.entry("name").or_insert_with(|| "sim-1".into());
        doc.insert("gate".into(), gate.into());
        let path = |p: &Path| toml::Value::String(p.display().to_string());
        let table = |pairs: Vec<(&str, toml::Value)>| {
            toml::Value::Table(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        };
        doc.insert(
            "hardware".into(),
            table(vec![("backend", "sim".into()), ("sim_socket", path(&self.sim_socket)), ("poll_ms", 5.into())]),
        );
        doc.insert("document_reader".into(), table(vec![("serial", path(&self.serial)), ("baud", 9600.into())]));
        doc.insert("face".into(), table(vec![("models", path(&self.models)), ("threads", 2.into())]));
        doc.insert("trust".into(), table(vec![("paths", toml::Value::Array(vec![path(&self.trust)]))]));
        doc.insert(
            "watchlist".into(),
            table(vec![("db", path(&self.watchlist_db)), ("public_key_file", path(&self.public_key))]),
        );
        doc.insert(
            "log".into(),
            table(vec![("events", path(&self.events)), ("journal", path(&self.journal)), ("level", "info".into())]),
        );
        let file = self.dir.join("gate.toml");
        std::fs::write(&file, toml::to_string(&doc).map_err(std::io::Error::other)?)?;
        Ok(file)
    }
}

/// The daemon process.
#[derive(Debug)]
pub struct Daemon {
    bin: PathBuf,
    config: PathBuf,
    pcsc_socket: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    /// How many times it was started.
    pub starts: u32,
}

impl Daemon {
    /// Starts `bin run --config CONFIG` talking to the pcscd at `pcsc_socket`; its stdout and stderr go to `log`.
    ///
    /// # Errors
    /// The I/O error of opening the log or starting the process.
    pub fn start(bin: &Path, config: &Path, pcsc_socket: &Path, log: &Path) -> std::io::Result<Daemon> {
        let mut daemon = Daemon {
            bin: bin.to_path_buf(),
            config: config.to_path_buf(),
            pcsc_socket: pcsc_socket.to_path_buf(),
            log: log.to_path_buf(),
            child: None,
            starts: 0,
        };
        daemon.spawn()?;
        Ok(daemon)
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let err = out.try_clone()?;
        let child = Command::new(&self.bin)
            .args(["run", "--config"])
            .arg(&self.config)
            .env(PCSC_SOCKET_ENV, &self.pcsc_socket)
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()?;
        self.child = Some(child);
        self.starts += 1;
        Ok(())
    }

    /// The daemon's resident memory in KiB (VmRSS), when it runs.
    #[must_use]
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the daemon at once (SIGKILL), as a crash would, and starts it again.
    ///
    /// # Errors
    /// The I/O error of starting it again.
    pub fn crash_and_restart(&mut self) -> std::io::Result<()> {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn()
    }

    /// Asks the daemon to stop (SIGTERM) and waits up to `bound` for it, then kills it.
    pub fn stop(&mut self, bound: Duration) {
        let Some(mut child) = self.child.take() else { return };
        if let Ok(pid) = i32::try_from(child.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        let deadline = Instant::now() + bound;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// Reads a JSON-lines file as it grows, one whole line at a time.
#[derive(Debug)]
pub struct EventTail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl EventTail {
    /// A reader of `path` from its start (the file may not exist yet).
    #[must_use]
    pub fn new(path: &Path) -> EventTail {
        EventTail { path: path.to_path_buf(), offset: 0, partial: Vec::new() }
    }

    /// The whole lines added since the last call, parsed; a line that is not JSON is skipped.
    pub fn poll(&mut self) -> Vec<serde_json::Value> {
        let Ok(mut file) = std::fs::File::open(&self.path) else { return Vec::new() };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut fresh = Vec::new();
        if file.read_to_end(&mut fresh).is_err() {
            return Vec::new();
        }
        self.offset += fresh.len() as u64;
        self.partial.extend_from_slice(&fresh);
        let mut events = Vec::new();
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            if let Ok(value) = serde_json::from_slice(&line) {
                events.push(value);
            }
        }
        events
    }
}
