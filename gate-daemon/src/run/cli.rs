//! `gate-daemon run [--config FILE]`: loads and validates the configuration, builds the hardware it names, and
//! runs the gate until SIGTERM or SIGINT.
//!
//! Exit status: 0 after a clean shutdown, 1 when the gate could not start (hardware, event log), 2 when the
//! configuration is invalid (the message names the file and the key).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hal::card::{PcscConfig, PcscReader, ReaderSelection};
use hal::mrz_reader::{MrzReader as _, SerialMrzReader};
use tokio::sync::mpsc;
use tracing::{error, info, warn};

use super::chip::ChipSettings;
use super::screen::Watchlist;
use super::{Parts, Settings};
use crate::config::{Backend, Config};
use crate::crossing::io::OfficerCommand;
use crate::face::capture::CaptureConfig;
use crate::face::engine::{FaceEngine, ModelPaths};

/// Arguments of `gate-daemon run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = crate::watchlist::cli::DEFAULT_CONFIG)]
    pub config: PathBuf,
}

/// The gate's lines and its camera, from whichever back end.
type Hardware = (Box<dyn super::Lines>, Box<dyn hal::camera::Camera>);

/// Runs the gate daemon.
pub fn run_command(args: &RunArgs) -> ExitCode {
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            error!(error = %e, "invalid configuration");
            eprintln!("gate-daemon: {e}");
            return ExitCode::from(2);
        }
    };
    // The chip reads and screenings run on blocking threads: a few, kept for the daemon's life, so that each crossing
    // reuses them instead of starting threads (and their allocator arenas) anew.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .thread_keep_alive(Duration::from_secs(24 * 3600))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gate-daemon: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(start(config)) {
        Ok(summary) => {
            info!(crossings = summary.crossings, events = summary.events, "stopped");
            ExitCode::SUCCESS
        }
        Err(message) => {
            error!(%message, "the gate could not start");
            eprintln!("gate-daemon: {message}");
            ExitCode::from(1)
        }
    }
}

async fn start(config: Config) -> Result<super::Summary, String> {
    let (officer_tx, officer) = mpsc::channel(8);
    let (lines, camera): Hardware = match config.hardware.backend {
        Backend::Sim => {
            let mut link = hal::sim_link::SimLink::connect(&config.hardware.sim_socket)
                .await
                .map_err(|e| format!("the simulated gate at {}: {e}", config.hardware.sim_socket.display()))?;
            if let Some(panel) = link.panel() {
                forward_panel(panel, officer_tx.clone());
            }
            (Box::new(link.pins()), Box::new(link.camera()))
        }
        Backend::Board => board(&config)?,
        Backend::Rpi => {
            return Err("hardware.backend = \"rpi\": this build has no Raspberry Pi back end; use \"board\", \
                        which drives a Pi's GPIO through its character device too"
                .to_owned());
        }
    };
    let _keep_panel = officer_tx;

    let mut serial =
        SerialMrzReader::open(&config.document_reader.serial, config.document_reader.baud, Duration::from_secs(1))
            .map_err(|e| format!("the document reader: {e}"))?;
    let (mrz_tx, mrz) = mpsc::channel(2);
    tokio::spawn(async move {
        loop {
            match serial.next_mrz().await {
                Ok(lines) => {
                    if mrz_tx.send(lines).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    warn!(error = %e, "the document reader failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });

    let pcsc = PcscReader::spawn(PcscConfig::default()).map_err(|e| format!("the PC/SC service: {e}"))?;
    let (trust, skipped) =
        crate::verify_sod::load_trust(&config.trust.paths, &[]).map_err(|e| format!("trust: {e}"))?;
    for s in skipped {
        warn!(skipped = ?s, "a trust file was skipped");
    }
    let watchlist = match Watchlist::open(&config.watchlist) {
        Ok(w) => Some(Arc::new(w)),
        Err(e) => {
            // Fail closed: without a list every traveller is referred, and the officer sees why.
            warn!(error = %e, "no watchlist in force: every traveller will be referred");
            None
        }
    };
    let engine = match FaceEngine::load(&ModelPaths::in_dir(&config.face.models), config.face.threads) {
        Ok(e) => Some(e),
        Err(e) => {
            warn!(error = %e, "the face models cannot be loaded: every traveller will be referred");
            None
        }
    };
    let (answers_tx, face_answers) = mpsc::channel(4);
    let face_jobs = super::face::spawn(engine, camera, CaptureConfig::default(), answers_tx)
        .map_err(|e| format!("cannot start the face thread: {e}"))?;

    let settings = Settings {
        gate: config.gate_name.clone(),
        policy: config.gate.clone(),
        chip: ChipSettings {
            reader: match &config.reader.name {
                Some(name) => ReaderSelection::Named(name.clone()),
                None => ReaderSelection::FirstWithCard,
            },
            extended_length: config.reader.extended_length,
            trust: Arc::new(trust),
        },
        poll: Duration::from_millis(config.hardware.poll_ms),
        events: config.log.events.clone(),
        journal: config.log.journal.clone(),
    };
    let parts = Parts { lines, mrz, officer, pcsc, watchlist, face_jobs, face_answers };
    super::run(settings, parts, shutdown_signal()).await.map_err(|e| e.to_string())
}

/// The board's lines (feature `board`) and its V4L2 camera (feature `v4l2`); without a camera every capture fails,
/// so every traveller is referred.
#[cfg(feature = "board")]
fn board(config: &Config) -> Result<Hardware, String> {
    let pins = config.pins.as_ref().ok_or("[pins] is missing")?;
    let lines = hal::gate::board::open(&config.hardware.gpio_chip, pins).map_err(|e| e.to_string())?;
    Ok((Box::new(lines), camera(config)))
}

#[cfg(not(feature = "board"))]
fn board(_: &Config) -> Result<Hardware, String> {
    Err("hardware.backend = \"board\": this binary was built without the feature `board` (cargo build --features board)".into())
}

#[cfg(all(feature = "board", feature = "v4l2"))]
fn camera(config: &Config) -> Box<dyn hal::camera::Camera> {
    let wanted = hal::camera::V4l2Config { device: config.camera.device.clone(), ..Default::default() };
    match hal::camera::V4l2Camera::open(wanted) {
        Ok(camera) => Box::new(camera),
        Err(e) => {
            warn!(error = %e, "the camera cannot be opened: every traveller will be referred");
            Box::new(NoCamera)
        }
    }
}

#[cfg(all(feature = "board", not(feature = "v4l2")))]
fn camera(_: &Config) -> Box<dyn hal::camera::Camera> {
    Box::new(NoCamera)
}

/// A camera that is not there: every capture fails, so the face step refers (security fails closed).
#[derive(Debug)]
#[cfg(feature = "board")]
struct NoCamera;

#[cfg(feature = "board")]
impl hal::camera::Camera for NoCamera {
    fn start(&mut self) -> Result<(), hal::Error> {
        Err(hal::Error::Camera {
            camera: "none".into(),
            operation: hal::Operation::CameraOpen,
            source: "no camera: the device cannot be opened, or this build lacks the feature v4l2".into(),
        })
    }
    fn frame(&mut self, _: Duration) -> Result<hal::camera::Frame, hal::Error> {
        Err(hal::Error::CameraNotStarted)
    }
    fn stop(&mut self) {}
}

/// Passes the lane panel's commands, by name, to the loop; an unknown name is logged and dropped.
fn forward_panel(mut panel: mpsc::Receiver<String>, to: mpsc::Sender<OfficerCommand>) {
    tokio::spawn(async move {
        while let Some(name) = panel.recv().await {
            match OfficerCommand::ALL.into_iter().find(|c| c.as_str() == name) {
                Some(command) => {
                    if to.send(command).await.is_err() {
                        break;
                    }
                }
                None => warn!(%name, "an unknown panel command"),
            }
        }
    });
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
