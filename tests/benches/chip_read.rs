//! Figures for reading a passport: EF.COM, EF.SOD, DG1, DG2 (15 KB), DG14 and DG15 of passports made by
//! `gate-sim passport make` from sim/profiles/budi.toml (BAC) and pace.toml (PACE only), read by the real
//! `gate-daemon read-chip` through a private pcscd and vpcd from `gate-sim chip`, with the RF link model at
//! 424 kbit/s and 5 ms per APDU, and without.
//!
//! For each way of reading: APDUs, bytes on the wire, the elapsed time (median of the runs, first APDU to last file)
//! and the link model's own floor for those APDUs and bytes (5 ms per APDU plus the bytes at 424 kbit/s): the ratio
//! elapsed / floor is what the reader adds. JMRTD's 223-byte blocks are read in the same run for comparison.
//!
//! Run as root: `cargo bench -p e2e --bench chip_read` (it starts a private pcscd).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a bench fails loudly"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::Duration;

use common::{Sim, TIMEOUT, make_passport, printed_mrz};
use e2e::BodyError;
use serde_json::Value;

const RUNS: usize = 7;

struct Way {
    name: &'static str,
    /// The profile in sim/profiles the passport is made from.
    profile: &'static str,
    chip: &'static [&'static str],
    reader: &'static [&'static str],
}

const WAYS: [Way; 6] = [
    Way { name: "BAC, extended length, 4096-byte buffer", profile: "budi.toml", chip: &[], reader: &[] },
    Way {
        name: "BAC, extended length, 65533-byte buffer",
        profile: "budi.toml",
        chip: &["--max-response", "65533"],
        reader: &[],
    },
    Way {
        name: "BAC, short APDUs (no extended length)",
        profile: "budi.toml",
        chip: &["--no-extended-length"],
        reader: &[],
    },
    Way {
        name: "BAC, 223-byte blocks (JMRTD's default)",
        profile: "budi.toml",
        chip: &[],
        reader: &["--max-block", "223"],
    },
    Way { name: "PACE-GM, extended length, 4096-byte buffer", profile: "pace.toml", chip: &[], reader: &[] },
    Way {
        name: "PACE-GM, short APDUs (no extended length)",
        profile: "pace.toml",
        chip: &["--no-extended-length"],
        reader: &[],
    },
];

fn main() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("chip_read", |pcscd| {
        let dir = std::env::temp_dir().join(format!("chip-read-bench-{}", std::process::id()));
        let daemon = e2e::workspace_binary("gate-daemon", "gate-daemon")?;
        let mut passports = std::collections::BTreeMap::new();
        for profile in ["budi.toml", "pace.toml"] {
            let passport = make_passport(&dir.join(profile), profile);
            let mut sizes = Vec::new();
            for name in ["EF.CardAccess", "EF.COM", "EF.SOD", "DG1", "DG2", "DG14", "DG15"] {
                if let Ok(meta) = std::fs::metadata(passport.join(format!("{name}.bin"))) {
                    sizes.push(format!("{name} {}", meta.len()));
                }
            }
            println!("passport (sim/profiles/{profile}): {}", sizes.join(", "));
            passports.insert(profile, passport);
        }
        println!(
            "read APDUs: access control and every file; auth APDUs: Chip Authentication and its confirmation; \
             the time and the floor cover both"
        );

        for link in [Some((424u32, 5u32)), None] {
            match link {
                Some((kbps, ms)) => println!("\nlink model: {kbps} kbit/s, {ms} ms per APDU; {RUNS} runs each"),
                None => println!("\nno link model (pcscd, vpcd and the software alone); {RUNS} runs each"),
            }
            println!(
                "{:<44} {:>5} {:>5} {:>8} {:>10} {:>10} {:>10} {:>7}",
                "way", "read", "auth", "bytes", "median ms", "min ms", "floor ms", "ratio"
            );
            for way in &WAYS {
                let mut chip_args: Vec<String> = way.chip.iter().map(|s| (*s).to_owned()).collect();
                if let Some((kbps, ms)) = link {
                    chip_args.extend([
                        "--link-kbps".into(),
                        kbps.to_string(),
                        "--apdu-latency-ms".into(),
                        ms.to_string(),
                    ]);
                }
                let chip_args: Vec<&str> = chip_args.iter().map(String::as_str).collect();
                let passport = &passports[way.profile];
                let mrz = printed_mrz(passport);
                let sim = Sim::start(pcscd, passport, &chip_args);
                pcscd.wait_for_reader_state(true, TIMEOUT)?;
                let mut elapsed = Vec::new();
                let mut last = Value::Null;
                for _ in 0..RUNS {
                    let mut cmd = Command::new(&daemon);
                    cmd.args(["read-chip", "--json"]);
                    for line in &mrz {
                        cmd.args(["--mrz", line]);
                    }
                    let out = cmd.args(way.reader).output()?;
                    let v: Value = serde_json::from_slice(&out.stdout)?;
                    assert_eq!(out.status.code(), Some(0), "{v}");
                    elapsed.push(v["elapsed_ms"].as_f64().unwrap());
                    last = v;
                }
                drop(sim);
                pcscd.wait_for_reader_state(false, TIMEOUT)?;
                elapsed.sort_by(f64::total_cmp);
                let apdus = last["apdus"].as_u64().unwrap();
                let auth = last["apdus_chip_authentication"].as_u64().unwrap();
                let bytes = last["bytes_sent"].as_u64().unwrap() + last["bytes_received"].as_u64().unwrap();
                let floor = link.map(|(kbps, ms)| apdus as f64 * f64::from(ms) + bytes as f64 * 8.0 / f64::from(kbps));
                println!(
                    "{:<44} {:>5} {:>5} {:>8} {:>10.1} {:>10.1} {:>10} {:>7}",
                    way.name,
                    apdus - auth,
                    auth,
                    bytes,
                    elapsed[RUNS / 2],
                    elapsed[0],
                    floor.map_or("-".into(), |f| format!("{f:.1}")),
                    floor.map_or("-".into(), |f| format!("{:.3}", elapsed[RUNS / 2] / f)),
                );
            }
        }
        drop(std::fs::remove_dir_all(&dir));
        std::thread::sleep(Duration::from_millis(10));
        Ok::<(), BodyError>(())
    })
}
