use super::*;

fn folded(raw: &str) -> Vec<String> {
    normalise_name(raw).tokens.iter().map(|t| t.folded.to_string()).collect()
}

fn canonical(raw: &str) -> Vec<String> {
    normalise_name(raw).tokens.iter().map(|t| t.canonical.to_string()).collect()
}

fn kinds(raw: &str) -> Vec<TokenKind> {
    normalise_name(raw).tokens.iter().map(|t| t.kind).collect()
}

fn key(word: &str) -> PhoneticKey {
    let name = normalise_name(word);
    name.tokens[0].key
}

#[test]
fn folds_latin_letters() {
    assert_eq!(folded("José Ñúñez"), ["JOSE", "NUNEZ"]);
    assert_eq!(folded("Müller Straße"), ["MULLER", "STRASSE"]);
    assert_eq!(folded("Æsir Øystein Œuvre"), ["AESIR", "OYSTEIN", "OEUVRE"]);
    assert_eq!(folded("Łukasz Wałęsa Dvořák Šťastný"), ["LUKASZ", "WALESA", "DVORAK", "STASTNY"]);
    assert_eq!(folded("Ðorđe Þór"), ["DORDE", "THOR"]);
    // Decomposed accents fold like composed ones.
    assert_eq!(folded("Jose\u{301}"), ["JOSE"]);
}

#[test]
fn every_folded_letter_is_a_to_z() {
    let mut out = String::new();
    for c in '\u{00C0}'..='\u{017F}' {
        out.clear();
        if fold_char(c, &mut out) {
            assert!(!out.is_empty() && out.bytes().all(|b| b.is_ascii_uppercase()), "{c}");
        }
    }
    // Every letter of both blocks folds, and the two signs in Latin-1 do not.
    for c in ('\u{00C0}'..='\u{017F}').filter(|c| c.is_alphabetic()) {
        assert!(fold_char(c, &mut String::new()), "{c}");
    }
    assert!(!fold_char('×', &mut String::new()));
    assert!(!fold_char('÷', &mut String::new()));
}

#[test]
fn mrz_fillers_punctuation_and_joins() {
    assert_eq!(folded("SOEKARNO<<MUHAMMAD<RIZKI<<<<<<"), ["SOEKARNO", "MUHAMMAD", "RIZKI"]);
    assert_eq!(folded("Ma'ruf Amin"), ["MARUF", "AMIN"]);
    assert_eq!(folded("O’Brien"), ["OBRIEN"]);
    assert_eq!(folded("Abdul-Rahman"), ["ABDUL", "RAHMAN"]);
    assert_eq!(folded("M.Rizki"), ["M", "RIZKI"]);
    assert_eq!(folded("SANTOSO, Budi (2)"), ["SANTOSO", "BUDI"]);
    assert_eq!(folded("Budi Santoso, S.H., M.H."), ["BUDI", "SANTOSO", "SH", "MH"]);
    assert_eq!(
        kinds("Budi Santoso, S.H., M.H."),
        [TokenKind::Name, TokenKind::Name, TokenKind::Title, TokenKind::Title]
    );
    assert_eq!(folded("J.R.R. Tolkien"), ["J", "R", "R", "TOLKIEN"]);
    assert!(normalise_name(" <<< ,. ").tokens.is_empty());
    assert!(normalise_name("Иван").tokens.is_empty());
}

#[test]
fn titles_connectors_particles() {
    assert_eq!(
        kinds("H. Ahmad bin Abdullah"),
        [TokenKind::Title, TokenKind::Name, TokenKind::Connector, TokenKind::Name]
    );
    assert_eq!(kinds("Raden Ajeng Kartini"), [TokenKind::Particle, TokenKind::Name, TokenKind::Name]);
    assert_eq!(kinds("I Wayan Sudirta"), [TokenKind::Particle, TokenKind::Name, TokenKind::Name]);
    assert_eq!(kinds("M Rizki"), [TokenKind::Initial, TokenKind::Name]);
    // A name of titles only keeps them as names.
    assert_eq!(kinds("Haji"), [TokenKind::Name]);
}

#[test]
fn old_spelling_and_groups() {
    assert_eq!(canonical("Soekarno"), ["SUKARNO"]);
    assert_eq!(canonical("Djoko Tjahjono"), ["JOKO", "CAHJONO"]);
    assert_eq!(canonical("Sjahrir Chairul Khadijah"), ["SYAHRIR", "HAIRUL", "HADIJAH"]);
    assert_eq!(canonical("Njoman Panji"), ["NYOMAN", "PANJI"]);
    assert_eq!(canonical("Sundjaja"), ["SUNJAJA"]);
    assert_eq!(canonical("Liem Sioe Liong"), ["LIM", "SIU", "LIONG"]);
    assert_eq!(canonical("Youssef Mahmoud"), ["YUSEF", "MAHMUD"]);
    assert_eq!(canonical("Hassan Sitti"), ["HASAN", "SITI"]);
    for m in [
        "MUHAMMAD",
        "MUHAMMED",
        "MOHAMMAD",
        "MOHAMMED",
        "MOHAMAD",
        "MOCHAMAD",
        "MOCHAMMAD",
        "MUCHAMMAD",
        "MOEHAMMAD",
        "MOH",
        "MOHD",
        "MOCH",
        "MUH",
        "MUHD",
        "MHD",
        "MD",
    ] {
        let name = normalise_name(m);
        let t = &name.tokens[0];
        assert_eq!(&*t.canonical, "MUHAMAD", "{m}");
        assert_eq!(t.group, Some(Group::Muhammad));
        assert!(t.common);
    }
    assert!(normalise_name("MOCH").tokens[0].abbreviated);
    assert!(!normalise_name("MOHAMMED").tokens[0].abbreviated);
    assert_eq!(canonical("Abd Abdoel Abdul Abdur"), ["ABDUL", "ABDUL", "ABDUL", "ABDUL"]);
    assert_eq!(
        canonical("Abdurrahman Abdurahman Abdussalam Abduh"),
        ["ABDULRAHMAN", "ABDULRAHMAN", "ABDULSALAM", "ABDUH"]
    );
    assert!(normalise_name("Abdurrahman").tokens[0].transliterated);
    assert_eq!(canonical("Noor Noer Nur Nurul"), ["NUR", "NUR", "NUR", "NURUL"]);
    // Different names stay apart.
    assert_eq!(canonical("Mahmud Ahmad Abdullah"), ["MAHMUD", "AHMAD", "ABDULAH"]);
}

#[test]
fn common_list_is_canonical() {
    for word in COMMON {
        let name = normalise_name(word);
        assert_eq!(&*name.tokens[0].canonical, *word);
        assert!(name.tokens[0].common, "{word}");
    }
}

#[test]
fn phonetic_keys_meet_and_part() {
    for (a, b) in [
        ("AHMAD", "ACHMAD"),
        ("AHMAD", "AKHMAD"),
        ("RIZKI", "RIZKY"),
        ("RIZKI", "RISKI"),
        ("RIZKI", "RIZQI"),
        ("FATIMA", "FATIMAH"),
        ("JUSUF", "YUSUF"),
        ("KHAIRUL", "CHAIRUL"),
        ("KHAIRUL", "HAIRUL"),
        ("SYAHRIR", "SJAHRIR"),
        ("CAHYA", "TJAHJA"),
        ("WAHYU", "WAHJOE"),
        ("RAMADHAN", "RAMADAN"),
        ("ZULKIFLI", "DZULKIFLI"),
        ("SUKARNO", "SOEKARNO"),
        ("HASAN", "HASSAN"),
    ] {
        assert_eq!(key(a), key(b), "{a} {b}");
    }
    for (a, b) in [("BAYU", "WAHYU"), ("BUDI", "BADRU"), ("SUKARNO", "SUHARTO"), ("ABDUL", "ABIDIN")] {
        assert_ne!(key(a), key(b), "{a} {b}");
    }
    assert_eq!(key("SUKARNO").len(), 4);
    assert!(PhoneticKey::EMPTY.is_empty());
}

#[test]
fn blocking_keys_cover_joins() {
    let joined = blocking_keys(&normalise_name("ABDULRAHMAN"));
    let split = blocking_keys(&normalise_name("Rahman Abdul"));
    assert!(joined.iter().any(|k| split.contains(k)));
    let alamin = blocking_keys(&normalise_name("ALAMIN"));
    assert!(alamin.iter().any(|k| blocking_keys(&normalise_name("AL-AMIN")).contains(k)));
    let latif = blocking_keys(&normalise_name("ABDULLATIF"));
    let abdul_latif = blocking_keys(&normalise_name("ABD LATIF"));
    assert!(latif.iter().any(|k| abdul_latif.contains(k)));
    // Titles, connectors, initials and particles give no keys.
    assert_eq!(blocking_keys(&normalise_name("H M bin Raden")), Vec::<BlockingKey>::new());
    assert_ne!(BlockingKey::date(1980, 1, 2), BlockingKey::date(1980, 2, 1));
}

#[test]
fn frequency_bits_follow_the_counts() {
    let million = 1_000_000;
    // A token no record holds, one held by 1,000 records, MUHAMMAD held by 100,000.
    assert!((frequency_bits(0, million, NAME_BITS) - 18.6).abs() < 0.1);
    assert!((frequency_bits(1000, million, NAME_BITS) - 10.0).abs() < 0.1);
    assert!((frequency_bits(100_000, million, NAME_BITS) - 3.3).abs() < 0.1);
    assert_eq!(frequency_bits(million, million, NAME_BITS), MIN_BITS);
    // A small list leaves the fixed bits nearly as they are.
    assert!((frequency_bits(0, 10, NAME_BITS) - NAME_BITS).abs() < 0.01);
    assert!((frequency_bits(0, 0, COMMON_BITS) - COMMON_BITS).abs() < 1e-3);
    let mut name = normalise_name("H. Moch Rizki");
    name.set_bits(|c, prior| if c == "MUHAMAD" { frequency_bits(100_000, million, prior) } else { prior });
    let bits: Vec<f32> = name.tokens.iter().map(|t| t.bits).collect();
    assert_eq!(bits[0], 0.0);
    assert!((bits[1] - 3.3).abs() < 0.1);
    assert_eq!(bits[2], NAME_BITS);
}

#[test]
fn long_input_is_bounded() {
    let long = "A".repeat(100);
    let name = normalise_name(&format!("{long} {}", "B C ".repeat(40)));
    assert_eq!(name.tokens.len(), MAX_TOKENS);
    assert_eq!(name.tokens[0].folded.len(), MAX_TOKEN_LEN);
}

#[test]
fn debug_is_redacted() {
    let name = normalise_name("Soekarno");
    assert!(!format!("{name:?}").contains("SOEKARNO"));
    assert!(!format!("{:?}", name.tokens[0]).contains("SOEKARNO"));
}
