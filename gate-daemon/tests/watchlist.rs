//! `gate-daemon watchlist keygen | sign | import | check` as processes: every refusal of a list (unsigned, forged,
//! tampered, out of order, rolled back, a broken line), the list in force staying in force after each, a stale list
//! referring every traveller, and a crash in the middle of an import.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Rig {
    dir: PathBuf,
}

impl Rig {
    fn new(name: &str) -> Rig {
        let dir = std::env::temp_dir().join(format!("autogate-watchlist-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let rig = Rig { dir };
        let (code, json) = rig.run(&["watchlist", "keygen", "--out", rig.path("auth").to_str().unwrap()]);
        assert_eq!(code, 0, "{json}");
        rig
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn run(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let out = Command::new(env!("CARGO_BIN_EXE_gate-daemon")).args(args).arg("--json").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let json = serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {text} / {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap_or(-1), json)
    }

    /// Writes `lines` as a records (or delta) file and signs it.
    fn sign(&self, name: &str, version: u64, delta: bool, lines: &[String]) -> PathBuf {
        let records = self.path(&format!("{name}.jsonl"));
        std::fs::write(&records, lines.join("\n") + "\n").unwrap();
        let bundle = self.path(&format!("{name}.bundle"));
        let version = version.to_string();
        let key = self.dir.join("auth/authority.key");
        let mut args = vec![
            "watchlist",
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--version",
            &version,
            records.to_str().unwrap(),
            "--out",
            bundle.to_str().unwrap(),
        ];
        if delta {
            args.push("--delta");
        }
        let (code, json) = self.run(&args);
        assert_eq!(code, 0, "{json}");
        bundle
    }

    fn import(&self, bundle: &Path) -> (i32, serde_json::Value) {
        self.run(&[
            "watchlist",
            "import",
            bundle.to_str().unwrap(),
            "--public-key",
            self.path("auth/authority.pub").to_str().unwrap(),
            "--db",
            self.path("db.redb").to_str().unwrap(),
        ])
    }

    fn check(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let db = self.path("db.redb");
        let mut args = vec!["watchlist", "check", "--db", db.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn version(&self) -> u64 {
        let (code, json) = self.check(&["--direction", "departure", "--surname", "NOBODY", "--given-names", "ATALL"]);
        assert_eq!(code, 0, "{json}");
        json["list_version"].as_u64().unwrap()
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn record(id: &str, name: &str, dob: &str, nationality: &str, list: &str) -> String {
    format!(
        r#"{{"entry_id":"{id}","list":"{list}","names":["{name}"],"date_of_birth":"{dob}","nationality":"{nationality}","reason_code":"C-1","authority":"KEJAKSAAN AGUNG"}}"#
    )
}

fn base_list() -> Vec<String> {
    vec![
        record("E1", "MUHAMMAD RIZKY PRATAMA", "1985-03-14", "IDN", "cegah"),
        record("E2", "SUKARNO", "1975-05-05", "IDN", "cegah"),
        record("E3", "JOHN WILLIAM SMITH", "1970-01-02", "GBR", "tangkal"),
    ]
}

#[test]
fn a_listed_traveller_is_found_through_the_index() {
    let rig = Rig::new("found");
    let v1 = rig.sign("v1", 1, false, &base_list());
    let (code, json) = rig.import(&v1);
    assert_eq!((code, json["version"].as_u64(), json["entries"].as_u64()), (0, Some(1), Some(3)), "{json}");

    // The abbreviation a passport prints, departing: cegah applies.
    let (code, json) = rig.check(&[
        "--direction",
        "departure",
        "--surname",
        "PRATAMA",
        "--given-names",
        "MOCH RIZKI",
        "--date-of-birth",
        "1985-03-14",
        "--nationality",
        "IDN",
    ]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["result"], "hit", "{json}");
    assert_eq!(json["matches"][0]["entry_id"], "E1");
    assert_eq!(json["matches"][0]["list"], "cegah");
    assert!(json["matches"][0]["why"].as_array().unwrap().len() >= 2);
    assert!(json["elapsed_us"].as_u64().is_some());
    // Arriving, the same person is not on a list that applies.
    let (_, json) = rig.check(&[
        "--direction",
        "arrival",
        "--surname",
        "PRATAMA",
        "--given-names",
        "MOCH RIZKI",
        "--date-of-birth",
        "1985-03-14",
        "--nationality",
        "IDN",
    ]);
    assert_eq!(json["result"], "clear", "{json}");
    // Tangkal applies to a foreigner arriving; by MRZ (ICAO 9303-4 layout, check digits computed).
    let (_, json) = rig.check(&[
        "--direction",
        "arrival",
        "--surname",
        "SMITH",
        "--given-names",
        "JOHN WILLIAM",
        "--date-of-birth",
        "1970-01-02",
        "--nationality",
        "GBR",
    ]);
    assert_eq!(json["result"], "hit", "{json}");
    assert_eq!(json["matches"][0]["entry_id"], "E3");
    // A different person with a common name is clear.
    let (_, json) = rig.check(&[
        "--direction",
        "departure",
        "--surname",
        "SANTOSO",
        "--given-names",
        "BUDI",
        "--date-of-birth",
        "1990-07-07",
        "--nationality",
        "IDN",
    ]);
    assert_eq!(json["result"], "clear", "{json}");
}

#[test]
fn every_refusal_keeps_the_list_in_force() {
    let rig = Rig::new("refusals");
    assert_eq!(rig.import(&rig.sign("v1", 1, false, &base_list())).0, 0);
    let v2 = rig.sign("v2", 2, false, &base_list());

    // Unsigned: a bare records file.
    let (code, json) = rig.import(&rig.path("v2.jsonl"));
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_unsigned")), "{json}");
    // Forged: the signature changed.
    let text = std::fs::read_to_string(&v2).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let sig = lines[1].clone();
    let flipped = if sig.ends_with('0') { "1" } else { "0" };
    lines[1] = format!("{}{flipped}", &sig[..sig.len() - 1]);
    let forged = rig.path("forged.bundle");
    std::fs::write(&forged, lines.join("\n")).unwrap();
    let (code, json) = rig.import(&forged);
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_bad_signature")), "{json}");
    // Tampered: a record changed after signing.
    let tampered = rig.path("tampered.bundle");
    std::fs::write(&tampered, text.replace("SUKARNO", "SUHARTO")).unwrap();
    let (code, json) = rig.import(&tampered);
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_tampered")), "{json}");
    // Signed by another authority.
    let other = Rig::new("other-authority");
    let foreign = other.sign("v2", 2, false, &base_list());
    let (code, json) = rig.import(&foreign);
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_bad_signature")), "{json}");
    // Out of order: a delta that skips a version.
    let skip = rig.sign("d3", 3, true, &[r#"{"op":"remove","entry_id":"E2"}"#.to_owned()]);
    let (code, json) = rig.import(&skip);
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_out_of_order")), "{json}");
    // A broken line: the signer refuses it, naming the line; a broken line in a bundle is refused by the gate too.
    let mut broken = base_list();
    broken.insert(1, r#"{"entry_id":"E9","list":"cegah""#.to_owned());
    let records = rig.path("broken.jsonl");
    std::fs::write(&records, broken.join("\n")).unwrap();
    let (code, json) = rig.run(&[
        "watchlist",
        "sign",
        "--key",
        rig.path("auth/authority.key").to_str().unwrap(),
        "--version",
        "2",
        records.to_str().unwrap(),
        "--out",
        rig.path("broken.bundle").to_str().unwrap(),
    ]);
    assert_eq!((code, json["error"]["kind"].as_str()), (2, Some("watchlist_broken_line")), "{json}");
    assert!(json["error"]["message"].as_str().unwrap().contains("line 2"), "{json}");
    assert_eq!(rig.version(), 1);

    // The good version 2 goes in; then version 1 again is a roll-back.
    assert_eq!(rig.import(&v2).0, 0);
    assert_eq!(rig.version(), 2);
    let (code, json) = rig.import(&rig.path("v1.bundle"));
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_rolled_back")), "{json}");
    assert_eq!(rig.version(), 2);

    // A delta: remove SUKARNO, add a new entry.
    let d3 = rig.sign(
        "d3b",
        3,
        true,
        &[
            r#"{"op":"remove","entry_id":"E2"}"#.to_owned(),
            format!(r#"{{"op":"add",{}"#, &record("E4", "SITI AMINAH", "1990-05-06", "IDN", "cegah")[1..]),
        ],
    );
    let (code, json) = rig.import(&d3);
    assert_eq!((code, json["entries"].as_u64()), (0, Some(3)), "{json}");
    let (_, json) = rig.check(&[
        "--direction",
        "departure",
        "--surname",
        "SUKARNO",
        "--date-of-birth",
        "1975-05-05",
        "--nationality",
        "IDN",
    ]);
    assert_eq!(json["result"], "clear", "{json}");
    let (_, json) = rig.check(&[
        "--direction",
        "departure",
        "--surname",
        "AMINAH",
        "--given-names",
        "SITI",
        "--date-of-birth",
        "1990-05-06",
    ]);
    assert_eq!(json["matches"][0]["entry_id"], "E4", "{json}");
}

#[test]
fn no_list_or_a_stale_list_refers_every_traveller() {
    let rig = Rig::new("stale");
    let (code, json) = rig.check(&["--direction", "departure", "--surname", "SANTOSO"]);
    assert_eq!((code, json["error"]["kind"].as_str()), (1, Some("watchlist_missing")), "{json}");

    assert_eq!(rig.import(&rig.sign("v1", 1, false, &base_list())).0, 0);
    // A configuration whose maximum age is 0 hours: the list just imported is already too old.
    let config = rig.path("gate.toml");
    std::fs::write(&config, "[watchlist]\nmax_age_hours = 0\n").unwrap();
    let (code, json) = rig.check(&[
        "--direction",
        "departure",
        "--surname",
        "SANTOSO",
        "--given-names",
        "BUDI",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["refer"], "watchlist_stale", "{json}");
    assert!(json["refer_why"].as_str().unwrap().contains("referred"), "{json}");
    // A broken configuration names the key.
    std::fs::write(&config, "[watchlist]\nmax_age_hourz = 1\n").unwrap();
    let (code, json) = rig.check(&["--direction", "departure", "--surname", "X", "--config", config.to_str().unwrap()]);
    assert_eq!((code, json["error"]["kind"].as_str()), (2, Some("config_invalid")), "{json}");
    assert!(json["error"]["message"].as_str().unwrap().contains("max_age_hourz"), "{json}");
}

#[test]
fn a_crash_in_the_middle_of_an_import_leaves_the_previous_list_in_force() {
    let rig = Rig::new("crash");
    assert_eq!(rig.import(&rig.sign("v1", 1, false, &base_list())).0, 0);
    // A large version 2, generated by the simulator.
    let big = rig.path("big");
    let args = sim::watchlist::GenerateArgs {
        entries: 200_000,
        variants: 0,
        clean: 0,
        seed: 5,
        out: big.clone(),
        json: false,
    };
    assert_eq!(sim::watchlist::generate_command(&args), std::process::ExitCode::SUCCESS);
    let lines: Vec<String> =
        std::fs::read_to_string(big.join("list.jsonl")).unwrap().lines().map(str::to_owned).collect();
    let v2 = rig.sign("v2", 2, false, &lines);

    // Kill the import once the database file starts growing: the write transaction is under way.
    let db = rig.path("db.redb");
    let before = std::fs::metadata(&db).unwrap().len();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gate-daemon"))
        .args(["watchlist", "import", v2.to_str().unwrap(), "--public-key"])
        .arg(rig.path("auth/authority.pub"))
        .arg("--db")
        .arg(&db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut grew = false;
    while started.elapsed() < Duration::from_secs(120) {
        if std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) > before + 4096 {
            grew = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(grew && !status.success(), "the import finished before it could be killed");
    // Version 1 is in force, whole.
    assert_eq!(rig.version(), 1);
    let (_, json) = rig.check(&[
        "--direction",
        "departure",
        "--surname",
        "SUKARNO",
        "--date-of-birth",
        "1975-05-05",
        "--nationality",
        "IDN",
    ]);
    assert_eq!(json["matches"][0]["entry_id"], "E2", "{json}");
    // And version 2 imports afterwards.
    let (code, json) = rig.import(&v2);
    assert_eq!((code, json["entries"].as_u64()), (0, Some(200_000)), "{json}");
}
