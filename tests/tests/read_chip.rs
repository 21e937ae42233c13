//! `gate-daemon read-chip` end to end: the real daemon binary reads a chip served by `gate-sim chip` through a
//! private pcscd with the vpcd driver, as a gate reads a passport laid on its reader.
//!
//! Chips: the BSI 2008 specimen (testdata/icao/data/jmrtd/lds/bsi2008, "ERIKA MUSTERMANN"; provenance in
//! ../shared/testdata/README.md) and passports made by `gate-sim passport make` from sim/profiles.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{Sim, TIMEOUT, bsi2008, make_passport, printed_mrz};
use e2e::BodyError;
use serde_json::Value;

/// The printed MRZ of the BSI 2008 specimen (testdata/icao/vectors/mrz_check_digits_and_specimens.json,
/// TD3_BSI_specimen_DG1).
const BSI_MRZ: [&str; 2] =
    ["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C11T002JM4D<<9608122F1310317<<<<<<<<<<<<<<<6"];

fn gate_daemon() -> PathBuf {
    e2e::workspace_binary("gate-daemon", "gate-daemon").unwrap()
}

fn read_chip(mrz: &[&str], extra: &[&str]) -> (Output, Duration) {
    let mut cmd = Command::new(gate_daemon());
    cmd.args(["read-chip", "--json"]);
    if mrz.first() == BSI_MRZ.first() || extra.contains(&"--mrz-serial") {
        // The specimen's Document Signer was valid in 2008.
        cmd.args(["--at", "2008-06-01"]);
    }
    if !extra.contains(&"--wait") {
        cmd.args(["--wait", "10"]);
    }
    for line in mrz {
        cmd.args(["--mrz", line]);
    }
    let started = Instant::now();
    let out = cmd.args(extra).output().unwrap();
    (out, started.elapsed())
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn assert_bsi_read(v: &Value) {
    let dg1 = &v["dg1"];
    assert_eq!(dg1["document_code"], "P");
    assert_eq!(dg1["issuing_state"], "D");
    assert_eq!(dg1["document_number"], "C11T002JM");
    assert_eq!(dg1["surname"], "MUSTERMANN");
    assert_eq!(dg1["given_names"], "ERIKA");
    assert_eq!(dg1["nationality"], "D");
    assert_eq!(dg1["date_of_birth"], "1996-08-12");
    assert_eq!(dg1["date_of_birth_mrz"], "960812");
    assert_eq!(dg1["sex"], "F");
    assert_eq!(dg1["date_of_expiry"], "2013-10-31");
    assert_eq!(dg1["date_of_expiry_mrz"], "131031");
    assert_eq!(v["dg1_matches_mrz"], true);
    assert_eq!(v["access_control"], "BAC");
    assert_eq!(v["files"], serde_json::json!(["EF.COM", "EF.SOD", "DG1", "DG2", "DG14"]));
    // The specimen's portrait: JPEG 2000 in an ISO 19794-5 container, 413x531 once decoded.
    assert_eq!(v["face"]["container"], "ISO19794-5");
    assert_eq!(v["face"]["image_format"], "JPEG2000");
    assert_eq!((v["face"]["width"].as_u64(), v["face"]["height"].as_u64()), (Some(413), Some(531)));
    // Checked at a date its Document Signer was valid: every hash matches, but no CSCA of the specimen is trusted;
    // and the specimen comes without its chip's private keys, so Chip Authentication fails as for a copy.
    assert_eq!(v["authenticity"]["passive"], "untrusted", "{v}");
    assert_eq!(v["authenticity"]["chip"], "failed", "{v}");
}

/// APDUs of access control and reading, without Chip and Active Authentication.
fn read_apdus(v: &Value) -> u64 {
    v["apdus"].as_u64().unwrap() - v["apdus_chip_authentication"].as_u64().unwrap()
}

#[test]
fn reads_the_bsi_specimen_with_extended_length() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("reads_the_bsi_specimen_with_extended_length", |pcscd| {
        let _sim = Sim::start(pcscd, &passport, &[]);
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let (out, _) = read_chip(&BSI_MRZ, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_bsi_read(&v);
        assert_eq!(v["extended_length"], true);
        assert!(read_apdus(&v) <= 22, "{v}");
        Ok::<(), BodyError>(())
    })
}

#[test]
fn reads_the_bsi_specimen_without_extended_length() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("reads_the_bsi_specimen_without_extended_length", |pcscd| {
        let _sim = Sim::start(pcscd, &passport, &["--no-extended-length"]);
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let (out, _) = read_chip(&BSI_MRZ, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_bsi_read(&v);
        assert_eq!(v["extended_length"], false);
        assert!(read_apdus(&v) <= 80, "{v}");
        Ok::<(), BodyError>(())
    })
}

#[test]
fn takes_the_mrz_from_the_document_reader() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("takes_the_mrz_from_the_document_reader", |pcscd| {
        let link = std::env::temp_dir().join(format!("read-chip-mrz-{}", std::process::id()));
        let _sim = Sim::start(pcscd, &passport, &["--mrz-pty", link.to_str().unwrap(), "--mrz-noise"]);
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let (out, _) = read_chip(&[], &["--mrz-serial", link.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_bsi_read(&json(&out));
        Ok::<(), BodyError>(())
    })
}

#[test]
fn a_card_pulled_mid_read_exits_1_promptly() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("a_card_pulled_mid_read_exits_1_promptly", |pcscd| {
        // Six APDUs: EF.ATR/INFO, SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE, EF.COM, EF.SOD; then the card leaves.
        let _sim = Sim::start(pcscd, &passport, &["--fault", "remove-after:6"]);
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let (out, elapsed) = read_chip(&BSI_MRZ, &[]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_eq!(v["error"]["kind"], "card_removed", "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("removed"), "{v}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        Ok::<(), BodyError>(())
    })
}

#[test]
fn no_card_and_a_wrong_mrz_are_clear_errors() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("no_card_and_a_wrong_mrz_are_clear_errors", |pcscd| {
        // Nothing on the reader.
        let (out, elapsed) = read_chip(&BSI_MRZ, &["--wait", "1"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(json(&out)["error"]["kind"], "no_card");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

        // The MRZ of another document: the chip refuses the keys.
        let _sim = Sim::start(pcscd, &passport, &[]);
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let other = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
        let (out, _) = read_chip(&other, &[]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(json(&out)["error"]["kind"], "access_control_failed");
        Ok::<(), BodyError>(())
    })
}

#[test]
fn a_malformed_mrz_never_touches_the_chip() {
    // A check digit off by one: refused before any reader is looked at, with the field and position named.
    let bad = ["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C11T002JM5D<<9608122F1310317<<<<<<<<<<<<<<<6"];
    let (out, _) = read_chip(&bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "mrz_invalid");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("document_number") && message.contains("position 10"), "{message}");
    let (out, _) = read_chip(&[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "usage");
}

#[test]
fn reads_a_passport_made_by_the_simulator() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("reads_a_passport_made_by_the_simulator", |pcscd| {
        let dir = std::env::temp_dir().join(format!("read-chip-made-{}", std::process::id()));
        let passport = make_passport(&dir, "budi.toml");
        let mrz = printed_mrz(&passport);
        let mrz: Vec<&str> = mrz.iter().map(String::as_str).collect();
        for extra in [&[][..], &["--no-extended-length"][..]] {
            let _sim = Sim::start(pcscd, &passport, extra);
            pcscd.wait_for_reader_state(true, TIMEOUT)?;
            let (out, _) = read_chip(&mrz, &[]);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            let v = json(&out);
            assert_eq!(v["dg1_matches_mrz"], true);
            assert_eq!(v["dg1"]["issuing_state"], "IDN");
            assert_eq!(v["files"], serde_json::json!(["EF.COM", "EF.SOD", "DG1", "DG2", "DG14", "DG15"]), "{extra:?}");
            assert_eq!(v["face"]["image_format"], "JPEG");
            assert!(v["face"]["width"].as_u64().unwrap() > 100);
            let limit = if extra.is_empty() { 22 } else { 80 };
            assert!(read_apdus(&v) <= limit, "{extra:?}: {v}");
            drop(_sim);
            pcscd.wait_for_reader_state(false, TIMEOUT)?;
        }
        drop(std::fs::remove_dir_all(&dir));
        Ok::<(), BodyError>(())
    })
}
