//! Every scenario shipped in `sim/scenarios/` runs through `gate-sim scenario`: the real daemon process, a real
//! pcscd with the vpcd driver, the simulated chip, document reader, camera and gate; each expectation must hold and
//! no door may close on anyone. Needs root (the rig's private pcscd), as CI runs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::Path;
use std::process::Command;

/// One rig at a time: two would share two cores with their face models and time each other out.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(name: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let sim = e2e::workspace_binary("sim", "gate-sim").unwrap();
    e2e::workspace_binary("gate-daemon", "gate-daemon").unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/scenarios").join(format!("{name}.toml"));
    let out = Command::new(&sim).arg("scenario").arg(&file).arg("--json").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(2) && std::env::var_os(e2e::SKIP_ENV).is_some_and(|v| v == "1") {
        eprintln!("SKIP: {name}: the rig cannot run here: {stdout}");
        return;
    }
    let report: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|_| panic!("{name}: no report: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    let travellers = report["travellers"].as_array().unwrap();
    for t in travellers {
        assert_eq!(t["expected"], t["decided"], "{name}: {t}");
    }
    assert_eq!(report["collisions"], 0, "{name}: a door closed onto someone");
    assert_eq!(out.status.code(), Some(0), "{name}: {stdout}");
    // Every crossing is in the event log, begun and decided.
    let events = report["events"].as_array().unwrap();
    let decided = events.iter().filter(|e| e["event"] == "decided").count();
    assert!(decided >= travellers.len(), "{name}: {decided} decisions for {} travellers", travellers.len());
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        #[test]
        fn every_shipped_scenario_has_a_test() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/scenarios");
            let mut shipped: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .collect();
            shipped.sort();
            let mut tested = vec![$(stringify!($name).to_owned()),*];
            tested.sort();
            assert_eq!(shipped, tested);
        }
    };
}

scenarios!(
    camera_none,
    card_pulled,
    child,
    chip_photo,
    clone,
    daemon_restart,
    demo,
    door_jam,
    emergency,
    expired,
    impostor,
    leaves_bag,
    listed,
    normal,
    pcscd_restart,
    slow,
    stuck_mantrap,
    tailgater,
    tampered_dg2,
    three_travellers,
    together,
    turns_back,
);
