//! DG14 (`SecurityInfos::from_dg14`): the `6E` file of Chip Authentication's keys and protocols (ICAO 9303-11 §9.2.5,
//! §9.2.6), then what Chip Authentication makes of it.
//!
//! For every input that parses: each key is paired with its protocol (`chip_authentication_pairs`), its domain
//! parameters are resolved, and where the key is valid a Chip Authentication terminal is built with a small
//! ephemeral key; its first command (MSE:Set KAT or MSE:Set AT) must encode. Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::ca::Terminal;
use mrtd::crypto::TdesKey;
use mrtd::security_infos::{CaProtocol, SecurityInfos};
use mrtd::sm::SecureMessaging;

fuzz_target!(|data: &[u8]| {
    let Ok(infos) = SecurityInfos::from_dg14(data) else { return };
    let _ = format!("{infos:?}");
    let _ = infos.active_authentication();
    let session = SecureMessaging::tdes(TdesKey::from_bytes([1; 16]), TdesKey::from_bytes([2; 16]), 0);
    for (info, key) in infos.chip_authentication_pairs() {
        assert_eq!(CaProtocol::from_oid(&info.protocol.oid()), Some(info.protocol));
        if key.parameters.resolve().is_err() {
            continue;
        }
        let Ok(terminal) = Terminal::new(&info, key, &[3], &session) else { continue };
        let (command, _) = terminal.start();
        command.to_bytes().unwrap_or_else(|e| panic!("Chip Authentication's first command does not encode: {e}"));
    }
});
