//! `gate-sim chip` as a process, with the test playing vpcd's side of the socket (a TCP listener on port 0): the
//! frames, the control codes, reconnection when "pcscd" goes away, the `remove-after` fault, a clean stop on SIGTERM,
//! and the command's errors. No pcscd needed; tests/tests/sim_chip.rs runs the same binary behind a real one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);
const BIN: &str = env!("CARGO_BIN_EXE_gate-sim");

fn bsi2008() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/data/jmrtd/lds/bsi2008");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIP: {} is absent", dir.display());
        None
    }
}

struct Sim {
    child: Child,
    events: Receiver<serde_json::Value>,
}

impl Sim {
    fn start(port: u16, passport: &Path, extra: &[&str]) -> Sim {
        let mut child = Command::new(BIN)
            .args(["chip", "--json", "--vpcd", &format!("127.0.0.1:{port}"), "--passport"])
            .arg(passport)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                    break;
                }
            }
        });
        Sim { child, events }
    }

    fn expect(&self, name: &str) -> serde_json::Value {
        let v = self.events.recv_timeout(TIMEOUT).unwrap();
        assert_eq!(v["event"], name, "{v}");
        v
    }

    fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "gate-sim chip did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn terminate(&mut self) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        self.wait()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            drop(self.child.kill());
            drop(self.child.wait());
        }
    }
}

/// vpcd's side of one connection.
struct Vpcd(TcpStream);

impl Vpcd {
    fn accept(listener: &TcpListener) -> Vpcd {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match listener.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    s.set_read_timeout(Some(TIMEOUT)).unwrap();
                    return Vpcd(s);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("no connection from gate-sim chip: {e}"),
            }
        }
    }

    fn send(&mut self, payload: &[u8]) {
        let mut frame = u16::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        self.0.write_all(&frame).unwrap();
    }

    fn receive(&mut self) -> Vec<u8> {
        let mut len = [0u8; 2];
        self.0.read_exact(&mut len).unwrap();
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
        self.0.read_exact(&mut payload).unwrap();
        payload
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.send(apdu);
        self.receive()
    }

    /// True once the card closed its side.
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.0.read(&mut b), Ok(0))
    }
}

const SELECT_AID: [u8; 12] = [0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
const GET_CHALLENGE: [u8; 5] = [0x00, 0x84, 0x00, 0x00, 0x08];

#[test]
fn frames_control_codes_and_a_clean_stop() {
    let Some(passport) = bsi2008() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut sim = Sim::start(port, &passport, &[]);
    let mut vpcd = Vpcd::accept(&listener);
    let inserted = sim.expect("inserted");
    assert_eq!(inserted["reader_port"], port);
    assert_eq!(inserted["files"], serde_json::json!(["EF.COM", "EF.SOD", "DG1", "DG2", "DG3", "DG4", "DG14", "DG15"]));

    vpcd.send(&[1]); // power on: no answer
    vpcd.send(&[4]);
    let atr = vpcd.receive();
    assert_eq!(atr[..4], [0x3B, 0x85, 0x80, 0x01]);
    assert_eq!(vpcd.transmit(&SELECT_AID), [0x90, 0x00]);
    let challenge = vpcd.transmit(&GET_CHALLENGE);
    assert_eq!((challenge.len(), &challenge[8..]), (10, &[0x90, 0x00][..]));
    // Reset forgets the challenge: EXTERNAL AUTHENTICATE now has none to answer.
    vpcd.send(&[2]);
    vpcd.send(&[4]);
    assert_eq!(vpcd.receive(), atr);
    let mut ext = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    ext.extend_from_slice(&[0; 40]);
    ext.push(0x28);
    assert_eq!(vpcd.transmit(&ext), [0x69, 0x85]);

    assert_eq!(sim.terminate(), Some(0));
    sim.expect("stopped");
    assert!(vpcd.closed());
}

#[test]
fn reconnects_when_vpcd_goes_away() {
    let Some(passport) = bsi2008() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sim = Sim::start(port, &passport, &[]);
    let mut vpcd = Vpcd::accept(&listener);
    sim.expect("inserted");
    assert_eq!(vpcd.transmit(&SELECT_AID), [0x90, 0x00]);
    // pcscd stops: no more listener, and the connection closes. The card retries until "pcscd" listens again.
    drop(listener);
    drop(vpcd);
    let gone = sim.expect("disconnected");
    assert_eq!(gone["apdus"], 1);
    std::thread::sleep(Duration::from_millis(300));
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let mut vpcd = Vpcd::accept(&listener);
    sim.expect("inserted");
    assert_eq!(vpcd.transmit(&GET_CHALLENGE).len(), 10);
}

#[test]
fn remove_after_closes_the_connection_and_exits() {
    let Some(passport) = bsi2008() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut sim = Sim::start(port, &passport, &["--fault", "remove-after:2"]);
    let mut vpcd = Vpcd::accept(&listener);
    sim.expect("inserted");
    vpcd.send(&[4]);
    vpcd.receive();
    assert_eq!(vpcd.transmit(&SELECT_AID), [0x90, 0x00]);
    assert_eq!(vpcd.transmit(&GET_CHALLENGE).len(), 10);
    assert!(vpcd.closed());
    assert_eq!(sim.expect("removed")["apdus"], 2);
    assert_eq!(sim.wait(), Some(0));
}

#[test]
fn link_model_delays_each_answer() {
    let Some(passport) = bsi2008() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sim = Sim::start(port, &passport, &["--link-kbps", "10", "--apdu-latency-ms", "30"]);
    let mut vpcd = Vpcd::accept(&listener);
    sim.expect("inserted");
    // 12 + 2 bytes at 10 kbit/s: 11.2 ms, plus 30 ms.
    let started = Instant::now();
    assert_eq!(vpcd.transmit(&SELECT_AID), [0x90, 0x00]);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_micros(41_200), "{elapsed:?}");
}

#[test]
fn usage_errors_exit_2_with_a_json_error() {
    let passport = bsi2008().unwrap_or_else(|| PathBuf::from("/tmp"));
    let dir = passport.to_str().unwrap();
    for (args, kind) in [
        (vec!["--passport", "/nonexistent/passport"], "unreadable_passport"),
        (vec!["--passport", dir, "--fault", "remove-after"], "bad_argument"),
        (vec!["--passport", dir, "--fault", "melt"], "bad_argument"),
        (vec!["--passport", dir, "--access", "nfc"], "bad_argument"),
        (vec!["--passport", dir, "--le-overflow", "sometimes"], "bad_argument"),
        (vec!["--passport", dir, "--link-kbps", "0"], "bad_argument"),
        (vec!["--passport", dir, "--vpcd", "no port here"], "bad_argument"),
        (vec!["--passport", dir, "--max-response", "10"], "bad_argument"),
    ] {
        let out = Command::new(BIN).arg("chip").args(&args).arg("--json").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["error"]["kind"], kind, "{args:?}: {v}");
    }
    if bsi2008().is_some() {
        // The specimen has no EF.CardAccess: PACE cannot be offered.
        let out = Command::new(BIN).args(["chip", "--passport", dir, "--access", "pace", "--json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["error"]["kind"], "unreadable_passport", "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("EF.CardAccess"), "{v}");
    }
}
