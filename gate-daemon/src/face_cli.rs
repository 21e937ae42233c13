//! `gate-daemon face-match` and `gate-daemon face-eval` (../shared/CLI.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use crate::face::engine::{FaceEngine, ModelPaths, Timings};
use crate::face::error::FaceError;
use crate::face::pad::{self, PadConfig};

/// Where the models are: shared by both commands.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// The models folder (with onnxruntime.toml, mtcnn.toml, dlib-resnet29.toml); default $AUTOGATE_MODELS, else
    /// ./models, else /usr/share/autogate/models.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// A detector manifest instead of the folder's mtcnn.toml.
    #[arg(long, value_name = "FILE")]
    pub detector: Option<PathBuf>,
    /// A recogniser manifest instead of the folder's dlib-resnet29.toml (any ArcFace-style model plugs in here).
    #[arg(long, value_name = "FILE")]
    pub recogniser: Option<PathBuf>,
    /// Intra-op threads per model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

impl ModelArgs {
    /// The manifests these arguments name.
    pub fn paths(&self) -> ModelPaths {
        let dir = self.models.clone().unwrap_or_else(ModelPaths::default_dir);
        let mut paths = ModelPaths::in_dir(&dir);
        if let Some(d) = &self.detector {
            paths.detector = d.clone();
        }
        if let Some(r) = &self.recogniser {
            paths.recogniser = r.clone();
        }
        paths
    }
}

/// Arguments of `gate-daemon face-match`.
#[derive(Debug, Clone, clap::Args)]
pub struct FaceMatchArgs {
    /// The reference: the chip's photo (JPEG, PNG, JPEG 2000, or a raw DG2 file).
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The live probe (JPEG, PNG, JPEG 2000, or a raw DG2 file).
    #[arg(long, value_name = "FILE")]
    pub probe: PathBuf,
    /// Skip the presentation-attack check (the probe being the reference photo itself).
    #[arg(long)]
    pub no_pad: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub models: ModelArgs,
}

fn face_error(json: bool, e: &FaceError) -> ExitCode {
    crate::output::fail(json, if e.is_bad_input() { 2 } else { 1 }, e.kind(), &e.to_string())
}

fn read_file(json: bool, path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path)
        .map_err(|e| crate::output::fail(json, 2, "unreadable_input", &format!("cannot read {}: {e}", path.display())))
}

/// Runs `face-match` and prints its decision.
pub fn face_match_command(args: &FaceMatchArgs) -> ExitCode {
    let reference = match read_file(args.json, &args.reference) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let probe = match read_file(args.json, &args.probe) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut engine = match FaceEngine::load(&args.models.paths(), args.models.threads) {
        Ok(e) => e,
        Err(e) => return face_error(args.json, &e),
    };
    let (threshold, fmr) = engine.threshold();
    let reference = match engine.analyse_bytes(&reference) {
        Ok(a) => a,
        Err(e) => return face_error(args.json, &with_file(e, &args.reference)),
    };
    let probe = match engine.analyse_bytes(&probe) {
        Ok(a) => a,
        Err(e) => return face_error(args.json, &with_file(e, &args.probe)),
    };
    let mut timings = Timings::default();
    timings.add(&reference.timings);
    timings.add(&probe.timings);
    let mut score = None;
    let mut findings = Vec::new();
    let decision = match (&reference.subject, &probe.subject) {
        (None, _) => "no_face_reference",
        (_, None) => "no_face_probe",
        _ if probe.people > 1 => "multiple_faces_probe",
        (Some(r), Some(p)) => {
            let s = engine.compare(&r.embedding, &p.embedding);
            score = Some(s);
            if !args.no_pad {
                findings.extend(pad::check_replay(&p.aligned, &r.aligned, &PadConfig::default()));
                if let (true, Some(limit)) = (findings.is_empty(), engine.recogniser().replay_similarity()) {
                    let config = PadConfig { max_natural_similarity: limit, ..PadConfig::default() };
                    findings.extend(pad::check_embedding_replay(&p.embedding, &r.embedding, &config));
                }
            }
            if !findings.is_empty() {
                "presentation_attack"
            } else if s >= threshold {
                "match"
            } else {
                "no_match"
            }
        }
    };
    let model = json!({ "name": engine.recogniser_label().split(' ').next().unwrap_or_default(),
        "sha256": engine.recogniser_label().split(' ').nth(1).unwrap_or_default(),
        "detector": engine.detector_label() });
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let report = json!({
        "decision": decision,
        "score": score.map(|s| (f64::from(s) * 10_000.0).round() / 10_000.0),
        "threshold": round4(threshold),
        "false_match_rate": fmr,
        "model": model,
        "faces": { "reference": reference.faces.len(), "probe": probe.faces.len(), "probe_people": probe.people },
        "presentation_attack": findings.iter().map(|f| f.code()).collect::<Vec<_>>(),
        "timings_ms": {
            "decode": round(timings.decode), "detect": round(timings.detect), "align": round(timings.align),
            "embed": round(timings.embed), "total": round(timings.total),
        },
    });
    if args.json {
        println!("{report}");
    } else {
        match score {
            Some(s) => println!("{decision}: score {s:.4}, threshold {threshold:.4} (false-match rate {fmr})"),
            None => println!("{decision}"),
        }
        for f in &findings {
            println!("  presentation attack: {f}");
        }
        println!(
            "  {:.1} ms (decode {:.1}, detect {:.1}, align {:.1}, embed {:.1})",
            timings.total, timings.decode, timings.detect, timings.align, timings.embed
        );
    }
    if matches!(decision, "match" | "no_match") { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn with_file(e: FaceError, path: &Path) -> FaceError {
    match e {
        FaceError::Dg2(reason) => FaceError::Dg2(format!("{}: {reason}", path.display())),
        other => other,
    }
}

/// Arguments of `gate-daemon face-eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct FaceEvalArgs {
    /// Pairs to score: CSV with a header, columns image, image, same identity (Yes/No, true/false, 1/0); image paths
    /// relative to the CSV.
    #[arg(long, value_name = "CSV", required_unless_present = "identities")]
    pub pairs: Option<PathBuf>,
    /// Or: images with their identity (CSV with a header, columns file, identity); every pair of them is scored.
    #[arg(long, value_name = "CSV", conflicts_with = "pairs")]
    pub identities: Option<PathBuf>,
    /// The false-match rate to find the threshold for.
    #[arg(long, default_value_t = 0.001)]
    pub target_fmr: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub models: ModelArgs,
}

/// One scored pair.
#[derive(Debug, Clone, Copy)]
struct Scored {
    genuine: bool,
    score: f32,
}

/// Runs `face-eval` and prints the error rates.
pub fn face_eval_command(args: &FaceEvalArgs) -> ExitCode {
    let (csv_path, by_pairs) = match (&args.pairs, &args.identities) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(i)) => (i.clone(), false),
        (None, None) => return crate::output::fail(args.json, 2, "usage", "give --pairs CSV or --identities CSV"),
    };
    if !(args.target_fmr > 0.0 && args.target_fmr < 1.0) {
        return crate::output::fail(args.json, 2, "usage", "--target-fmr must be between 0 and 1");
    }
    let text = match std::fs::read_to_string(&csv_path) {
        Ok(t) => t,
        Err(e) => {
            return crate::output::fail(
                args.json,
                2,
                "unreadable_input",
                &format!("cannot read {}: {e}", csv_path.display()),
            );
        }
    };
    let base = csv_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|c| c.trim().to_string()).collect())
        .collect();
    let mut pairs: Vec<(String, String, bool)> = Vec::new();
    if by_pairs {
        for (n, row) in rows.iter().enumerate() {
            let genuine = match row.get(2).map(|s| s.to_ascii_lowercase()).as_deref() {
                Some("yes" | "true" | "1") => true,
                Some("no" | "false" | "0") => false,
                _ => {
                    let message = format!("{} line {}: expected image,image,Yes|No", csv_path.display(), n + 2);
                    return crate::output::fail(args.json, 2, "malformed_input", &message);
                }
            };
            let (Some(a), Some(b)) = (row.first(), row.get(1)) else { continue };
            pairs.push((a.clone(), b.clone(), genuine));
        }
    } else {
        let items: Vec<(&String, &String)> = rows.iter().filter_map(|r| Some((r.first()?, r.get(1)?))).collect();
        for (i, (fa, ia)) in items.iter().enumerate() {
            for (fb, ib) in items.iter().skip(i + 1) {
                pairs.push(((*fa).clone(), (*fb).clone(), ia == ib));
            }
        }
    }
    let mut engine = match FaceEngine::load(&args.models.paths(), args.models.threads) {
        Ok(e) => e,
        Err(e) => return face_error(args.json, &e),
    };
    // Each image is analysed once; its embedding is kept in memory for the run only.
    let mut embeddings = std::collections::HashMap::new();
    let mut failed: Vec<String> = Vec::new();
    for name in pairs.iter().flat_map(|(a, b, _)| [a, b]) {
        if embeddings.contains_key(name) {
            continue;
        }
        let embedding = std::fs::read(base.join(name))
            .ok()
            .and_then(|bytes| engine.analyse_bytes(&bytes).ok())
            .and_then(|a| a.subject)
            .map(|s| s.embedding);
        if embedding.is_none() {
            failed.push(name.clone());
        }
        embeddings.insert(name.clone(), embedding);
    }
    let mut scored = Vec::new();
    let mut unscored = 0usize;
    for (a, b, genuine) in &pairs {
        match (embeddings.get(a).and_then(Option::as_ref), embeddings.get(b).and_then(Option::as_ref)) {
            (Some(x), Some(y)) => scored.push(Scored { genuine: *genuine, score: engine.compare(x, y) }),
            // A pair with an image that gives no face is a failure to acquire: counted as a non-match.
            _ => {
                unscored += 1;
                scored.push(Scored { genuine: *genuine, score: f32::NEG_INFINITY });
            }
        }
    }
    let report = evaluate(&scored, args.target_fmr, engine.threshold());
    let mut out = report.clone();
    if let Some(map) = out.as_object_mut() {
        map.insert("pairs_file".into(), json!(csv_path.display().to_string()));
        map.insert("model".into(), json!(engine.recogniser_label()));
        map.insert("images_without_face".into(), json!(failed));
        map.insert("pairs_without_score".into(), json!(unscored));
    }
    if args.json {
        println!("{out}");
    } else {
        print_eval(&out);
    }
    ExitCode::SUCCESS
}

/// The false non-match rate at the highest threshold meeting each false-match rate.
fn evaluate(scored: &[Scored], target: f64, (threshold, fmr): (f32, f64)) -> serde_json::Value {
    let genuine: Vec<f32> = scored.iter().filter(|s| s.genuine).map(|s| s.score).collect();
    let mut impostor: Vec<f32> = scored.iter().filter(|s| !s.genuine).map(|s| s.score).collect();
    impostor.sort_by(|a, b| b.total_cmp(a));
    let fnmr_at = |t: f32| {
        if genuine.is_empty() {
            return 0.0;
        }
        genuine.iter().filter(|&&s| s < t).count() as f64 / genuine.len() as f64
    };
    let fmr_at = |t: f32| {
        if impostor.is_empty() {
            return 0.0;
        }
        impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64
    };
    // The lowest threshold whose false-match rate is at most `rate`: just above the k-th best impostor score,
    // k = floor(rate * impostors).
    let threshold_for = |rate: f64| -> f32 {
        let allowed = (rate * impostor.len() as f64).floor() as usize;
        match impostor.get(allowed) {
            Some(&s) if s.is_finite() => next_up(s),
            _ => -1.0,
        }
    };
    let point = |rate: f64| {
        let t = threshold_for(rate);
        json!({ "false_match_rate": rate, "threshold": round4(t), "false_non_match_rate": round4f(fnmr_at(t)),
                "measured_false_match_rate": round4f(fmr_at(t)) })
    };
    json!({
        "genuine_pairs": genuine.len(),
        "impostor_pairs": impostor.len(),
        "highest_genuine_score": genuine.iter().copied().filter(|s| s.is_finite()).reduce(f32::max).map(round4),
        "lowest_genuine_score": genuine.iter().copied().filter(|s| s.is_finite()).reduce(f32::min).map(round4),
        "highest_impostor_score": impostor.first().copied().filter(|s| s.is_finite()).map(round4),
        "at_fmr_1_percent": point(0.01),
        "at_fmr_0_1_percent": point(0.001),
        "target": point(target),
        "configured": { "threshold": round4(threshold), "false_match_rate": fmr,
            "false_non_match_rate": round4f(fnmr_at(threshold)), "measured_false_match_rate": round4f(fmr_at(threshold)) },
    })
}

fn next_up(v: f32) -> f32 {
    v + 1e-5
}

fn round4(v: f32) -> f64 {
    (f64::from(v) * 10_000.0).round() / 10_000.0
}

fn round4f(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn print_eval(report: &serde_json::Value) {
    let g = |path: &[&str]| {
        let mut v = report;
        for p in path {
            v = &v[*p];
        }
        v.to_string()
    };
    println!("{} genuine and {} impostor pairs ({})", g(&["genuine_pairs"]), g(&["impostor_pairs"]), g(&["model"]));
    for (label, key) in [("FMR 1%", "at_fmr_1_percent"), ("FMR 0.1%", "at_fmr_0_1_percent"), ("target", "target")] {
        println!(
            "  {label:>9}: FNMR {} at threshold {} (measured FMR {})",
            g(&[key, "false_non_match_rate"]),
            g(&[key, "threshold"]),
            g(&[key, "measured_false_match_rate"])
        );
    }
    println!(
        "  configured threshold {}: FNMR {}, FMR {}",
        g(&["configured", "threshold"]),
        g(&["configured", "false_non_match_rate"]),
        g(&["configured", "measured_false_match_rate"])
    );
    println!("  images without a face: {}", g(&["images_without_face"]));
}
