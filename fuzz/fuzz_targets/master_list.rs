//! The trust store's inputs (ICAO 9303-12 §9): CSCA master lists (CMS), certificates and CRLs in DER or PEM, and
//! PEM bundles, through `TrustStoreBuilder::add` / `add_crl` and `build`, which checks each list's signature and
//! its signer's chain.
//!
//! The first byte picks the mode; the rest is the input:
//! - 0: the bytes as one trust source. A DER master list alone can never verify: nothing it carries may vouch for
//!   itself, so its source must not end `Verified`.
//! - 1: `len (2 bytes, big-endian) || root certificate || master list`: both are added, the list after its root, so
//!   that the whole signature and chain check is reached; the seeds hold a list that verifies.
//! - 2: the bytes as a CRL file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::pa::{SourceKind, SourceStatus, TrustStore};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => alone(rest),
        1 => with_root(rest),
        _ => {
            let mut builder = TrustStore::builder();
            let _ = builder.add_crl("crl", rest);
            let _ = builder.build().crl_count();
        }
    }
});

fn alone(data: &[u8]) {
    let mut builder = TrustStore::builder();
    let added = builder.add("input", data).map(|s| s.kind);
    let store = builder.build();
    // A PEM file may carry the list's root beside it; a DER list is alone.
    if let Ok(SourceKind::MasterList) = added
        && !data.windows(11).any(|w| w == b"-----BEGIN ")
    {
        for source in store.sources() {
            assert!(!matches!(source.status, SourceStatus::Verified { .. }), "a list vouched for itself: {source:?}");
        }
    }
    let _ = (store.len(), store.is_empty(), format!("{:?}", store.sources()));
}

fn with_root(data: &[u8]) {
    let Some((len, rest)) = data.split_at_checked(2) else { return };
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let Some((root, list)) = rest.split_at_checked(len) else { return };
    let mut builder = TrustStore::builder();
    let _ = builder.add("root", root);
    let _ = builder.add("list", list);
    let store = builder.build();
    let _ = (store.len(), format!("{:?}", store.sources()));
}
