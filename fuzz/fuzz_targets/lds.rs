//! The LDS files the gate reads besides DG2: `Com::parse` (EF.COM), `Dg1::parse`, `Dg11::parse`, `Dg12::parse`. Every
//! parser sees every input; each refuses a file with another tag, so the first byte steers.
//!
//! Round trips asserted, for each file that parsed: `to_bytes` -> `parse` gives the same value, and `to_bytes` of that
//! gives the same bytes (the encoding is canonical even where the input was not: unknown tags dropped, fields in the
//! order of ICAO 9303-10). DG1 keeps its input bytes exactly when the input held only the MRZ.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::lds::com::Com;
use mrtd::lds::dg1::Dg1;
use mrtd::lds::dg11::Dg11;
use mrtd::lds::dg12::Dg12;

fuzz_target!(|data: &[u8]| {
    if let Ok(com) = Com::parse(data) {
        let bytes = com.to_bytes();
        let again = Com::parse(&bytes).unwrap_or_else(|e| panic!("EF.COM encoding does not parse: {e}"));
        assert_eq!(again, com);
        assert_eq!(again.to_bytes(), bytes);
        for file in &com.data_groups {
            assert!(com.lists(*file));
        }
    }
    if let Ok(dg1) = Dg1::parse(data) {
        let bytes = dg1.to_bytes();
        let again = Dg1::parse(&bytes).unwrap_or_else(|e| panic!("DG1 encoding does not parse: {e}"));
        assert_eq!(again, dg1);
        assert_eq!(again.to_bytes(), bytes);
        // `61 L 5F1F L mrz` with nothing else is the canonical form.
        if data.len() == bytes.len() {
            assert_eq!(bytes, data);
        }
    }
    if let Ok(dg11) = Dg11::parse(data) {
        let _ = dg11.present();
        let _ = format!("{dg11:?}");
        let bytes = dg11.to_bytes();
        let again = Dg11::parse(&bytes).unwrap_or_else(|e| panic!("DG11 encoding does not parse: {e}"));
        assert_eq!(again, dg11, "DG11 to_bytes -> parse changed the fields present: {:?}", dg11.present());
        assert_eq!(again.to_bytes(), bytes);
    }
    if let Ok(dg12) = Dg12::parse(data) {
        let _ = dg12.present();
        let _ = format!("{dg12:?}");
        let bytes = dg12.to_bytes();
        let again = Dg12::parse(&bytes).unwrap_or_else(|e| panic!("DG12 encoding does not parse: {e}"));
        assert_eq!(again, dg12, "DG12 to_bytes -> parse changed the fields present: {:?}", dg12.present());
        assert_eq!(again.to_bytes(), bytes);
    }
});
