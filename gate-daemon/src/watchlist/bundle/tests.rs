use std::fs;
use std::io::Cursor;

use super::*;
use crate::watchlist::record::Problem;

const RECORDS: &str = concat!(
    r#"{"entry_id":"IMI-2024-000117","list":"cegah","names":["MUHAMMAD RIZKY PRATAMA","M. RIZKI PRATAMA"],"#,
    r#""date_of_birth":"1988-11-03","nationality":"IDN","nik":"3174050311880002","reason_code":"KPK-TSK","#,
    r#""authority":"Komisi Pemberantasan Korupsi","valid_until":"2026-07-31"}"#,
    "\n",
    r#"{"entry_id":"IMI-2023-004410","list":"cegah","names":["SUKARNO"],"date_of_birth":"1975","#,
    r#""reason_code":"PN-PAILIT","authority":"Pengadilan Niaga Jakarta Pusat"}"#,
    "\n",
    "\n",
    r#"{"entry_id":"IMI-2022-090001","list":"tangkal","names":["HANS-PETER MUELLER"],"date_of_birth":"1975-08","#,
    r#""nationality":"D<<","documents":[{"number":"C01X00T47","issuing_state":"D<<"}],"#,
    r#""reason_code":"OVERSTAY","authority":"Direktorat Jenderal Imigrasi"}"#,
    "\n",
);

const DELTA: &str = concat!(
    r#"{"op":"remove","entry_id":"IMI-2023-004410"}"#,
    "\n",
    r#"{"op":"add","entry_id":"IMI-2025-000001","list":"tangkal","names":["JOHN SMITH"],"reason_code":"R","#,
    r#""authority":"A"}"#,
    "\n",
);

/// 2025-03-01T08:00:00Z.
fn march_first() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_740_816_000)
}

fn authority() -> SigningKey {
    SigningKey::from_bytes(&[0x42; 32])
}

fn signed(version: u64, kind: Kind, payload: &str) -> Vec<u8> {
    sign(&authority(), version, kind, payload.as_bytes(), march_first()).unwrap()
}

fn check(bundle: &[u8]) -> Result<VerifiedBundle, BundleError> {
    verify(bundle, &authority().verifying_key(), march_first() + Duration::from_secs(3600))
}

fn manifest(kind: Kind, version: u64, created: SystemTime) -> Manifest {
    Manifest { kind, version, created, records: 0, sha256: [0; 32] }
}

fn state(version: u64) -> ListState {
    ListState { version, created: march_first() }
}

#[test]
fn sign_then_verify_a_full_list() {
    let bundle = signed(42, Kind::Full, RECORDS);
    let text = std::str::from_utf8(&bundle).unwrap();
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with(
            r#"{"format":"autogate-watchlist/1","kind":"full","version":42,"created":"2025-03-01T08:00:00Z","records":3,"sha256":""#
        ),
        "{first}"
    );
    let signature = lines.next().unwrap().strip_prefix("signature ").unwrap();
    assert_eq!(signature.len(), 128);
    assert!(text.ends_with(RECORDS));

    let verified = check(&bundle).unwrap();
    assert_eq!(verified.manifest.kind, Kind::Full);
    assert_eq!(verified.manifest.version, 42);
    assert_eq!(verified.manifest.created, march_first());
    assert_eq!(verified.manifest.records, 3);
    assert_eq!(verified.manifest.sha256.as_slice(), Sha256::digest(RECORDS.as_bytes()).as_slice());
    let Payload::Full(records) = verified.payload else { panic!("not a full list") };
    assert_eq!(records, record::parse_jsonl(RECORDS).unwrap());
}

#[test]
fn sign_then_verify_a_delta_and_an_empty_list() {
    let verified = check(&signed(43, Kind::Delta, DELTA)).unwrap();
    assert_eq!(verified.manifest.kind, Kind::Delta);
    assert!(matches!(&verified.payload, Payload::Delta(ops) if ops.len() == 2));

    let verified = check(&signed(1, Kind::Full, "")).unwrap();
    assert!(verified.payload.is_empty());
    let mut no_final_line_end = signed(1, Kind::Full, "");
    assert_eq!(no_final_line_end.pop(), Some(b'\n'));
    assert!(check(&no_final_line_end).is_ok());
}

#[test]
fn a_changed_payload_byte_is_refused() {
    let bundle = signed(42, Kind::Full, RECORDS);
    let at = bundle.len() - RECORDS.len() + RECORDS.find("SUKARNO").unwrap();
    let mut altered = bundle.clone();
    altered[at] = b'Z';
    assert!(matches!(check(&altered), Err(BundleError::PayloadMismatch)));
    let mut appended = bundle.clone();
    appended.extend_from_slice(b"\n");
    assert!(matches!(check(&appended), Err(BundleError::PayloadMismatch)));
    let mut truncated = bundle;
    truncated.truncate(truncated.len() - 1);
    assert!(matches!(check(&truncated), Err(BundleError::PayloadMismatch)));
}

#[test]
fn a_changed_signature_or_manifest_is_refused() {
    let bundle = signed(42, Kind::Full, RECORDS);
    let signature_at = bundle.iter().position(|&b| b == b'\n').unwrap() + 1 + "signature ".len();
    for offset in [0, 1, 63, 64, 127] {
        let mut altered = bundle.clone();
        let digit = &mut altered[signature_at + offset];
        *digit = if *digit == b'0' { b'1' } else { b'0' };
        assert!(matches!(check(&altered), Err(BundleError::BadSignature)), "offset {offset}");
    }
    let text = String::from_utf8(bundle).unwrap();
    let newer = text.replacen(r#""version":42"#, r#""version":99"#, 1);
    assert!(matches!(check(newer.as_bytes()), Err(BundleError::BadSignature)));
    let more = text.replacen(r#""records":3"#, r#""records":4"#, 1);
    assert!(matches!(check(more.as_bytes()), Err(BundleError::BadSignature)));
}

#[test]
fn another_key_is_refused() {
    let bundle = sign(&SigningKey::from_bytes(&[7; 32]), 42, Kind::Full, RECORDS.as_bytes(), march_first());
    assert!(matches!(check(&bundle.unwrap()), Err(BundleError::BadSignature)));
    let error = check(&sign(&SigningKey::from_bytes(&[7; 32]), 1, Kind::Full, b"", march_first()).unwrap());
    assert_eq!(
        error.unwrap_err().to_string(),
        "the signature does not verify with the list authority's public key: the list is forged, altered, or \
         signed with another key"
    );
}

#[test]
fn unsigned_lists_are_refused() {
    let bundle = String::from_utf8(signed(42, Kind::Full, RECORDS)).unwrap();
    let mut lines: Vec<&str> = bundle.split('\n').collect();
    lines.remove(1);
    assert!(matches!(check(lines.join("\n").as_bytes()), Err(BundleError::Unsigned)));
    let manifest_only = bundle.lines().next().unwrap();
    assert!(matches!(check(manifest_only.as_bytes()), Err(BundleError::Unsigned)));
    assert!(matches!(check(format!("{manifest_only}\n").as_bytes()), Err(BundleError::Unsigned)));
    // A bare records file is a list without manifest or signature.
    assert!(matches!(check(RECORDS.as_bytes()), Err(BundleError::Unsigned)));
}

#[test]
fn garbage_is_refused_clearly() {
    for garbage in [&b""[..], b"\n", b"hello\nworld\n", b"\x00\xff\xfe\n", b"[1,2,3]\nsignature 00\n", b"{"] {
        assert!(matches!(check(garbage), Err(BundleError::NotABundle)), "{garbage:?}");
    }
    assert_eq!(
        check(b"PK\x03\x04").unwrap_err().to_string(),
        "the file is not a watchlist bundle: its first line is not a JSON manifest"
    );
    let other = String::from_utf8(signed(42, Kind::Full, RECORDS)).unwrap().replacen("/1", "/2", 1);
    let error = check(other.as_bytes()).unwrap_err();
    assert!(matches!(&error, BundleError::UnsupportedFormat { found } if found == "\"autogate-watchlist/2\""));
    let bad_hex = String::from_utf8(signed(42, Kind::Full, RECORDS)).unwrap().replacen("signature ", "signature x", 1);
    assert!(matches!(check(bad_hex.as_bytes()), Err(BundleError::SignatureEncoding)));
    let crlf = String::from_utf8(signed(42, Kind::Full, RECORDS)).unwrap().replace('\n', "\r\n");
    assert!(matches!(check(crlf.as_bytes()), Err(BundleError::LineEndingsChanged)));
}

#[test]
fn a_signed_but_malformed_manifest_is_refused() {
    let key = authority();
    let bundle_of = |manifest: &str| {
        let signature = hex::encode(key.sign(manifest.as_bytes()).to_bytes());
        format!("{manifest}\nsignature {signature}\n").into_bytes()
    };
    let empty = hex::encode(Sha256::digest(b""));
    let extra = format!(
        r#"{{"format":"{FORMAT}","kind":"full","version":1,"created":"2025-03-01T08:00:00Z","records":0,"sha256":"{empty}","expires":"2026-01-01"}}"#
    );
    assert!(matches!(check(&bundle_of(&extra)), Err(BundleError::BadManifest(_))));
    let time = format!(
        r#"{{"format":"{FORMAT}","kind":"full","version":1,"created":"2025-03-01 08:00:00","records":0,"sha256":"{empty}"}}"#
    );
    assert!(matches!(check(&bundle_of(&time)), Err(BundleError::ManifestField { field: "created" })));
    let kind = time.replace("2025-03-01 08:00:00", "2025-03-01T08:00:00Z").replace("full", "partial");
    assert!(matches!(check(&bundle_of(&kind)), Err(BundleError::BadManifest(_))));
}

#[test]
fn a_broken_line_refuses_the_import_and_is_named() {
    let broken = RECORDS.replacen(r#""list":"tangkal""#, r#""list":"tolak""#, 1);
    let bundle = assemble(&authority(), Kind::Full, 42, "2025-03-01T08:00:00Z", 3, broken.as_bytes());
    let error = check(&bundle).unwrap_err();
    let BundleError::Record(record) = &error else { panic!("{error}") };
    assert_eq!(record.line, 4);
    assert!(matches!(record.reason, Problem::UnknownList { .. }));
    assert_eq!(error.to_string(), "the list is refused at line 4: `list` is \"tolak\", not \"cegah\" or \"tangkal\"");

    // The signer refuses the same file before signing it.
    let error = sign(&authority(), 42, Kind::Full, broken.as_bytes(), march_first()).unwrap_err();
    assert!(matches!(error, BundleError::Record(RecordError { line: 4, .. })));
    // A delta signed as a full list, and the other way round.
    let error = sign(&authority(), 42, Kind::Full, DELTA.as_bytes(), march_first()).unwrap_err();
    assert!(matches!(error, BundleError::Record(RecordError { line: 1, .. })));
    let error = sign(&authority(), 42, Kind::Delta, RECORDS.as_bytes(), march_first()).unwrap_err();
    assert!(matches!(error, BundleError::Record(RecordError { line: 1, .. })));

    let not_utf8 = assemble(&authority(), Kind::Full, 42, "2025-03-01T08:00:00Z", 1, b"\n\n\xc3\x28\n");
    let error = check(&not_utf8).unwrap_err();
    assert!(matches!(error, BundleError::Record(RecordError { line: 3, reason: Problem::NotUtf8 })));
}

#[test]
fn a_wrong_count_is_refused() {
    let bundle = assemble(&authority(), Kind::Full, 42, "2025-03-01T08:00:00Z", 4, RECORDS.as_bytes());
    assert!(matches!(check(&bundle), Err(BundleError::CountMismatch { declared: 4, found: 3 })));
}

#[test]
fn a_list_from_the_future_is_refused() {
    let bundle = sign(&authority(), 1, Kind::Full, b"", march_first() + Duration::from_secs(301)).unwrap();
    let error = verify(&bundle, &authority().verifying_key(), march_first()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the list was created at 2025-03-01T08:05:01Z, ahead of the gate's clock (2025-03-01T08:00:00Z) by more \
         than 5 min: check both clocks"
    );
    let bundle = sign(&authority(), 1, Kind::Full, b"", march_first() + Duration::from_secs(300)).unwrap();
    assert!(verify(&bundle, &authority().verifying_key(), march_first()).is_ok());
}

#[test]
fn version_sequence() {
    let t = march_first();
    let full = |version| manifest(Kind::Full, version, t);
    let delta = |version| manifest(Kind::Delta, version, t);

    assert!(check_sequence(None, &full(1)).is_ok());
    assert!(check_sequence(None, &full(0)).is_ok());
    assert!(matches!(
        check_sequence(Some(&state(1)), &full(1)),
        Err(BundleError::RolledBack { in_force: 1, offered: 1 })
    ));
    assert!(matches!(
        check_sequence(Some(&state(5)), &full(0)),
        Err(BundleError::RolledBack { in_force: 5, offered: 0 })
    ));
    assert!(check_sequence(Some(&state(1)), &full(7)).is_ok());

    assert!(check_sequence(Some(&state(1)), &delta(2)).is_ok());
    assert!(matches!(
        check_sequence(Some(&state(1)), &delta(3)),
        Err(BundleError::OutOfOrder { in_force: 1, expected: 2, offered: 3 })
    ));
    assert!(matches!(check_sequence(Some(&state(2)), &delta(2)), Err(BundleError::RolledBack { .. })));
    assert!(matches!(check_sequence(Some(&state(2)), &delta(1)), Err(BundleError::RolledBack { .. })));
    assert!(matches!(check_sequence(None, &delta(1)), Err(BundleError::DeltaWithoutBase { offered: 1 })));
    assert!(matches!(check_sequence(Some(&state(u64::MAX)), &delta(u64::MAX)), Err(BundleError::RolledBack { .. })));
    assert!(matches!(check_sequence(Some(&state(u64::MAX)), &full(u64::MAX)), Err(BundleError::RolledBack { .. })));

    let earlier = manifest(Kind::Full, 9, t - Duration::from_secs(1));
    assert!(matches!(check_sequence(Some(&state(1)), &earlier), Err(BundleError::CreatedBeforeInForce { .. })));

    assert_eq!(
        check_sequence(Some(&state(1)), &delta(3)).unwrap_err().to_string(),
        "delta version 3 does not follow version 1 in force (it should be 2): import the missing deltas in \
         order, or a full list"
    );
    assert_eq!(
        check_sequence(Some(&state(5)), &full(0)).unwrap_err().to_string(),
        "version 0 is not newer than version 5 in force: older and repeated lists are refused"
    );

    // A verified bundle's manifest feeds the rule, and becomes the state in force.
    let verified = check(&signed(2, Kind::Delta, DELTA)).unwrap();
    assert!(check_sequence(Some(&state(1)), &verified.manifest).is_ok());
    assert_eq!(ListState::from(&verified.manifest), state(2));
}

#[test]
fn staleness() {
    let created = march_first();
    let day = Duration::from_secs(86_400);
    assert!(!is_stale(created, created, day));
    assert!(!is_stale(created, created + day, day));
    assert!(is_stale(created, created + day + Duration::from_secs(1), day));
    assert!(!is_stale(created, created - Duration::from_secs(300), day));
    assert!(is_stale(created, created - Duration::from_secs(301), day));

    let stale = freshness(created, created + 3 * day + Duration::from_secs(4 * 3600), 2 * day);
    assert_eq!(stale, Freshness::Stale { age: 3 * day + Duration::from_secs(4 * 3600), max_age: 2 * day });
    assert_eq!(
        stale.to_string(),
        "the watchlist is 3 d 4 h old, over the maximum age of 2 d 0 h: every traveller is referred until a newer \
         list is imported"
    );
    let ahead = freshness(created, created - 2 * day, day);
    assert!(ahead.to_string().contains("the clock is wrong"), "{ahead}");
}

#[test]
fn times() {
    assert_eq!(format_time(march_first()).unwrap(), "2025-03-01T08:00:00Z");
    let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_251_199);
    assert_eq!(format_time(leap).unwrap(), "2024-02-29T23:59:59Z");
    assert_eq!(parse_time("2024-02-29T23:59:59Z"), Some(leap));
    assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(SystemTime::UNIX_EPOCH));
    assert_eq!(format_time(SystemTime::UNIX_EPOCH - Duration::from_secs(1)), None);
    for bad in [
        "2024-02-30T00:00:00Z",
        "2024-02-29T24:00:00Z",
        "2024-02-29T23:60:00Z",
        "2024-02-29T23:59:60Z",
        "2024-02-29T23:59:59",
        "2024-02-29T23:59:59+00:00",
        "2024-02-29 23:59:59Z",
        "2024-02-29T23:59:59.5Z",
        "2024-02-29t23:59:59z",
        "1969-12-31T23:59:59Z",
        "2024-02-29T2:59:590Z",
        "2024-02-29T+1:59:59Z",
        "",
    ] {
        assert_eq!(parse_time(bad), None, "{bad}");
    }
}

/// RFC 8032 section 7.1, TEST 1 (the empty message), through the key-file parsers: the key files hold raw
/// Ed25519 keys.
#[test]
fn rfc8032_test_1() {
    let secret = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n";
    let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n";
    let expected = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    let signing = parse_signing_key(secret).unwrap();
    let verifying = parse_public_key(public).unwrap();
    assert_eq!(signing.verifying_key(), verifying);
    let signature = signing.sign(b"");
    assert_eq!(hex::encode(signature.to_bytes()), expected);
    assert!(verifying.verify_strict(b"", &signature).is_ok());
    assert!(verifying.verify_strict(b"\0", &signature).is_err());
}

#[test]
fn key_text_is_checked() {
    assert_eq!(parse_signing_key("9d61").unwrap_err(), KeyProblem::NotHex);
    assert_eq!(parse_public_key(&"zz".repeat(32)).unwrap_err(), KeyProblem::NotHex);
    // The identity point (small order) and a y coordinate with no curve point.
    let identity = format!("01{}", "00".repeat(31));
    assert_eq!(parse_public_key(&identity).unwrap_err(), KeyProblem::Weak);
    let not_a_point = format!("02{}", "00".repeat(31));
    assert_eq!(parse_public_key(&not_a_point).unwrap_err(), KeyProblem::NotAPoint);
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gate-watchlist-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn keygen_writes_a_usable_pair_and_never_overwrites() {
    let dir = scratch("keygen");
    let public = keygen(&dir).unwrap();
    let key = load_signing_key(&dir.join(SIGNING_KEY_FILE)).unwrap();
    assert_eq!(key.verifying_key(), public);
    assert_eq!(load_public_key(&dir.join(PUBLIC_KEY_FILE)).unwrap(), public);
    let text = fs::read_to_string(dir.join(PUBLIC_KEY_FILE)).unwrap();
    assert_eq!(text, format!("{}\n", hex::encode(public.to_bytes())));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join(SIGNING_KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let bundle = sign(&key, 1, Kind::Full, RECORDS.as_bytes(), march_first()).unwrap();
    assert!(verify(&bundle, &public, march_first()).is_ok());

    assert!(matches!(keygen(&dir), Err(BundleError::KeyExists { .. })));
    assert_eq!(load_signing_key(&dir.join(SIGNING_KEY_FILE)).unwrap().verifying_key(), public);
    let _ = fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_signing_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("mode");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(SIGNING_KEY_FILE);
    fs::write(&path, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let error = load_signing_key(&path).unwrap_err();
    assert!(matches!(error, BundleError::KeyFile { problem: KeyProblem::Permissions { mode: 0o644 }, .. }));
    assert!(error.to_string().ends_with("readable or writable by others (mode 644): a signing key must be mode 600"));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(load_signing_key(&path).is_ok());
    assert!(matches!(load_public_key(&dir.join("missing.pub")), Err(BundleError::Io { .. })));
    let _ = fs::remove_dir_all(&dir);
}

/// A bundle read as a file is: through a reader that hands out `capacity` bytes at a time.
fn read_through(bundle: &[u8], capacity: usize) -> Result<VerifiedBundle, String> {
    let reader = std::io::BufReader::with_capacity(capacity, Cursor::new(bundle));
    let now = march_first() + Duration::from_secs(3600);
    open(reader, Path::new("test"), &authority().verifying_key(), now).and_then(read_whole).map_err(|e| e.to_string())
}

#[test]
fn a_bundle_read_a_few_bytes_at_a_time_verifies_as_in_memory() {
    let long = format!(r#"{{"entry_id":"L","pad":"{}"}}"#, "a".repeat(record::MAX_LINE_BYTES));
    let payloads = [
        RECORDS.to_owned(),
        RECORDS.replace('\n', "\r\n"),
        RECORDS.replace("SUKARNO", "SUKARNÖ ☃"),
        format!("{RECORDS}{long}\n"),
        format!("{RECORDS}{long}\r\n"),
        DELTA.to_owned(),
        format!("{DELTA}{DELTA}"),
        String::new(),
    ];
    for payload in &payloads {
        for kind in [Kind::Full, Kind::Delta] {
            let lines = payload.lines().filter(|l| !l.trim().is_empty()).count();
            let bundle = assemble(&authority(), kind, 42, "2025-03-01T08:00:00Z", lines, payload.as_bytes());
            let whole = check(&bundle).map_err(|e| e.to_string());
            for capacity in [1, 2, 3, 5, 64] {
                assert_eq!(read_through(&bundle, capacity), whole, "{kind} {capacity}");
            }
        }
    }
}

#[test]
fn a_payload_that_is_not_utf8_names_its_line_however_it_is_read() {
    let cases: [(&[u8], Option<usize>); 6] = [
        (b"\n\n\xc3\x28\n", Some(3)),
        (b"\n\xe2\x98", Some(2)),
        (b"\n\n\n\xe2\x98\n", Some(4)),
        (b"\xff", Some(1)),
        ("\n\n\u{2603}\n\n".as_bytes(), None),
        ("é\nü\n\u{1F600}".as_bytes(), None),
    ];
    for (payload, line) in cases {
        let bundle = assemble(&authority(), Kind::Full, 42, "2025-03-01T08:00:00Z", 0, payload);
        for capacity in [1, 2, 3, 4, 300] {
            let reader = std::io::BufReader::with_capacity(capacity, Cursor::new(&bundle));
            let now = march_first() + Duration::from_secs(3600);
            let opened = open(reader, Path::new("test"), &authority().verifying_key(), now);
            match (opened, line) {
                (Err(BundleError::Record(RecordError { line: found, reason: Problem::NotUtf8 })), Some(line)) => {
                    assert_eq!(found, line, "{payload:?} {capacity}");
                }
                (Ok(_), None) => {}
                (other, _) => panic!("{payload:?} {capacity}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_line_too_long_to_hold_is_measured_whole() {
    let long = "a".repeat(3 * record::MAX_LINE_BYTES + 5);
    let payload = format!("{RECORDS}{long}\r\n{RECORDS}");
    let bundle = assemble(&authority(), Kind::Full, 42, "2025-03-01T08:00:00Z", 7, payload.as_bytes());
    for capacity in [7, 4096, 1 << 20] {
        assert_eq!(
            read_through(&bundle, capacity).unwrap_err(),
            format!("the list is refused at line 5: the line is {} bytes long, over the limit of 65536", long.len())
        );
    }
}

#[test]
fn a_file_changed_between_the_two_passes_is_refused() {
    let dir = scratch("changed");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("list.bundle");
    let bundle = signed(42, Kind::Full, RECORDS);
    fs::write(&path, &bundle).unwrap();
    let opened = open_file(&path, &authority().verifying_key(), march_first()).unwrap();
    assert_eq!(opened.manifest.records, 3);
    fs::write(&path, String::from_utf8(bundle).unwrap().replace("SUKARNO", "SUHARTO")).unwrap();
    let PayloadLines::Full(records) = opened.payload else { panic!("not a full list") };
    let results: Vec<_> = records.collect();
    assert!(matches!(results.last(), Some(Err(BundleError::PayloadMismatch))), "{results:?}");
    assert!(matches!(
        open_file(&dir.join("missing"), &authority().verifying_key(), march_first()),
        Err(BundleError::Io { .. })
    ));
    let _ = fs::remove_dir_all(&dir);
}
