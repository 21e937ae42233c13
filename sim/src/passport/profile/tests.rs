//! Profiles read field by field: the keys, their defaults, and errors that name the key.

use super::*;

const BUDI: &str = r#"
    document_code = "P"
    issuing_state = "IDN"
    surname = "SETIAWAN"
    given_names = "BUDI ANDRI"
    document_number = "X1234567"
    nationality = "IDN"
    date_of_birth = "1985-03-14"
    sex = "M"
    date_of_expiry = "2033-05-01"
    optional_data = ""
    portrait = "budi.jpg"
    image_format = "jpeg"
    access = "bac"
"#;

fn with(line: &str) -> String {
    let key = line.split('=').next().unwrap().trim();
    let kept: Vec<&str> = BUDI.lines().filter(|l| l.split('=').next().unwrap().trim() != key).collect();
    format!("{}\n{line}\n", kept.join("\n"))
}

fn key_of(text: &str) -> String {
    match Profile::parse(text, Path::new("/p")) {
        Err(ProfileError::Field { key, .. }) => key.to_owned(),
        Err(e) => format!("other: {e}"),
        Ok(_) => "ok".into(),
    }
}

#[test]
fn reads_the_example_of_cli_md() {
    let p = Profile::parse(BUDI, Path::new("/profiles")).unwrap();
    assert_eq!(p.portrait, Path::new("/profiles/budi.jpg"));
    assert_eq!(p.mrz.date_of_birth, "850314");
    assert_eq!(p.access, Access::Bac);
    assert_eq!(p.signer, Signer::Valid);
    let mrz = mrtd::mrz::Mrz::build(&p.mrz).unwrap();
    assert_eq!(mrz.lines()[0], "P<IDNSETIAWAN<<BUDI<ANDRI<<<<<<<<<<<<<<<<<<<");
}

#[test]
fn errors_name_the_key() {
    assert_eq!(key_of(&with("date_of_birth = \"1985-13-14\"")), "date_of_birth");
    assert_eq!(key_of(&with("date_of_expiry = \"01.05.2033\"")), "date_of_expiry");
    assert_eq!(key_of(&with("sex = \"male\"")), "sex");
    assert_eq!(key_of(&with("nationality = \"ID\"")), "nationality");
    assert_eq!(key_of(&with("surname = \"Setiawan\"")), "surname");
    assert_eq!(key_of(&with("given_names = \"JOSÉ\"")), "given_names");
    assert_eq!(key_of(&with("document_number = \"X12345678901\"")), "document_number");
    assert_eq!(key_of(&with("access = \"nfc\"")), "access");
    assert_eq!(key_of(&with("image_format = \"gif\"")), "image_format");
    assert_eq!(key_of(&with("can = \"12345\"")), "can");
    assert_eq!(key_of(&with("optional_data = \"A-1\"")), "optional_data");
    assert_eq!(key_of(&with("format = \"td4\"")), "format");
    assert_eq!(key_of(&with("portrait_quality = 0")), "portrait_quality");
    assert_eq!(key_of(&with("signer = \"forged\"")), "signer");
    assert_eq!(Profile::parse(&with("signer = \"untrusted\""), Path::new("/")).unwrap().signer, Signer::Untrusted);
    assert_eq!(key_of(&BUDI.replace("portrait = \"budi.jpg\"", "")), "portrait");
    let unknown = key_of(&with("colour = \"blue\""));
    assert!(unknown.contains("colour"), "{unknown}");
    let wrong_type = key_of(&with("sex = 1"));
    assert!(wrong_type.contains("sex"), "{wrong_type}");
}

#[test]
fn single_name_and_long_td1_number() {
    let single = with("surname = \"\"");
    let p = Profile::parse(&single, Path::new("/")).unwrap();
    assert_eq!(mrtd::mrz::Mrz::build(&p.mrz).unwrap().lines()[0], "P<IDN<<BUDI<ANDRI<<<<<<<<<<<<<<<<<<<<<<<<<<<");
    let td1 = format!("{}\nformat = \"td1\"\n", with("document_number = \"D23145890734\"")).replace("\"P\"", "\"ID\"");
    let p = Profile::parse(&td1, Path::new("/")).unwrap();
    let mrz = mrtd::mrz::Mrz::build(&p.mrz).unwrap();
    assert_eq!(mrz.document_number(), "D23145890734");
    assert_eq!(key_of(&with("date_of_expiry = \"1980-01-01\"")), "date_of_expiry");
}
