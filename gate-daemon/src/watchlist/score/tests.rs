use super::*;
use crate::watchlist::normalise::{MAX_TOKENS, blocking_keys, normalise_name};

fn query(name: &str, dob: Option<BirthDate>, nationality: &str, direction: Direction) -> Query {
    let mut q = Query::from_names([name], direction);
    q.date_of_birth = dob;
    q.nationality = Some(nationality.to_owned());
    q
}

fn candidate(name: &str, dob: Option<BirthDate>, nationality: &str, list: List) -> Candidate {
    let mut c = Candidate::from_names([name], list);
    c.date_of_birth = dob;
    c.nationality = Some(nationality.to_owned());
    c
}

fn full(y: u16, m: u8, d: u8) -> Option<BirthDate> {
    Some(BirthDate::full(y, m, d))
}

#[test]
fn lists_apply_by_direction_and_nationality() {
    assert!(applies(List::Cegah, Direction::Departure, Some("IDN")));
    assert!(applies(List::Cegah, Direction::Departure, Some("MYS")));
    assert!(!applies(List::Cegah, Direction::Arrival, Some("IDN")));
    assert!(applies(List::Tangkal, Direction::Arrival, Some("MYS")));
    assert!(applies(List::Tangkal, Direction::Arrival, None));
    assert!(!applies(List::Tangkal, Direction::Arrival, Some("IDN")));
    assert!(!applies(List::Tangkal, Direction::Departure, Some("MYS")));
    let config = ScoreConfig::default();
    let q = query("BUDI SANTOSO", full(1980, 5, 12), "IDN", Direction::Arrival);
    let c = candidate("BUDI SANTOSO", full(1980, 5, 12), "IDN", List::Cegah);
    assert!(score(&q, &c, &config).is_none());
}

#[test]
fn document_number_scores_one() {
    let config = ScoreConfig::default();
    let mut q = query("SOMEONE ELSE", None, "IDN", Direction::Departure);
    q.documents.push(TravelDocument { number: "x1234567".into(), issuing_state: "IDN".into() });
    let mut c = candidate("BUDI SANTOSO", None, "IDN", List::Cegah);
    c.documents.push(TravelDocument { number: "X 123 4567<".into(), issuing_state: "idn".into() });
    let m = score(&q, &c, &config).unwrap();
    assert_eq!(m.score, 1.0);
    assert_eq!(m.outcome, Outcome::Hit);
    assert!(m.why.contains(&"document number agrees (IDN)".to_owned()), "{:?}", m.why);
    assert!(m.why.contains(&"name: BUDI SANTOSO ≠ SOMEONE ELSE (no token agrees)".to_owned()), "{:?}", m.why);
    // Another issuing state is another document.
    c.documents[0].issuing_state = "MYS".into();
    assert!(score(&q, &c, &config).is_none());
}

#[test]
fn dates_of_birth() {
    let d = |y, m: Option<u8>, day: Option<u8>| Some(BirthDate { year: y, month: m, day });
    assert_eq!(compare_dates(full(1980, 5, 12), full(1980, 5, 12)), DateAgreement::Same);
    assert_eq!(compare_dates(full(1980, 5, 12), full(1980, 12, 5)), DateAgreement::Swapped);
    assert_eq!(compare_dates(full(1980, 5, 12), d(1980, Some(5), None)), DateAgreement::YearMonth);
    assert_eq!(compare_dates(full(1980, 5, 12), d(1980, None, None)), DateAgreement::Year);
    assert_eq!(compare_dates(full(1980, 5, 12), full(1980, 5, 13)), DateAgreement::DayDiffers);
    assert_eq!(compare_dates(full(1980, 5, 12), full(1980, 6, 12)), DateAgreement::MonthDiffers);
    assert_eq!(compare_dates(full(1980, 5, 12), full(1981, 5, 12)), DateAgreement::YearDiffers);
    assert_eq!(compare_dates(None, full(1981, 5, 12)), DateAgreement::Unknown);
    // Out-of-range parts are unknown.
    assert_eq!(compare_dates(d(1980, Some(13), Some(40)), full(1980, 5, 12)), DateAgreement::Year);
    assert_eq!(date_blocking_keys(&BirthDate::full(1980, 5, 13)).len(), 1);
    assert_eq!(date_blocking_keys(&BirthDate::full(1980, 5, 7)).len(), 2);
    assert_eq!(date_blocking_keys(&BirthDate::full(1980, 5, 5)).len(), 1);
    assert!(date_blocking_keys(&BirthDate { year: 1980, month: Some(5), day: None }).is_empty());
    assert_eq!(BirthDate { year: 1980, month: Some(5), day: None }.to_string(), "1980-05");
}

#[test]
fn countries() {
    assert_eq!(country("IDN"), *b"IDN");
    assert_eq!(country("idn "), *b"IDN");
    assert_eq!(country("D<<"), *b"DEU");
    assert_eq!(country("XXXX"), [0; 3]);
    assert_eq!(compare_countries(Some("D"), Some("DEU")), CountryAgreement::Agrees(*b"DEU"));
    assert_eq!(compare_countries(Some("IDN"), Some("MYS")), CountryAgreement::Differs);
    assert_eq!(compare_countries(Some("??"), Some("MYS")), CountryAgreement::Unknown);
}

#[test]
fn reasons_are_readable() {
    let config = ScoreConfig::default();
    let q = query("MOCH RIZKY", full(1990, 3, 4), "IDN", Direction::Departure);
    let c = candidate("MUHAMMAD RIZKI", full(1990, 3, 4), "IDN", List::Cegah);
    let m = score(&q, &c, &config).unwrap();
    assert_eq!(m.outcome, Outcome::Hit);
    assert_eq!(
        m.why,
        [
            "list: cegah, traveller departing",
            "name: MUHAMMAD RIZKI ≈ MOCH RIZKY (vowels spelled otherwise, abbreviation)",
            "date of birth agrees",
            "nationality agrees",
        ]
    );
    let q = query("SUHARTO", full(1950, 3, 4), "IDN", Direction::Departure);
    let c = candidate("H. Suharto Widodo", full(1950, 4, 3), "IDN", List::Cegah);
    let m = score(&q, &c, &config).unwrap();
    assert_eq!(
        m.why,
        [
            "list: cegah, traveller departing",
            "name: H SUHARTO WIDODO ≈ SUHARTO (exact)",
            "name: not matched: WIDODO (listed)",
            "name: ignored: H",
            "date of birth: day and month swapped: listed 1950-04-03, traveller 1950-03-04",
            "nationality agrees",
        ]
    );
    assert!(!format!("{m:?}").contains("SUHARTO"));
}

#[test]
fn single_names() {
    let config = ScoreConfig::default();
    let dob = full(1975, 8, 17);
    // A single distinctive name within a longer listed name is possible with date of birth and nationality; a
    // single name that is the whole listed name is a hit.
    let q = query("SUPARMAN", dob, "IDN", Direction::Departure);
    let c = candidate("SUPARMAN HADIWIJOYO", dob, "IDN", List::Cegah);
    assert_eq!(score(&q, &c, &config).unwrap().outcome, Outcome::Possible);
    let c = candidate("SUPARMAN", dob, "IDN", List::Cegah);
    assert_eq!(score(&q, &c, &config).unwrap().outcome, Outcome::Hit);
    // Without the date it is not even possible.
    let c = candidate("SUPARMAN HADIWIJOYO", None, "IDN", List::Cegah);
    assert!(score(&q, &c, &config).is_none_or(|m| m.outcome == Outcome::Clear));
    // A single common name never goes past possible, even with everything else agreeing.
    let q = query("MUHAMMAD", dob, "IDN", Direction::Departure);
    let c = candidate("MUHAMMAD YUSUF", dob, "IDN", List::Cegah);
    assert!(score(&q, &c, &config).is_none_or(|m| m.outcome < Outcome::Hit));
    let q = query("SITI", dob, "IDN", Direction::Departure);
    let c = candidate("SITI", dob, "IDN", List::Cegah);
    assert!(score(&q, &c, &config).is_none_or(|m| m.outcome == Outcome::Clear));
}

#[test]
fn arbitrary_text_is_handled() {
    let alphabet: Vec<char> = "AEIOUYJWHKSDTBCMNRLZ <'.-ÉØßŁĳ\u{301}".chars().collect();
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let config = ScoreConfig { report: 0.0, ..ScoreConfig::default() };
    for _ in 0..2000 {
        let mut text = || -> String {
            let len = next() % 90;
            (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
        };
        let (a, b) = (text(), text());
        let q = query(&a, full(1980, 1, 2), "IDN", Direction::Departure);
        let c = candidate(&b, Some(BirthDate { year: 1980, month: Some(0), day: Some(99) }), "???", List::Cegah);
        if let Some(m) = score(&q, &c, &config) {
            assert!((0.0..=1.0).contains(&m.score));
        }
        assert!(blocking_keys(&normalise_name(&a)).len() <= 3 * MAX_TOKENS);
    }
}

#[test]
fn config() {
    let config: ScoreConfig = toml::from_str("hit = 0.95\npossible = 0.7").unwrap();
    assert_eq!(config, ScoreConfig { hit: 0.95, possible: 0.7, report: 0.5, entries: 0 });
    assert!(config.validate().is_ok());
    assert!(toml::from_str::<ScoreConfig>("hits = 0.95").is_err());
    let bad = ScoreConfig { hit: 0.5, possible: 0.7, ..ScoreConfig::default() };
    assert!(bad.validate().is_err());
    let nan = ScoreConfig { hit: f32::NAN, ..ScoreConfig::default() };
    assert!(nan.validate().is_err());
    assert_eq!(classify(0.9, &ScoreConfig::default()), Outcome::Hit);
    assert_eq!(classify(0.75, &ScoreConfig::default()), Outcome::Possible);
    assert_eq!(classify(0.7499, &ScoreConfig::default()), Outcome::Clear);
}
