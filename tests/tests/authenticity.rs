//! `gate-daemon read-chip --trust` end to end through a private pcscd: BAC-only, PACE-only and PACE-CAM chips made
//! by `gate-sim passport make` read and verify; every forgery the simulator makes (a changed photo, a broken SOD
//! signature, a copied chip, an expired, revoked or untrusted Document Signer) is refused with its own reason.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Sim, TIMEOUT, printed_mrz};
use e2e::{BodyError, Pcscd};
use serde_json::Value;

fn gate_sim(args: &[&str]) {
    let sim = e2e::workspace_binary("sim", "gate-sim").unwrap();
    let out = Command::new(sim).args(args).output().unwrap();
    assert!(out.status.success(), "gate-sim {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn make(dir: &Path, profile: &str, signer: &str) -> PathBuf {
    let profile_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/profiles").join(profile);
    let out = dir.join(format!("{profile}-{signer}"));
    gate_sim(&[
        "passport",
        "make",
        "--profile",
        profile_path.to_str().unwrap(),
        "--pki",
        dir.join("pki").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--signer",
        signer,
    ]);
    out
}

/// Serves `passport` with `faults` and reads it with the test PKI's CSCA and CRL as trust.
fn read(pcscd: &mut Pcscd, dir: &Path, passport: &Path, faults: &[&str]) -> Value {
    let mut chip_args = Vec::new();
    for fault in faults {
        chip_args.extend(["--fault", fault]);
    }
    let sim = Sim::start(pcscd, passport, &chip_args);
    pcscd.wait_for_reader_state(true, TIMEOUT).unwrap();
    let daemon = e2e::workspace_binary("gate-daemon", "gate-daemon").unwrap();
    let mut cmd = Command::new(daemon);
    cmd.args(["read-chip", "--json", "--wait", "10", "--trust"]).arg(dir.join("pki/csca.pem"));
    cmd.arg("--trust").arg(dir.join("pki/crl.der"));
    for line in printed_mrz(passport) {
        cmd.args(["--mrz", &line]);
    }
    let out = cmd.output().unwrap();
    drop(sim);
    pcscd.wait_for_reader_state(false, TIMEOUT).unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    // Exit 0 whenever the chip was read, whatever the verdict.
    assert_eq!(out.status.code(), Some(0), "{v}");
    v
}

fn reasons(v: &Value) -> Vec<String> {
    v["authenticity"]["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect()
}

#[test]
fn genuine_and_forged_passports_through_pcscd() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("genuine_and_forged_passports_through_pcscd", |pcscd| {
        let dir = std::env::temp_dir().join(format!("e2e-authenticity-{}", std::process::id()));
        gate_sim(&["pki", "init", "--force", dir.join("pki").to_str().unwrap()]);

        for (profile, access) in [("budi.toml", "BAC"), ("pace.toml", "PACE-GM"), ("pace_cam.toml", "PACE-CAM")] {
            let passport = make(&dir, profile, "valid");
            let v = read(pcscd, &dir, &passport, &[]);
            assert_eq!(v["access_control"], access, "{profile}: {v}");
            assert_eq!(v["authenticity"]["passive"], "valid", "{profile}: {v}");
            assert_eq!(v["authenticity"]["chip"], "CA", "{profile}: {v}");
            assert_eq!(reasons(&v), Vec::<String>::new(), "{profile}");
            assert_eq!(v["dg1_matches_mrz"], true);
        }

        let budi = make(&dir, "budi.toml", "valid");
        // What, the chip, its faults, then the expected passive verdict, chip verdict and reason.
        type Case<'a> = (&'a str, PathBuf, &'a [&'a str], &'a str, &'a str, &'a str);
        let cases: [Case; 6] = [
            ("tamper-dg2", budi.clone(), &["tamper-dg2"], "invalid", "CA", "dg_hash_mismatch"),
            ("bad-sod-signature", budi.clone(), &["bad-sod-signature"], "invalid", "CA", "signature_invalid"),
            ("clone", budi.clone(), &["clone"], "valid", "failed", "chip_not_genuine"),
            ("expired DSC", make(&dir, "budi.toml", "expired"), &[], "invalid", "CA", "dsc_expired"),
            ("revoked DSC", make(&dir, "budi.toml", "revoked"), &[], "invalid", "CA", "dsc_revoked"),
            ("untrusted CSCA", make(&dir, "budi.toml", "untrusted"), &[], "untrusted", "CA", "csca_not_found"),
        ];
        for (what, passport, faults, passive, chip, reason) in cases {
            let v = read(pcscd, &dir, &passport, faults);
            assert_eq!(v["authenticity"]["passive"], passive, "{what}: {v}");
            assert_eq!(v["authenticity"]["chip"], chip, "{what}: {v}");
            let found = reasons(&v);
            assert!(found.iter().any(|r| r.contains(reason)), "{what}: {found:?}");
        }
        drop(std::fs::remove_dir_all(&dir));
        Ok::<(), BodyError>(())
    })
}
