use std::time::{Duration, SystemTime};

use super::*;
use crate::watchlist::bundle::{Kind, SigningKey};
use crate::watchlist::record::{self, RecordError};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gate-watchlist-import-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// A small xorshift: pairs in an order that is not sorted, the same on every run.
fn pairs(count: usize) -> Vec<(u64, u32)> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..count)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Few distinct keys, some differing only in their high half, so that keys gather many entries.
            let key = (state % 97) << (if state & 1 == 0 { 32 } else { 3 });
            (key, u32::try_from(i / 3).unwrap())
        })
        .collect()
}

fn grouped(mut pairs: Vec<(u64, u32)>) -> Vec<(u64, Vec<u8>)> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut out: Vec<(u64, Vec<u8>)> = Vec::new();
    for (key, id) in pairs {
        match out.last_mut() {
            Some((last, ids)) if *last == key => ids.extend_from_slice(&id.to_le_bytes()),
            _ => out.push((key, id.to_le_bytes().to_vec())),
        }
    }
    out
}

#[test]
fn postings_sorted_in_runs_on_disk_come_out_as_sorted_in_memory() {
    let dir = scratch("sorter");
    let db = dir.join("w.redb");
    // Each pair once, entry numbers in ascending order, as records are read.
    let mut input: Vec<(u64, u32)> = pairs(5000).into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    input.sort_by_key(|&(key, id)| (id, key));
    let expected = grouped(input.clone());
    for run_pairs in [1, 7, 64, 4999, 5000, 100_000] {
        let mut sorter = PostingSorter::new(&db, run_pairs);
        for &(key, id) in &input {
            sorter.push(key, id).unwrap();
        }
        // The runs' file is open but has no name, so that nothing is left behind whatever happens.
        assert!(files(&dir).is_empty(), "{:?}", files(&dir));
        let mut out = Vec::new();
        sorter
            .write(|key, ids| {
                out.push((key, ids.to_vec()));
                Ok(())
            })
            .unwrap();
        assert_eq!(out, expected, "runs of {run_pairs}");
        assert!(files(&dir).is_empty());
    }
    let mut sorter = PostingSorter::new(&db, 2);
    sorter.push(1, 1).unwrap();
    sorter.push(2, 1).unwrap();
    drop(sorter);
    assert!(files(&dir).is_empty());
    let mut out = Vec::new();
    PostingSorter::new(&db, 2)
        .write(|key, _| {
            out.push(key);
            Ok(())
        })
        .unwrap();
    assert!(out.is_empty());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_temporary_file_that_cannot_be_made_is_named() {
    let dir = scratch("no-room");
    let db = dir.join("missing-folder").join("w.redb");
    let mut sorter = PostingSorter::new(&db, 1);
    let error = sorter.push(1, 1).unwrap_err();
    assert!(matches!(&error, StoreError::TemporaryFile { path, .. } if path.starts_with(dir.join("missing-folder"))));
    assert!(error.to_string().starts_with("watchlist import: temporary file "), "{error}");
    let _ = fs::remove_dir_all(&dir);
}

/// 2025-03-01T08:00:00Z.
fn march_first() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_740_816_000)
}

fn authority() -> SigningKey {
    SigningKey::from_bytes(&[0x42; 32])
}

fn record(id: &str, name: &str) -> String {
    format!(
        r#"{{"entry_id":"{id}","list":"cegah","names":["{name}"],"date_of_birth":"1980-05-06","documents":[{{"number":"A{id}","issuing_state":"IDN"}}],"reason_code":"R","authority":"A"}}"#
    )
}

fn list(ids: std::ops::Range<usize>) -> String {
    ids.map(|i| record(&format!("E{i}"), &format!("BUDI SANTOSO {}", ["ADI", "SITI", "JOKO"][i % 3])) + "\n").collect()
}

/// Signs `payload`, writes it to a file in `dir`, and opens it as `watchlist import` does.
fn open(dir: &Path, version: u64, kind: Kind, payload: &str) -> OpenBundle<bundle::Source> {
    let bundle = bundle::sign(&authority(), version, kind, payload.as_bytes(), march_first()).unwrap();
    let path = dir.join(format!("{version}.bundle"));
    fs::write(&path, bundle).unwrap();
    bundle::open_file(&path, &authority().verifying_key(), march_first()).unwrap()
}

/// A bundle signed whatever its payload holds, as only a forger with the key (or a broken signer) would make it.
fn open_unchecked(dir: &Path, version: u64, kind: &str, records: usize, payload: &str) -> OpenBundle<bundle::Source> {
    use ed25519_dalek::Signer;
    use sha2::Digest;
    let manifest = format!(
        r#"{{"format":"autogate-watchlist/1","kind":"{kind}","version":{version},"created":"2025-03-01T08:00:00Z","records":{records},"sha256":"{}"}}"#,
        hex::encode(sha2::Sha256::digest(payload.as_bytes()))
    );
    let signature = hex::encode(authority().sign(manifest.as_bytes()).to_bytes());
    let path = dir.join(format!("{version}-unchecked.bundle"));
    fs::write(&path, format!("{manifest}\nsignature {signature}\n{payload}")).unwrap();
    bundle::open_file(&path, &authority().verifying_key(), march_first()).unwrap()
}

fn snapshot(store: &Store) -> (Option<super::super::ListInfo>, Vec<String>, u64) {
    let mut records = Vec::new();
    store.for_each(|r| records.push(serde_json::to_string(r).unwrap())).unwrap();
    (store.info().unwrap(), records, store.index_keys().unwrap())
}

#[test]
fn a_list_read_from_a_file_is_stored_as_one_held_in_memory() {
    let dir = scratch("file-import");
    let payload = list(0..200);
    let from_file = Store::open_for_import(&dir.join("file.redb")).unwrap();
    let report = from_file.import_open(open(&dir, 1, Kind::Full, &payload)).unwrap();
    assert_eq!((report.kind, report.version, report.records, report.entries), (Kind::Full, 1, 200, 200));
    let in_memory = Store::open(&dir.join("memory.redb")).unwrap();
    let signed = bundle::sign(&authority(), 1, Kind::Full, payload.as_bytes(), march_first()).unwrap();
    in_memory.import(&bundle::verify(&signed, &authority().verifying_key(), march_first()).unwrap()).unwrap();
    assert_eq!(snapshot(&from_file), snapshot(&in_memory));
    let keys = record_keys(&record::parse_jsonl(&record("E7", "BUDI SANTOSO ADI")).unwrap().remove(0));
    let found = from_file.candidates(&keys, &[("IDN", "AE7")]).unwrap();
    assert!(found.iter().any(|r| r.entry_id == "E7"));

    let delta =
        "{\"op\":\"remove\",\"entry_id\":\"E3\"}\n".to_owned() + "{\"op\":\"add\"," + &record("E7", "JOKO")[1..] + "\n";
    let report = from_file.import_open(open(&dir, 2, Kind::Delta, &delta)).unwrap();
    assert_eq!((report.version, report.records, report.entries), (2, 2, 199));
    let signed = bundle::sign(&authority(), 2, Kind::Delta, delta.as_bytes(), march_first()).unwrap();
    in_memory.import(&bundle::verify(&signed, &authority().verifying_key(), march_first()).unwrap()).unwrap();
    assert_eq!(snapshot(&from_file), snapshot(&in_memory));
    assert_eq!(files(&dir).iter().filter(|f| f.ends_with(".tmp")).count(), 0);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn refusals_come_in_the_order_of_a_bundle_parsed_whole_and_change_nothing() {
    let dir = scratch("refusals");
    let store = Store::open_for_import(&dir.join("w.redb")).unwrap();
    store.import_open(open(&dir, 1, Kind::Full, &list(0..10))).unwrap();
    let before = snapshot(&store);
    let refused = |bundle| match store.import_open(bundle).unwrap_err() {
        StoreError::Bundle(BundleError::Record(RecordError { line, .. })) => format!("line {line}"),
        other => other.to_string(),
    };

    // A version not above the one in force, with a broken line: the broken line is the refusal.
    let broken = list(0..3) + "{\"entry_id\":\"X\"}\n";
    assert_eq!(refused(open_unchecked(&dir, 1, "full", 4, &broken)), "line 4");
    assert_eq!(
        refused(open_unchecked(&dir, 1, "full", 3, &list(0..3))),
        "version 1 is not newer than version 1 in force: older and repeated lists are refused"
    );
    // A newer version broken half-way, or with a count that differs: refused after its records were written.
    assert_eq!(refused(open_unchecked(&dir, 2, "full", 4, &broken)), "line 4");
    assert!(
        refused(open_unchecked(&dir, 2, "full", 9, &list(0..3))).contains("declares 9 records but the list holds 3")
    );
    // A delta that removes an unknown entry, then has a broken line: the broken line is the refusal.
    let unknown = "{\"op\":\"remove\",\"entry_id\":\"NOPE\"}\n";
    assert_eq!(refused(open_unchecked(&dir, 2, "delta", 2, &format!("{unknown}{{\"op\":\"zap\"}}\n"))), "line 2");
    assert!(refused(open_unchecked(&dir, 2, "delta", 1, unknown)).contains("removes entry NOPE"));
    assert!(refused(open_unchecked(&dir, 3, "delta", 1, unknown)).contains("does not follow version 1"));
    assert_eq!(snapshot(&store), before);
    assert_eq!(files(&dir).iter().filter(|f| f.ends_with(".tmp")).count(), 0);
    let _ = fs::remove_dir_all(&dir);
}
