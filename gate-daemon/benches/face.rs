//! The face pipeline on 640x480 probes: the time per probe (decode, detect, align, embed) with 2 threads, the time
//! to load the models, and resident memory with the models loaded.
//!
//! Probes are the JPEG photos of ../shared/testdata/faces/deepface, cropped to 4:3 around their centre, scaled to
//! 640x480 and re-encoded as JPEG (quality 90) in memory. Run: `cargo bench -p gate-daemon --bench face`.

use std::path::PathBuf;
use std::time::Instant;

use gate_daemon::face::engine::{FaceEngine, ModelPaths, Timings};

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn probe(path: &std::path::Path) -> Option<Vec<u8>> {
    let image = image::open(path).ok()?.into_rgb8();
    let (w, h) = image.dimensions();
    // The largest 4:3 window around the centre.
    let (cw, ch) = if w * 3 > h * 4 { (h * 4 / 3, h) } else { (w, w * 3 / 4) };
    let cropped = image::imageops::crop_imm(&image, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image();
    let scaled = image::imageops::resize(&cropped, 640, 480, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&scaled).ok()?;
    Some(out)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let faces = root.join("../shared/testdata/faces/deepface");
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(&faces).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    names.retain(|p| p.extension().is_some_and(|e| e == "jpg"));
    names.sort();
    let probes: Vec<Vec<u8>> = names.iter().filter_map(|p| probe(p)).take(30).collect();
    if probes.is_empty() {
        eprintln!("no probes under {}", faces.display());
        std::process::exit(1);
    }

    let rss_before = rss_kib("VmRSS:");
    let t = Instant::now();
    let mut engine = match FaceEngine::load(&ModelPaths::in_dir(&root.join("models")), 2) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot load the models (run models/fetch.sh): {e}");
            std::process::exit(1);
        }
    };
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let rss_loaded = rss_kib("VmRSS:");

    // Warm-up: the first runs allocate ONNX Runtime's arenas.
    for p in probes.iter().take(3) {
        let _ = engine.analyse_bytes(p);
    }
    let (mut total, mut decode, mut detect, mut align, mut embed) = (vec![], vec![], vec![], vec![], vec![]);
    let mut with_face = 0;
    for _ in 0..3 {
        for p in &probes {
            let t = Instant::now();
            let Ok(analysis) = engine.analyse_bytes(p) else { continue };
            let wall = t.elapsed().as_secs_f64() * 1000.0;
            with_face += usize::from(analysis.subject.is_some());
            let Timings { decode: d, detect: de, align: a, embed: e, .. } = analysis.timings;
            total.push(wall);
            decode.push(d);
            detect.push(de);
            align.push(a);
            embed.push(e);
        }
    }
    let runs = total.len();
    println!("face pipeline, 640x480 JPEG probes, 2 threads, {runs} runs ({with_face} with a face)");
    println!(
        "  median per probe: {:.1} ms (decode {:.1}, detect {:.1}, align {:.2}, embed {:.1})",
        median(&mut total),
        median(&mut decode),
        median(&mut detect),
        median(&mut align),
        median(&mut embed)
    );
    println!("  p90 per probe: {:.1} ms", {
        total.sort_by(f64::total_cmp);
        total.get(runs * 9 / 10).copied().unwrap_or(f64::NAN)
    });
    println!("  model load: {load_ms:.0} ms");
    println!(
        "  resident memory: {:.1} MB before loading, {:.1} MB loaded, {:.1} MB after the runs (peak {:.1} MB)",
        rss_before as f64 / 1024.0,
        rss_loaded as f64 / 1024.0,
        rss_kib("VmRSS:") as f64 / 1024.0,
        rss_kib("VmHWM:") as f64 / 1024.0
    );
}
