//! The simulated gate rig: the real `gate-daemon run` process against a private pcscd with the vpcd driver, the
//! simulated chip of each traveller, the document reader on a pseudo-terminal, and the [`GateModel`] with its
//! camera served over the simulated gate's socket (`hal::sim_link`). `gate-sim scenario` and `gate-sim demo` run
//! scenarios through it.
//!
//! The rig steps the model every 5 ms of wall time, sends the daemon the inputs whenever they change, and applies
//! the outputs it receives. Each traveller walks up to the reader; when they lay the passport down, the rig sends
//! the MRZ over the serial line and puts the chip in the reader; when they take it back (the entry door opened, or
//! they were referred at the reader) the chip leaves. The traveller's outcome is the daemon's `decided` record in
//! its event log.

pub mod daemon;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hal::camera::Camera as _;
use hal::gate::Door;
use hal::sim_link::{Message, read_message, write_message};
use serde_json::{Value, json};
use tokio::net::UnixListener;

use self::daemon::{Daemon, EventTail, RigConfig};
use crate::camera::{Fault as CameraFault, Jitter, Playback, SimCamera, SimCameraConfig};
use crate::chip::card::{Card, CardConfig};
use crate::chip::fault::Faults;
use crate::chip::link::LinkModel;
use crate::chip::mrz_pty::MrzPty;
use crate::chip::passport_dir::Passport;
use crate::chip::vpcd::{self, VpcdOptions};
use crate::gate::{GateModel, Phase, TravellerId};
use crate::scenario::{Expect, Face, Scenario};

/// The model's time step.
const STEP: Duration = Duration::from_millis(5);
/// The longest one traveller may take, from arriving to gone.
const TRAVELLER_BOUND: Duration = Duration::from_secs(120);

/// Why the rig could not run.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {detail}")]
pub struct RigError {
    /// What was being set up.
    pub what: String,
    /// What went wrong.
    pub detail: String,
}

fn fail(what: &str) -> impl Fn(String) -> RigError + '_ {
    move |detail| RigError { what: what.to_owned(), detail }
}

/// One traveller's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The expectation.
    pub expected: Expect,
    /// What the daemon decided (`pass`, `refer:REASON`, or `none` when it decided nothing).
    pub decided: String,
    /// Whether the expectation held (and the referral expected after it, if any).
    pub held: bool,
    /// The daemon's own time for this crossing: from the MRZ to the decision, less nothing (milliseconds).
    pub decision_ms: Option<u64>,
    /// From arriving at the reader to gone (milliseconds of the rig's clock).
    pub walk_ms: u64,
    /// The daemon's resident memory (KiB) once this traveller was done.
    pub daemon_rss_kib: Option<u64>,
}

/// A run's results.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// One per traveller.
    pub outcomes: Vec<Outcome>,
    /// The daemon's event log, in order.
    pub events: Vec<Value>,
    /// Times a door closed onto a body or object.
    pub collisions: u32,
    /// The daemon's resident memory (KiB) once ready, and after the last traveller.
    pub daemon_rss_kib: (Option<u64>, Option<u64>),
}

impl Report {
    /// Whether every expectation held and no door ever closed on anyone.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.collisions == 0 && self.outcomes.iter().all(|o| o.held)
    }

    /// The report as one JSON object.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "passed": self.passed(),
            "collisions": self.collisions,
            "daemon_rss_kib": { "ready": self.daemon_rss_kib.0, "end": self.daemon_rss_kib.1 },
            "travellers": self.outcomes.iter().map(|o| json!({
                "expected": o.expected.to_string(), "decided": o.decided, "held": o.held,
                "decision_ms": o.decision_ms, "walk_ms": o.walk_ms, "daemon_rss_kib": o.daemon_rss_kib }))
                .collect::<Vec<_>>(),
            "events": self.events,
        })
    }
}

/// The workspace's models folder, where `models/fetch.sh` puts the files: `$AUTOGATE_MODELS`, else beside the
/// sources this binary was built from.
fn models_dir() -> PathBuf {
    std::env::var_os("AUTOGATE_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"))
}

fn run_tool(bin: &Path, args: &[&str]) -> Result<(), RigError> {
    let out = std::process::Command::new(bin).args(args).output().map_err(|e| fail("gate-daemon")(e.to_string()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(fail("gate-daemon watchlist")(
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        ))
    }
}

/// What the link task shares with the rig's loop.
struct Shared {
    model: Mutex<GateModel>,
    camera: Mutex<Option<SimCamera>>,
    /// Officer commands waiting to go over the lane panel.
    panel: Mutex<Vec<String>>,
}

/// Runs `scenario` in a fresh rig under `dir` and reports each traveller's outcome.
///
/// # Errors
/// [`RigError`] when the rig cannot be set up: no root for the private pcscd, pcscd or vpcd missing, the daemon
/// binary missing, a passport that cannot be made.
pub async fn run(scenario: &Scenario, dir: &Path) -> Result<Report, RigError> {
    std::fs::create_dir_all(dir).map_err(|e| fail("the rig's folder")(e.to_string()))?;
    let pcscd = e2e::Pcscd::start().map_err(|e| fail("a private pcscd")(e.to_string()))?;
    let pki_dir = dir.join("pki");
    crate::pki::Pki::generate(std::time::SystemTime::now())
        .and_then(|p| p.write(&pki_dir, true))
        .map_err(|e| fail("the test PKI")(e.to_string()))?;
    let mut passports = Vec::new();
    for (n, t) in scenario.travellers.iter().enumerate() {
        let out = dir.join(format!("passport-{}", n + 1));
        let made = crate::passport::make(&t.passport, &pki_dir, &out)
            .map_err(|e| fail("a passport")(format!("{}: {e}", t.passport.display())))?;
        // The chip photo as stored in DG2, for a traveller who holds it up to the camera.
        let chip_photo = out.join("chip-photo.jpg");
        let photo = if made.portrait.format == crate::passport::profile::PortraitFormat::Jpeg
            && std::fs::write(&chip_photo, &made.portrait.bytes).is_ok()
        {
            chip_photo
        } else {
            made.profile.portrait.clone()
        };
        passports.push((out, made.profile.portrait.clone(), photo));
    }

    // The list in force, signed as the list authority signs it.
    let bin = daemon::find_binary("gate-daemon", "GATE_DAEMON");
    let records = match &scenario.watchlist {
        Some(p) => p.clone(),
        None => {
            let empty = dir.join("empty.jsonl");
            std::fs::write(&empty, "").map_err(|e| fail("the watchlist")(e.to_string()))?;
            empty
        }
    };
    let keys = dir.join("authority");
    let bundle = dir.join("list.bundle");
    let db = dir.join("watchlist.redb");
    // A kept rig folder is reused: a fresh authority and list for every run.
    let _ = std::fs::remove_dir_all(&keys);
    let _ = std::fs::remove_file(&bundle);
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(dir.join("crossing"));
    let s = |p: &Path| p.display().to_string();
    run_tool(&bin, &["watchlist", "keygen", "--out", &s(&keys)])?;
    run_tool(
        &bin,
        &[
            "watchlist",
            "sign",
            "--key",
            &s(&keys.join("authority.key")),
            "--version",
            "1",
            &s(&records),
            "--out",
            &s(&bundle),
        ],
    )?;
    run_tool(
        &bin,
        &["watchlist", "import", &s(&bundle), "--public-key", &s(&keys.join("authority.pub")), "--db", &s(&db)],
    )?;

    let mut pty = MrzPty::open(&dir.join("mrz")).map_err(|e| fail("the document reader's line")(e.to_string()))?;
    let socket = dir.join("sim.sock");
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(|e| fail("the simulated gate's socket")(e.to_string()))?;
    let events_path = dir.join("events.jsonl");
    let _ = std::fs::remove_file(&events_path);
    let config = RigConfig {
        dir: dir.to_path_buf(),
        sim_socket: socket.clone(),
        serial: dir.join("mrz"),
        models: models_dir(),
        trust: pki_dir.join("csca.der"),
        watchlist_db: db,
        public_key: keys.join("authority.pub"),
        events: events_path.clone(),
        journal: dir.join("crossing"),
        gate: scenario.gate.clone(),
    }
    .write()
    .map_err(|e| fail("the daemon's configuration")(e.to_string()))?;
    let mut daemon = Daemon::start(&bin, &config, &pcscd.socket_path(), &dir.join("daemon.log"))
        .map_err(|e| fail("gate-daemon run")(format!("{}: {e}", bin.display())))?;

    let shared = Arc::new(Shared {
        model: Mutex::new(GateModel::default()),
        camera: Mutex::new(None),
        panel: Mutex::new(Vec::new()),
    });
    let link_up = Arc::new(AtomicBool::new(false));
    tokio::spawn(serve_link(listener, shared.clone(), link_up.clone()));

    let vpcd_addr = format!("127.0.0.1:{}", pcscd.vpcd_port());
    let mut tail = EventTail::new(&events_path);
    let mut events = Vec::new();
    // The first traveller comes once the daemon is up and invites them; scenario time starts then.
    wait_ready(&shared, &mut tail, &mut events).await;
    if !ready(&events) {
        return Err(fail("gate-daemon run")(format!(
            "the daemon did not become ready; see {}",
            dir.join("daemon.log").display()
        )));
    }
    let started = Instant::now();
    let rss_ready = daemon.rss_kib();
    let mut outcomes = Vec::new();
    let mut timed = scenario.events.iter().peekable();
    let mut pcscd = pcscd;
    for (n, t) in scenario.travellers.iter().enumerate() {
        let (passport_dir, portrait, chip_photo) =
            passports.get(n).cloned().ok_or_else(|| fail("a passport")("missing".into()))?;
        set_camera(&shared, &t.face, &portrait, &chip_photo, n as u64)?;
        let id = lock(&shared.model).add_traveller(t.walk);
        match t.behaviour.as_str() {
            "tailgater" => {
                lock(&shared.model).add_follower(id, 0.6);
            }
            "together" => {
                lock(&shared.model).add_follower(id, 0.3);
            }
            _ => {}
        }
        let arrived = Instant::now();
        let mut chip: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)> = None;
        let mut decided: Option<(String, Option<u64>)> = None;
        let mut after_seen: Vec<String> = Vec::new();
        let mut last_phase = None;
        let mut bag_dropped = false;
        let mut gone_at: Option<Instant> = None;
        loop {
            tokio::time::sleep(STEP).await;
            lock(&shared.model).advance(STEP);
            for e in tail.poll() {
                if field(&e, "event") == "decided" && decided.is_none() {
                    let outcome = if field(&e, "outcome") == "pass" {
                        "pass".to_owned()
                    } else {
                        format!("refer:{}", field(&e, "reason").as_str().unwrap_or("?"))
                    };
                    decided = Some((outcome, field(&e, "elapsed_ms").as_u64()));
                } else if field(&e, "event") == "refer" && decided.is_some() {
                    after_seen.push(field(&e, "reason").as_str().unwrap_or("?").to_owned());
                }
                events.push(e);
            }
            // Timed events.
            while let Some(ev) = timed.peek() {
                if started.elapsed().as_secs_f64() < ev.at_s {
                    break;
                }
                apply_event(&ev.what, &shared, &mut chip, &mut daemon, &mut pcscd, id);
                timed.next();
            }
            let phase = lock(&shared.model).phase(id);
            if phase != last_phase {
                match phase {
                    Some(Phase::AtReader) => {
                        let lines = Passport::load(&passport_dir)
                            .and_then(|p| p.printed_lines())
                            .map_err(|e| fail("a passport")(e.to_string()))?;
                        chip = Some(insert_chip(&passport_dir, &t.chip_faults, t.chip_kbps, &vpcd_addr)?);
                        pty.send(&lines, false).map_err(|e| fail("the document reader's line")(e.to_string()))?;
                    }
                    Some(Phase::Entering) => remove_chip(&mut chip),
                    Some(Phase::Leaving(_)) => {
                        remove_chip(&mut chip);
                        if t.behaviour == "leaves_bag" && !bag_dropped {
                            lock(&shared.model).drop_object(id);
                            bag_dropped = true;
                        }
                    }
                    _ => {}
                }
                last_phase = phase;
            }
            // Referred at the reader: the traveller takes the passport and goes to the officer.
            if decided.as_ref().is_some_and(|(d, _)| d != "pass") && phase == Some(Phase::AtReader) {
                remove_chip(&mut chip);
                lock(&shared.model).send_away(id);
            }
            if matches!(phase, Some(Phase::Gone(_))) {
                let since = *gone_at.get_or_insert_with(Instant::now);
                // Wait for the gate to finish with this traveller, and for what it reports after.
                let settle = if t.expect_after.is_some() { Duration::from_secs(8) } else { Duration::from_secs(2) };
                // A traveller who walked away before any decision waits for the gate's own (a timeout).
                if since.elapsed() >= settle && decided.is_some() {
                    break;
                }
            }
            if arrived.elapsed() > TRAVELLER_BOUND {
                break;
            }
        }
        remove_chip(&mut chip);
        if t.behaviour == "leaves_bag" {
            lock(&shared.model).clear_objects();
        }
        let (outcome, decision_ms) = decided.unwrap_or_else(|| ("none".to_owned(), None));
        let after_ok = t.expect_after.as_ref().is_none_or(|r| after_seen.iter().any(|s| s == r));
        outcomes.push(Outcome {
            held: outcome == t.expect.to_string() && after_ok,
            expected: t.expect.clone(),
            decided: outcome,
            decision_ms,
            walk_ms: arrived.elapsed().as_millis() as u64,
            daemon_rss_kib: daemon.rss_kib(),
        });
        // The next traveller comes once the gate is ready again.
        wait_ready(&shared, &mut tail, &mut events).await;
    }
    let rss_end = daemon.rss_kib();
    daemon.stop(Duration::from_secs(10));
    events.extend(tail.poll());
    let collisions = lock(&shared.model).collisions();
    Ok(Report { name: scenario.name.clone(), outcomes, events, collisions, daemon_rss_kib: (rss_ready, rss_end) })
}

/// A key of an event-log line, or null.
fn field<'a>(event: &'a Value, key: &str) -> &'a Value {
    event.get(key).unwrap_or(&Value::Null)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether the last thing the display showed invites the next traveller.
fn ready(events: &[Value]) -> bool {
    events
        .iter()
        .rev()
        .find(|e| field(e, "event") == "display")
        .is_some_and(|e| field(e, "en") == "Place your passport")
}

async fn wait_ready(shared: &Shared, tail: &mut EventTail, events: &mut Vec<Value>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !ready(events) {
        tokio::time::sleep(STEP).await;
        lock(&shared.model).advance(STEP);
        events.extend(tail.poll());
    }
}

fn set_camera(shared: &Shared, face: &Face, portrait: &Path, chip_photo: &Path, seed: u64) -> Result<(), RigError> {
    let (pictures, playback, jitter) = match face {
        Face::None => (Vec::new(), Playback::Loop, None),
        Face::Same => (vec![portrait.to_path_buf()], Playback::Loop, Some(Jitter { max_shift: 6, noise: 10, seed })),
        Face::ChipPhoto => (vec![chip_photo.to_path_buf()], Playback::Still, None),
        Face::Image(p) => (vec![p.clone()], Playback::Loop, Some(Jitter::mild(seed))),
    };
    let config = SimCameraConfig { fps: 0, playback, jitter, fault: None };
    let camera = SimCamera::from_files(config, &pictures).map_err(|e| fail("the camera's picture")(e.to_string()))?;
    *lock(&shared.camera) = Some(camera);
    Ok(())
}

fn insert_chip(
    dir: &Path,
    faults: &[String],
    kbps: u32,
    addr: &str,
) -> Result<(Arc<AtomicBool>, std::thread::JoinHandle<()>), RigError> {
    let passport = Passport::load(dir).map_err(|e| fail("a passport")(e.to_string()))?;
    let faults = Faults::parse(faults).map_err(|e| fail("chip_faults")(e.to_string()))?;
    let remove_after = faults.remove_after;
    let config = CardConfig { access: passport.access, faults, ..CardConfig::default() };
    let mut card = Card::new(&passport, config).map_err(|e| fail("a chip")(e.to_string()))?;
    let options = VpcdOptions {
        addr: addr.to_owned(),
        link: LinkModel { kbps: Some(kbps), latency: Duration::from_millis(2) },
        remove_after,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("chip".into())
        .spawn(move || {
            let _ = vpcd::serve(&mut card, &options, &flag, &mut |_| {});
        })
        .map_err(|e| fail("the chip's thread")(e.to_string()))?;
    Ok((stop, thread))
}

fn remove_chip(chip: &mut Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>) {
    if let Some((stop, thread)) = chip.take() {
        stop.store(true, Ordering::Relaxed);
        let _ = thread.join();
    }
}

fn apply_event(
    what: &str,
    shared: &Shared,
    chip: &mut Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
    daemon: &mut Daemon,
    pcscd: &mut e2e::Pcscd,
    traveller: TravellerId,
) {
    tracing::info!(event = what, "scenario event");
    let mut model = lock(&shared.model);
    match what {
        "emergency" => model.set_emergency(true),
        "emergency_reset" => {
            model.set_emergency(false);
            lock(&shared.panel).push("reset".into());
        }
        "officer_reset" => lock(&shared.panel).push("reset".into()),
        "clear_lane" => model.clear_objects(),
        "card_removed" => {
            drop(model);
            remove_chip(chip);
        }
        "pcscd_restart" => {
            drop(model);
            let _ = pcscd.restart();
        }
        "camera_fail" => {
            drop(model);
            if let Some(c) = lock(&shared.camera).as_ref() {
                c.feed().set_fault(Some(CameraFault::Fail));
            }
        }
        "door_jam:entry" => model.jam(Door::Entry, true),
        "door_jam:exit" => model.jam(Door::Exit, true),
        "sensor_stuck:approach" => model.stick(hal::gate::Input::Approach, Some(true)),
        "sensor_stuck:mantrap" => model.stick(hal::gate::Input::Mantrap, Some(true)),
        "sensor_stuck:exit" => model.stick(hal::gate::Input::ExitPresence, Some(true)),
        "daemon_restart" => {
            drop(model);
            let _ = daemon.crash_and_restart();
        }
        _ => {}
    }
    let _ = traveller;
}

/// Serves the simulated gate to each daemon that connects (a restarted daemon connects again).
async fn serve_link(listener: UnixListener, shared: Arc<Shared>, up: Arc<AtomicBool>) {
    while let Ok((stream, _)) = listener.accept().await {
        up.store(true, Ordering::Relaxed);
        let (mut rd, mut wr) = stream.into_split();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(16);
        let writer = tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if write_message(&mut wr, &m).await.is_err() {
                    break;
                }
            }
        });
        let levels_tx = tx.clone();
        let levels_shared = shared.clone();
        let pusher = tokio::spawn(async move {
            let mut last = None;
            loop {
                let levels = lock(&levels_shared.model).levels();
                if last != Some(levels) {
                    if levels_tx.send(Message::Levels(levels)).await.is_err() {
                        break;
                    }
                    last = Some(levels);
                }
                let commands: Vec<String> = lock(&levels_shared.panel).drain(..).collect();
                for name in commands {
                    if levels_tx.send(Message::Panel(name)).await.is_err() {
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
        while let Ok(Some(m)) = read_message(&mut rd).await {
            match m {
                Message::Outputs(o) => lock(&shared.model).set_outputs(o),
                Message::Capture(seq) => {
                    let shared = shared.clone();
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let answer = match lock(&shared.camera).as_mut() {
                            Some(camera) => {
                                let _ = camera.start();
                                match camera.frame(Duration::from_millis(300)) {
                                    Ok(f) => match (u16::try_from(f.width), u16::try_from(f.height)) {
                                        (Ok(width), Ok(height)) => Message::Frame { seq, width, height, rgb: f.pixels },
                                        _ => Message::NoFrame(seq),
                                    },
                                    Err(_) => Message::NoFrame(seq),
                                }
                            }
                            None => Message::NoFrame(seq),
                        };
                        let _ = tx.blocking_send(answer);
                    });
                }
                _ => {}
            }
        }
        pusher.abort();
        writer.abort();
    }
}

/// Arguments of `gate-sim scenario`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioArgs {
    /// The scenario file (TOML; the README documents the format).
    pub file: PathBuf,
    /// Keep the rig's files (configuration, event log, daemon log) in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `gate-sim scenario FILE`: exit 0 when every expectation held, 1 when one did not, 2 when the scenario or the
/// rig is unusable.
pub fn scenario_command(args: &ScenarioArgs) -> std::process::ExitCode {
    let scenario = match Scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => return crate::cli::fail(args.json, 2, "scenario_invalid", &e.to_string()),
    };
    run_and_print(&scenario, args.dir.clone(), args.json)
}

/// `gate-sim demo`: the shipped demonstration scenario, end to end.
pub fn demo_command(json: bool) -> std::process::ExitCode {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.toml");
    match Scenario::load(&file) {
        Ok(s) => run_and_print(&s, None, json),
        Err(e) => crate::cli::fail(json, 2, "scenario_invalid", &e.to_string()),
    }
}

fn run_and_print(scenario: &Scenario, dir: Option<PathBuf>, json: bool) -> std::process::ExitCode {
    let (dir, temporary) = match dir {
        Some(d) => (d, false),
        None => (std::env::temp_dir().join(format!("gate-sim-rig-{}", std::process::id())), true),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return crate::cli::fail(json, 1, "internal", &format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(run(scenario, &dir));
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match result {
        Err(e) => crate::cli::fail(json, 2, "rig_unavailable", &e.to_string()),
        Ok(report) => {
            if json {
                println!("{}", report.to_json());
            } else {
                println!("scenario  {}", report.name);
                for (n, o) in report.outcomes.iter().enumerate() {
                    let mark = if o.held { "ok  " } else { "FAIL" };
                    let ms = o.decision_ms.map_or_else(String::new, |m| format!(", decided in {m} ms"));
                    println!("  {mark} traveller {}: expected {}, gate said {}{ms}", n + 1, o.expected, o.decided);
                }
                println!("event log ({} events):", report.events.len());
                for e in &report.events {
                    if matches!(field(e, "event").as_str(), Some("input" | "lamps")) {
                        continue;
                    }
                    println!("  {e}");
                }
                if report.collisions > 0 {
                    println!("FAIL: a door closed onto someone {} times", report.collisions);
                }
            }
            if report.passed() { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::from(1) }
        }
    }
}
