//! Faults the simulated chip can be told to show (`--fault NAME`, repeatable), so that the gate's handling of broken
//! documents and broken links can be tested.
//!
//! - `remove-after:N`: the card leaves the reader after answering N APDUs (the vpcd socket closes, the process ends).
//! - `wrong-mac[:N]`: the N-th protected response (1-based, counted from start-up, default the first) carries a wrong
//!   MAC in its DO'8E' (ICAO 9303-11 §9.8.5), so the terminal must reject it.
//! - `truncate[:N]`: the N-th response that carries data (default the first) loses the second half of its data; the
//!   status word stays, so the bytes still parse as a response APDU (ISO/IEC 7816-4 §5.1) but its content is broken.
//! - `tamper-dg2`: one byte inside DG2's image is flipped, so DG2's hash no longer matches the one in EF.SOD
//!   (ICAO 9303-11 §5.1, Passive Authentication).
//! - `bad-sod-signature`: one byte of the signature inside EF.SOD's SignerInfo is flipped (9303-12 §4.6.2).
//! - `clone`: the chip has no private keys: a copy of the readable files onto another chip, which answers Chip
//!   Authentication, Active Authentication and PACE-CAM with keys of its own instead of DG14's and DG15's, so that
//!   the terminal's checks fail rather than the commands (9303-11 §4.4.3.5, §6.1, §6.2; see
//!   [`super::card`]'s `chip_auth` room).

use std::str::FromStr;

use crate::error::Error;

/// One fault as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The card leaves after answering this many APDUs.
    RemoveAfter(u64),
    /// The N-th protected response has a wrong MAC.
    WrongMac(u64),
    /// The N-th response with data is cut short.
    Truncate(u64),
    /// DG2's image is altered after EF.SOD was signed.
    TamperDg2,
    /// EF.SOD's signature is broken.
    BadSodSignature,
    /// The chip lacks its private keys.
    Clone,
}

impl FromStr for Fault {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self, Error> {
        let (name, arg) = match spec.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (spec, None),
        };
        let bad = |reason: &'static str| Error::InvalidFault { spec: spec.to_owned(), reason };
        let count = |default: Option<u64>| -> Result<u64, Error> {
            match arg {
                None => default.ok_or_else(|| bad("needs a count, e.g. remove-after:3")),
                Some(a) => match a.parse::<u64>() {
                    Ok(0) | Err(_) => Err(bad("the count must be a whole number from 1")),
                    Ok(n) => Ok(n),
                },
            }
        };
        let flag = |f: Fault| if arg.is_some() { Err(bad("takes no argument")) } else { Ok(f) };
        match name {
            "remove-after" => Ok(Fault::RemoveAfter(count(None)?)),
            "wrong-mac" => Ok(Fault::WrongMac(count(Some(1))?)),
            "truncate" => Ok(Fault::Truncate(count(Some(1))?)),
            "tamper-dg2" => flag(Fault::TamperDg2),
            "bad-sod-signature" => flag(Fault::BadSodSignature),
            "clone" => flag(Fault::Clone),
            _ => Err(bad(
                "is not a known fault (remove-after:N, wrong-mac[:N], truncate[:N], tamper-dg2, bad-sod-signature, clone)",
            )),
        }
    }
}

/// The set of faults in force for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// `remove-after:N`.
    pub remove_after: Option<u64>,
    /// `wrong-mac:N`.
    pub wrong_mac: Option<u64>,
    /// `truncate:N`.
    pub truncate: Option<u64>,
    /// `tamper-dg2`.
    pub tamper_dg2: bool,
    /// `bad-sod-signature`.
    pub bad_sod_signature: bool,
    /// `clone`.
    pub clone: bool,
}

impl Faults {
    /// Parses every `--fault` given; a fault named twice keeps its last value.
    ///
    /// # Errors
    /// [`Error::InvalidFault`] for a name that is not a fault or a count that is not a positive number.
    pub fn parse<S: AsRef<str>>(specs: &[S]) -> Result<Self, Error> {
        let mut out = Faults::default();
        for spec in specs {
            out.add(spec.as_ref().parse()?);
        }
        Ok(out)
    }

    /// Adds one fault.
    pub fn add(&mut self, fault: Fault) {
        match fault {
            Fault::RemoveAfter(n) => self.remove_after = Some(n),
            Fault::WrongMac(n) => self.wrong_mac = Some(n),
            Fault::Truncate(n) => self.truncate = Some(n),
            Fault::TamperDg2 => self.tamper_dg2 = true,
            Fault::BadSodSignature => self.bad_sod_signature = true,
            Fault::Clone => self.clone = true,
        }
    }

    /// The faults' names as the command line spells them, for the start-up event.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(n) = self.remove_after {
            out.push(format!("remove-after:{n}"));
        }
        if let Some(n) = self.wrong_mac {
            out.push(format!("wrong-mac:{n}"));
        }
        if let Some(n) = self.truncate {
            out.push(format!("truncate:{n}"));
        }
        for (on, name) in
            [(self.tamper_dg2, "tamper-dg2"), (self.bad_sod_signature, "bad-sod-signature"), (self.clone, "clone")]
        {
            if on {
                out.push(name.to_owned());
            }
        }
        out
    }
}

/// Flips one byte in the middle of DG2's image (JPEG from its SOI marker, JPEG 2000 from its signature box or
/// codestream marker), past the image's headers so that the image still looks like an image. When no image is found,
/// the middle byte of the file is flipped: the hash breaks all the same.
pub fn tamper_dg2(dg2: &mut [u8]) {
    const MARKERS: [&[u8]; 3] =
        [&[0xFF, 0xD8, 0xFF], &[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20], &[0xFF, 0x4F, 0xFF, 0x51]];
    let start = MARKERS.iter().filter_map(|m| dg2.windows(m.len()).position(|w| w == *m)).min().unwrap_or(0);
    let at = start + (dg2.len().saturating_sub(start)) / 2;
    if let Some(b) = dg2.get_mut(at) {
        *b ^= 0x5A;
    }
}

/// Flips the last byte of the signature of EF.SOD's first SignerInfo (RFC 5652 §5.3, `signature OCTET STRING`), found
/// by decoding the CMS structure and locating the signature's bytes in the file, so that BER quirks of the original
/// encoding stay as they are. When the file does not decode as DER, its last byte is flipped instead: without
/// unsigned attributes, which EF.SOD does not use, that is the signature's last byte too. Returns whether the
/// signature was found by decoding.
pub fn break_sod_signature(sod: &mut [u8]) -> bool {
    let found = sod_signature_end(sod);
    if let Some(b) = found.or_else(|| sod.len().checked_sub(1)).and_then(|i| sod.get_mut(i)) {
        *b ^= 0x01;
    }
    found.is_some()
}

/// The index of the last byte of EF.SOD's first signature.
fn sod_signature_end(sod: &[u8]) -> Option<usize> {
    use der::Decode;
    // EF.SOD is a CMS ContentInfo wrapped in the application tag '77' (9303-10 §4.6.2).
    let inner = mrtd::tlv::Tlv::parse_exact(sod, mrtd::tlv::Tag(0x77)).ok()?;
    let info = cms::content_info::ContentInfo::from_der(inner).ok()?;
    let signed = info.content.decode_as::<cms::signed_data::SignedData>().ok()?;
    let signer = signed.signer_infos.0.iter().next()?;
    let signature = signer.signature.as_bytes();
    if signature.is_empty() {
        return None;
    }
    let pos = sod.windows(signature.len()).rposition(|w| w == signature)?;
    Some(pos + signature.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fault() {
        let f =
            Faults::parse(&["remove-after:3", "wrong-mac", "truncate:2", "tamper-dg2", "bad-sod-signature", "clone"])
                .unwrap();
        assert_eq!(f.remove_after, Some(3));
        assert_eq!(f.wrong_mac, Some(1));
        assert_eq!(f.truncate, Some(2));
        assert!(f.tamper_dg2 && f.bad_sod_signature && f.clone);
        assert_eq!(f.names().len(), 6);
        for bad in ["remove-after", "remove-after:0", "wrong-mac:x", "tamper-dg2:1", "melt", ""] {
            assert!(matches!(bad.parse::<Fault>(), Err(Error::InvalidFault { .. })), "{bad}");
        }
    }

    #[test]
    fn tampering_changes_one_byte_after_the_image_start() {
        let mut dg2 = vec![0u8; 100];
        dg2[40..43].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        let before = dg2.clone();
        tamper_dg2(&mut dg2);
        let diff: Vec<usize> = (0..100).filter(|&i| dg2[i] != before[i]).collect();
        assert_eq!(diff, vec![70]);
    }
}
