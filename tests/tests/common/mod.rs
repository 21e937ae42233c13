//! What the end-to-end tests share: the specimen chips of ../shared/testdata and a running `gate-sim chip`.
#![allow(dead_code, reason = "each test binary uses part of it")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use e2e::Pcscd;

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn bsi2008() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/data/jmrtd/lds/bsi2008");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIP: {} is absent", dir.display());
        None
    }
}

/// A running `gate-sim chip`, stopped with SIGTERM when dropped.
pub struct Sim {
    pub child: Child,
    pub events: Receiver<serde_json::Value>,
}

impl Sim {
    pub fn start(pcscd: &Pcscd, passport: &Path, extra: &[&str]) -> Sim {
        let bin = e2e::workspace_binary("sim", "gate-sim").unwrap();
        let vpcd = format!("127.0.0.1:{}", pcscd.vpcd_port());
        let mut child = Command::new(bin)
            .args(["chip", "--json", "--vpcd", &vpcd, "--passport"])
            .arg(passport)
            .args(extra)
            .env("GATE_SIM_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Sim { child, events }
    }

    pub fn event(&self) -> serde_json::Value {
        match self.events.recv_timeout(TIMEOUT) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("no event from gate-sim chip within {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("gate-sim chip ended its output"),
        }
    }

    pub fn expect(&self, name: &str) -> serde_json::Value {
        let v = self.event();
        assert_eq!(v["event"], name, "{v}");
        v
    }

    /// Stops it with SIGTERM and returns its exit code.
    pub fn stop(&mut self) -> Option<i32> {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
            .unwrap();
        self.wait()
    }

    pub fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "gate-sim chip did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            drop(self.child.kill());
            drop(self.child.wait());
        }
    }
}

/// `gate-sim pki init` and `gate-sim passport make` for a profile of sim/profiles, in `dir`.
pub fn make_passport(dir: &Path, profile: &str) -> PathBuf {
    let sim = e2e::workspace_binary("sim", "gate-sim").unwrap();
    let pki = dir.join("pki");
    let out = Command::new(&sim).args(["pki", "init"]).arg(&pki).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/profiles").join(profile);
    let passport = dir.join("passport");
    let out = Command::new(&sim)
        .args(["passport", "make", "--profile"])
        .arg(&profile)
        .arg("--pki")
        .arg(&pki)
        .arg("--out")
        .arg(&passport)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    passport
}

/// The printed MRZ of a passport made by `gate-sim passport make` (its `chip.toml`).
pub fn printed_mrz(passport: &Path) -> Vec<String> {
    let chip_toml: toml::Value = toml::from_str(&std::fs::read_to_string(passport.join("chip.toml")).unwrap()).unwrap();
    chip_toml["mrz"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned()).collect()
}
