//! The live capture against the simulated camera and the real models: a genuine traveller, an impostor, the chip's
//! photo and a still picture held up to the camera, two people in the mantrap, an empty scene, black frames and a
//! failing camera. The models are the shipped manifests' files, fetched by models/fetch.sh; the pictures are those
//! of ../shared/testdata/faces (identities in deepface/identities.csv), scaled to a camera's 640x480.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::PathBuf;
use std::time::Duration;

use gate_daemon::face::capture::{CaptureConfig, CaptureOutcome, CaptureReport, capture_and_match};
use gate_daemon::face::engine::{FaceEngine, ModelPaths};
use gate_daemon::face::{Embedding, RgbImage};
use sim::camera::{Fault, Jitter, Picture, Playback, SimCamera, SimCameraConfig};

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata").join(rel)
}

fn engine() -> FaceEngine {
    let models = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models"));
    FaceEngine::load(&ModelPaths::in_dir(&models), 2)
        .unwrap_or_else(|e| panic!("cannot load the models (run models/fetch.sh): {e}"))
}

/// The chip's photo: its embedding and aligned crop.
fn reference(engine: &mut FaceEngine, rel: &str) -> (Embedding, RgbImage) {
    let bytes = std::fs::read(shared(rel)).unwrap();
    let subject = engine.analyse_bytes(&bytes).unwrap().subject.unwrap_or_else(|| panic!("{rel}: no face"));
    (subject.embedding, subject.aligned)
}

/// A picture of the test set scaled to fit 640x480, as a camera in front of the traveller would give it.
fn picture(rel: &str) -> Picture {
    let full = Picture::load(&shared(rel)).unwrap();
    let image = image::RgbImage::from_raw(full.width(), full.height(), full.pixels().to_vec()).unwrap();
    let scale = (640.0 / full.width() as f32).min(480.0 / full.height() as f32).min(1.0);
    let (width, height) = ((full.width() as f32 * scale).round() as u32, (full.height() as f32 * scale).round() as u32);
    Picture::from(image::imageops::resize(&image, width, height, image::imageops::FilterType::Triangle))
}

fn camera(pictures: Vec<Picture>, playback: Playback, jitter: Option<Jitter>, fault: Option<Fault>) -> SimCamera {
    SimCamera::new(SimCameraConfig { fps: 0, playback, jitter, fault }, pictures).unwrap()
}

/// Few frames, and a budget that the debug build's analysis (about a second a frame) does not exhaust.
fn config() -> CaptureConfig {
    CaptureConfig { budget: Duration::from_secs(60), max_frames: 4, ..CaptureConfig::default() }
}

/// Runs a capture against the chip photo deepface/img1.jpg (identity id00).
fn capture(camera: &mut SimCamera, config: &CaptureConfig) -> CaptureReport {
    let mut engine = engine();
    let (embedding, crop) = reference(&mut engine, "faces/deepface/img1.jpg");
    let report = capture_and_match(&mut engine, camera, &embedding, &crop, config).unwrap();
    eprintln!("{report:?}");
    report
}

fn finding_codes(report: &CaptureReport) -> Vec<&'static str> {
    match &report.outcome {
        CaptureOutcome::PresentationAttack { findings } => findings.iter().map(|f| f.code()).collect(),
        other => panic!("not a presentation attack: {other:?}"),
    }
}

#[test]
fn the_holder_moving_in_front_of_the_camera_matches() {
    // img2.jpg is id00, as is the chip photo img1.jpg.
    let mut camera = camera(vec![picture("faces/deepface/img2.jpg")], Playback::Loop, Some(Jitter::mild(1)), None);
    let report = capture(&mut camera, &config());
    assert!(matches!(report.outcome, CaptureOutcome::Match { score, threshold } if score >= threshold));
    // Stops once three frames passed the quality gates.
    assert_eq!((report.frames, report.frames_with_face), (3, 3));
    assert!(report.best_quality.is_some_and(|q| q > 0.0));
}

#[test]
fn another_person_does_not_match() {
    // img3.jpg is id01.
    let mut camera = camera(vec![picture("faces/deepface/img3.jpg")], Playback::Loop, Some(Jitter::mild(2)), None);
    let report = capture(&mut camera, &config());
    assert!(matches!(report.outcome, CaptureOutcome::NoMatch { score, threshold } if score < threshold));
}

#[test]
fn the_chip_photo_held_still_is_an_attack() {
    let mut camera = camera(vec![picture("faces/deepface/img1.jpg")], Playback::Still, None, None);
    let report = capture(&mut camera, &config());
    let codes = finding_codes(&report);
    assert!(codes.contains(&"still_image") && codes.contains(&"chip_photo_replay"), "{codes:?}");
}

#[test]
fn the_chip_photo_moved_in_front_of_the_camera_is_an_attack() {
    let mut camera = camera(vec![picture("faces/deepface/img1.jpg")], Playback::Loop, Some(Jitter::mild(3)), None);
    let report = capture(&mut camera, &config());
    // The crops and the embeddings give it away; the jitter keeps the still-picture check quiet.
    let codes = finding_codes(&report);
    assert!(codes.contains(&"chip_photo_replay") && !codes.contains(&"still_image"), "{codes:?}");
}

#[test]
fn another_photo_of_the_holder_held_still_is_an_attack() {
    let mut camera = camera(vec![picture("faces/deepface/img2.jpg")], Playback::Still, None, None);
    let report = capture(&mut camera, &config());
    assert_eq!(finding_codes(&report), ["still_image"]);
}

#[test]
fn two_people_in_the_mantrap_are_refused() {
    let mut camera =
        camera(vec![picture("faces/face_recognition/two_people.jpg")], Playback::Loop, Some(Jitter::mild(4)), None);
    let report = capture(&mut camera, &config());
    assert!(matches!(report.outcome, CaptureOutcome::MultipleFaces { people } if people >= 2));
    // Two crowded frames are enough to decide.
    assert_eq!(report.frames, 2);
}

#[test]
fn an_empty_scene_has_no_face() {
    let grey = Picture::from_rgb8(640, 480, vec![128; 640 * 480 * 3]).unwrap();
    let mut camera = camera(vec![grey], Playback::Loop, Some(Jitter::mild(5)), None);
    let report = capture(&mut camera, &config());
    assert_eq!(report.outcome, CaptureOutcome::NoFace);
    assert_eq!((report.frames, report.frames_with_face, report.best_quality), (4, 0, None));
}

/// A covered lens gives black frames, in which the detector finds no face: `no_face_probe`, not `poor_quality`.
#[test]
fn black_frames_have_no_face() {
    let mut camera = camera(vec![picture("faces/deepface/img2.jpg")], Playback::Loop, None, Some(Fault::Black));
    let report = capture(&mut camera, &config());
    assert_eq!(report.outcome, CaptureOutcome::NoFace);
    assert_eq!((report.frames, report.frames_with_face), (4, 0));
}

#[test]
fn a_failing_camera_is_reported() {
    let mut camera = camera(vec![picture("faces/deepface/img2.jpg")], Playback::Loop, None, Some(Fault::Fail));
    let report = capture(&mut camera, &config());
    assert!(matches!(&report.outcome, CaptureOutcome::CameraFailed { reason } if reason.contains("set to fail")));
    assert_eq!(report.frames, 0);
}

#[test]
fn a_silent_camera_fails_within_the_budget() {
    let mut camera = camera(vec![picture("faces/deepface/img2.jpg")], Playback::Loop, None, Some(Fault::Timeout));
    let config = CaptureConfig { budget: Duration::from_secs(1), ..config() };
    let report = capture(&mut camera, &config);
    assert!(matches!(report.outcome, CaptureOutcome::CameraFailed { .. }), "{:?}", report.outcome);
    assert_eq!(report.frames, 0);
    assert!(report.elapsed >= Duration::from_secs(1) && report.elapsed < Duration::from_millis(1500), "{report:?}");
}

#[test]
fn a_single_frame_does_not_pass_the_liveness_check() {
    // The picture is shown once, then the camera sends nothing: one frame with a face cannot show motion.
    let mut camera = camera(vec![picture("faces/deepface/img2.jpg")], Playback::Once, Some(Jitter::mild(6)), None);
    let config = CaptureConfig { budget: Duration::from_secs(5), ..config() };
    let report = capture(&mut camera, &config);
    assert_eq!(report.outcome, CaptureOutcome::NoFace);
    assert_eq!((report.frames, report.frames_with_face), (1, 1));
}
