use super::prepared::{decode_prepared, encode_prepared};
use super::*;
use crate::watchlist::{normalise, record};

fn record() -> Record {
    let line = r#"{"entry_id":"CG-1","list":"cegah","names":["BUDI SANTOSO","BUDI S"],"date_of_birth":"1980-05","nationality":"IDN","sex":"M","documents":[{"number":"A1234567","issuing_state":"IDN"}],"reason_code":"R1","authority":"KPK"}"#;
    record::parse_jsonl(line).unwrap().remove(0)
}

#[test]
fn prepared_form_round_trips() {
    let record = record();
    let bytes = encode_prepared(&record);
    assert_eq!(decode_prepared(&bytes), Some(prepare(&record)));
    assert_eq!(prepare(&record).date_of_birth, Some((1980, Some(5), None)));
}

#[test]
fn prepared_form_refuses_short_and_trailing_bytes() {
    let mut bytes = encode_prepared(&record());
    assert!(decode_prepared(bytes.get(..bytes.len() - 1).unwrap()).is_none());
    bytes.push(0);
    assert!(decode_prepared(&bytes).is_none());
}

#[test]
fn a_full_date_finds_an_entry_that_knows_only_year_and_month() {
    let record = record();
    let keys = record_keys(&record);
    let name = normalise::normalise_name("BUDI SANTOSO");
    let query = query_keys(std::slice::from_ref(&name), Some((1980, Some(5), Some(17))), f32::NEG_INFINITY);
    assert!(query.iter().any(|(k, _)| keys.contains(k)));
}
