//! The watchlist at full size: a generated list of 1,000,000 entries (`sim::watchlist`, seed 1) signed, verified and
//! imported into the store; its size on disk; resident memory; check latency p50 and p99 through the index for a
//! clean population and for true variants of listed people, with the recall and the false-positive rate; and, in
//! the same run, a plain scan of every entry with the same scorer, and the ratio between the two.
//!
//! Run: `cargo bench -p gate-daemon --bench watchlist`. `WATCHLIST_BENCH_ENTRIES`, `WATCHLIST_BENCH_CLEAN` and
//! `WATCHLIST_BENCH_VARIANTS` change the sizes (defaults 1,000,000, 100,000 and 1,000); `WATCHLIST_BENCH_SHOW=1`
//! prints the first clean travellers that came out `possible` or `hit`, with the reasons.

use std::io::Write;
use std::time::{Instant, SystemTime};

use gate_daemon::watchlist::bundle::{self, Kind};
use gate_daemon::watchlist::check;
use gate_daemon::watchlist::normalise::normalise_name;
use gate_daemon::watchlist::score::{BirthDate, Direction, Outcome, Query, ScoreConfig, TravelDocument};
use gate_daemon::watchlist::store::Store;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn to_query(t: &serde_json::Value) -> Query {
    let date = t["date_of_birth"].as_str().unwrap_or("");
    let mut parts = date.split('-').filter_map(|p| p.parse::<u16>().ok());
    let dob = match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => Some(BirthDate::full(y, m as u8, d as u8)),
        _ => None,
    };
    let documents = t["documents"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| TravelDocument {
                    number: d["number"].as_str().unwrap_or("").to_string(),
                    issuing_state: d["issuing_state"].as_str().unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Query {
        names: t["names"].as_array().into_iter().flatten().filter_map(|n| n.as_str()).map(normalise_name).collect(),
        date_of_birth: dob,
        nationality: t["nationality"].as_str().map(str::to_string),
        sex: None,
        documents,
        direction: if t["direction"] == "arrival" { Direction::Arrival } else { Direction::Departure },
    }
}

fn main() {
    let entries = env("WATCHLIST_BENCH_ENTRIES", 1_000_000);
    let clean = env("WATCHLIST_BENCH_CLEAN", 100_000);
    let variants = env("WATCHLIST_BENCH_VARIANTS", 1_000);
    let dir = std::env::temp_dir().join(format!("autogate-watchlist-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();

    // The list and the travellers, from the simulator's generator.
    let t = Instant::now();
    let args = sim::watchlist::GenerateArgs { entries, variants, clean, seed: 1, out: dir.clone(), json: false };
    if sim::watchlist::generate_command(&args) != std::process::ExitCode::SUCCESS {
        eprintln!("cannot generate the list");
        std::process::exit(1);
    }
    let generated_s = t.elapsed().as_secs_f64();
    let payload = std::fs::read(dir.join("list.jsonl")).unwrap_or_default();
    let key = bundle::keygen(&dir.join("authority")).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let signing = bundle::load_signing_key(&dir.join("authority/authority.key")).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let signed = bundle::sign(&signing, 1, Kind::Full, &payload, SystemTime::now()).unwrap_or_default();
    drop(payload);

    // Import: verify the signature and every line, then write the list and its index in one transaction.
    let db_path = dir.join("watchlist.redb");
    let t = Instant::now();
    let verified = bundle::verify(&signed, &key, SystemTime::now()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    drop(signed);
    let store = Store::open(&db_path).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let report = store.import(&verified).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    drop(verified);
    let import_s = t.elapsed().as_secs_f64();
    let import_peak = rss_mb("VmHWM:");
    let size_mb = std::fs::metadata(&db_path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    drop(store);

    // A fresh process view: reopen the store as the gate would.
    let store = Store::open(&db_path).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let config = ScoreConfig::default();
    let travellers: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("travellers.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let (variant_set, clean_set) = travellers.split_at(variants.min(travellers.len()));

    let mut latencies = Vec::new();
    let mut found = 0;
    let mut missed = Vec::new();
    for t in variant_set {
        let q = to_query(t);
        let started = Instant::now();
        let Ok(s) = check::screen(&store, &q, &config) else { continue };
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
        let expected = t["expected_entry_id"].as_str().unwrap_or("");
        if s.matches.iter().any(|m| m.entry_id == expected) {
            found += 1;
        } else if missed.len() < 10 {
            missed.push(format!("{} {:?}", t["names"], t["variations"]));
        }
    }
    let mut flagged = 0;
    let mut hits = 0;
    let mut scored = 0usize;
    for t in clean_set {
        let q = to_query(t);
        let started = Instant::now();
        let Ok(s) = check::screen(&store, &q, &config) else { continue };
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
        scored += s.scored;
        if s.result != Outcome::Clear {
            flagged += 1;
            if std::env::var_os("WATCHLIST_BENCH_SHOW").is_some()
                && flagged <= 12
                && let Some(m) = s.matches.first()
            {
                println!(
                    "    flagged: {} {} -> {} {:.3} {:?}",
                    t["names"], t["date_of_birth"], m.entry_id, m.matched.score, m.matched.why
                );
            }
        }
        if s.result == Outcome::Hit {
            hits += 1;
        }
    }
    let rss_after = rss_mb("VmRSS:");
    latencies.sort_by(f64::total_cmp);

    // The plain scan, for a few travellers of each kind.
    let mut scans = Vec::new();
    for t in variant_set.iter().take(3).chain(clean_set.iter().take(3)) {
        let q = to_query(t);
        let started = Instant::now();
        let _ = check::screen_by_scan(&store, &q, &config);
        scans.push(started.elapsed().as_secs_f64() * 1e6);
    }
    scans.sort_by(f64::total_cmp);

    let p50 = percentile(&latencies, 0.5);
    let p99 = percentile(&latencies, 0.99);
    let scan50 = percentile(&scans, 0.5);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "watchlist: {} entries generated in {generated_s:.1} s (seed 1)", report.entries);
    let _ = writeln!(out, "  import (verify + index + commit): {import_s:.1} s, peak memory {import_peak:.0} MB");
    let _ = writeln!(out, "  on disk: {size_mb:.0} MB ({} index keys)", store.index_keys().unwrap_or(0));
    let _ = writeln!(out, "  resident memory after {} checks: {rss_after:.0} MB", latencies.len());
    let _ = writeln!(
        out,
        "  check through the index: p50 {p50:.0} us, p99 {p99:.0} us ({:.0} entries scored per clean traveller)",
        scored as f64 / clean_set.len().max(1) as f64
    );
    let _ = writeln!(
        out,
        "  plain scan of every entry, same scorer: median {:.0} us over {} travellers",
        scan50,
        scans.len()
    );
    let _ = writeln!(out, "  scan / index at p50: {:.0}x", scan50 / p50);
    let _ = writeln!(
        out,
        "  recall on {} true variants: {:.2} % ; clean population {}: {:.3} % possible or hit ({} hits)",
        variant_set.len(),
        100.0 * found as f64 / variant_set.len().max(1) as f64,
        clean_set.len(),
        100.0 * flagged as f64 / clean_set.len().max(1) as f64,
        hits
    );
    for m in missed {
        let _ = writeln!(out, "    missed: {m}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
