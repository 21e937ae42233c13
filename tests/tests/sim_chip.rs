//! `gate-sim chip` as a process, served to a private pcscd through vpcd, and read through the `pcsc` crate as the
//! gate reads a passport: the specimen BSI 2008 chip (testdata/icao/data/jmrtd/lds/bsi2008), BAC and secure
//! messaging from `mrtd`'s terminal side, card removal, a pcscd restart, the MRZ reader's pseudo-terminal; and a
//! passport made from sim/profiles/pace.toml opened with PACE (chained GENERAL AUTHENTICATE through pcscd), then
//! Chip and Active Authentication.
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

use common::{Sim, TIMEOUT, bsi2008, make_passport, printed_mrz};
use e2e::{BodyError, Pcscd};
use mrtd::aa::AaPublicKey;
use mrtd::apdu::{Command as Apdu, Response};
use mrtd::bac::{BacKeys, Terminal};
use mrtd::ca;
use mrtd::lds::EMRTD_AID;
use mrtd::lds::dg1::Dg1;
use mrtd::pace::{self, Password, TerminalRandom};
use mrtd::security_infos::SecurityInfos;
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

#[test]
fn pace_session_through_pcscd() -> Result<(), e2e::Error> {
    if bsi2008().is_none() {
        return Ok(());
    }
    e2e::in_private_pcscd("pace_session_through_pcscd", |pcscd| {
        let dir = std::env::temp_dir().join(format!("sim-chip-pace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let passport = make_passport(&dir, "pace.toml");
        let sim = Sim::start(pcscd, &passport, &[]);
        let inserted = sim.expect("inserted");
        assert_eq!(inserted["access"], "pace");
        assert_eq!(inserted["pace"], serde_json::json!(["0.4.0.127.0.7.2.2.4.2.2"]));
        assert_eq!(
            (inserted["chip_authentication"].as_bool(), inserted["active_authentication"].as_bool()),
            (Some(true), Some(true))
        );
        pcscd.wait_for_reader_state(true, TIMEOUT)?;
        let card = connect(pcscd);

        // BAC is refused: the chip is PACE only.
        assert_eq!(transmit(&card, &select_aid()).sw, StatusWord::Ok);
        assert_eq!(transmit(&card, &mrtd::bac::get_challenge()).sw, StatusWord::SecurityStatusNotSatisfied);

        // PACE with the MRZ, from EF.CardAccess in the master file.
        assert_eq!(transmit(&card, &Apdu::new(0, 0xA4, 0x00, 0x0C)).sw, StatusWord::Ok);
        let card_access = transmit(&card, &Apdu::new(0, 0xB0, 0x9C, 0).with_le(256));
        assert_eq!(card_access.sw, StatusWord::Ok);
        assert_eq!(card_access.data, std::fs::read(passport.join("EF.CardAccess.bin"))?);
        let infos = SecurityInfos::from_card_access(&card_access.data)?;
        let info = infos.pace().next().unwrap().clone();
        let group = infos.pace_domain_parameters(&info).unwrap().resolve()?;
        let mrz = mrtd::mrz::Mrz::parse(&printed_mrz(&passport))?;
        let password = Password::mrz(mrz.mrz_information());
        let random = TerminalRandom::generate(&info.protocol, &group)?;
        let terminal = pace::Terminal::new(info.protocol, group, &password, random)?
            .with_parameter_reference(info.parameter_id.unwrap());
        let set_at = terminal.mse_set_at();
        let (cmd, t) = terminal.request_nonce(&transmit(&card, &set_at))?;
        assert_eq!(cmd.cla, 0x10, "the first steps are chained");
        let (cmd, t) = t.map(&transmit(&card, &cmd))?;
        let (cmd, t) = t.agree(&transmit(&card, &cmd))?;
        let (cmd, t) = t.authenticate(&transmit(&card, &cmd))?;
        let mut sm = t.finish(&transmit(&card, &cmd))?.sm;

        // The LDS under AES secure messaging: EF.COM's files, DG1 equal to the image's.
        assert_eq!(sm_transmit(&card, &mut sm, &select_aid()).sw, StatusWord::Ok);
        let dg1 = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0x81, 0).with_le(65536));
        assert_eq!((dg1.sw, dg1.data), (StatusWord::Ok, std::fs::read(passport.join("DG1.bin"))?));

        // Chip Authentication with DG14's key, then Active Authentication under the new keys.
        let dg14 = std::fs::read(passport.join("DG14.bin"))?;
        let dg14_infos = SecurityInfos::from_dg14(&dg14)?;
        let (ca_info, ca_key) = dg14_infos.chip_authentication_pairs().into_iter().next().unwrap();
        let ephemeral = ca::Terminal::generate_ephemeral(ca_key)?;
        let (mut cmd, mut terminal) = ca::Terminal::new(&ca_info, ca_key, &ephemeral, &sm)?.start();
        let mut sm = loop {
            let answer = sm_transmit(&card, &mut sm, &cmd);
            match terminal.next(&answer)? {
                ca::Step::Send(c, t) => (cmd, terminal) = (c, t),
                ca::Step::Done(next) => break next,
            }
        };
        let dg15 = std::fs::read(passport.join("DG15.bin"))?;
        let aa_key = AaPublicKey::from_dg15(&dg15)?;
        let challenge = mrtd::aa::new_challenge()?;
        let signature = sm_transmit(&card, &mut sm, &mrtd::aa::internal_authenticate(&challenge, &aa_key));
        assert_eq!(signature.sw, StatusWord::Ok);
        let algorithm = mrtd::aa::signature_algorithm_in_dg14(&dg14)?;
        mrtd::aa::verify(&aa_key, algorithm.as_ref(), &challenge, &signature.data)?;
        let dg2 = sm_transmit(&card, &mut sm, &Apdu::new(0, 0xB0, 0x82, 0).with_le(1000));
        assert_eq!(dg2.data, std::fs::read(passport.join("DG2.bin"))?[..1000]);
        drop(card);
        drop(sim);
        let _ = std::fs::remove_dir_all(&dir);
        Ok::<(), BodyError>(())
    })
}
