//! EF.CardAccess and EF.CardSecurity's content (`SecurityInfos::from_card_access`, `from_card_security_content`):
//! the `SET OF SecurityInfo` of ICAO 9303-11 §9.2, then what PACE makes of it.
//!
//! For every input that parses: each PACEInfo's identifier round-trips through `PaceProtocol::oid`; its domain
//! parameters are resolved (standardized ids, explicit ECParameters or DH parameters); where they suit the protocol a
//! PACE terminal is built, and the MSE:Set AT it sends parses back on the chip side to the same protocol and password
//! (`SetAt::parse`). Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::apdu::Command;
use mrtd::pace::{Password, SetAt, Terminal, TerminalRandom};
use mrtd::security_infos::{PaceProtocol, SecurityInfos};

fuzz_target!(|data: &[u8]| {
    for parsed in [SecurityInfos::from_card_access(data), SecurityInfos::from_card_security_content(data)] {
        let Ok(infos) = parsed else { continue };
        let _ = format!("{infos:?}");
        let _ = infos.chip_authentication_pairs();
        let _ = infos.active_authentication();
        let _ = infos.terminal_authentication();
        for info in infos.pace() {
            assert_eq!(PaceProtocol::from_oid(&info.protocol.oid()), Some(info.protocol));
            let Some(parameters) = infos.pace_domain_parameters(info) else { continue };
            let Ok(group) = parameters.resolve() else { continue };
            // Small scalars and exponents are keys of every group; t is as long as the cipher's key.
            let mapping = vec![1u8; info.protocol.cipher.key_len()];
            let random = TerminalRandom::new(&mapping, &[2]);
            let Ok(terminal) = Terminal::new(info.protocol, group, &Password::can("123456"), random) else { continue };
            let terminal = match info.parameter_id {
                Some(id) => terminal.with_parameter_reference(id),
                None => terminal,
            };
            let bytes = terminal.mse_set_at().to_bytes().unwrap_or_else(|e| panic!("MSE:Set AT does not encode: {e}"));
            let command = Command::parse(&bytes).unwrap_or_else(|e| panic!("MSE:Set AT does not parse: {e}"));
            let set_at = SetAt::parse(&command).unwrap_or_else(|e| panic!("the chip refuses our MSE:Set AT: {e}"));
            assert_eq!(set_at.protocol, info.protocol);
            assert_eq!(set_at.parameter_id, info.parameter_id);
        }
    }
});
