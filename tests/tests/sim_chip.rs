//! `gate-sim chip` as a process, served to a private pcscd through vpcd, and read through the `pcsc` crate as the
//! gate reads a passport: the specimen BSI 2008 chip (testdata/icao/data/jmrtd/lds/bsi2008), BAC and secure
//! messaging from `mrtd`'s terminal side, card removal, a pcscd restart, the MRZ reader's pseudo-terminal.
//!
//! Each test runs in a child process with its own private pcscd (see `e2e::in_private_pcscd`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::ffi::CString;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Sim, TIMEOUT, bsi2008};
use e2e::{BodyError, Pcscd};
use mrtd::apdu::{Command as Apdu, Response};
use mrtd::bac::{BacKeys, Terminal};
use mrtd::lds::EMRTD_AID;
use mrtd::lds::dg1::Dg1;
use mrtd::sm::SecureMessaging;
use mrtd::sw::StatusWord;

fn connect(pcscd: &Pcscd) -> pcsc::Card {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let reader = CString::new(pcscd.reader_name()).unwrap();
    ctx.connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY).unwrap()
}

fn transmit(card: &pcsc::Card, apdu: &Apdu) -> Response {
    let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    Response::parse(card.transmit(&apdu.to_bytes().unwrap(), &mut buf).unwrap()).unwrap()
}

fn select_aid() -> Apdu {
    Apdu::new(0, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec())
}

fn bac(card: &pcsc::Card, keys: BacKeys) -> SecureMessaging {
    assert_eq!(transmit(card, &select_aid()).sw, StatusWord::Ok);
    let challenge = transmit(card, &mrtd::bac::get_challenge());
    let terminal = Terminal::new(keys, challenge.data.try_into().unwrap(), [0x11; 8], [0x22; 16]);
    let answer = transmit(card, &terminal.external_authenticate().unwrap());
    assert_eq!(answer.sw, StatusWord::Ok);
    terminal.finish(&answer.data).unwrap()
}

fn sm_transmit(card: &pcsc::Card, sm: &mut SecureMessaging, apdu: &Apdu) -> Response {
    let protected = sm.protect(apdu).unwrap();
    sm.unprotect(&transmit(card, &protected)).unwrap()
}

fn keys(passport: &Path) -> BacKeys {
    let dg1 = Dg1::parse(&std::fs::read(passport.join("Datagroup1.bin")).unwrap()).unwrap();
    BacKeys::from_mrz_information(dg1.mrz.mrz_information())
}

#[test]
fn specimen_chip_reads_through_pcscd() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("specimen_chip_reads_through_pcscd", |pcscd| {
        let link = std::env::temp_dir().join(format!("sim-chip-mrz-{}", std::process::id()));
        let mut sim = Sim::start(pcscd, &passport, &["--mrz-pty", link.to_str().unwrap()]);
        let inserted = sim.expect("inserted");
        assert_eq!(inserted["reader_port"], pcscd.vpcd_port());
        assert_eq!(inserted["access"], "bac");
        pcscd.wait_for_reader_state(true, TIMEOUT)?;

        // The document reader sent the printed MRZ (DG1's, as there is no chip.toml) once the card was in.
        let mut tty = std::fs::File::open(&link)?;
        let mut mrz = vec![0u8; 2 * 46];
        tty.read_exact(&mut mrz)?;
        let mrz = String::from_utf8(mrz)?;
        assert!(mrz.starts_with("P<D<<MUSTERMANN<<ERIKA") && mrz.ends_with("\r\n"), "{mrz:?}");

        let card = connect(pcscd);
        let atr = card.status2_owned()?.atr().to_vec();
        assert!(mrtd::atr::capabilities(&atr).extended_length, "{atr:02X?}");
        assert_eq!(transmit(&card, &select_aid()).sw, StatusWord::Ok);
        let challenge = transmit(&card, &mrtd::bac::get_challenge());
        assert_eq!((challenge.sw, challenge.data.len()), (StatusWord::Ok, 8));

        // BAC, then every readable file with one extended read each when it fits the 4096-byte buffer.
        let mut sm = bac(&card, keys(&passport));
        for (fid, name) in [(0x011E, "EF_COM"), (0x011D, "EF_SOD"), (0x0101, "Datagroup1"), (0x010F, "Datagroup15")] {
            let select = Apdu::new(0, 0xA4, 0x02, 0x0C).with_data(u16::to_be_bytes(fid).to_vec());
            assert_eq!(sm_transmit(&card, &mut sm, &select).sw, StatusWord::Ok);
            let read = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0, 0).with_le(65536));
            assert_eq!(read.sw, StatusWord::Ok);
            assert_eq!(read.data, std::fs::read(passport.join(format!("{name}.bin")))?, "{name}");
        }
        // DG2 is larger than the buffer: Le 0000 gets 6700, a block that fits goes through.
        let dg2 = std::fs::read(passport.join("Datagroup2.bin"))?;
        let too_big = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0x82, 0).with_le(65536));
        assert_eq!(too_big.sw, StatusWord::WrongLength);
        let block = sm.max_plain_response(4096);
        let mut got = Vec::new();
        let started = Instant::now();
        let mut apdus = 0;
        while got.len() < dg2.len() {
            let offset = got.len();
            let read =
                sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, (offset >> 8) as u8, offset as u8).with_le(block));
            assert!(read.sw.is_success(), "{}", read.sw);
            got.extend_from_slice(&read.data);
            apdus += 1;
        }
        assert_eq!(got, dg2);
        println!("DG2 ({} bytes) in {apdus} extended reads: {:?}", dg2.len(), started.elapsed());

        // Round trip of one protected short read through libpcsclite, pcscd, vpcd and the simulated chip.
        let mut samples: Vec<Duration> = (0..50)
            .map(|_| {
                let t = Instant::now();
                let r = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0, 0).with_le(223));
                assert_eq!(r.data.len(), 223);
                t.elapsed()
            })
            .collect();
        samples.sort();
        println!("protected 223-byte READ BINARY round trip: median {:?}, max {:?}", samples[25], samples[49]);

        drop(card);
        assert_eq!(sim.stop(), Some(0));
        sim.expect("stopped");
        pcscd.wait_for_reader_state(false, TIMEOUT)?;
        assert!(std::fs::symlink_metadata(&link).is_err(), "the pty link is removed on exit");
        Ok::<(), BodyError>(())
    })
}

#[test]
fn remove_after_two_apdus_empties_the_reader() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("remove_after_two_apdus_empties_the_reader", |pcscd| {
        let mut sim = Sim::start(pcscd, &passport, &["--fault", "remove-after:2"]);
        let inserted = sim.expect("inserted");
        assert_eq!(inserted["faults"], serde_json::json!(["remove-after:2"]));
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let card = connect(pcscd);
        assert_eq!(transmit(&card, &select_aid()).sw, StatusWord::Ok);
        assert_eq!(transmit(&card, &mrtd::bac::get_challenge()).data.len(), 8);
        let removed = sim.expect("removed");
        assert_eq!(removed["apdus"], 2);
        assert_eq!(sim.wait(), Some(0));
        pcscd.wait_for_reader_state(false, TIMEOUT)?;
        let mut buf = [0u8; 64];
        let after = card.transmit(&mrtd::bac::get_challenge().to_bytes().unwrap(), &mut buf);
        assert!(
            matches!(after, Err(pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard | pcsc::Error::ResetCard)),
            "{after:?}"
        );
        Ok::<(), BodyError>(())
    })
}

#[test]
fn chip_comes_back_after_a_pcscd_restart() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("chip_comes_back_after_a_pcscd_restart", |pcscd| {
        let sim = Sim::start(pcscd, &passport, &[]);
        sim.expect("inserted");
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        {
            let card = connect(pcscd);
            bac(&card, keys(&passport));
        }
        pcscd.restart()?;
        sim.expect("disconnected");
        sim.expect("inserted");
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        // A new card session: BAC again from the start.
        let card = connect(pcscd);
        let mut sm = bac(&card, keys(&passport));
        let read = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0x9E, 0).with_le(4));
        assert_eq!(read.sw, StatusWord::Ok);
        Ok::<(), BodyError>(())
    })
}

#[test]
fn link_model_slows_each_apdu() -> Result<(), e2e::Error> {
    let Some(passport) = bsi2008() else { return Ok(()) };
    e2e::in_private_pcscd("link_model_slows_each_apdu", |pcscd| {
        let sim = Sim::start(pcscd, &passport, &["--link-kbps", "106", "--apdu-latency-ms", "20"]);
        sim.expect("inserted");
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let card = connect(pcscd);
        let mut sm = bac(&card, keys(&passport));
        // 4000 plaintext bytes: 4024 response bytes and a 20-byte command, at 106 kbit/s: 305 ms, plus 20 ms.
        let started = Instant::now();
        let read = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0x82, 0).with_le(4000));
        let elapsed = started.elapsed();
        assert_eq!(read.data.len(), 4000);
        assert!(elapsed >= Duration::from_millis(320), "{elapsed:?}");
        println!("4000-byte protected read at 106 kbit/s + 20 ms: {elapsed:?}");
        Ok::<(), BodyError>(())
    })
}

#[test]
fn bad_arguments_exit_2_with_a_json_error() {
    if std::env::var_os("AUTOGATE_E2E_CHILD").is_some() {
        return;
    }
    let bin = e2e::workspace_binary("sim", "gate-sim").unwrap();
    for (args, kind) in [
        (vec!["--passport", "/nonexistent/passport"], "unreadable_passport"),
        (vec!["--passport", "/tmp", "--fault", "melt"], "bad_argument"),
        (vec!["--passport", "/tmp", "--access", "nfc"], "bad_argument"),
        (vec!["--passport", "/tmp", "--vpcd", "nowhere"], "bad_argument"),
    ] {
        let out = Command::new(&bin).arg("chip").args(&args).arg("--json").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["error"]["kind"], kind, "{args:?}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}
