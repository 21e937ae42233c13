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

#[path = "../tests/corpus/names.rs"]
mod corpus;

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

/// The people of the documented corpus, as list records: `C-V-n` for the variants' listed people, `C-N-n` for the
/// near misses', `C-C-n` for the common-only ones. Appended to the generated list; returns how many.
fn plant_corpus(payload: &mut Vec<u8>) -> usize {
    let parts = [("V", corpus::VARIANTS), ("N", corpus::NEAR_MISSES), ("C", corpus::COMMON_ONLY)];
    let mut planted = 0;
    for (part, cases) in parts {
        for (i, case) in cases.iter().enumerate() {
            let (_, listed, listed_dob, listed_nat, ..) = *case;
            let mut record = serde_json::json!({
                "entry_id": format!("C-{part}-{i:03}"),
                "list": "cegah",
                "names": listed.split('|').collect::<Vec<_>>(),
                "nationality": listed_nat,
                "reason_code": "C-PIDANA",
                "authority": "KEJAKSAAN AGUNG",
            });
            if let Some(fields) = record.as_object_mut().filter(|_| !listed_dob.is_empty()) {
                fields.insert("date_of_birth".into(), serde_json::json!(listed_dob));
            }
            if !payload.ends_with(b"\n") && !payload.is_empty() {
                payload.push(b'\n');
            }
            payload.extend_from_slice(record.to_string().as_bytes());
            payload.push(b'\n');
            planted += 1;
        }
    }
    planted
}

/// What screening the planted corpus gave.
struct CorpusOutcome {
    found: usize,
    near_flagged: usize,
    common_flagged: usize,
    missed: Vec<String>,
}

fn corpus_query(case: &corpus::Case) -> Query {
    let (_, _, _, _, traveller, traveller_dob, traveller_nat) = *case;
    Query {
        names: vec![normalise_name(traveller)],
        date_of_birth: corpus::date(traveller_dob),
        nationality: Some(traveller_nat.to_owned()),
        sex: None,
        documents: Vec::new(),
        direction: Direction::Departure,
    }
}

fn screen_corpus(store: &Store, config: &ScoreConfig) -> CorpusOutcome {
    let mut outcome = CorpusOutcome { found: 0, near_flagged: 0, common_flagged: 0, missed: Vec::new() };
    for (i, case) in corpus::VARIANTS.iter().enumerate() {
        let expected = format!("C-V-{i:03}");
        let Ok(s) = check::screen(store, &corpus_query(case), config) else { continue };
        match s.matches.iter().find(|m| m.entry_id == expected) {
            Some(_) => outcome.found += 1,
            None => outcome.missed.push(format!("variant missed: {}", case.0)),
        }
    }
    // A near miss counts as flagged by its own listed person or by a generated entry: the corpus's cases share
    // names and dates of birth, so that another case's listed person may well be the traveller.
    for (i, case) in corpus::NEAR_MISSES.iter().enumerate() {
        let own = format!("C-N-{i:03}");
        let Ok(s) = check::screen(store, &corpus_query(case), config) else { continue };
        if let Some(m) = s.matches.iter().find(|m| m.entry_id == own || !m.entry_id.starts_with("C-")) {
            outcome.near_flagged += 1;
            outcome.missed.push(format!("near miss flagged: {} -> {} {:.3}", case.0, m.entry_id, m.matched.score));
        }
    }
    for case in corpus::COMMON_ONLY {
        let Ok(s) = check::screen(store, &corpus_query(case), config) else { continue };
        outcome.common_flagged += usize::from(s.result != Outcome::Clear);
    }
    outcome
}

/// With `WATCHLIST_BENCH_CURVE` set: the share of clean travellers and the recall of the generated variants and
/// of the corpus at several `possible` thresholds, from the scores under a threshold low enough to see them all;
/// and the corpus variants missed at the default threshold, with their scores and reasons.
fn curve(store: &Store, variants: &[serde_json::Value], clean: &[serde_json::Value]) {
    let probe = ScoreConfig { report: 0.3, possible: 0.3, ..ScoreConfig::default() };
    let expected_score = |q: &Query, expected: &str| -> (f32, Vec<String>) {
        check::screen(store, q, &probe)
            .ok()
            .and_then(|s| s.matches.into_iter().find(|m| m.entry_id == expected))
            .map_or((0.0, Vec::new()), |m| (m.matched.score, m.matched.why))
    };
    let variant_scores: Vec<f32> = variants
        .iter()
        .map(|t| expected_score(&to_query(t), t["expected_entry_id"].as_str().unwrap_or("")).0)
        .collect();
    let clean_scores: Vec<f32> = clean
        .iter()
        .map(|t| {
            check::screen(store, &to_query(t), &probe).ok().and_then(|s| s.matches.first().map(|m| m.matched.score))
        })
        .map(|s| s.unwrap_or(0.0))
        .collect();
    let mut corpus_scores = Vec::new();
    for (i, case) in corpus::VARIANTS.iter().enumerate() {
        let (score, why) = expected_score(&corpus_query(case), &format!("C-V-{i:03}"));
        if score < 0.92 {
            println!("    corpus variant {:<36} {score:.3} {why:?}", case.0);
        }
        corpus_scores.push(score);
    }
    for threshold in [0.7f32, 0.72, 0.75, 0.78, 0.8, 0.82, 0.85, 0.88, 0.9] {
        let share = |scores: &[f32]| {
            100.0 * scores.iter().filter(|&&s| s >= threshold).count() as f64 / scores.len().max(1) as f64
        };
        println!(
            "    possible at {threshold:.2}: clean flagged {:.3} %, generated variants found {:.1} %, corpus found {:.1} %",
            share(&clean_scores),
            share(&variant_scores),
            share(&corpus_scores)
        );
    }
}

/// Runs `gate-daemon` as a child and returns its time and its own peak resident memory (its `VmHWM`, read until it
/// exits: what getrusage gives for children also counts this process's memory, from which the child was spawned);
/// exits when it fails.
fn run_measured(command: &mut std::process::Command) -> (f64, f64) {
    let t = Instant::now();
    let spawned = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn();
    let mut child = spawned.unwrap_or_else(|e| {
        eprintln!("cannot run gate-daemon: {e}");
        std::process::exit(1)
    });
    let status_file = format!("/proc/{}/status", child.id());
    let high_water_kb = || {
        let status = std::fs::read_to_string(&status_file).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok()
    };
    let mut peak_kb = 0.0f64;
    while let Ok(None) = child.try_wait() {
        peak_kb = peak_kb.max(high_water_kb().unwrap_or(0.0));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let seconds = t.elapsed().as_secs_f64();
    match child.wait_with_output() {
        Ok(out) if out.status.success() => (seconds, peak_kb / 1024.0),
        Ok(out) => {
            eprintln!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            std::process::exit(1)
        }
        Err(e) => {
            eprintln!("gate-daemon: {e}");
            std::process::exit(1)
        }
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
    // The corpus's people take the place of as many generated entries, so that the list holds `entries` in all.
    let corpus_people = corpus::VARIANTS.len() + corpus::NEAR_MISSES.len() + corpus::COMMON_ONLY.len();
    let generated = entries.saturating_sub(corpus_people);
    let args =
        sim::watchlist::GenerateArgs { entries: generated, variants, clean, seed: 1, out: dir.clone(), json: false };
    if sim::watchlist::generate_command(&args) != std::process::ExitCode::SUCCESS {
        eprintln!("cannot generate the list");
        std::process::exit(1);
    }
    let generated_s = t.elapsed().as_secs_f64();
    let mut payload = std::fs::read(dir.join("list.jsonl")).unwrap_or_default();
    let planted = plant_corpus(&mut payload);
    let key = bundle::keygen(&dir.join("authority")).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let signing = bundle::load_signing_key(&dir.join("authority/authority.key")).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let signed = bundle::sign(&signing, 1, Kind::Full, &payload, SystemTime::now()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    drop(payload);

    // Import: `gate-daemon watchlist import` in a process of its own, reading the bundle from a file as a gate does
    // (the signature, the hash, then every line, written to the list and its index in one transaction), so that its
    // peak memory is the import's alone, not that of the generation above.
    let db_path = dir.join("watchlist.redb");
    let bundle_path = dir.join("list.bundle");
    let public_key = dir.join("authority/authority.pub");
    if bundle::load_public_key(&public_key).ok() != Some(key) || std::fs::write(&bundle_path, &signed).is_err() {
        eprintln!("cannot write the bundle, or {} is not the key made", public_key.display());
        std::process::exit(1);
    }
    drop(signed);
    let mut import = std::process::Command::new(env!("CARGO_BIN_EXE_gate-daemon"));
    import.args(["watchlist", "import", "--json", "--public-key"]).arg(&public_key).arg("--db").arg(&db_path);
    let (import_s, import_peak) = run_measured(import.arg(&bundle_path));
    let size_mb = std::fs::metadata(&db_path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    let _ = std::fs::remove_file(&bundle_path);
    let store = Store::open(&db_path).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let Ok(Some(report)) = store.info() else {
        eprintln!("no list in force after the import");
        std::process::exit(1)
    };
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
    let mut scored_each = Vec::new();
    for t in clean_set {
        let q = to_query(t);
        let started = Instant::now();
        let Ok(s) = check::screen(&store, &q, &config) else { continue };
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
        scored += s.scored;
        scored_each.push(s.scored);
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

    if std::env::var_os("WATCHLIST_BENCH_CURVE").is_some() {
        curve(&store, variant_set, clean_set);
    }
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

    let corpus = screen_corpus(&store, &config);
    let index_keys = store.index_keys().unwrap_or(0);
    // One `gate-daemon watchlist check` as a gate runs it, in a process of its own (redb lets one process at a
    // time open the database).
    drop(store);
    let mut check = std::process::Command::new(env!("CARGO_BIN_EXE_gate-daemon"));
    check.args(["watchlist", "check", "--json", "--direction", "departure", "--surname", "SANTOSO"]);
    check.args(["--given-names", "BUDI", "--date-of-birth", "1980-05-12", "--nationality", "IDN", "--db"]);
    let (check_s, check_peak) = run_measured(check.arg(&db_path));
    let p50 = percentile(&latencies, 0.5);
    let p99 = percentile(&latencies, 0.99);
    let scan50 = percentile(&scans, 0.5);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "watchlist: {} entries generated in {generated_s:.1} s (seed 1)", report.entries);
    let _ = writeln!(
        out,
        "  import (gate-daemon watchlist import: verify + index + commit): {import_s:.1} s, peak memory \
         {import_peak:.0} MB"
    );
    let _ = writeln!(out, "  on disk: {size_mb:.0} MB ({} index keys)", index_keys);
    let _ = writeln!(
        out,
        "  resident memory: this process after {} checks {rss_after:.0} MB; one `gate-daemon watchlist check` \
         process {check_peak:.0} MB at its peak ({:.0} ms, start-up included)",
        latencies.len(),
        check_s * 1000.0
    );
    let _ = writeln!(
        out,
        "  check through the index: p50 {p50:.0} us, p99 {p99:.0} us ({:.0} entries scored per clean traveller, {} at \
         the 99th percentile)",
        scored as f64 / clean_set.len().max(1) as f64,
        {
            scored_each.sort_unstable();
            scored_each.get(scored_each.len() * 99 / 100).copied().unwrap_or(0)
        }
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
    let _ = writeln!(
        out,
        "  documented corpus planted in the list ({planted} entries): {} of {} variants found ({:.1} %), {} of {} near \
         misses flagged, {} of {} common-only names flagged",
        corpus.found,
        corpus::VARIANTS.len(),
        100.0 * corpus.found as f64 / corpus::VARIANTS.len() as f64,
        corpus.near_flagged,
        corpus::NEAR_MISSES.len(),
        corpus.common_flagged,
        corpus::COMMON_ONLY.len()
    );
    for m in corpus.missed {
        let _ = writeln!(out, "    corpus: {m}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
