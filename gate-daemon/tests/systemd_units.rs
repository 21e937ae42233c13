//! The unit files in `systemd/` pass `systemd-analyze verify` and carry the settings the gate relies on: notify
//! with a watchdog, restart on failure, after pcscd, and the hardening that keeps the daemon to its own devices.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn units_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../systemd")
}

/// Runs `systemd-analyze verify` on `units` (written to a folder of their own); its exit status and what it said
/// about these files.
fn verify(name: &str, units: &[(&str, String)]) -> (bool, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("gate-units-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::new();
    for (file, text) in units {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let out = Command::new("systemd-analyze").arg("verify").args(&paths).output().expect("systemd-analyze");
    let said = String::from_utf8_lossy(&out.stderr)
        .lines()
        .chain(String::from_utf8_lossy(&out.stdout).lines())
        .filter(|l| units.iter().any(|(f, _)| l.contains(f)))
        .map(str::to_owned)
        .collect();
    (out.status.success(), said)
}

fn have_systemd_analyze() -> bool {
    Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn the_units_verify_and_carry_the_required_settings() {
    assert!(have_systemd_analyze(), "systemd-analyze is missing: scripts/setup.sh installs the systemd package");
    let daemon = std::fs::read_to_string(units_dir().join("gate-daemon.service")).unwrap();
    let rig = std::fs::read_to_string(units_dir().join("gate-sim-rig.service")).unwrap();
    for line in [
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "After=pcscd.socket pcscd.service",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "DevicePolicy=closed",
        "DeviceAllow=/dev/ttyUSB0 rw",
        "DeviceAllow=/dev/gpiochip0 rw",
        "ExecStart=/usr/bin/gate-daemon run --config /etc/autogate/gate.toml",
    ] {
        assert!(daemon.lines().any(|l| l.starts_with(line)), "gate-daemon.service lacks {line}");
    }
    // verify checks that ExecStart names an executable: point it at the binaries this build made.
    let bin = env!("CARGO_BIN_EXE_gate-daemon");
    let daemon = daemon.replace("/usr/bin/gate-daemon", bin);
    let rig = rig.replace("/usr/bin/gate-sim", bin);
    let (ok, said) = verify("ours", &[("gate-daemon.service", daemon), ("gate-sim-rig.service", rig)]);
    assert!(ok && said.is_empty(), "systemd-analyze verify: {said:?}");
}

#[test]
fn verify_does_refuse_a_broken_unit() {
    assert!(have_systemd_analyze(), "systemd-analyze is missing: scripts/setup.sh installs the systemd package");
    let broken = "[Service]\nType=notify\nExecStart=/nonexistent/gate-daemon run\nRestart=sometimes\n".to_owned();
    let (ok, said) = verify("broken", &[("broken.service", broken)]);
    assert!(!ok && !said.is_empty(), "{said:?}");
}
