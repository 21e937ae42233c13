//! Command and response APDUs: `Command::parse`, `Response::parse`, and what a chip's answer to reset and EF.ATR/INFO
//! hold (`atr::historical_bytes`, `atr::capabilities`, `atr::extended_length_info`).
//!
//! Round trips asserted:
//! - bytes -> `Command::parse` -> `to_bytes` gives the same bytes, which parse to the same command (the encoding of
//!   every case is unique once `force_extended` records that the input was extended);
//! - bytes -> `Response::parse` -> `to_bytes` gives the same bytes;
//! - a command drawn from the input (any data up to 65535 bytes, any valid `Le`) -> `to_bytes` -> `parse` gives the
//!   same header, data and `Le`, and the same choice of short or extended encoding (a case 1 command, header only,
//!   has no such choice: extended or not, it is the four header bytes).

#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mrtd::apdu::{Command, MAX_EXTENDED_LE, Response};
use mrtd::atr;

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = Command::parse(data) {
        let bytes = cmd.to_bytes().expect("a parsed command encodes");
        assert_eq!(bytes, data, "parse -> to_bytes changed the bytes of {cmd:?}");
        assert_eq!(Command::parse(&bytes).as_ref(), Ok(&cmd));
        assert!(cmd.le.is_none_or(|le| (1..=MAX_EXTENDED_LE).contains(&le)));
    }
    if let Ok(resp) = Response::parse(data) {
        assert_eq!(resp.to_bytes(), data);
        let _ = resp.sw.is_success();
    }
    let _ = atr::historical_bytes(data);
    let _ = atr::capabilities(data);
    let _ = atr::extended_length_info(data);
    let _ = drawn(&mut Unstructured::new(data));
});

fn drawn(u: &mut Unstructured<'_>) -> Result<()> {
    let [cla, ins, p1, p2]: [u8; 4] = u.arbitrary()?;
    let len = match u.int_in_range(0u8..=3)? {
        0 => 0,
        1 => u.int_in_range(1..=255)?,
        2 => u.int_in_range(256..=300)?,
        _ => u.int_in_range(0..=65535)?,
    };
    let mut cmd = Command::new(cla, ins, p1, p2).with_data(vec![0xA5; len]);
    cmd.le = match u.int_in_range(0u8..=3)? {
        0 => None,
        1 => Some(u.int_in_range(1..=256)?),
        2 => Some(u.int_in_range(257..=MAX_EXTENDED_LE)?),
        _ => Some(MAX_EXTENDED_LE),
    };
    cmd.force_extended = u.arbitrary()?;
    let bytes = cmd.to_bytes().expect("data up to 65535 bytes and Le up to 65536 encode");
    let parsed = Command::parse(&bytes).expect("to_bytes output parses");
    assert_eq!(
        (parsed.cla, parsed.ins, parsed.p1, parsed.p2, &parsed.data, parsed.le),
        (cmd.cla, cmd.ins, cmd.p1, cmd.p2, &cmd.data, cmd.le)
    );
    // Parsing records an extended input as forced, so the two agree on the encoding, not on the flag; a case 1
    // command (header only) has one encoding, short and extended alike.
    if !cmd.data.is_empty() || cmd.le.is_some() {
        assert_eq!(parsed.is_extended(), cmd.is_extended());
    }
    assert_eq!(parsed.to_bytes().as_ref(), Ok(&bytes));
    Ok(())
}
