//! The face step of a crossing on a thread of its own: the models and the camera block, so they live on one
//! thread, which takes jobs from the loop and answers with the crossing machine's [`FaceResult`].
//!
//! The chip photo is analysed as soon as the chip is read ([`FaceJob::Reference`]), while the traveller walks in,
//! so that a capture only has to analyse live frames. Every embedding and image is wiped when the loop says
//! ([`FaceJob::Wipe`]), and in any case before the next reference.

use std::sync::mpsc as std_mpsc;

use hal::camera::Camera;
use tokio::sync::mpsc;
use tracing::{info, warn};
use zeroize::Zeroizing;

use crate::crossing::io::FaceResult;
use crate::face::capture::{self, CaptureConfig, CaptureOutcome};
use crate::face::engine::FaceEngine;
use crate::face::{Embedding, RgbImage};

/// A job for the face thread.
#[derive(Debug)]
pub enum FaceJob {
    /// Analyse the chip's DG2 for crossing `generation`.
    Reference {
        /// The work's generation: answers of an abandoned generation are dropped by the loop.
        generation: u64,
        /// DG2 as read.
        dg2: Zeroizing<Vec<u8>>,
    },
    /// Take one live capture and match it against the reference.
    Capture {
        /// The work's generation.
        generation: u64,
    },
    /// Forget the reference.
    Wipe,
}

/// One answer of the face thread.
#[derive(Debug, Clone, Copy)]
pub struct FaceAnswer {
    /// The generation of the job.
    pub generation: u64,
    /// The outcome.
    pub result: FaceResult,
    /// The similarity to the chip photo, when a face was compared.
    pub score: Option<f32>,
}

struct Reference {
    generation: u64,
    embedding: Embedding,
    crop: RgbImage,
}

/// Starts the face thread. Without an engine (models missing or refused at start) every capture answers
/// [`FaceResult::CameraFailed`], so the gate refers: security fails closed.
///
/// # Errors
/// The I/O error when the thread cannot be started.
pub fn spawn(
    engine: Option<FaceEngine>,
    camera: Box<dyn Camera>,
    config: CaptureConfig,
    answers: mpsc::Sender<FaceAnswer>,
) -> std::io::Result<std_mpsc::SyncSender<FaceJob>> {
    let (tx, rx) = std_mpsc::sync_channel::<FaceJob>(4);
    std::thread::Builder::new().name("face".into()).spawn(move || serve(engine, camera, &config, &rx, &answers))?;
    Ok(tx)
}

fn serve(
    mut engine: Option<FaceEngine>,
    mut camera: Box<dyn Camera>,
    config: &CaptureConfig,
    jobs: &std_mpsc::Receiver<FaceJob>,
    answers: &mpsc::Sender<FaceAnswer>,
) {
    // A reference that is `Err(())` was tried and holds no usable face.
    let mut reference: Option<Result<Reference, u64>> = None;
    while let Ok(job) = jobs.recv() {
        match job {
            FaceJob::Wipe => reference = None,
            FaceJob::Reference { generation, dg2 } => {
                reference = None;
                let Some(engine) = engine.as_mut() else { continue };
                reference = Some(match engine.analyse_bytes(&dg2) {
                    Ok(analysis) => match analysis.subject {
                        Some(s) => Ok(Reference { generation, embedding: s.embedding, crop: s.aligned }),
                        None => {
                            info!("no face found in the chip photo");
                            Err(generation)
                        }
                    },
                    Err(e) => {
                        info!(error = %e, "the chip photo cannot be analysed");
                        Err(generation)
                    }
                });
            }
            FaceJob::Capture { generation } => {
                let answer = match (engine.as_mut(), &reference) {
                    (None, _) => FaceAnswer { generation, result: FaceResult::CameraFailed, score: None },
                    // The chip photo holds no usable face: the traveller cannot be matched.
                    (Some(_), Some(Err(g))) if *g == generation => {
                        FaceAnswer { generation, result: FaceResult::NoMatch, score: None }
                    }
                    (Some(engine), Some(Ok(r))) if r.generation == generation => {
                        capture_once(engine, camera.as_mut(), r, config, generation)
                    }
                    // No reference for this crossing: refer rather than match against nothing.
                    (Some(_), _) => FaceAnswer { generation, result: FaceResult::NoMatch, score: None },
                };
                if answers.blocking_send(answer).is_err() {
                    break;
                }
            }
        }
    }
}

fn capture_once(
    engine: &mut FaceEngine,
    camera: &mut dyn Camera,
    reference: &Reference,
    config: &CaptureConfig,
    generation: u64,
) -> FaceAnswer {
    let report = match capture::capture_and_match(engine, camera, &reference.embedding, &reference.crop, config) {
        Ok(report) => report,
        Err(e) => {
            warn!(error = %e, "the face model failed");
            return FaceAnswer { generation, result: FaceResult::CameraFailed, score: None };
        }
    };
    let (result, score) = match report.outcome {
        CaptureOutcome::Match { score, .. } => (FaceResult::Match, Some(score)),
        CaptureOutcome::NoMatch { score, .. } => (FaceResult::NoMatch, Some(score)),
        CaptureOutcome::PresentationAttack { .. } => (FaceResult::Attack, None),
        CaptureOutcome::NoFace | CaptureOutcome::MultipleFaces { .. } | CaptureOutcome::PoorQuality { .. } => {
            (FaceResult::PoorQuality, None)
        }
        CaptureOutcome::CameraFailed { .. } => (FaceResult::CameraFailed, None),
    };
    info!(outcome = report.outcome.code(), frames = report.frames, "live capture");
    FaceAnswer { generation, result, score }
}
