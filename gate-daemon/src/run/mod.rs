//! `gate-daemon run`: the loop that drives the crossing machine with the gate's hardware.
//!
//! One task owns the machine and the safety layer. Every poll period it reads the inputs, gives the machine each
//! change and a tick, lets [`Safety`] compute the outputs and writes them; the emergency input therefore
//! releases the doors within one poll period. The slow work runs beside it and answers through bounded
//! channels: the chip read (PC/SC) and the screening on blocking threads, the face on a thread of its own. Each
//! answer carries the generation of the work it belongs to, so an answer to abandoned work is dropped.
//!
//! The systemd watchdog is petted from the loop only after a successful read and write of the lines, so a loop
//! that hangs or has lost its hardware is restarted by systemd. On shutdown the doors are driven safe first
//! ([`Settings`] and [`run`]).

pub mod chip;
pub mod cli;
pub mod face;
pub mod log;
pub mod screen;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hal::card::PcscHandle;
use hal::gate::{Door, Input, Levels};
use mrtd::mrz::Mrz;
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

use self::chip::{ChipOutcome, ChipSettings};
use self::face::{FaceAnswer, FaceJob};
use self::log::{EventLog, Journal};
use self::screen::Watchlist;
use crate::crossing::Referral;
use crate::crossing::io::{Command, DoorWant, Event, OfficerCommand, Record};
use crate::crossing::machine::Crossing;
use crate::crossing::policy::Policy;
use crate::crossing::safety::{Outputs, Safety};

/// The gate's digital lines as the loop sees them: every input at once, every output at once.
pub trait Lines: Send {
    /// Reads the logical level of every input.
    ///
    /// # Errors
    /// The hardware's error when a line cannot be read.
    fn read_levels(&mut self) -> Result<Levels, hal::Error>;

    /// Writes the logical level of every output.
    ///
    /// # Errors
    /// The hardware's error when a line cannot be written.
    fn write(&mut self, outputs: &Outputs) -> Result<(), hal::Error>;
}

impl<O, I> Lines for hal::gate::GateIo<O, I>
where
    O: embedded_hal::digital::OutputPin + Send,
    I: embedded_hal::digital::InputPin + Send,
{
    fn read_levels(&mut self) -> Result<Levels, hal::Error> {
        hal::gate::GateIo::read_levels(self)
    }

    fn write(&mut self, outputs: &Outputs) -> Result<(), hal::Error> {
        self.write_all(outputs)
    }
}

/// What the loop needs that comes from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The gate's name in the event log.
    pub gate: String,
    /// The operator's policy.
    pub policy: Policy,
    /// The chip step.
    pub chip: ChipSettings,
    /// How often the inputs are read.
    pub poll: Duration,
    /// The event log (`-` for stdout).
    pub events: PathBuf,
    /// The journal of the crossing under way.
    pub journal: PathBuf,
}

/// The hardware and services the loop drives.
pub struct Parts {
    /// Doors, sensors, lamps.
    pub lines: Box<dyn Lines>,
    /// MRZ documents from the document reader.
    pub mrz: mpsc::Receiver<Vec<String>>,
    /// Officer commands from the console or the lane's panel.
    pub officer: mpsc::Receiver<OfficerCommand>,
    /// The PC/SC reader service.
    pub pcsc: PcscHandle,
    /// The list in force, when it could be opened (else every traveller is referred `watchlist_stale`).
    pub watchlist: Option<Arc<Watchlist>>,
    /// The face thread's job queue.
    pub face_jobs: std::sync::mpsc::SyncSender<FaceJob>,
    /// The face thread's answers.
    pub face_answers: mpsc::Receiver<FaceAnswer>,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts").finish_non_exhaustive()
    }
}

/// Why the loop stopped other than by shutdown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The inputs could not be read at start, so the gate cannot know whether anyone is inside.
    #[error("cannot read the gate's inputs at start: {0}")]
    Lines(#[source] hal::Error),
    /// The event log cannot be opened.
    #[error("cannot open the event log {}: {source}", path.display())]
    EventLog {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What a run did, for the caller's last words.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Crossings begun.
    pub crossings: u64,
    /// Lines written to the event log.
    pub events: u64,
}

/// The work under way for the current crossing.
struct Work {
    generation: u64,
    mrz: Option<Mrz>,
    chip_task: Option<tokio::task::JoinHandle<()>>,
}

struct Loop {
    settings: Settings,
    started: Instant,
    machine: Crossing,
    safety: Safety,
    levels: Levels,
    written: Option<Outputs>,
    log: EventLog,
    journal: Journal,
    work: Work,
    pcsc: PcscHandle,
    watchlist: Option<Arc<Watchlist>>,
    face_jobs: std::sync::mpsc::SyncSender<FaceJob>,
    chip_tx: mpsc::Sender<(u64, Result<ChipOutcome, Referral>)>,
    screen_tx: mpsc::Sender<(u64, crate::crossing::io::Screening)>,
    watchdog: Option<Duration>,
    last_pet: Instant,
    line_failures: u32,
}

/// Runs the gate until `shutdown` completes, then drives the doors safe.
///
/// # Errors
/// [`RunError`] when the gate cannot start: its inputs unreadable, its event log unwritable.
pub async fn run(
    settings: Settings,
    mut parts: Parts,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<Summary, RunError> {
    let log = EventLog::open(&settings.events, &settings.gate)
        .map_err(|source| RunError::EventLog { path: settings.events.clone(), source })?;
    let (chip_tx, mut chip_rx) = mpsc::channel(4);
    let (screen_tx, mut screen_rx) = mpsc::channel(4);
    let journal = Journal::new(settings.journal.clone());
    let mut lp = Loop {
        machine: Crossing::new(settings.policy.clone()),
        settings,
        started: Instant::now(),
        safety: Safety::new(),
        levels: Levels::default(),
        written: None,
        log,
        journal,
        work: Work { generation: 0, mrz: None, chip_task: None },
        pcsc: parts.pcsc.clone(),
        watchlist: parts.watchlist.clone(),
        face_jobs: parts.face_jobs.clone(),
        chip_tx,
        screen_tx,
        watchdog: sd_notify::watchdog_enabled(),
        last_pet: Instant::now(),
        line_failures: 0,
    };
    // Safe start: nothing is driven before the inputs are known.
    lp.levels = parts.lines.read_levels().map_err(RunError::Lines)?;
    let interrupted = lp.journal.interrupted();
    lp.handle(Event::Started { levels: lp.levels, interrupted });
    lp.drive(parts.lines.as_mut());
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        debug!(error = %e, "no service manager to tell we are ready");
    }
    info!(gate = %lp.settings.gate, interrupted, "gate running");

    let mut poll = tokio::time::interval(lp.settings.poll);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            _ = poll.tick() => lp.poll(parts.lines.as_mut()),
            Some(lines) = parts.mrz.recv() => lp.mrz(&lines),
            Some((generation, result)) = chip_rx.recv() => lp.chip(generation, result),
            Some((generation, result)) = screen_rx.recv() => {
                if generation == lp.work.generation {
                    lp.handle(Event::Screened(result));
                }
            }
            Some(answer) = parts.face_answers.recv() => {
                if answer.generation == lp.work.generation {
                    lp.log.write(lp.t(), Some(lp.machine.crossing()), "face", serde_json::json!({
                        "score": answer.score.map(|s| (f64::from(s) * 1000.0).round() / 1000.0) }));
                    lp.handle(Event::Face(answer.result));
                }
            }
            Some(command) = parts.officer.recv() => lp.handle(Event::Officer(command)),
        }
        lp.drive(parts.lines.as_mut());
    }
    lp.shut_down(parts.lines.as_mut()).await;
    Ok(Summary { crossings: lp.machine.crossing(), events: lp.log.lines() })
}

impl Loop {
    fn t(&self) -> Duration {
        self.started.elapsed()
    }

    /// Gives the machine one event and carries out what it says.
    fn handle(&mut self, event: Event) {
        let commands = self.machine.handle(self.t(), event);
        for command in commands {
            self.carry_out(command);
        }
    }

    fn carry_out(&mut self, command: Command) {
        let t = self.t();
        let crossing = self.machine.in_crossing().then(|| self.machine.crossing());
        self.log.command(t, crossing, &command);
        match command {
            Command::Door(door, want) => self.safety.want(door, want),
            Command::Lamps(lamps) => self.safety.set_lamps(lamps),
            Command::Buzzer(on) => self.safety.set_buzzer(on),
            Command::Show(message) => debug!(message = message.text().1, "display"),
            Command::ReadChip => self.start_chip(),
            Command::Screen => self.start_screening(),
            Command::Capture { attempt } => {
                debug!(attempt, "live capture");
                let job = FaceJob::Capture { generation: self.work.generation };
                if self.face_jobs.try_send(job).is_err() {
                    warn!("the face thread is busy or gone");
                    self.handle(Event::Face(crate::crossing::io::FaceResult::CameraFailed));
                }
            }
            Command::Abandon => self.abandon(),
            Command::WipePersonalData => {
                self.work.mrz = None;
                let _ = self.face_jobs.try_send(FaceJob::Wipe);
            }
            Command::ResetEmergency => {
                let cleared = self.safety.reset_emergency(self.levels);
                info!(cleared, "emergency reset");
            }
            Command::Refer(reason) => info!(reason = reason.as_str(), "referred to an officer"),
            Command::Record(Record::CrossingStarted { crossing }) => self.journal.set(Some(crossing)),
            Command::Record(Record::CrossingEnded { .. }) => self.journal.set(None),
            Command::Record(_) => {}
        }
    }

    fn abandon(&mut self) {
        self.work.generation += 1;
        if let Some(task) = self.work.chip_task.take() {
            task.abort();
        }
    }

    fn mrz(&mut self, lines: &[String]) {
        // A new document starts new work; whatever was under way no longer counts.
        self.abandon();
        match Mrz::parse(lines) {
            Ok(mrz) => {
                self.work.mrz = Some(mrz);
                self.handle(Event::Mrz(Ok(())));
            }
            Err(e) => {
                info!(error = %e, "the MRZ does not validate");
                self.work.mrz = None;
                self.handle(Event::Mrz(Err(Referral::MrzUnreadable)));
            }
        }
        // The machine ignores an MRZ outside Idle; then the document is not ours to keep.
        if !self.machine.in_crossing() {
            self.work.mrz = None;
        }
    }

    fn start_chip(&mut self) {
        let Some(mrz) = self.work.mrz.clone() else {
            return self.handle(Event::Chip(Err(Referral::MrzUnreadable)));
        };
        let generation = self.work.generation;
        let tx = self.chip_tx.clone();
        let handle = self.pcsc.clone();
        let settings = self.settings.chip.clone();
        let wait = crate::crossing::policy::seconds(self.settings.policy.timeouts.chip);
        let today = crate::cli::today();
        self.work.chip_task = Some(tokio::spawn(async move {
            let result = chip::read_chip(handle, settings, mrz, today, wait).await;
            let _ = tx.send((generation, result)).await;
        }));
    }

    fn chip(&mut self, generation: u64, result: Result<ChipOutcome, Referral>) {
        if generation != self.work.generation {
            return;
        }
        self.work.chip_task = None;
        match result {
            Ok(outcome) => {
                self.log.write(
                    self.t(),
                    Some(self.machine.crossing()),
                    "chip",
                    serde_json::json!({ "apdus": outcome.apdus, "bytes": outcome.bytes,
                        "read_ms": outcome.elapsed.as_millis() as u64 }),
                );
                let facts = outcome.facts.clone();
                if self.face_jobs.try_send(FaceJob::Reference { generation, dg2: outcome.dg2 }).is_err() {
                    warn!("the face thread is busy or gone");
                }
                self.handle(Event::Chip(Ok(facts)));
            }
            Err(reason) => self.handle(Event::Chip(Err(reason))),
        }
    }

    fn start_screening(&mut self) {
        let generation = self.work.generation;
        let tx = self.screen_tx.clone();
        let (Some(mrz), Some(list)) = (self.work.mrz.clone(), self.watchlist.clone()) else {
            let _ = tx.try_send((generation, crate::crossing::io::Screening::Stale));
            return;
        };
        let direction = self.settings.policy.direction;
        let today = crate::cli::today();
        tokio::task::spawn_blocking(move || {
            let answer = list.screen(&mrz, direction, today);
            let _ = tx.blocking_send((generation, answer));
        });
    }

    fn poll(&mut self, lines: &mut dyn Lines) {
        match lines.read_levels() {
            Ok(levels) => {
                let before = self.levels;
                self.levels = levels;
                for input in before.changes(levels) {
                    self.log.write(
                        self.t(),
                        None,
                        "input",
                        serde_json::json!({ "input": input.name(), "active": levels.get(input) }),
                    );
                    self.handle(Event::Input(input, levels.get(input)));
                }
                self.handle(Event::Tick);
                self.line_failures = 0;
            }
            Err(e) => {
                self.line_failures = self.line_failures.saturating_add(1);
                if self.line_failures == 1 {
                    error!(error = %e, "cannot read the gate's inputs");
                }
            }
        }
    }

    /// Computes the outputs from the latest inputs and writes them when they changed; pets the watchdog when the
    /// lines work.
    fn drive(&mut self, lines: &mut dyn Lines) {
        let outputs = self.safety.outputs(self.levels);
        if self.written != Some(outputs) {
            match lines.write(&outputs) {
                Ok(()) => self.written = Some(outputs),
                Err(e) => {
                    self.line_failures = self.line_failures.saturating_add(1);
                    error!(error = %e, "cannot write the gate's outputs");
                }
            }
        }
        if let Some(period) = self.watchdog
            && self.line_failures == 0
            && self.last_pet.elapsed() >= period / 4
        {
            let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            self.last_pet = Instant::now();
        }
    }

    /// Drives the doors safe before the daemon exits: nobody inside, both closed; someone inside, the entry door
    /// open for them. Then the locks are released, as a power loss would release them.
    async fn shut_down(&mut self, lines: &mut dyn Lines) {
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        self.abandon();
        let occupied = crate::crossing::machine::occupied(self.levels);
        if !self.safety.emergency() {
            self.safety.want(Door::Exit, DoorWant::Closed);
            self.safety.want(Door::Entry, if occupied { DoorWant::Open } else { DoorWant::Closed });
        }
        let deadline = Instant::now() + crate::crossing::policy::seconds(self.settings.policy.timeouts.door);
        while Instant::now() < deadline {
            if let Ok(levels) = lines.read_levels() {
                self.levels = levels;
            }
            self.drive(lines);
            let entry_done =
                if occupied { self.levels.get(Input::EntryOpen) } else { self.levels.get(Input::EntryClosed) };
            if entry_done && self.levels.get(Input::ExitClosed) {
                break;
            }
            tokio::time::sleep(self.settings.poll).await;
        }
        let mut outputs = self.safety.outputs(self.levels);
        for door in Door::ALL {
            if let Some(lock) = outputs.get_mut(door.lock().index()) {
                *lock = false;
            }
        }
        if let Err(e) = lines.write(&outputs) {
            error!(error = %e, "cannot release the locks at shutdown");
        }
        self.log.write(self.t(), None, "stopped", serde_json::json!({ "occupied": occupied }));
        info!("gate stopped; doors safe");
    }
}
