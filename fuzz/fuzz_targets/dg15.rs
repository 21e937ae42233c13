//! Active Authentication's inputs from the chip (ICAO 9303-11 §6.1): DG15 (`AaPublicKey::from_dg15`, RSA or EC with
//! named or explicit parameters), explicit ECParameters alone (`Curve::from_parameters_der`), DG14's
//! ActiveAuthenticationInfo, and the verification of an arbitrary signature with a key the input carries.
//!
//! The first byte picks the mode; the rest is the input:
//! - 0: the bytes as DG15, as ECParameters and as DG14. Round trips asserted: a parsed DG15 key written back with
//!   `to_dg15` (named curve, then explicit parameters) parses to the same key; parsed ECParameters written back
//!   explicitly give the same curve.
//! - 1: `len (2 bytes, big-endian) || DG15 || RND.IFD (8 bytes) || signature`: when the key parses, the signature is
//!   verified against the challenge with ecdsa-plain-SHA256, with no algorithm, and (EC keys) with SHA-512. Nothing may
//!   panic; the seeds hold valid signatures so that the whole verification is reached.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::aa::{self, AaPublicKey, SignatureAlgorithm};
use mrtd::ec::Curve;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 2 {
        0 => parse(rest),
        _ => verify(rest),
    }
});

fn parse(data: &[u8]) {
    if let Ok(key) = AaPublicKey::from_dg15(data) {
        for explicit in [false, true] {
            let dg15 = key.to_dg15(explicit).unwrap_or_else(|e| panic!("{key:?} does not encode: {e}"));
            let again = AaPublicKey::from_dg15(&dg15).unwrap_or_else(|e| panic!("{key:?} written back: {e}"));
            assert_eq!(again, key);
        }
        let _ = key.signature_len();
    }
    if let Ok(curve) = Curve::from_parameters_der(data) {
        let der = curve.to_parameters_der(true).unwrap_or_else(|e| panic!("{curve:?} does not encode: {e}"));
        let again = Curve::from_parameters_der(&der).unwrap_or_else(|e| panic!("{curve:?} written back: {e}"));
        assert_eq!(again, curve);
        assert_eq!(again.named_curve(), curve.named_curve());
    }
    let _ = aa::signature_algorithm_in_dg14(data);
}

fn verify(data: &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<2>() else { return };
    let Some((dg15, rest)) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len))) else { return };
    let Some((challenge, signature)) = rest.split_at_checked(aa::CHALLENGE_LEN) else { return };
    let Ok(key) = AaPublicKey::from_dg15(dg15) else { return };
    let sha256 = SignatureAlgorithm::EcdsaSha256.oid();
    let _ = aa::verify(&key, Some(&sha256), challenge, signature);
    let _ = aa::verify(&key, None, challenge, signature);
    if let AaPublicKey::Ec(_) = key {
        let _ = aa::verify(&key, Some(&SignatureAlgorithm::EcdsaSha512.oid()), challenge, signature);
    }
}
