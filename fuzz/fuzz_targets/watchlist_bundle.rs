//! Signed watchlist bundles (`gate_daemon::watchlist::bundle::verify`) on arbitrary bytes, against a fixed key.
//!
//! The first byte picks the mode: even, the bytes are the bundle as given (nearly all are refused before any line is
//! parsed); odd, the rest is a payload that is signed with the key first and then verified, so the parsers behind
//! the signature are reached. Asserted: a bundle signed here verifies to the count of its payload, and nothing that
//! did not come from the key verifies.

#![no_main]

use std::time::{Duration, SystemTime};

use gate_daemon::watchlist::bundle::{self, Kind};
use libfuzzer_sys::fuzz_target;

// RFC 8032 section 7.1, test 1: the secret key as `authority.key` holds it.
const SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

fuzz_target!(|data: &[u8]| {
    let key = bundle::parse_signing_key(SECRET).expect("RFC 8032 key");
    let public = key.verifying_key();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 0 {
        if let Ok(v) = bundle::verify(rest, &public, now) {
            // Only a bundle this key signed verifies; the fuzzer cannot forge one.
            panic!("an unsigned input verified: {:?}", v.manifest);
        }
        return;
    }
    let kind = if mode & 2 == 0 { Kind::Full } else { Kind::Delta };
    let Ok(signed) = bundle::sign(&key, u64::from(mode), kind, rest, now) else { return };
    let verified = bundle::verify(&signed, &public, now).expect("a bundle signed with the key verifies");
    assert_eq!(verified.manifest.kind, kind);
    assert_eq!(verified.manifest.version, u64::from(mode));
    assert_eq!(verified.manifest.records, verified.payload.len());
    // One flipped byte anywhere in the first two lines is refused.
    let mut forged = signed.clone();
    if let Some(b) = forged.get_mut(usize::from(mode) % 64) {
        *b ^= 0x01;
        assert!(bundle::verify(&forged, &public, now).is_err());
    }
});
