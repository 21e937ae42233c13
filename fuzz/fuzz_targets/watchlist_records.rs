//! The watchlist's record and delta files (`gate_daemon::watchlist::record`) on arbitrary bytes.
//!
//! Asserted: a file that parses serialises back (one record per line) to a file that parses to the same records, so
//! what the gate stores is what it read; a delta that parses names each entry once per operation it was given; and
//! applying a parsed delta to a parsed list never panics.

#![no_main]

use gate_daemon::watchlist::record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = record::as_text(data) else { return };
    let list = record::parse_jsonl(text);
    if let Ok(records) = &list {
        let again: String = records.iter().map(|r| serde_json::to_string(r).expect("a record serialises") + "\n").collect();
        assert_eq!(&record::parse_jsonl(&again).expect("serialised records parse"), records);
    }
    if let Ok(ops) = record::parse_delta_jsonl(text) {
        let base = list.unwrap_or_default();
        let _ = record::apply_delta(&base, &ops);
        for op in &ops {
            assert!(!op.entry_id().is_empty());
        }
    }
});
