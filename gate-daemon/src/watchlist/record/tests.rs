use super::*;

/// Made-up entries in the shape Indonesian lists take: a name with aliases and a full date of birth; a single
/// name with a year of birth only; a foreigner with a passport and a year and month of birth.
const LIST: &str = concat!(
    r#"{"entry_id":"IMI-2024-000117","list":"cegah","names":["MUHAMMAD RIZKY PRATAMA","M. RIZKI PRATAMA","#,
    r#""RIZKY PRATAMA"],"date_of_birth":"1988-11-03","nationality":"IDN","sex":"M","#,
    r#""documents":[{"number":"C1234567","issuing_state":"IDN"}],"nik":"3174050311880002","#,
    r#""reason_code":"KPK-TSK","authority":"Komisi Pemberantasan Korupsi","valid_from":"2024-02-01","#,
    r#""valid_until":"2024-07-31"}"#,
    "\n",
    "\n",
    r#"{"entry_id":"IMI-2023-004410","list":"cegah","names":["SUKARNO"],"date_of_birth":"1975","#,
    r#""reason_code":"PN-PAILIT","authority":"Pengadilan Niaga Jakarta Pusat"}"#,
    "\r\n",
    r#"{"entry_id":"IMI-2022-090001","list":"tangkal","names":["Hans-Peter MÜLLER"],"date_of_birth":"1975-08","#,
    r#""nationality":"d<<","sex":"m","documents":[{"number":"C01X00T47","issuing_state":"D<<"}],"#,
    r#""reason_code":"OVERSTAY","authority":"Direktorat Jenderal Imigrasi","valid_until":"2027-12-31","#,
    r#""remarks":"a key this version does not know"}"#,
    "\n",
);

fn one(line: &str) -> Result<Record, RecordError> {
    parse_jsonl(line).map(|mut records| records.remove(0))
}

fn reason(line: &str) -> Problem {
    one(line).unwrap_err().reason
}

const MINIMAL: &str = r#"{"entry_id":"E1","list":"tangkal","names":["SUKARNO"],"reason_code":"R","authority":"A""#;

fn with(extra: &str) -> String {
    format!("{MINIMAL},{extra}}}")
}

#[test]
fn parses_a_list_with_every_field_and_partial_dates() {
    let records = parse_jsonl(LIST).unwrap();
    assert_eq!(records.len(), 3);

    let rizky = &records[0];
    assert_eq!(rizky.entry_id, "IMI-2024-000117");
    assert_eq!(rizky.list, ListKind::Cegah);
    assert_eq!(rizky.primary_name(), "MUHAMMAD RIZKY PRATAMA");
    assert_eq!(rizky.names.len(), 3);
    assert_eq!(rizky.date_of_birth, Some(PartialDate { year: 1988, month: Some(11), day: Some(3) }));
    assert_eq!(rizky.nationality.unwrap().as_str(), "IDN");
    assert_eq!(rizky.sex, Some(Sex::Male));
    assert_eq!(rizky.documents[0].number, "C1234567");
    assert_eq!(rizky.nik.as_deref(), Some("3174050311880002"));
    assert_eq!(rizky.valid_from, Some(Date::new(2024, 2, 1).unwrap()));
    assert!(rizky.in_force_on(Date::new(2024, 7, 31).unwrap()));
    assert!(!rizky.in_force_on(Date::new(2024, 8, 1).unwrap()));
    assert!(!rizky.in_force_on(Date::new(2024, 1, 31).unwrap()));

    let sukarno = &records[1];
    assert_eq!(sukarno.names, ["SUKARNO"]);
    assert_eq!(sukarno.date_of_birth, Some(PartialDate { year: 1975, month: None, day: None }));
    assert!(sukarno.nationality.is_none() && sukarno.documents.is_empty() && sukarno.nik.is_none());
    assert!(sukarno.in_force_on(Date::new(2099, 1, 1).unwrap()));

    let muller = &records[2];
    assert_eq!(muller.list, ListKind::Tangkal);
    assert_eq!(muller.date_of_birth, Some(PartialDate { year: 1975, month: Some(8), day: None }));
    assert_eq!(muller.nationality.unwrap().as_str(), "D<<");
    assert_eq!(muller.documents[0].issuing_state.as_str(), "D<<");
    assert_eq!(muller.sex, Some(Sex::Male));
}

#[test]
fn a_broken_line_refuses_the_file_and_is_named() {
    let mut lines: Vec<&str> = LIST.lines().collect();
    lines.insert(3, r#"{"entry_id":"X","list":"cegah","names":["A"],"reason_code":"R"}"#);
    let error = parse_jsonl(&lines.join("\n")).unwrap_err();
    assert_eq!(error.line, 4);
    assert!(matches!(error.reason, Problem::Json(_)));
    assert_eq!(error.to_string(), "line 4: not a valid record: missing field `authority` (column 63)");

    let error = parse_jsonl(&format!("{MINIMAL}}}\n{{not json\n")).unwrap_err();
    assert_eq!(error.line, 2);
}

#[test]
fn duplicate_entry_ids_name_both_lines() {
    let text = format!("{MINIMAL}}}\n\n{}\n", with(r#""nik":"3174050311880002""#));
    let error = parse_jsonl(&text).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(matches!(&error.reason, Problem::Duplicate { entry_id, first_line: 1 } if entry_id == "E1"), "{error}");
    assert_eq!(error.to_string(), "line 3: `entry_id` \"E1\" appears already on line 1");
}

#[test]
fn blank_lines_and_an_empty_file_are_allowed() {
    assert!(parse_jsonl("").unwrap().is_empty());
    assert!(parse_jsonl("\n  \n\r\n").unwrap().is_empty());
    assert_eq!(parse_jsonl(&format!("\n\n{MINIMAL}}}")).unwrap().len(), 1);
}

#[test]
fn dates_are_strict() {
    for (text, expected) in [
        ("1975", Ok(PartialDate { year: 1975, month: None, day: None })),
        ("1975-08", Ok(PartialDate { year: 1975, month: Some(8), day: None })),
        ("2000-02-29", Ok(PartialDate { year: 2000, month: Some(2), day: Some(29) })),
        ("1900-02-29", Err(DateError::Day)),
        ("1975-13", Err(DateError::Month)),
        ("1975-00", Err(DateError::Month)),
        ("1975-04-31", Err(DateError::Day)),
        ("1975-04-00", Err(DateError::Day)),
        ("1975-8", Err(DateError::Format)),
        ("75", Err(DateError::Format)),
        ("1975-08-17T00:00", Err(DateError::Format)),
        ("1975-08-17-01", Err(DateError::Format)),
        (" 1975", Err(DateError::Format)),
        ("+975", Err(DateError::Format)),
        ("19７5", Err(DateError::Format)),
        ("1799", Err(DateError::Year)),
        ("", Err(DateError::Format)),
    ] {
        assert_eq!(text.parse::<PartialDate>(), expected, "{text:?}");
    }
    assert_eq!("1975-08".parse::<Date>(), Err(DateError::NotFull));
    assert_eq!("1975-08-17".parse::<PartialDate>().unwrap().to_string(), "1975-08-17");
    assert_eq!("1975-08".parse::<PartialDate>().unwrap().to_string(), "1975-08");
    assert_eq!(PartialDate::new(1975, None, Some(1)), Err(DateError::Format));

    let dob: PartialDate = "1975-08".parse().unwrap();
    assert!(dob.contains(Date::new(1975, 8, 17).unwrap()));
    assert!(!dob.contains(Date::new(1975, 9, 17).unwrap()));

    let problem = reason(&with(r#""date_of_birth":"1975-02-30""#));
    assert!(matches!(problem, Problem::Date { field: Field::DateOfBirth, problem: DateError::Day }));
    let problem = reason(&with(r#""valid_until":"2030""#));
    assert!(matches!(problem, Problem::Date { field: Field::ValidUntil, problem: DateError::NotFull }));
    let problem = reason(&with(r#""valid_from":"2030-01-02","valid_until":"2030-01-01""#));
    assert_eq!(problem.to_string(), "`valid_from` (2030-01-02) is after `valid_until` (2030-01-01)");
    assert!(one(&with(r#""valid_from":"2030-01-01","valid_until":"2030-01-01""#)).is_ok());
}

#[test]
fn unix_days_round_trip() {
    assert_eq!(Date::new(1970, 1, 1).unwrap().unix_days(), 0);
    assert_eq!(Date::new(2000, 3, 1).unwrap().unix_days(), 11_017);
    assert_eq!(Date::new(1800, 1, 1).unwrap().unix_days(), -62_091);
    for days in [-62_091, -1, 0, 59, 60, 11_016, 11_017, 19_782, 2_932_896] {
        assert_eq!(Date::from_unix_days(days).unwrap().unix_days(), days);
    }
    assert_eq!(Date::from_unix_days(2_932_896).unwrap().to_string(), "9999-12-31");
    assert_eq!(Date::from_unix_days(2_932_897), None);
    assert_eq!(Date::from_unix_days(-62_092), None);
    assert_eq!(Date::from_unix_days(i64::MIN), None);
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_709_208_000);
    assert_eq!(Date::from_system_time(t).unwrap().to_string(), "2024-02-29");
}

#[test]
fn country_codes_are_icao_codes() {
    for good in ["IDN", "idn", "D<<", "d<<", "UN<", "XXA"] {
        assert!(CountryCode::parse(good).is_some(), "{good}");
    }
    for bad in ["ID", "INDO", "<<<", "D<D", "1DN", "ID ", "", "IDÑ", "DE<<"] {
        assert!(CountryCode::parse(bad).is_none(), "{bad}");
    }
    let problem = reason(&with(r#""nationality":"Indonesia""#));
    assert!(matches!(problem, Problem::CountryCode { field: Field::Nationality }));
    let problem =
        reason(&with(r#""documents":[{"number":"A1","issuing_state":"IDN"},{"number":"B2","issuing_state":"ID"}]"#));
    assert_eq!(
        problem.to_string(),
        "`issuing_state` of document 2 is not an ICAO 9303 country code (three letters A-Z, or fewer padded with `<` as in `D<<`)"
    );
    assert!(matches!(reason(&with(r#""documents":[{"number":"A1"}]"#)), Problem::Json(_)));
}

#[test]
fn field_checks() {
    let cases = [
        (r#"{"entry_id":"","list":"cegah","names":["A"],"reason_code":"R","authority":"A"}"#, "`entry_id` is blank"),
        (
            r#"{"entry_id":" E1","list":"cegah","names":["A"],"reason_code":"R","authority":"A"}"#,
            "`entry_id` begins or ends with a space",
        ),
        (
            r#"{"entry_id":"E1","list":"CEGAH","names":["A"],"reason_code":"R","authority":"A"}"#,
            "`list` is \"CEGAH\", not \"cegah\" or \"tangkal\"",
        ),
        (
            r#"{"entry_id":"E1","list":"cegah","names":[],"reason_code":"R","authority":"A"}"#,
            "`names` is empty: a record needs at least one name",
        ),
        (
            r#"{"entry_id":"E1","list":"cegah","names":["A","  "],"reason_code":"R","authority":"A"}"#,
            "name 2 of `names` is blank",
        ),
        (
            r#"{"entry_id":"E1","list":"cegah","names":["A\nB"],"reason_code":"R","authority":"A"}"#,
            "name 1 of `names` contains a control character",
        ),
        (
            r#"{"entry_id":"E1","list":"cegah","names":["A"],"reason_code":"","authority":"A"}"#,
            "`reason_code` is blank",
        ),
        (r#"{"entry_id":"E1","list":"cegah","names":["A"],"reason_code":"R","authority":" "}"#, "`authority` is blank"),
    ];
    for (line, message) in cases {
        assert_eq!(reason(line).to_string(), message, "{line}");
    }
    let long_id = format!(
        r#"{{"entry_id":"{}","list":"cegah","names":["A"],"reason_code":"R","authority":"A"}}"#,
        "E".repeat(65)
    );
    assert_eq!(reason(&long_id).to_string(), "`entry_id` is 65 characters long, over the limit of 64");
    assert!(one(&long_id.replace(&"E".repeat(65), &"E".repeat(64))).is_ok());
    let long_name = MINIMAL.replace("SUKARNO", &"Ä".repeat(201)) + "}";
    assert_eq!(reason(&long_name).to_string(), "name 1 of `names` is 201 characters long, over the limit of 200");
    assert!(one(&(MINIMAL.replace("SUKARNO", &"Ä".repeat(200)) + "}")).is_ok());
    // Names are kept as written, spaces included.
    assert_eq!(one(&(MINIMAL.replace("SUKARNO", " SUKARNO ") + "}")).unwrap().names, [" SUKARNO "]);

    for bad in ["317405031188000", "31740503118800021", "317405031188000A", "3174 50311880002"] {
        assert!(matches!(reason(&with(&format!(r#""nik":"{bad}""#))), Problem::Nik), "{bad}");
    }
    assert!(matches!(reason(&with(r#""sex":"male""#)), Problem::Sex));
    assert_eq!(one(&with(r#""sex":"x""#)).unwrap().sex, Some(Sex::Unspecified));
    let names_not_an_array = r#"{"entry_id":"E1","list":"cegah","names":"SUKARNO","reason_code":"R","authority":"A"}"#;
    assert!(matches!(reason(names_not_an_array), Problem::Json(_)));
    assert!(matches!(reason(r#"["E1","cegah"]"#), Problem::Json(_)));
}

#[test]
fn null_optional_fields_are_absent() {
    let record = one(&with(r#""documents":null,"nik":null,"date_of_birth":null"#)).unwrap();
    assert!(record.documents.is_empty() && record.nik.is_none() && record.date_of_birth.is_none());
}

#[test]
fn unknown_keys_are_ignored_but_op_is_not() {
    assert!(one(&with(r#""photo_ref":"x","risk":{"level":3}"#)).is_ok());
    assert!(matches!(reason(&with(r#""op":"add""#)), Problem::OpInFullList));
}

#[test]
fn limits_on_lines_and_records() {
    let padded = with(&format!(r#""remarks":"{}""#, "x".repeat(MAX_LINE_BYTES)));
    let error = parse_jsonl(&format!("\n{padded}\n")).unwrap_err();
    assert_eq!(error.line, 2);
    assert!(matches!(error.reason, Problem::LineTooLong { limit: MAX_LINE_BYTES, .. }));
}

#[test]
fn not_utf8_names_the_line() {
    let bytes = b"{}\n\n\xff\xfe\n";
    let error = as_text(bytes).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(matches!(error.reason, Problem::NotUtf8));
    assert_eq!(as_text(b"abc\n").unwrap(), "abc\n");
}

#[test]
fn serde_round_trip_keeps_every_field() {
    let records = parse_jsonl(LIST).unwrap();
    let text: String = records.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect();
    assert_eq!(parse_jsonl(&text).unwrap(), records);
    assert!(!text.contains("\"op\""));
    let record: Record = serde_json::from_str(LIST.lines().next().unwrap()).unwrap();
    assert_eq!(record, records[0]);
    let refused = serde_json::from_str::<Record>(
        r#"{"entry_id":"","list":"cegah","names":["A"],"reason_code":"R","authority":"A"}"#,
    );
    assert!(refused.unwrap_err().to_string().contains("`entry_id` is blank"));
}

#[test]
fn debug_hides_personal_data() {
    let records = parse_jsonl(LIST).unwrap();
    let debug = format!("{:?}", records[0]);
    assert!(debug.contains("IMI-2024-000117"), "{debug}");
    for secret in ["RIZKY", "1988", "C1234567", "3174050311880002"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
}

#[test]
fn delta_lines() {
    let text = concat!(
        r#"{"op":"add","entry_id":"IMI-2025-000001","list":"tangkal","names":["SITI NURHALIZA BINTI TARUDIN"],"#,
        r#""date_of_birth":"1979-01-11","nationality":"MYS","reason_code":"R","authority":"A"}"#,
        "\n",
        r#"{"op":"remove","entry_id":"IMI-2023-004410","reason":"dicabut"}"#,
        "\n",
    );
    let ops = parse_delta_jsonl(text).unwrap();
    assert_eq!(ops.len(), 2);
    assert!(matches!(&ops[0], DeltaOp::Add(r) if r.primary_name() == "SITI NURHALIZA BINTI TARUDIN"));
    assert_eq!(ops[1], DeltaOp::Remove { entry_id: "IMI-2023-004410".to_owned() });

    let written: String = ops.iter().map(|op| serde_json::to_string(op).unwrap() + "\n").collect();
    assert!(written.starts_with(r#"{"op":"add","entry_id":"IMI-2025-000001""#), "{written}");
    assert_eq!(parse_delta_jsonl(&written).unwrap(), ops);

    let error = parse_delta_jsonl(&format!("{text}{MINIMAL}}}\n")).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(error.to_string().contains("missing field `op`"), "{error}");
    let error = parse_delta_jsonl(r#"{"op":"update","entry_id":"E1"}"#).unwrap_err();
    assert!(error.to_string().contains("unknown variant `update`"), "{error}");
    let error = parse_delta_jsonl(r#"{"op":"remove","entry_id":""}"#).unwrap_err();
    assert_eq!(error.to_string(), "line 1: `entry_id` is blank");
    let error = parse_delta_jsonl(&format!(
        "{}\n{}\n",
        r#"{"op":"remove","entry_id":"E1"}"#,
        MINIMAL.replace('{', r#"{"op":"add","#) + "}"
    ))
    .unwrap_err();
    assert!(matches!(error.reason, Problem::Duplicate { first_line: 1, .. }) && error.line == 2);
}

#[test]
fn applying_a_delta() {
    let list = parse_jsonl(LIST).unwrap();
    let ops = parse_delta_jsonl(concat!(
        r#"{"op":"remove","entry_id":"IMI-2023-004410"}"#,
        "\n",
        r#"{"op":"add","entry_id":"IMI-2024-000117","list":"cegah","names":["MUHAMMAD RIZKY PRATAMA"],"#,
        r#""reason_code":"KPK-TSK","authority":"KPK","valid_until":"2025-01-31"}"#,
        "\n",
        r#"{"op":"add","entry_id":"NEW-1","list":"tangkal","names":["JOHN DOE"],"reason_code":"R","authority":"A"}"#,
    ))
    .unwrap();
    let next = apply_delta(&list, &ops).unwrap();
    let ids: Vec<&str> = next.iter().map(|r| r.entry_id.as_str()).collect();
    assert_eq!(ids, ["IMI-2024-000117", "IMI-2022-090001", "NEW-1"]);
    assert_eq!(next[0].authority, "KPK");
    assert_eq!(list.len(), 3);

    let ops = parse_delta_jsonl(r#"{"op":"remove","entry_id":"NOT-THERE"}"#).unwrap();
    let error = apply_delta(&list, &ops).unwrap_err();
    assert!(matches!(error, DeltaError::RemoveUnknown { ref entry_id } if entry_id == "NOT-THERE"));
}
