//! The daemon's loop with the lines of a test rig: safe start after a crash, the emergency released at the next
//! poll, and a safe shutdown. (The whole gate, with the simulator and a real pcscd, is tested by the scenarios.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gate_daemon::crossing::policy::Policy;
use gate_daemon::run::chip::ChipSettings;
use gate_daemon::run::{Lines, Parts, Settings, run};
use hal::gate::{Door, Input, Levels, Output};
use tokio::sync::mpsc;

#[derive(Default)]
struct Rig {
    levels: Levels,
    outputs: [bool; 7],
    reads: u64,
    /// Every write, with the number of reads before it.
    writes: Vec<(u64, [bool; 7])>,
}

struct RigLines(Arc<Mutex<Rig>>);

impl Lines for RigLines {
    fn read_levels(&mut self) -> Result<Levels, hal::Error> {
        let mut rig = self.0.lock().unwrap();
        rig.reads += 1;
        // Doors follow their drives at once, unless locked.
        for door in Door::ALL {
            let drive = rig.outputs[door.drive().index()];
            let locked = rig.outputs[door.lock().index()];
            if !locked {
                rig.levels.set(door.open_switch(), drive);
                rig.levels.set(door.closed_switch(), !drive);
            }
        }
        Ok(rig.levels)
    }

    fn write(&mut self, outputs: &[bool; 7]) -> Result<(), hal::Error> {
        let mut rig = self.0.lock().unwrap();
        rig.outputs = *outputs;
        let reads = rig.reads;
        rig.writes.push((reads, *outputs));
        Ok(())
    }
}

struct Started {
    rig: Arc<Mutex<Rig>>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<gate_daemon::run::Summary>,
    events: std::path::PathBuf,
    _mrz: mpsc::Sender<Vec<String>>,
    _officer: mpsc::Sender<gate_daemon::crossing::io::OfficerCommand>,
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gate-run-loop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn start(name: &str, levels: Levels, interrupted: bool) -> Started {
    let dir = temp(name);
    let journal = dir.join("crossing");
    if interrupted {
        std::fs::write(&journal, "7\n").unwrap();
    }
    let rig = Arc::new(Mutex::new(Rig { levels, ..Rig::default() }));
    let (mrz_tx, mrz) = mpsc::channel(2);
    let (officer_tx, officer) = mpsc::channel(2);
    let (answers_tx, face_answers) = mpsc::channel(2);
    let (face_jobs, _jobs_rx) = std::sync::mpsc::sync_channel(4);
    drop(answers_tx);
    let parts = Parts {
        lines: Box::new(RigLines(rig.clone())),
        mrz,
        officer,
        pcsc: hal::card::PcscReader::spawn(hal::card::PcscConfig::default()).unwrap(),
        watchlist: None,
        face_jobs,
        face_answers,
    };
    let settings = Settings {
        gate: "test".into(),
        policy: Policy::default(),
        chip: ChipSettings {
            reader: hal::card::ReaderSelection::FirstWithCard,
            extended_length: true,
            trust: Arc::new(mrtd::pa::TrustStore::builder().build()),
        },
        poll: Duration::from_millis(5),
        events: dir.join("events.jsonl"),
        journal,
    };
    let (shutdown, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _jobs = _jobs_rx;
        run(settings, parts, async {
            let _ = rx.await;
        })
        .await
        .unwrap()
    });
    Started { rig, shutdown, task, events: dir.join("events.jsonl"), _mrz: mrz_tx, _officer: officer_tx }
}

async fn until(rig: &Arc<Mutex<Rig>>, what: impl Fn(&Rig) -> bool) {
    for _ in 0..400 {
        if what(&rig.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the rig never reached the state waited for");
}

fn on(outputs: &[bool; 7], o: Output) -> bool {
    outputs[o.index()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_someone_inside_opens_the_entry_door_and_refers() {
    let inside = Levels::default().with(Input::Mantrap, true);
    let g = start("restart", inside, true);
    until(&g.rig, |r| on(&r.outputs, Output::EntryDrive)).await;
    {
        let rig = g.rig.lock().unwrap();
        // The first write came after the first read: nothing was driven blind.
        assert!(rig.writes[0].0 >= 1);
        assert!(rig.writes.iter().all(|(_, o)| !(on(o, Output::EntryDrive) && on(o, Output::ExitDrive))));
    }
    // The traveller leaves; the gate closes the entry door and is ready.
    g.rig.lock().unwrap().levels.set(Input::Mantrap, false);
    until(&g.rig, |r| !on(&r.outputs, Output::EntryDrive) && on(&r.outputs, Output::EntryLock)).await;
    g.shutdown.send(()).unwrap();
    g.task.await.unwrap();
    let log: Vec<serde_json::Value> =
        std::fs::read_to_string(&g.events).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let has =
        |event: &str, key: &str, value: serde_json::Value| log.iter().any(|e| e["event"] == event && e[key] == value);
    assert!(has("started", "interrupted", true.into()), "{log:?}");
    assert!(has("refer", "reason", "timeout".into()), "{log:?}");
    assert!(has("crossing_ended", "left_by", "entry".into()), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emergency_releases_both_doors_at_the_next_poll_and_shutdown_leaves_them_safe() {
    let g = start("emergency", Levels::default(), false);
    until(&g.rig, |r| on(&r.outputs, Output::EntryLock) && on(&r.outputs, Output::ExitLock)).await;
    let set_at = {
        let mut rig = g.rig.lock().unwrap();
        rig.levels.set(Input::Emergency, true);
        rig.reads
    };
    until(&g.rig, |r| on(&r.outputs, Output::EntryDrive) && on(&r.outputs, Output::ExitDrive)).await;
    {
        let rig = g.rig.lock().unwrap();
        let (reads, outputs) = rig.writes.iter().find(|(_, o)| on(o, Output::EntryDrive)).unwrap();
        // Released by the write that follows the first read to see the alarm: one poll period (5 ms here).
        assert_eq!(*reads, set_at + 1);
        assert!(!on(outputs, Output::EntryLock) && !on(outputs, Output::ExitLock) && on(outputs, Output::Buzzer));
    }
    // The alarm stops; the doors stay released until an officer resets.
    g.rig.lock().unwrap().levels.set(Input::Emergency, false);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(on(&g.rig.lock().unwrap().outputs, Output::ExitDrive));
    g.shutdown.send(()).unwrap();
    g.task.await.unwrap();
    // Shut down with the doors open after an emergency: locks released.
    let rig = g.rig.lock().unwrap();
    assert!(!on(&rig.outputs, Output::EntryLock) && !on(&rig.outputs, Output::ExitLock));
}
