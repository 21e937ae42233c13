//! Secure messaging (ICAO 9303-11 §9.8) with a fixed 3DES session, and the BAC answers that open one.
//!
//! The first byte picks the mode; the rest is the input:
//! - 0: the bytes as a protected response (terminal `unprotect`), as a protected command (chip `unprotect_command`),
//!   as the chip's EXTERNAL AUTHENTICATE answer (BAC terminal `finish`) and as the terminal's (BAC chip side). Nothing
//!   may panic; what is accepted must be what the fixed peer would have sent (the seeds hold such messages).
//! - 1: the bytes as the data objects before DO'8E', given the MAC the session expects, so that what lies behind the
//!   MAC check (the data objects, decryption, padding) is reached: response and command both.
//! - 2: a command and a response drawn from the bytes, protected on one side of a paired session and unprotected on
//!   the other: each side gets back exactly what the other sent, and the counters stay in step.

#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mrtd::apdu::{Command, MAX_EXTENDED_LE, Response};
use mrtd::crypto::{self, DES_BLOCK};
use mrtd::sw::StatusWord;
use mrtd::tlv::{self, Tag, Tlv};
use mrtd_fuzz::{BAC_K_IC, bac_chip, bac_terminal, sm_keys, sm_session};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => raw(rest),
        1 => with_valid_mac(rest),
        _ => {
            let _ = round_trip(&mut Unstructured::new(rest));
        }
    }
});

fn raw(bytes: &[u8]) {
    if let Ok(resp) = Response::parse(bytes) {
        let mut terminal = sm_session();
        let before = terminal.ssc();
        let result = terminal.unprotect(&resp);
        assert_ne!(terminal.ssc(), before, "unprotect must count the response, accepted or not");
        // Only what the fixed session's chip side protected (the seeds hold some) opens: the MAC covers the same
        // bytes as the chip's own protection of the same answer.
        if let Ok(plain) = result
            && !resp.data.is_empty()
        {
            let again = sm_session().protect_response(&plain).expect("a response protects");
            assert_eq!(mac_input(&resp.data), mac_input(&again.data));
        }
    }
    if let Ok(cmd) = Command::parse(bytes) {
        let mut chip = sm_session();
        if let Ok(plain) = chip.unprotect_command(&cmd) {
            assert_eq!(plain.cla, cmd.cla & !0x0C);
            assert!(plain.data.len() < cmd.data.len());
        }
    }
    if let Ok(session) = bac_terminal().finish(bytes) {
        // Only the fixed chip's own answer passes the MAC and the challenge check.
        let (_, chip_session) = bac_chip()
            .external_authenticate(&bac_terminal().external_authenticate().expect("encrypts").data, BAC_K_IC)
            .expect("the fixed exchange succeeds");
        assert_eq!(session, chip_session);
    }
    let _ = bac_chip().external_authenticate(bytes, BAC_K_IC);
}

/// The data objects before the closing DO'8E', which the MAC covers.
fn mac_input(objects: &[u8]) -> &[u8] {
    let mut rest = objects;
    while let Ok((item, after)) = Tlv::parse(rest)
        && item.tag != Tag(0x8E)
    {
        rest = after;
    }
    &objects[..objects.len() - rest.len()]
}

/// The MAC the session with counter `ssc` expects over `input` (already padded where the protocol pads it).
fn mac(ssc: [u8; 8], input: &[u8]) -> [u8; 8] {
    let (_, k_mac) = sm_keys();
    let mut n = ssc.to_vec();
    n.extend_from_slice(input);
    crypto::retail_mac(k_mac, &crypto::pad(&n, DES_BLOCK)).expect("a 16-byte key")
}

/// The counter a fresh session uses for its next message.
fn next_ssc() -> [u8; 8] {
    let mut s = sm_session();
    let ssc = u64::from_be_bytes(s.ssc()).wrapping_add(1).to_be_bytes();
    // Use `s` the way the targets do so that the counter value agrees with the library's.
    let _ = s.unprotect(&Response::status(StatusWord::WrongLength));
    assert_eq!(s.ssc(), ssc);
    ssc
}

fn with_valid_mac(bytes: &[u8]) {
    let Some((header, objects)) = bytes.split_first_chunk::<4>() else { return };
    let ssc = next_ssc();

    let mut data = objects.to_vec();
    tlv::encode(Tag(0x8E), &mac(ssc, objects), &mut data);
    let sw = StatusWord::from(u16::from_be_bytes([header[2], header[3]]));
    let mut terminal = sm_session();
    if let Ok(plain) = terminal.unprotect(&Response::new(data.clone(), sw)) {
        // What came out was in the objects: data shorter than the cryptogram it was decrypted from.
        assert!(plain.data.is_empty() || plain.data.len() < objects.len());
    }

    let [cla, ins, p1, p2] = *header;
    let cla = cla | 0x0C;
    let mut mac_input = crypto::pad(&[cla, ins, p1, p2], DES_BLOCK);
    mac_input.extend_from_slice(objects);
    let mut cmd_data = objects.to_vec();
    tlv::encode(Tag(0x8E), &mac(ssc, &mac_input), &mut cmd_data);
    let mut cmd = Command::new(cla, ins, p1, p2).with_data(cmd_data);
    cmd.le = Some(256);
    let mut chip = sm_session();
    if let Ok(plain) = chip.unprotect_command(&cmd) {
        assert_eq!((plain.ins, plain.p1, plain.p2), (ins, p1, p2));
        assert_eq!(plain.cla, cla & !0x0C);
        assert!(plain.data.is_empty() || plain.data.len() < objects.len());
        assert!(plain.le.is_none_or(|le| (1..=MAX_EXTENDED_LE).contains(&le)));
    }
}

fn round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let mut terminal = sm_session();
    let mut chip = sm_session();
    if u.arbitrary()? {
        terminal = terminal.with_le_on_case3(false);
    }
    for _ in 0..u.int_in_range(1u8..=3)? {
        // The class byte's SM bits are the protocol's; the unprotected command comes back without them.
        let cla = u.arbitrary::<u8>()? & !0x0C;
        let [ins, p1, p2]: [u8; 3] = u.arbitrary()?;
        let len = match u.int_in_range(0u8..=3)? {
            0 => 0,
            1 => u.int_in_range(1..=64)?,
            2 => u.int_in_range(200..=300)?,
            _ => u.int_in_range(0..=1000)?,
        };
        let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ ins).collect();
        let mut cmd = Command::new(cla, ins, p1, p2).with_data(data);
        cmd.le = match u.int_in_range(0u8..=2)? {
            0 => None,
            1 => Some(u.int_in_range(1..=256)?),
            _ => Some(u.int_in_range(257..=MAX_EXTENDED_LE)?),
        };
        cmd.force_extended = u.arbitrary()?;

        let protected = terminal.protect(&cmd).expect("a valid command protects");
        let wire = protected.to_bytes().expect("a protected command encodes");
        let received = Command::parse(&wire).expect("a protected command parses");
        let opened = chip.unprotect_command(&received).expect("the chip opens what the terminal protected");
        assert_eq!(
            (opened.cla, opened.ins, opened.p1, opened.p2, &opened.data, opened.le),
            (cmd.cla, cmd.ins, cmd.p1, cmd.p2, &cmd.data, cmd.le)
        );

        let resp_len = u.int_in_range(0..=600)?;
        let resp_data: Vec<u8> = (0..resp_len).map(|i| (i as u8).wrapping_mul(7) ^ p1).collect();
        let sw = StatusWord::from(u.arbitrary::<u16>()?);
        let plain = Response::new(resp_data, sw);
        let answer = chip.protect_response(&plain).expect("a response protects");
        let received = Response::parse(&answer.to_bytes()).expect("a protected response parses");
        let opened = terminal.unprotect(&received).expect("the terminal opens what the chip protected");
        assert_eq!(opened, plain);
        assert_eq!(terminal.ssc(), chip.ssc());
    }
    Ok(())
}
