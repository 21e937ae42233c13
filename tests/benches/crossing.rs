//! Figures for whole crossings through the real daemon on the simulated gate: `gate-sim scenario` with N travellers
//! who all pass (sim/profiles/budi.toml, a live photograph of the portrait's person), and from the daemon's event log
//! for each crossing:
//!
//! - the gate's time from the MRZ to the decision;
//! - the software's own time: that, less the traveller's walk into the mantrap and the doors' travel (the `entry`
//!   step), less the RF link's share of the chip read (the link model: the bytes at 424 kbit/s and 2 ms per APDU),
//!   and less the time before the first APDU (pcscd noticing the card through vpcd, and connecting to it);
//! - its parts: chip read, face step;
//! - the daemon's resident memory when ready and after the last crossing (the soak's growth), and whether every
//!   crossing is in the event log, begun, decided and ended.
//!
//! Run as root: `cargo bench -p e2e --bench crossing` (`CROSSING_BENCH_TRAVELLERS`, default 10; a soak is
//! `CROSSING_BENCH_TRAVELLERS=1000`, about 12 s of wall time per crossing).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a bench fails loudly"
)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const LINK_KBPS: f64 = 424.0;
const APDU_LATENCY_MS: f64 = 2.0;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[((v.len() - 1) as f64 * p).round() as usize] }
}

fn main() {
    let n: usize = std::env::var("CROSSING_BENCH_TRAVELLERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let sim = e2e::workspace_binary("sim", "gate-sim").unwrap();
    e2e::workspace_binary("gate-daemon", "gate-daemon").unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let passport = root.join("sim/profiles/budi.toml");
    let face = root.join("../shared/testdata/faces/face_recognition/obama2.jpg");
    let dir = std::env::temp_dir().join(format!("crossing-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = String::from("name = \"crossing benchmark\"\n");
    for _ in 0..n {
        text += &format!(
            "[[traveller]]\npassport = \"{}\"\nface = \"{}\"\nexpect = \"pass\"\n",
            passport.display(),
            face.display()
        );
    }
    let file = dir.join("bench.toml");
    std::fs::write(&file, text).unwrap();
    let out =
        Command::new(&sim).arg("scenario").arg(&file).arg("--json").arg("--dir").arg(dir.join("rig")).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&out.stderr)));
    let events = report["events"].as_array().unwrap();
    let of = |crossing: u64, event: &str, step: Option<&str>| {
        events.iter().find(|e| e["crossing"] == crossing && e["event"] == event && step.is_none_or(|s| e["step"] == s))
    };
    let (mut gate, mut software, mut chip, mut face_ms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut notice = Vec::new();
    let mut complete = 0;
    for c in 1..=n as u64 {
        let (Some(decided), Some(entry), Some(read), Some(face), Some(chip_step)) = (
            of(c, "decided", None),
            of(c, "step", Some("entry")),
            of(c, "chip", None),
            of(c, "step", Some("face")),
            of(c, "step", Some("chip")),
        ) else {
            continue;
        };
        if of(c, "crossing_started", None).is_some() && of(c, "crossing_ended", None).is_some() {
            complete += 1;
        }
        let total = decided["elapsed_ms"].as_f64().unwrap();
        let link =
            read["bytes"].as_f64().unwrap_or(0.0) * 8.0 / LINK_KBPS + read["apdus"].as_f64().unwrap() * APDU_LATENCY_MS;
        // Before the first APDU: pcscd noticing the card through vpcd, and the connection.
        let waited = (chip_step["elapsed_ms"].as_f64().unwrap() - read["read_ms"].as_f64().unwrap()).max(0.0);
        gate.push(total);
        notice.push(waited);
        software.push(total - entry["elapsed_ms"].as_f64().unwrap() - link - waited);
        chip.push(read["read_ms"].as_f64().unwrap());
        face_ms.push(face["elapsed_ms"].as_f64().unwrap());
    }
    let passed = report["travellers"].as_array().unwrap().iter().filter(|t| t["held"] == true).count();
    println!(
        "crossings                 {n} (passed as expected: {passed}; begun, decided and ended in the log: {complete})"
    );
    println!("MRZ to decision           median {:.0} ms, p90 {:.0} ms", median(gate.clone()), percentile(gate, 0.9));
    println!(
        "software's own time       median {:.0} ms, p90 {:.0} ms (less the walk in, the doors, the link, the card's notice)",
        median(software.clone()),
        percentile(software, 0.9)
    );
    println!("  card noticed, connected median {:.0} ms", median(notice));
    println!(
        "  chip read               median {:.0} ms (of which the link model's share is taken off above)",
        median(chip)
    );
    println!("  face step               median {:.0} ms", median(face_ms));
    println!(
        "daemon resident memory    {} KiB when ready, {} KiB after the last crossing",
        report["daemon_rss_kib"]["ready"], report["daemon_rss_kib"]["end"]
    );
    // Growth once warmed up: from the third crossing to the last (the models' first runs allocate their arenas).
    let rss: Vec<f64> =
        report["travellers"].as_array().unwrap().iter().filter_map(|t| t["daemon_rss_kib"].as_f64()).collect();
    if rss.len() >= 4 {
        println!(
            "  after crossing 3 / last {:.0} / {:.0} KiB: growth {:.1} MB over {} crossings",
            rss[2],
            rss[rss.len() - 1],
            (rss[rss.len() - 1] - rss[2]) / 1024.0,
            rss.len() - 3
        );
    }
    println!("doors closed onto anyone  {}", report["collisions"]);
    let _ = std::fs::remove_dir_all(&dir);
}
