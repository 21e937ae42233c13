//! The live step of the crossing: frames from the mantrap's camera within a time budget, each analysed, the best
//! kept, and one decision about the traveller against the chip's photo (ICAO 9303-10 §4.7.2 for DG2; ISO/IEC
//! 29794-5 for the quality of the probe, 30107-3 for presentation attacks).
//!
//! The decision fails closed, in this order: a camera that gave no frame or failed is `camera_failed`; two or more
//! frames with more than one person (or every frame, when fewer than two were taken) is `multiple_faces_probe`,
//! the evidence of tailgating; no face in any frame, or a face in fewer frames than the still-picture check needs
//! (so that liveness was not checked), is `no_face_probe`; any presentation-attack finding (a still picture across
//! the frames, the chip's photo shown to the camera) is `presentation_attack`; a best frame that fails a quality
//! gate is `poor_quality`; only then is the best frame compared with the chip's photo.
//!
//! Frames, aligned crops and embeddings live in buffers wiped on drop, and are all dropped before
//! [`capture_and_match`] returns: the [`CaptureReport`] holds counts, codes and scores only.

use std::time::{Duration, Instant};

use hal::camera::{Camera, Frame};
use tracing::{debug, trace};

use super::engine::FaceEngine;
use super::error::FaceError;
use super::pad::{self, PadConfig, PadFinding, PadFrame};
use super::quality::{self, QualityConfig, QualityIssue, QualityReport};
use super::{Embedding, RgbImage};

/// Settings of the live capture.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureConfig {
    /// The longest the capture waits for frames, in total (`budget_ms`). A frame's analysis that began within the
    /// budget is finished, so the capture may end later by the time of one analysis.
    #[serde(rename = "budget_ms", deserialize_with = "millis")]
    pub budget: Duration,
    /// The most frames analysed; at least as many as the still-picture check needs are asked for, since no match
    /// is possible with fewer ([`PadConfig::min_frames`], and at least two).
    pub max_frames: usize,
    /// The longest wait for one frame (`frame_timeout_ms`); a frame that does not come in time is asked for again
    /// while the budget lasts.
    #[serde(rename = "frame_timeout_ms", deserialize_with = "millis")]
    pub frame_timeout: Duration,
    /// How many frames must pass every quality gate before the capture stops early; it goes on in any case until
    /// enough frames hold a face for the still-picture check ([`PadConfig::min_frames`], and at least two).
    pub min_good_frames: usize,
    /// The quality gates of the probe.
    pub quality: QualityConfig,
    /// The presentation-attack checks.
    pub pad: PadConfig,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            budget: Duration::from_secs(3),
            max_frames: 15,
            frame_timeout: Duration::from_millis(500),
            min_good_frames: 3,
            quality: QualityConfig::default(),
            pad: PadConfig::default(),
        }
    }
}

/// A duration given as a whole number of milliseconds.
fn millis<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    <u64 as serde::Deserialize>::deserialize(deserializer).map(Duration::from_millis)
}

/// The decision about the live face.
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureOutcome {
    /// The best frame is the chip's holder.
    Match {
        /// Its similarity to the chip's photo.
        score: f32,
        /// The recogniser's threshold.
        threshold: f32,
    },
    /// The best frame is not the chip's holder.
    NoMatch {
        /// Its similarity to the chip's photo.
        score: f32,
        /// The recogniser's threshold.
        threshold: f32,
    },
    /// No frame held a face, or too few did for the still-picture check.
    NoFace,
    /// More than one person was in front of the camera.
    MultipleFaces {
        /// The most people seen in one frame.
        people: usize,
    },
    /// The face before the camera is not a bona fide presentation.
    PresentationAttack {
        /// Every finding, in the order of the checks: still picture, crop replay, embedding replay.
        findings: Vec<PadFinding>,
    },
    /// The best frame failed a quality gate.
    PoorQuality {
        /// The gates the best frame failed.
        issues: Vec<QualityIssue>,
    },
    /// The camera could not be started, failed, or gave no frame within the budget.
    CameraFailed {
        /// What went wrong, from the camera's error.
        reason: String,
    },
}

impl CaptureOutcome {
    /// The stable snake_case code reported to the console and the audit.
    pub fn code(&self) -> &'static str {
        match self {
            CaptureOutcome::Match { .. } => "match",
            CaptureOutcome::NoMatch { .. } => "no_match",
            CaptureOutcome::NoFace => "no_face_probe",
            CaptureOutcome::MultipleFaces { .. } => "multiple_faces_probe",
            CaptureOutcome::PresentationAttack { .. } => "presentation_attack",
            CaptureOutcome::PoorQuality { .. } => "poor_quality",
            CaptureOutcome::CameraFailed { .. } => "camera_failed",
        }
    }
}

/// The decision and what led to it; no biometric data.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureReport {
    /// The decision.
    pub outcome: CaptureOutcome,
    /// Frames analysed.
    pub frames: usize,
    /// Frames in which a face was found, aligned and embedded.
    pub frames_with_face: usize,
    /// The quality score of the best frame ([`QualityReport::score`]), when a frame held a face.
    pub best_quality: Option<f32>,
    /// From the call to the decision.
    pub elapsed: Duration,
}

/// Captures the live face from `camera` and decides about it against the chip's photo: `reference` is its
/// embedding and `reference_crop` its face aligned onto the recogniser's template, both from
/// [`FaceEngine::analyse`] of the chip's image with this `engine`.
///
/// The camera is started, asked for frames until [`CaptureConfig::max_frames`] were analysed, the budget runs out,
/// or enough good frames were seen (see [`CaptureConfig::min_good_frames`]), and stopped, whatever happens. No
/// wait for a frame reaches past the budget; a frame that does not come in time is asked for again while the
/// budget lasts. Any other camera error ends the capture with [`CaptureOutcome::CameraFailed`], even after some
/// frames: what the camera gave until then is not trusted to be the scene.
///
/// In each frame the subject is the largest face; the best frame is the one that passes the quality gates with the
/// highest score, or the highest-scoring one when none passes. The embedding-replay check uses the recogniser's
/// `replay_similarity` when its manifest sets one (it is calibrated for that model), else
/// [`PadConfig::max_natural_similarity`]. The decision order is that of the [module documentation](self).
///
/// Every frame, crop and embedding is wiped and dropped before this returns.
///
/// # Errors
///
/// [`FaceError::Model`] when a model fails on a frame: the gate's own fault, not the traveller's. The camera is
/// stopped first.
pub fn capture_and_match(
    engine: &mut FaceEngine,
    camera: &mut dyn Camera,
    reference: &Embedding,
    reference_crop: &RgbImage,
    config: &CaptureConfig,
) -> Result<CaptureReport, FaceError> {
    let started = Instant::now();
    let deadline = started.checked_add(config.budget).unwrap_or(started);

    let evidence = match camera.start() {
        Ok(()) => {
            let gathered = gather(engine, camera, reference, reference_crop, config, deadline);
            camera.stop();
            gathered?
        }
        Err(e) => {
            // A camera that failed half-way through starting may hold buffers.
            camera.stop();
            Evidence { camera_failure: Some(reason(&e)), ..Evidence::default() }
        }
    };

    let best_quality = evidence.best.as_ref().map(|best| best.quality);
    let (frames, frames_with_face) = (evidence.frames, evidence.frames_with_face);
    let outcome = decide(evidence);
    debug!(outcome = outcome.code(), frames, frames_with_face, "live capture decided");
    Ok(CaptureReport { outcome, frames, frames_with_face, best_quality, elapsed: started.elapsed() })
}

/// What the capture saw, reduced to what the decision needs: counts, findings and scores, no biometric data.
#[derive(Debug, Clone, PartialEq, Default)]
struct Evidence {
    /// Why the camera failed, when it did.
    camera_failure: Option<String>,
    /// Frames analysed.
    frames: usize,
    /// Frames in which a face was found and embedded.
    frames_with_face: usize,
    /// The fewest frames with a face on which the still-picture check runs.
    still_needs: usize,
    /// Frames with more than one person.
    crowded_frames: usize,
    /// The most people in one frame.
    most_people: usize,
    /// Presentation-attack findings.
    findings: Vec<PadFinding>,
    /// The best frame, when a frame held a face.
    best: Option<BestFrame>,
}

/// The best frame, reduced to its verdicts.
#[derive(Debug, Clone, PartialEq)]
struct BestFrame {
    /// Its quality score.
    quality: f32,
    /// The quality gates it failed.
    issues: Vec<QualityIssue>,
    /// Its similarity to the chip's photo.
    score: f32,
    /// The recogniser's threshold.
    threshold: f32,
}

/// The fewest frames with more than one person that make the outcome `multiple_faces_probe`: one crowded frame may
/// be a passer-by behind the glass, two are someone staying in the mantrap.
const MIN_CROWDED_FRAMES: usize = 2;

/// The decision, failing closed, in the order of the [module documentation](self).
fn decide(evidence: Evidence) -> CaptureOutcome {
    if let Some(reason) = evidence.camera_failure {
        return CaptureOutcome::CameraFailed { reason };
    }
    if evidence.frames == 0 {
        return CaptureOutcome::CameraFailed { reason: "the camera gave no frame within the capture budget".into() };
    }
    if evidence.crowded_frames >= MIN_CROWDED_FRAMES || evidence.crowded_frames == evidence.frames {
        return CaptureOutcome::MultipleFaces { people: evidence.most_people };
    }
    let Some(best) = evidence.best else {
        return CaptureOutcome::NoFace;
    };
    // Liveness was not checked: a video path that delivers a single frame must not pass.
    if evidence.frames_with_face < evidence.still_needs {
        return CaptureOutcome::NoFace;
    }
    if !evidence.findings.is_empty() {
        return CaptureOutcome::PresentationAttack { findings: evidence.findings };
    }
    if !best.issues.is_empty() {
        return CaptureOutcome::PoorQuality { issues: best.issues };
    }
    let BestFrame { score, threshold, .. } = best;
    // A score that is not a number is not at least the threshold.
    if score >= threshold {
        CaptureOutcome::Match { score, threshold }
    } else {
        CaptureOutcome::NoMatch { score, threshold }
    }
}

/// The best frame so far: its quality, its embedding and the index of its crop among the PAD frames.
struct Best {
    report: QualityReport,
    embedding: Embedding,
    crop: usize,
}

/// Whether `report` is a better probe than `best`: passing every gate first, then the higher score.
fn is_better(report: &QualityReport, best: Option<&Best>) -> bool {
    let Some(best) = best else { return true };
    let rank = |r: &QualityReport| (r.is_acceptable(), if r.score.is_finite() { r.score } else { f32::NEG_INFINITY });
    let (acceptable, score) = rank(report);
    let (best_acceptable, best_score) = rank(&best.report);
    (acceptable, score) > (best_acceptable, best_score)
}

/// What the camera gave for one request.
enum Next {
    Frame(Frame),
    /// The budget ran out before a frame came.
    OutOfTime,
    /// The camera failed, with its reason.
    Failed(String),
}

/// The next frame, asking again after each timeout until `deadline`; no wait reaches past it.
fn next_frame(camera: &mut dyn Camera, frame_timeout: Duration, deadline: Instant) -> Next {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Next::OutOfTime;
        }
        match camera.frame(frame_timeout.min(left)) {
            Ok(frame) if frame.is_well_formed() => return Next::Frame(frame),
            Ok(frame) => {
                let error =
                    hal::Error::InvalidFrame { width: frame.width, height: frame.height, len: frame.pixels.len() };
                return Next::Failed(error.to_string());
            }
            Err(hal::Error::Timeout { .. }) => trace!("no frame within the frame timeout"),
            Err(e) => return Next::Failed(reason(&e)),
        }
    }
}

/// The error and its sources, joined by ": ".
fn reason(error: &hal::Error) -> String {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    // Bounded: a cycle of sources would be a bug, not a reason to loop.
    for _ in 0..8 {
        let Some(inner) = source else { break };
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    reason
}

/// Takes and analyses the frames, then runs the checks that need the biometric data, which is dropped on return.
fn gather(
    engine: &mut FaceEngine,
    camera: &mut dyn Camera,
    reference: &Embedding,
    reference_crop: &RgbImage,
    config: &CaptureConfig,
    deadline: Instant,
) -> Result<Evidence, FaceError> {
    let still_needs = config.pad.min_frames.max(2);
    let mut evidence = Evidence { still_needs, ..Evidence::default() };
    let max_frames = config.max_frames.max(still_needs);
    let mut pad_frames: Vec<PadFrame> = Vec::new();
    let mut best: Option<Best> = None;
    let mut good_frames = 0usize;

    while evidence.frames < max_frames {
        let frame = match next_frame(camera, config.frame_timeout, deadline) {
            Next::Frame(frame) => frame,
            Next::OutOfTime => break,
            Next::Failed(reason) => {
                evidence.camera_failure = Some(reason);
                break;
            }
        };
        let Frame { width, height, pixels, .. } = frame;
        let analysis = engine.analyse(RgbImage { width, height, pixels })?;
        evidence.frames += 1;
        evidence.most_people = evidence.most_people.max(analysis.people);
        if analysis.people > 1 {
            evidence.crowded_frames += 1;
        }
        if let Some(subject) = analysis.subject {
            evidence.frames_with_face += 1;
            let report = quality::assess(&analysis.image, &subject.face, &config.quality);
            trace!(quality = report.score, issues = report.issues.len(), "frame assessed");
            if report.is_acceptable() {
                good_frames += 1;
            }
            if is_better(&report, best.as_ref()) {
                best = Some(Best { report, embedding: subject.embedding, crop: pad_frames.len() });
            }
            pad_frames.push(PadFrame { crop: subject.aligned, landmarks: subject.face.landmarks });
        }
        debug!(frame = evidence.frames, people = analysis.people, "frame analysed");
        if evidence.crowded_frames >= MIN_CROWDED_FRAMES {
            break;
        }
        if good_frames >= config.min_good_frames.max(1) && pad_frames.len() >= still_needs {
            break;
        }
    }

    if let Some(best) = best {
        let crop = pad_frames.get(best.crop).map(|frame| &frame.crop);
        evidence.findings.extend(pad::check_still(&pad_frames, &config.pad));
        evidence.findings.extend(crop.and_then(|crop| pad::check_replay(crop, reference_crop, &config.pad)));
        let replay = match engine.recogniser().replay_similarity() {
            Some(limit) => PadConfig { max_natural_similarity: limit, ..config.pad.clone() },
            None => config.pad.clone(),
        };
        evidence.findings.extend(pad::check_embedding_replay(&best.embedding, reference, &replay));
        let (threshold, _) = engine.threshold();
        let score = engine.compare(&best.embedding, reference);
        trace!(score, threshold, quality = best.report.score, "best frame compared");
        evidence.best = Some(BestFrame { quality: best.report.score, issues: best.report.issues, score, threshold });
    }
    Ok(evidence)
}

#[cfg(test)]
mod tests {
    use std::collections::{HashSet, VecDeque};

    use zeroize::Zeroizing;

    use super::*;

    fn evidence(frames: usize) -> Evidence {
        Evidence {
            frames,
            frames_with_face: frames,
            still_needs: 2,
            most_people: 1,
            best: Some(BestFrame { quality: 0.8, issues: Vec::new(), score: 0.95, threshold: 0.931 }),
            ..Evidence::default()
        }
    }

    #[test]
    fn a_good_frame_above_the_threshold_matches() {
        assert_eq!(decide(evidence(3)), CaptureOutcome::Match { score: 0.95, threshold: 0.931 });
        let mut at = evidence(3);
        at.best = Some(BestFrame { quality: 0.8, issues: Vec::new(), score: 0.931, threshold: 0.931 });
        assert_eq!(decide(at).code(), "match");
    }

    #[test]
    fn a_score_below_the_threshold_or_not_a_number_does_not_match() {
        for score in [0.5, f32::NAN, f32::NEG_INFINITY] {
            let mut e = evidence(3);
            e.best = Some(BestFrame { quality: 0.8, issues: Vec::new(), score, threshold: 0.931 });
            assert_eq!(decide(e).code(), "no_match", "{score}");
        }
    }

    #[test]
    fn camera_failure_comes_first() {
        let mut e = evidence(2);
        e.camera_failure = Some("capturing failed".into());
        e.crowded_frames = 2;
        e.findings.push(PadFinding::StillImage { motion: 0.0 });
        assert_eq!(decide(e), CaptureOutcome::CameraFailed { reason: "capturing failed".into() });
        let none = Evidence::default();
        assert_eq!(decide(none).code(), "camera_failed");
    }

    #[test]
    fn two_crowded_frames_or_all_of_them_are_multiple_faces() {
        let mut e = evidence(5);
        e.crowded_frames = 2;
        e.most_people = 3;
        e.findings.push(PadFinding::StillImage { motion: 0.0 });
        assert_eq!(decide(e), CaptureOutcome::MultipleFaces { people: 3 });
        // One passer-by in one frame of five is not.
        let mut once = evidence(5);
        once.crowded_frames = 1;
        once.most_people = 2;
        assert_eq!(decide(once).code(), "match");
        // A single frame, crowded, is all the capture saw.
        let mut single = evidence(1);
        single.crowded_frames = 1;
        single.most_people = 2;
        assert_eq!(decide(single), CaptureOutcome::MultipleFaces { people: 2 });
    }

    #[test]
    fn no_face_comes_before_the_other_checks() {
        let e = Evidence { frames: 4, most_people: 0, still_needs: 2, ..Evidence::default() };
        assert_eq!(decide(e), CaptureOutcome::NoFace);
    }

    #[test]
    fn a_face_in_too_few_frames_for_the_still_check_is_no_face() {
        let mut e = evidence(3);
        e.frames_with_face = 1;
        assert_eq!(decide(e), CaptureOutcome::NoFace);
        let mut e = evidence(3);
        e.frames_with_face = 2;
        assert_eq!(decide(e).code(), "match");
    }

    #[test]
    fn an_attack_comes_before_quality_and_matching() {
        let mut e = evidence(3);
        let findings = vec![PadFinding::StillImage { motion: 0.0 }, PadFinding::ChipPhotoReplay { similarity: 0.99 }];
        e.findings = findings.clone();
        e.best = Some(BestFrame { quality: 0.1, issues: vec![QualityIssue::FaceCut], score: 0.99, threshold: 0.9 });
        assert_eq!(decide(e), CaptureOutcome::PresentationAttack { findings });
    }

    #[test]
    fn poor_quality_of_the_best_frame_comes_before_matching() {
        let mut e = evidence(3);
        let issues = vec![QualityIssue::Blurred { sharpness: 2.0 }, QualityIssue::TooDark { mean_luma: 20.0 }];
        e.best = Some(BestFrame { quality: 0.1, issues: issues.clone(), score: 0.99, threshold: 0.9 });
        assert_eq!(decide(e), CaptureOutcome::PoorQuality { issues });
    }

    #[test]
    fn codes_are_distinct_and_stable() {
        let all = [
            CaptureOutcome::Match { score: 1.0, threshold: 0.5 },
            CaptureOutcome::NoMatch { score: 0.0, threshold: 0.5 },
            CaptureOutcome::NoFace,
            CaptureOutcome::MultipleFaces { people: 2 },
            CaptureOutcome::PresentationAttack { findings: Vec::new() },
            CaptureOutcome::PoorQuality { issues: Vec::new() },
            CaptureOutcome::CameraFailed { reason: String::new() },
        ];
        let codes: HashSet<_> = all.iter().map(CaptureOutcome::code).collect();
        assert_eq!(
            codes,
            HashSet::from([
                "match",
                "no_match",
                "no_face_probe",
                "multiple_faces_probe",
                "presentation_attack",
                "poor_quality",
                "camera_failed",
            ])
        );
    }

    fn report(score: f32, issues: Vec<QualityIssue>) -> QualityReport {
        QualityReport {
            eye_distance_px: 60.0,
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            sharpness: 50.0,
            mean_luma: 120.0,
            clipped_fraction: 0.0,
            score,
            issues,
        }
    }

    fn best(score: f32, issues: Vec<QualityIssue>) -> Best {
        Best { report: report(score, issues), embedding: Embedding(Zeroizing::new(vec![1.0])), crop: 0 }
    }

    #[test]
    fn the_best_frame_passes_the_gates_first_then_scores_highest() {
        assert!(is_better(&report(0.1, Vec::new()), None));
        assert!(is_better(&report(0.6, Vec::new()), Some(&best(0.5, Vec::new()))));
        assert!(!is_better(&report(0.4, Vec::new()), Some(&best(0.5, Vec::new()))));
        assert!(!is_better(&report(0.5, Vec::new()), Some(&best(0.5, Vec::new()))));
        assert!(is_better(&report(0.2, Vec::new()), Some(&best(0.9, vec![QualityIssue::FaceCut]))));
        assert!(!is_better(&report(0.9, vec![QualityIssue::FaceCut]), Some(&best(0.2, Vec::new()))));
        assert!(!is_better(&report(f32::NAN, Vec::new()), Some(&best(0.0, Vec::new()))));
    }

    #[test]
    fn the_config_has_defaults_in_milliseconds_and_refuses_unknown_keys() {
        let config: CaptureConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, CaptureConfig::default());
        assert_eq!(config.budget, Duration::from_secs(3));
        assert_eq!((config.max_frames, config.min_good_frames), (15, 3));
        let config: CaptureConfig = toml::from_str(
            "budget_ms = 1500\nframe_timeout_ms = 200\nmax_frames = 4\n[quality]\nmin_sharpness = 10.0\n[pad]\nmin_frames = 3\n",
        )
        .unwrap();
        assert_eq!(config.budget, Duration::from_millis(1500));
        assert_eq!(config.frame_timeout, Duration::from_millis(200));
        assert_eq!(config.max_frames, 4);
        assert_eq!(config.quality.min_sharpness, 10.0);
        assert_eq!(config.pad.min_frames, 3);
        assert!(serde_json::from_str::<CaptureConfig>(r#"{"budget": 3}"#).is_err());
        assert!(serde_json::from_str::<CaptureConfig>(r#"{"budget_ms": -1}"#).is_err());
    }

    /// A camera that plays back a script of answers, then times out.
    struct Scripted {
        answers: VecDeque<Result<Frame, hal::Error>>,
        waits: Vec<Duration>,
    }

    impl Camera for Scripted {
        fn start(&mut self) -> Result<(), hal::Error> {
            Ok(())
        }

        fn frame(&mut self, timeout: Duration) -> Result<Frame, hal::Error> {
            self.waits.push(timeout);
            self.answers.pop_front().unwrap_or_else(|| {
                std::thread::sleep(timeout);
                Err(timeout_error(timeout))
            })
        }

        fn stop(&mut self) {}
    }

    fn timeout_error(after: Duration) -> hal::Error {
        hal::Error::Timeout { operation: hal::Operation::CameraCapture, after }
    }

    fn frame(width: u32, height: u32, len: usize) -> Frame {
        Frame { width, height, pixels: Zeroizing::new(vec![0; len]), captured_at: Instant::now(), sequence: 0 }
    }

    #[test]
    fn a_timeout_is_asked_again_and_no_wait_passes_the_deadline() {
        let mut camera = Scripted {
            answers: VecDeque::from([Err(timeout_error(Duration::ZERO)), Ok(frame(2, 1, 6))]),
            waits: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_millis(300);
        assert!(matches!(next_frame(&mut camera, Duration::from_millis(100), deadline), Next::Frame(_)));
        assert_eq!(camera.waits.len(), 2);

        let begun = Instant::now();
        assert!(matches!(next_frame(&mut camera, Duration::from_millis(100), deadline), Next::OutOfTime));
        assert!(camera.waits.iter().all(|w| *w <= Duration::from_millis(100)));
        let late = begun.elapsed();
        assert!(late < Duration::from_millis(450), "{late:?}");
        assert!(Instant::now() >= deadline);
    }

    #[test]
    fn other_camera_errors_and_malformed_frames_fail() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut camera = Scripted {
            answers: VecDeque::from([Err(hal::Error::CameraNotStarted), Ok(frame(2, 2, 5))]),
            waits: Vec::new(),
        };
        let Next::Failed(reason) = next_frame(&mut camera, Duration::from_millis(100), deadline) else {
            panic!("not a failure")
        };
        assert_eq!(reason, "the camera is not started");
        let Next::Failed(reason) = next_frame(&mut camera, Duration::from_millis(100), deadline) else {
            panic!("not a failure")
        };
        assert_eq!(reason, "a camera frame of 2x2 pixels came as 5 bytes");
    }

    #[test]
    fn a_deadline_already_past_asks_for_nothing() {
        let mut camera = Scripted { answers: VecDeque::new(), waits: Vec::new() };
        assert!(matches!(next_frame(&mut camera, Duration::from_millis(100), Instant::now()), Next::OutOfTime));
        assert!(camera.waits.is_empty());
    }
}
