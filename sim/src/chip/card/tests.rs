//! The chip driven in memory by the terminal side of `mrtd` (BAC, secure messaging), on the BSI 2008 specimen chip
//! (testdata/icao/data/jmrtd/lds/bsi2008, JMRTD's copy of the BSI "ERIKA MUSTERMANN" test passport).

use super::super::fault::Faults;
use super::super::passport_dir::Access;
use super::*;
use mrtd::bac::{BacKeys, Terminal};
use mrtd::lds::{EMRTD_AID, FileId};
use mrtd::tlv::{self, Tag};
use std::path::PathBuf;

fn specimen(name: &str) -> Option<Passport> {
    let dir =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/icao/data/jmrtd/lds")).join(name);
    if !dir.is_dir() {
        eprintln!("SKIP: {} is absent", dir.display());
        return None;
    }
    Some(Passport::load(&dir).unwrap())
}

/// A random source that counts, so that runs repeat.
fn counting() -> Random {
    let mut n = 0u8;
    Box::new(move |buf| {
        for b in buf.iter_mut() {
            n = n.wrapping_add(1);
            *b = n;
        }
        true
    })
}

fn card(p: &Passport, config: CardConfig) -> Card {
    Card::new(p, config).unwrap().with_random(counting())
}

fn send(card: &mut Card, cmd: &Command) -> Response {
    Response::parse(&card.transmit(&cmd.to_bytes().unwrap())).unwrap()
}

fn keys(p: &Passport) -> BacKeys {
    BacKeys::from_mrz_information(p.key_mrz().unwrap().mrz_information())
}

fn select_aid() -> Command {
    Command::new(0, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec())
}

/// SELECT eMRTD application, GET CHALLENGE, EXTERNAL AUTHENTICATE: the session.
fn bac(card: &mut Card, keys: BacKeys) -> SecureMessaging {
    assert_eq!(send(card, &select_aid()).sw, StatusWord::Ok);
    let challenge = send(card, &mrtd::bac::get_challenge());
    assert_eq!(challenge.sw, StatusWord::Ok);
    let terminal = Terminal::new(keys, challenge.data.try_into().unwrap(), [0x11; 8], [0x22; 16]);
    let answer = send(card, &terminal.external_authenticate().unwrap());
    assert_eq!(answer.sw, StatusWord::Ok);
    terminal.finish(&answer.data).unwrap()
}

/// Sends a protected command and opens the answer.
fn sm_send(card: &mut Card, sm: &mut SecureMessaging, cmd: &Command) -> Result<Response, mrtd::Error> {
    let protected = sm.protect(cmd).unwrap();
    let resp = Response::parse(&card.transmit(&protected.to_bytes().unwrap())).unwrap();
    sm.unprotect(&resp)
}

fn read_sfi(sfi: u8, offset: u8, le: usize) -> Command {
    Command::new(0, 0xB0, 0x80 | sfi, offset).with_le(le)
}

fn read_at(offset: usize, le: usize) -> Command {
    Command::new(0, 0xB0, (offset >> 8) as u8, (offset & 0xFF) as u8).with_le(le)
}

fn select_ef(fid: u16) -> Command {
    Command::new(0, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec())
}

fn big() -> CardConfig {
    CardConfig { max_response: MAX_RESPONSE_LIMIT, ..CardConfig::default() }
}

const LDS: [(FileId, u16); 6] = [
    (FileId::Com, 0x011E),
    (FileId::Sod, 0x011D),
    (FileId::Dg(1), 0x0101),
    (FileId::Dg(2), 0x0102),
    (FileId::Dg(14), 0x010E),
    (FileId::Dg(15), 0x010F),
];

#[test]
fn bac_then_every_file_by_short_reads() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    let mut sm = bac(&mut c, keys(&p));
    for (file, _) in LDS {
        let want = &p.files[&file];
        // The first read by short file identifier selects the file; then 223-byte blocks, as JMRTD reads.
        let first = sm_send(&mut c, &mut sm, &read_sfi(file.sfi(), 0, 4)).unwrap();
        assert_eq!(first.sw, StatusWord::Ok);
        let mut got = first.data;
        while got.len() < want.len() {
            let r = sm_send(&mut c, &mut sm, &read_at(got.len(), 223)).unwrap();
            assert!(r.sw.is_success(), "{file}: {}", r.sw);
            assert!(!r.data.is_empty());
            got.extend_from_slice(&r.data);
        }
        assert_eq!(&got, want, "{file}");
    }
}

#[test]
fn bac_then_every_file_by_select_and_one_extended_read() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, big());
    let mut sm = bac(&mut c, keys(&p));
    for (file, fid) in LDS {
        assert_eq!(sm_send(&mut c, &mut sm, &select_ef(fid)).unwrap().sw, StatusWord::Ok);
        // Le 0000: as much as there is; the whole file fits the buffer.
        let r = sm_send(&mut c, &mut sm, &read_at(0, 65536)).unwrap();
        assert_eq!(r.sw, StatusWord::Ok, "{file}");
        assert_eq!(r.data, p.files[&file], "{file}");
    }
    // DG3 and DG4 are there but need EAC.
    assert_eq!(sm_send(&mut c, &mut sm, &select_ef(0x0103)).unwrap().sw, StatusWord::Ok);
    assert_eq!(sm_send(&mut c, &mut sm, &read_at(0, 4)).unwrap().sw, StatusWord::SecurityStatusNotSatisfied);
    assert_eq!(sm_send(&mut c, &mut sm, &read_sfi(4, 0, 4)).unwrap().sw, StatusWord::SecurityStatusNotSatisfied);
    // Files the chip does not hold.
    assert_eq!(sm_send(&mut c, &mut sm, &select_ef(0x010B)).unwrap().sw, StatusWord::FileNotFound);
    assert_eq!(sm_send(&mut c, &mut sm, &read_sfi(11, 0, 4)).unwrap().sw, StatusWord::FileNotFound);
    assert!(c.is_secure());
}

#[test]
fn odd_read_binary_with_offset_objects() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, big());
    let mut sm = bac(&mut c, keys(&p));
    let dg2 = &p.files[&FileId::Dg(2)];
    let b1 = |p1p2: u16, offset: usize, le: usize| {
        let off =
            if offset > 0xFFFF { offset.to_be_bytes()[5..].to_vec() } else { (offset as u16).to_be_bytes().to_vec() };
        Command::new(0, 0xB1, (p1p2 >> 8) as u8, p1p2 as u8).with_data(tlv::to_vec(Tag(0x54), &off)).with_le(le)
    };
    // By file identifier, then by short file identifier, then the current file; offsets past 32767, where B0 ends.
    let r = sm_send(&mut c, &mut sm, &b1(0x0102, 0, 100)).unwrap();
    assert_eq!(r.sw, StatusWord::Ok);
    assert_eq!(r.data[..2], [0x53, 98]);
    assert_eq!(r.data[2..], dg2[..98]);
    let r = sm_send(&mut c, &mut sm, &b1(0x0002, 1000, 2000)).unwrap();
    assert_eq!(tlv::Tlv::parse_exact(&r.data, Tag(0x53)).unwrap(), &dg2[1000..1000 + 1996]);
    let r = sm_send(&mut c, &mut sm, &b1(0x0000, 15000, 65536)).unwrap();
    assert_eq!((r.sw, tlv::Tlv::parse_exact(&r.data, Tag(0x53)).unwrap()), (StatusWord::Ok, &dg2[15000..]));
    // An explicit Le beyond the end: what is left, with 6282.
    let r = sm_send(&mut c, &mut sm, &b1(0x0000, 15000, 200)).unwrap();
    assert_eq!((r.sw, tlv::Tlv::parse_exact(&r.data, Tag(0x53)).unwrap()), (StatusWord::EndOfFile, &dg2[15000..]));
    assert_eq!(sm_send(&mut c, &mut sm, &b1(0x0000, dg2.len(), 10)).unwrap().sw, StatusWord::WrongParameters);
    let no_offset = Command::new(0, 0xB1, 0, 0).with_data(vec![0x55, 1, 0]).with_le(10);
    assert_eq!(sm_send(&mut c, &mut sm, &no_offset).unwrap().sw, StatusWord::WrongData);
}

#[test]
fn offsets_and_end_of_file() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    let mut sm = bac(&mut c, keys(&p));
    let com = &p.files[&FileId::Com];
    assert_eq!(com.len(), 24);
    // Le 00 (short, as many as there are) on a small file: all of it, 9000.
    let r = sm_send(&mut c, &mut sm, &read_sfi(0x1E, 0, 256)).unwrap();
    assert_eq!((r.sw, &r.data), (StatusWord::Ok, com));
    // Explicit Le past the end: the rest with 6282; exactly to the end: 9000.
    let r = sm_send(&mut c, &mut sm, &read_at(20, 10)).unwrap();
    assert_eq!((r.sw, &r.data[..]), (StatusWord::EndOfFile, &com[20..]));
    let r = sm_send(&mut c, &mut sm, &read_at(20, 4)).unwrap();
    assert_eq!((r.sw, &r.data[..]), (StatusWord::Ok, &com[20..]));
    // At or past the end: 6B00.
    assert_eq!(sm_send(&mut c, &mut sm, &read_at(24, 1)).unwrap().sw, StatusWord::WrongParameters);
    assert_eq!(sm_send(&mut c, &mut sm, &read_sfi(0x1E, 200, 1)).unwrap().sw, StatusWord::WrongParameters);
    // 15-bit offsets on DG2.
    let dg2 = &p.files[&FileId::Dg(2)];
    assert_eq!(sm_send(&mut c, &mut sm, &select_ef(0x0102)).unwrap().sw, StatusWord::Ok);
    let r = sm_send(&mut c, &mut sm, &read_at(0x3000, 16)).unwrap();
    assert_eq!(r.data, dg2[0x3000..0x3010]);
    // No Le: 6700. Every error above kept the counter in step: the session is still up.
    assert_eq!(sm_send(&mut c, &mut sm, &Command::new(0, 0xB0, 0, 0)).unwrap().sw, StatusWord::WrongLength);
    assert!(c.is_secure());
}

#[test]
fn short_le_that_does_not_fit_231_bytes() {
    let Some(p) = specimen("bsi2008") else { return };
    let dg2 = p.files[&FileId::Dg(2)].clone();
    for (mode, want) in [
        (LeOverflow::WrongLength, StatusWord::WrongLength),
        (LeOverflow::ExactLe, StatusWord::WrongLe(231)),
        (LeOverflow::FewerBytes, StatusWord::Ok),
    ] {
        let mut c = card(&p, CardConfig { le_overflow: mode, ..CardConfig::default() });
        let mut sm = bac(&mut c, keys(&p));
        for le in [256, 232] {
            let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, le)).unwrap();
            assert_eq!(r.sw, want, "{mode:?} {le}");
            if mode == LeOverflow::FewerBytes {
                assert_eq!(r.data, dg2[..231]);
            }
        }
        // 231 always works, and the session survived whatever came before.
        let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, 231)).unwrap();
        assert_eq!((r.sw, &r.data[..]), (StatusWord::Ok, &dg2[..231]), "{mode:?}");
    }
}

#[test]
fn extended_le_beyond_the_buffer() {
    let Some(p) = specimen("bsi2008") else { return };
    let dg2 = p.files[&FileId::Dg(2)].clone();
    let plain_max = {
        let mut c = card(&p, CardConfig::default());
        bac(&mut c, keys(&p)).max_plain_response(DEFAULT_MAX_RESPONSE)
    };
    assert_eq!(plain_max, 4071);
    for mode in [LeOverflow::WrongLength, LeOverflow::ExactLe, LeOverflow::FewerBytes] {
        let mut c = card(&p, CardConfig { le_overflow: mode, ..CardConfig::default() });
        let mut sm = bac(&mut c, keys(&p));
        for le in [65536, 8192, plain_max + 1] {
            let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, le)).unwrap();
            if mode == LeOverflow::FewerBytes {
                assert_eq!((r.sw, &r.data[..]), (StatusWord::Ok, &dg2[..plain_max]));
            } else {
                // 6Cxx cannot name a length over 255: 6700 in both modes.
                assert_eq!(r.sw, StatusWord::WrongLength, "{mode:?} {le}");
            }
        }
        let r = sm_send(&mut c, &mut sm, &read_at(0, plain_max)).unwrap();
        assert_eq!((r.sw, &r.data[..]), (StatusWord::Ok, &dg2[..plain_max]));
        // The last block: Le 0000 fits once what is left fits.
        let r = sm_send(&mut c, &mut sm, &read_at(12_000, 65536)).unwrap();
        assert_eq!((r.sw, &r.data[..]), (StatusWord::Ok, &dg2[12_000..]));
    }
}

#[test]
fn small_buffer_gives_exact_le_on_extended_commands_too() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig { max_response: 200, le_overflow: LeOverflow::ExactLe, ..CardConfig::default() });
    let mut sm = bac(&mut c, keys(&p));
    let cap = sm.max_plain_response(200);
    let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, 1000)).unwrap();
    assert_eq!(r.sw, StatusWord::WrongLe(cap as u8));
    let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, cap)).unwrap();
    assert_eq!(r.data.len(), cap);
}

#[test]
fn extended_length_switched_off() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig { extended_length: false, ..big() });
    assert!(!mrtd::atr::capabilities(&c.atr()).extended_length);
    // Before BAC: the bare 6700.
    let ext = Command { force_extended: true, ..Command::new(0, 0x84, 0, 0).with_le(8) };
    assert_eq!(send(&mut c, &ext).sw, StatusWord::WrongLength);
    let mut sm = bac(&mut c, keys(&p));
    let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, 1000)).unwrap();
    assert_eq!(r.sw, StatusWord::WrongLength);
    // The counter stayed in step: a short read goes through.
    let r = sm_send(&mut c, &mut sm, &read_sfi(2, 0, 231)).unwrap();
    assert_eq!(r.data, p.files[&FileId::Dg(2)][..231]);
    // EF.ATR/INFO has no DO'7F66' then.
    let mut c = card(&p, CardConfig { extended_length: false, ..big() });
    assert_eq!(send(&mut c, &read_sfi(1, 0, 256)).data, vec![0x47, 3, 0x94, 0x01, 0x00]);
}

#[test]
fn atr_and_ef_atr_info_announce_extended_length() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    let atr = c.atr();
    assert_eq!(atr[..4], [0x3B, 0x85, 0x80, 0x01]);
    assert_eq!(atr.iter().skip(1).fold(0, |a, b| a ^ b), 0, "TCK");
    let caps = mrtd::atr::capabilities(&atr);
    assert!(caps.extended_length && caps.extended_length_info_in_ef_atr);
    // EF.ATR/INFO in the master file, readable without access control, by identifier and by SFI.
    assert_eq!(send(&mut c, &Command::new(0, 0xA4, 0x02, 0x0C).with_data(vec![0x2F, 0x01])).sw, StatusWord::Ok);
    let info = send(&mut c, &read_at(0, 256));
    assert_eq!(info.sw, StatusWord::Ok);
    assert_eq!(mrtd::atr::extended_length_info(&info.data), Some((4096, 4096)));
    assert_eq!(send(&mut c, &read_sfi(1, 0, 256)).data, info.data);
    let mut c = card(&p, big());
    let info = send(&mut c, &read_sfi(1, 0, 256)).data;
    assert_eq!(mrtd::atr::extended_length_info(&info), Some((65533, 65533)));
}

#[test]
fn master_file_before_the_application() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    // BAC chip without EF.CardAccess.
    assert_eq!(send(&mut c, &select_ef(0x011C)).sw, StatusWord::FileNotFound);
    assert_eq!(send(&mut c, &read_sfi(0x1C, 0, 4)).sw, StatusWord::FileNotFound);
    // LDS files need BAC: 6982, whether selected or read by SFI.
    assert_eq!(send(&mut c, &select_aid()).sw, StatusWord::Ok);
    assert_eq!(send(&mut c, &select_ef(0x011E)).sw, StatusWord::SecurityStatusNotSatisfied);
    assert_eq!(send(&mut c, &read_sfi(0x1E, 0, 4)).sw, StatusWord::SecurityStatusNotSatisfied);
    assert_eq!(send(&mut c, &read_at(0, 4)).sw, StatusWord::Other(0x6986));
    // P2 00 on the application: the FCI with its name.
    let fci = send(&mut c, &Command::new(0, 0xA4, 0x04, 0x00).with_data(EMRTD_AID.to_vec()).with_le(256));
    assert_eq!(fci.data, [&[0x6F, 9, 0x84, 7][..], &EMRTD_AID].concat());
    assert_eq!(
        send(&mut c, &Command::new(0, 0xA4, 0x04, 0x0C).with_data(vec![0xA0, 0, 0])).sw,
        StatusWord::FileNotFound
    );
    // Protected commands before any session, unknown instructions and classes.
    assert_eq!(send(&mut c, &Command::new(0x0C, 0xB0, 0, 0).with_le(4)).sw, StatusWord::SecureMessagingNotSupported);
    assert_eq!(send(&mut c, &Command::new(0, 0xCA, 0, 0).with_le(4)).sw, StatusWord::InsNotSupported);
    assert_eq!(send(&mut c, &Command::new(0x80, 0xB0, 0, 0).with_le(4)).sw, StatusWord::ClaNotSupported);
    assert_eq!(c.transmit(&[0, 0xB0, 0]), vec![0x67, 0x00]);
}

#[test]
fn select_with_fcp_gives_the_size() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    let mut sm = bac(&mut c, keys(&p));
    let r = sm_send(&mut c, &mut sm, &Command::new(0, 0xA4, 0x02, 0x04).with_data(vec![1, 2]).with_le(256)).unwrap();
    let fcp = tlv::Tlv::parse_exact(&r.data, Tag(0x62)).unwrap();
    assert_eq!(tlv::find(fcp, Tag(0x80)).unwrap(), Some(&15083u16.to_be_bytes()[..]));
    assert_eq!(tlv::find(fcp, Tag(0x83)).unwrap(), Some(&[1u8, 2][..]));
}

#[test]
fn wrong_mrz_gets_6300_and_no_session() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    send(&mut c, &select_aid());
    // EXTERNAL AUTHENTICATE without a challenge.
    let t = Terminal::new(keys(&p), [0; 8], [0x11; 8], [0x22; 16]);
    assert_eq!(send(&mut c, &t.external_authenticate().unwrap()).sw, StatusWord::ConditionsNotSatisfied);
    let challenge = send(&mut c, &mrtd::bac::get_challenge());
    let wrong = BacKeys::from_mrz_information("L898902C<369080619406236");
    let t = Terminal::new(wrong, challenge.data.try_into().unwrap(), [0x11; 8], [0x22; 16]);
    assert_eq!(send(&mut c, &t.external_authenticate().unwrap()), Response::status(StatusWord::AuthenticationFailed));
    assert!(!c.is_secure());
    // The challenge was used up.
    assert_eq!(send(&mut c, &t.external_authenticate().unwrap()).sw, StatusWord::ConditionsNotSatisfied);
    assert_eq!(send(&mut c, &Command::new(0, 0x84, 0, 0).with_le(16)).sw, StatusWord::WrongLength);
    // The right keys still work afterwards.
    bac(&mut c, keys(&p));
    assert!(c.is_secure());
}

#[test]
fn wrong_mac_ends_the_session() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    let mut sm = bac(&mut c, keys(&p));
    let mut cmd = sm.protect(&read_sfi(1, 0, 4)).unwrap();
    cmd.p2 = 1;
    assert_eq!(c.transmit(&cmd.to_bytes().unwrap()), vec![0x69, 0x88]);
    assert!(!c.is_secure());
    // Protected commands are now refused as such, and the files need BAC again.
    assert_eq!(send(&mut c, &sm.protect(&read_sfi(1, 0, 4)).unwrap()).sw, StatusWord::SecureMessagingNotSupported);
    assert_eq!(send(&mut c, &read_sfi(1, 0, 4)).sw, StatusWord::SecurityStatusNotSatisfied);
    let mut sm = bac(&mut c, keys(&p));
    assert_eq!(sm_send(&mut c, &mut sm, &read_sfi(1, 0, 4)).unwrap().data, p.files[&FileId::Dg(1)][..4]);
}

#[test]
fn unprotected_command_after_bac_ends_the_session() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    let mut sm = bac(&mut c, keys(&p));
    assert_eq!(sm_send(&mut c, &mut sm, &select_ef(0x0101)).unwrap().sw, StatusWord::Ok);
    assert_eq!(c.transmit(&read_at(0, 4).to_bytes().unwrap()), vec![0x69, 0x87]);
    assert!(!c.is_secure());
    assert_eq!(send(&mut c, &read_at(0, 4)).sw, StatusWord::Other(0x6986));
    // An unprotected SELECT of the application ends it too, and BAC can start again.
    let mut c = card(&p, CardConfig::default());
    bac(&mut c, keys(&p));
    assert_eq!(send(&mut c, &select_aid()).sw, StatusWord::SmObjectsMissing);
    bac(&mut c, keys(&p));
}

#[test]
fn power_off_and_reset_end_the_session() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut c = card(&p, CardConfig::default());
    for cycle in [Card::power_off as fn(&mut Card), Card::reset, Card::power_on] {
        let mut sm = bac(&mut c, keys(&p));
        assert!(c.is_secure());
        cycle(&mut c);
        assert!(!c.is_secure());
        let protected = sm.protect(&read_sfi(1, 0, 4)).unwrap();
        assert_eq!(send(&mut c, &protected).sw, StatusWord::SecureMessagingNotSupported);
        // The master file is current again.
        assert_eq!(send(&mut c, &read_sfi(1, 0, 256)).data[0], 0x47);
    }
}

#[test]
fn pace_only_chip_refuses_bac() {
    let Some(mut p) = specimen("bsi2008") else { return };
    p.files.insert(FileId::CardAccess, vec![0x31, 0x00]);
    let mut c = card(&p, CardConfig { access: Access::Pace, ..CardConfig::default() });
    assert_eq!(send(&mut c, &select_ef(0x011C)).sw, StatusWord::Ok);
    assert_eq!(send(&mut c, &read_at(0, 256)).data, vec![0x31, 0x00]);
    send(&mut c, &select_aid());
    assert_eq!(send(&mut c, &mrtd::bac::get_challenge()).sw, StatusWord::SecurityStatusNotSatisfied);
    let t = Terminal::new(keys(&p), [0; 8], [0x11; 8], [0x22; 16]);
    assert_eq!(send(&mut c, &t.external_authenticate().unwrap()).sw, StatusWord::SecurityStatusNotSatisfied);
    // PACE+BAC still answers BAC.
    let mut c = card(&p, CardConfig { access: Access::PaceBac, ..CardConfig::default() });
    bac(&mut c, keys(&p));
    // PACE without EF.CardAccess is refused when the chip is made.
    p.files.remove(&FileId::CardAccess);
    assert!(matches!(
        Card::new(&p, CardConfig { access: Access::PaceCam, ..CardConfig::default() }),
        Err(Error::InvalidPassport { .. })
    ));
}

#[test]
fn fault_wrong_mac_on_the_nth_protected_response() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut faults = Faults::default();
    faults.add(fault::Fault::WrongMac(2));
    let mut c = card(&p, CardConfig { faults, ..CardConfig::default() });
    let mut sm = bac(&mut c, keys(&p));
    assert!(sm_send(&mut c, &mut sm, &read_sfi(1, 0, 4)).is_ok());
    assert!(matches!(
        sm_send(&mut c, &mut sm, &read_sfi(1, 0, 4)),
        Err(mrtd::Error::ChipMisbehaved(PeerMisbehaved::BadMac))
    ));
    // The terminal gives up on the session; its next plain command ends it on the chip too (6987). Only that one
    // response was broken: after a new BAC, reads verify again.
    assert_eq!(send(&mut c, &select_aid()).sw, StatusWord::SmObjectsMissing);
    let mut sm = bac(&mut c, keys(&p));
    assert!(sm_send(&mut c, &mut sm, &read_sfi(1, 0, 4)).is_ok());
}

#[test]
fn fault_truncate_cuts_the_nth_response_with_data() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut faults = Faults::default();
    faults.add(fault::Fault::Truncate(2));
    let mut c = card(&p, CardConfig { faults, ..CardConfig::default() });
    send(&mut c, &select_aid());
    assert_eq!(send(&mut c, &mrtd::bac::get_challenge()).data.len(), 8);
    let cut = send(&mut c, &mrtd::bac::get_challenge());
    assert_eq!((cut.data.len(), cut.sw), (4, StatusWord::Ok));
    assert_eq!(send(&mut c, &mrtd::bac::get_challenge()).data.len(), 8);
}

#[test]
fn fault_tamper_dg2_and_bad_sod_signature_change_one_byte() {
    let Some(p) = specimen("bsi2008") else { return };
    let mut faults = Faults::default();
    faults.add(fault::Fault::TamperDg2);
    faults.add(fault::Fault::BadSodSignature);
    let c = card(&p, CardConfig { faults, ..CardConfig::default() });
    for file in [FileId::Dg(2), FileId::Sod] {
        let (a, b) = (&p.files[&file], &c.files()[&file]);
        assert_eq!(a.len(), b.len());
        assert_eq!(a.iter().zip(b.iter()).filter(|(x, y)| x != y).count(), 1, "{file}");
    }
    // The signature was found by decoding the CMS structure; here it ends the file.
    let mut sod = p.files[&FileId::Sod].clone();
    assert!(fault::break_sod_signature(&mut sod));
    assert_ne!(c.files()[&FileId::Sod].last(), p.files[&FileId::Sod].last());
    // The image in DG2 (JPEG 2000 here, from its signature box at byte 84) starts after the biometric headers; the
    // flipped byte is in the middle of it.
    let dg2 = &c.files()[&FileId::Dg(2)];
    let image = dg2.windows(6).position(|w| w == [0, 0, 0, 0x0C, 0x6A, 0x50]).unwrap();
    let flipped = dg2.iter().zip(&p.files[&FileId::Dg(2)]).position(|(x, y)| x != y).unwrap();
    assert_eq!(flipped, image + (dg2.len() - image) / 2);
}

#[test]
fn dutch_specimen_by_its_file_identifiers() {
    let Some(p) = specimen("loes2006") else { return };
    let mut c = card(&p, big());
    let mut sm = bac(&mut c, keys(&p));
    for (file, fid) in [(FileId::Com, 0x011E), (FileId::Sod, 0x011D), (FileId::Dg(1), 0x0101), (FileId::Dg(2), 0x0102)]
    {
        assert_eq!(sm_send(&mut c, &mut sm, &select_ef(fid)).unwrap().sw, StatusWord::Ok);
        assert_eq!(sm_send(&mut c, &mut sm, &read_at(0, 65536)).unwrap().data, p.files[&file]);
    }
}
