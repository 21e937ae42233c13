//! EF.SOD and the BER reader under it: `ber::Node::parse` and `Sod::parse`, then Passive Authentication of whatever
//! parsed (`Sod::verify`) with the input's prefix as DG1 and an empty trust store.
//!
//! Asserted:
//! - a BER element read keeps its bytes (`raw` is the input), and its DER re-encoding reads back to the same DER (DER
//!   is a fixed point of the normaliser);
//! - no SOD is `valid` without a trusted CSCA, whatever its signature.

#![no_main]

use std::sync::OnceLock;
use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use mrtd::pa::ber::Node;
use mrtd::pa::{Sod, Status, TrustStore};

fn empty_store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(TrustStore::default)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = Node::parse(data) {
        assert_eq!(node.raw, data);
        let der = node.to_der();
        let again = Node::parse(&der).unwrap_or_else(|e| panic!("the DER re-encoding does not read back: {e}"));
        assert_eq!(again.to_der(), der, "DER is not a fixed point");
    }
    if let Ok(sod) = Sod::parse(data) {
        let _ = sod.certificates();
        let dg1 = data.get(..data.len().min(93)).unwrap_or_default();
        let report = sod.verify(&[(1, dg1), (17, dg1)], empty_store(), SystemTime::UNIX_EPOCH);
        assert_ne!(report.status, Status::Valid, "valid without a trusted CSCA: {report:?}");
        let _ = format!("{report:?}");
    }
});
