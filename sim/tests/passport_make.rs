//! `gate-sim pki init` and `gate-sim passport make` end to end: every example profile in sim/profiles makes a chip
//! image whose files parse with `mrtd` and whose EF.SOD verifies independently of the code that signed it (with
//! `cms` and `p256` here, and with OpenSSL when the machine has it); bad profiles and a missing PKI fail with exit 2
//! and a message naming the key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::verify_signed_data;
use common::{ID_LDS_SECURITY_OBJECT, ID_SECURITY_OBJECT, LdsSecurityObject, gate_sim, make_error, pki, scratch};
use der::asn1::ObjectIdentifier;
use der::{Decode as _, Encode as _};
use mrtd::lds::FileId;
use mrtd::lds::com::Com;
use mrtd::lds::dg1::Dg1;
use mrtd::lds::dg2::{Container, Dg2, ImageFormat};
use mrtd::tlv::{Tag, Tlv};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

const PROFILES: [&str; 7] = ["budi", "foreigner", "single_name", "td1_card", "jpeg2000", "pace", "pace_cam"];

fn profile_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles").join(format!("{name}.toml"))
}

fn faces_present() -> bool {
    let faces = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/faces");
    if !faces.is_dir() {
        eprintln!("skipped: {} is absent", faces.display());
    }
    faces.is_dir()
}

fn security_infos(set: &[u8]) -> Vec<(String, der::Any)> {
    let set = der::asn1::SetOfVec::<der::Any>::from_der(set).unwrap();
    set.iter()
        .map(|info| {
            let (oid, _) = Tlv::parse(info.value()).unwrap();
            assert_eq!(oid.tag, Tag(0x06));
            (ObjectIdentifier::from_bytes(oid.value).unwrap().to_string(), info.clone())
        })
        .collect()
}

fn public_key_of(pem_path: &Path) -> SubjectPublicKeyInfoOwned {
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(pem_path).unwrap().permissions().mode() & 0o777, 0o600, "{}", pem_path.display());
    let sim::keys::ChipKey::Ec(key) = sim::keys::parse_pem(&std::fs::read(pem_path).unwrap()).unwrap() else {
        panic!("{} is not an EC key", pem_path.display())
    };
    SubjectPublicKeyInfoOwned::from_der(&key.public_key().to_spki_der(false).unwrap()).unwrap()
}

fn check_image(out: &Path, profile: &str, json: &serde_json::Value, csca: &Certificate) {
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    let text = std::fs::read_to_string(profile_path(profile)).unwrap();
    let raw: toml::Table = toml::from_str(&text).unwrap();
    let access = raw.get("access").and_then(|v| v.as_str()).unwrap_or("bac");

    // chip.toml
    let chip: toml::Table = toml::from_str(&std::fs::read_to_string(out.join("chip.toml")).unwrap()).unwrap();
    assert_eq!(chip["access"].as_str(), Some(access));
    let mrz: Vec<String> = chip["mrz"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    let can = chip["can"].as_str().unwrap();
    assert!(can.len() == 6 && can.bytes().all(|b| b.is_ascii_digit()));
    if let Some(c) = raw.get("can") {
        assert_eq!(c.as_str(), Some(can));
    }

    // DG1 equals the printed MRZ, and the printed MRZ holds the profile's fields.
    let dg1 = Dg1::parse(&read("DG1.bin")).unwrap();
    assert_eq!(dg1.mrz.lines(), mrz.as_slice());
    let printed = mrtd::mrz::Mrz::parse(&mrz).unwrap();
    assert_eq!(printed.document_number(), raw["document_number"].as_str().unwrap());
    assert_eq!(printed.surname(), raw["surname"].as_str().unwrap());
    assert_eq!(printed.given_names(), raw["given_names"].as_str().unwrap());
    assert_eq!(printed.nationality(), raw["nationality"].as_str().unwrap());
    let dob = raw["date_of_birth"].as_str().unwrap();
    assert_eq!(printed.date_of_birth(), mrtd::mrz::yymmdd_from_iso(dob).unwrap());
    let format = raw.get("format").and_then(|v| v.as_str()).unwrap_or("td3");
    assert_eq!(format!("{:?}", printed.format()).to_lowercase(), format);

    // EF.COM lists the data groups written.
    let com = Com::parse(&read("EF.COM.bin")).unwrap();
    assert_eq!(com.lds_version, Some((1, 7)));
    assert_eq!(com.unicode_version, Some((4, 0, 0)));
    assert_eq!(com.data_groups, vec![FileId::Dg(1), FileId::Dg(2), FileId::Dg(14), FileId::Dg(15)]);

    // DG2: the right container and format, the declared size, and pixels of that size.
    let dg2_bytes = read("DG2.bin");
    let dg2 = Dg2::parse(&dg2_bytes).unwrap();
    assert_eq!(dg2.faces.len(), 1);
    let face = &dg2.faces[0];
    let want_container = match raw.get("dg2_container").and_then(|v| v.as_str()) {
        Some("iso39794-5") => Container::Iso39794_5,
        _ => Container::Iso19794_5,
    };
    assert_eq!(face.container, want_container);
    let want_format = match raw.get("image_format").and_then(|v| v.as_str()) {
        Some("jpeg2000") => ImageFormat::Jpeg2000,
        _ => ImageFormat::Jpeg,
    };
    assert_eq!(face.image_format, want_format);
    assert!(face.format_agrees());
    let (w, h) = (face.width.unwrap(), face.height.unwrap());
    assert!(w <= 480 && h <= 640 && w >= 200 && h >= 200, "{w}x{h}");
    assert_eq!(json["dg2"]["width"], w);
    let pixels = face.decode(mrtd::face_image::DEFAULT_MAX_PIXELS).unwrap();
    assert_eq!((pixels.width, pixels.height), (u32::from(w), u32::from(h)));
    // Real DG2s hold 11-25 KB; the chip-read benchmark needs 15 KB or more.
    assert!((15_000..=25_000).contains(&dg2_bytes.len()), "{profile}: DG2 is {} bytes", dg2_bytes.len());

    // DG14 and DG15 carry the public halves of the keys the chip holds.
    let ca_public = public_key_of(&out.join(chip["keys"]["chip_authentication"].as_str().unwrap()));
    let aa_public = public_key_of(&out.join(chip["keys"]["active_authentication"].as_str().unwrap()));
    let dg14 = read("DG14.bin");
    let infos = security_infos(Tlv::parse_exact(&dg14, Tag(0x6E)).unwrap());
    let (_, pk) = infos.iter().find(|(oid, _)| oid == "0.4.0.127.0.7.2.2.1.2").unwrap();
    let pk_der = pk.to_der().unwrap();
    assert!(pk_der.windows(ca_public.to_der().unwrap().len()).any(|w| w == ca_public.to_der().unwrap()));
    assert!(infos.iter().any(|(oid, _)| oid == "0.4.0.127.0.7.2.2.3.2.2"));
    assert!(infos.iter().any(|(oid, _)| oid == "2.23.136.1.1.5"));
    let dg15 = read("DG15.bin");
    let aa = SubjectPublicKeyInfoOwned::from_der(Tlv::parse_exact(&dg15, Tag(0x6F)).unwrap()).unwrap();
    assert_eq!(aa, aa_public);

    // EF.CardAccess exactly when PACE is offered, listing the mappings offered; EF.CardSecurity for PACE-CAM.
    let card_access = std::fs::read(out.join("EF.CardAccess.bin")).ok();
    assert_eq!(card_access.is_some(), access != "bac", "{profile}");
    if let Some(ca) = card_access {
        let pace: Vec<String> = security_infos(&ca).into_iter().map(|(oid, _)| oid).collect();
        assert!(pace.contains(&"0.4.0.127.0.7.2.2.4.2.2".to_owned()));
        assert_eq!(pace.contains(&"0.4.0.127.0.7.2.2.4.6.2".to_owned()), access == "pace-cam");
    }
    let card_security = std::fs::read(out.join("EF.CardSecurity.bin")).ok();
    assert_eq!(card_security.is_some(), access == "pace-cam");
    if let Some(cs) = card_security {
        let (content, _) = verify_signed_data(&cs, ID_SECURITY_OBJECT, csca);
        assert!(security_infos(&content).iter().any(|(oid, _)| oid == "0.4.0.127.0.7.2.2.1.2"));
    }

    // The chip simulator loads the folder as it is.
    let loaded = sim::chip::passport_dir::Passport::load(out).unwrap();
    assert_eq!(loaded.access.as_str(), access);
    assert_eq!(loaded.printed_mrz.as_deref(), Some(mrz.as_slice()));
    assert!(loaded.keys.chip_authentication.unwrap().is_file() && loaded.keys.active_authentication.unwrap().is_file());
    for id in [FileId::Com, FileId::Sod, FileId::Dg(1), FileId::Dg(2), FileId::Dg(14), FileId::Dg(15)] {
        assert!(loaded.files.contains_key(&id), "{profile}: {id}");
    }

    // EF.SOD: signature, chain and every data group's hash.
    let sod = read("EF.SOD.bin");
    let (lds, _) = verify_signed_data(Tlv::parse_exact(&sod, Tag(0x77)).unwrap(), ID_LDS_SECURITY_OBJECT, csca);
    let lds = LdsSecurityObject::from_der(&lds).unwrap();
    assert_eq!(lds.version, 0);
    assert_eq!(lds.hash_algorithm.oid.to_string(), "2.16.840.1.101.3.4.2.1");
    let numbers: Vec<u8> = lds.hashes.iter().map(|h| h.number).collect();
    assert_eq!(numbers, vec![1, 2, 14, 15]);
    for h in &lds.hashes {
        let file = read(&format!("DG{}.bin", h.number));
        assert_eq!(h.hash.as_bytes(), Sha256::digest(&file).as_slice(), "DG{}", h.number);
    }
}

#[test]
fn every_example_profile_makes_a_chip_that_verifies() {
    if !faces_present() {
        return;
    }
    let dir = scratch("examples");
    let pki = pki(&dir);
    let csca = x509_cert::Certificate::from_der(&std::fs::read(pki.join("csca.der")).unwrap()).unwrap();
    for profile in PROFILES {
        let out = dir.join(profile);
        let output = gate_sim(&[
            "passport",
            "make",
            "--profile",
            profile_path(profile).to_str().unwrap(),
            "--pki",
            pki.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert!(output.status.success(), "{profile}: {}", String::from_utf8_lossy(&output.stdout));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        check_image(&out, profile, &json, &csca);
    }
    // Remaking an image over one with PACE leaves no EF.CardAccess behind.
    let out = dir.join("pace_cam");
    let budi = profile_path("budi");
    let output = gate_sim(&[
        "passport",
        "make",
        "--profile",
        budi.to_str().unwrap(),
        "--pki",
        pki.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success());
    assert!(!out.join("EF.CardAccess.bin").exists() && !out.join("EF.CardSecurity.bin").exists());
    check_image(&out, "budi", &serde_json::from_slice(&output.stdout).unwrap(), &csca);
    let _ = std::fs::remove_dir_all(&dir);
}

fn openssl(args: &[&str]) -> Option<Output> {
    match Command::new("openssl").args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("skipped: openssl cannot be run ({e}); install it (apt-get install openssl) for this check");
            None
        }
    }
}

#[test]
fn openssl_verifies_the_sod_and_the_chain() {
    if !faces_present() || openssl(&["version"]).is_none() {
        return;
    }
    let dir = scratch("openssl");
    let pki = pki(&dir);
    let out = dir.join("budi");
    let made = gate_sim(&[
        "passport",
        "make",
        "--profile",
        profile_path("budi").to_str().unwrap(),
        "--pki",
        pki.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let sod = std::fs::read(out.join("EF.SOD.bin")).unwrap();
    let cms = dir.join("sod.der");
    std::fs::write(&cms, Tlv::parse_exact(&sod, Tag(0x77)).unwrap()).unwrap();
    let content = dir.join("lds.der");
    let csca = pki.join("csca.pem");
    let verify = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        cms.to_str().unwrap(),
        "-CAfile",
        csca.to_str().unwrap(),
        "-binary",
        "-purpose",
        "any",
        "-out",
        content.to_str().unwrap(),
    ])
    .unwrap();
    assert!(verify.status.success(), "openssl cms -verify: {}", String::from_utf8_lossy(&verify.stderr));
    let lds = LdsSecurityObject::from_der(&std::fs::read(&content).unwrap()).unwrap();
    assert_eq!(lds.hashes.len(), 4);

    // The DSC against the CSCA and its CRL.
    let crl_pem = dir.join("crl.pem");
    let crl = pki.join("crl.der");
    let conv =
        openssl(&["crl", "-inform", "DER", "-in", crl.to_str().unwrap(), "-out", crl_pem.to_str().unwrap()]).unwrap();
    assert!(conv.status.success(), "{}", String::from_utf8_lossy(&conv.stderr));
    let dsc = pki.join("dsc.pem");
    let chain = openssl(&[
        "verify",
        "-CAfile",
        csca.to_str().unwrap(),
        "-CRLfile",
        crl_pem.to_str().unwrap(),
        "-crl_check",
        dsc.to_str().unwrap(),
    ])
    .unwrap();
    assert!(chain.status.success(), "openssl verify: {}", String::from_utf8_lossy(&chain.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_profiles_and_a_missing_pki_exit_2_naming_the_key() {
    let dir = scratch("errors");
    let pki = pki(&dir);
    // A portrait of our own making, so that the profile errors are tested even without the shared faces.
    let portrait = dir.join("face.png");
    image::RgbImage::from_fn(300, 400, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]))
        .save(&portrait)
        .unwrap();
    let good = format!(
        "issuing_state = \"IDN\"\nsurname = \"SETIAWAN\"\ngiven_names = \"BUDI\"\ndocument_number = \"X1234567\"\n\
         nationality = \"IDN\"\ndate_of_birth = \"1985-03-14\"\nsex = \"M\"\ndate_of_expiry = \"2033-05-01\"\n\
         portrait = \"{}\"\n",
        portrait.display()
    );
    let (code, _, _) = make_error_ok(&dir, &pki, &good);
    assert_eq!(code, 0);

    let cases: [(&str, String, &str, &str); 7] = [
        ("date", good.replace("1985-03-14", "1985-02-30"), "profile_invalid", "date_of_birth"),
        ("sex", good.replace("sex = \"M\"", "sex = \"male\""), "profile_invalid", "sex"),
        ("access", format!("{good}access = \"nfc\"\n"), "profile_invalid", "access"),
        ("unknown", format!("{good}colour = \"blue\"\n"), "profile_invalid", "colour"),
        ("name", good.replace("\"BUDI\"", "\"Budi\""), "profile_invalid", "given_names"),
        ("missing", good.replace(&portrait.display().to_string(), "nowhere.jpg"), "portrait_unreadable", "portrait"),
        ("corrupt", good.replace(&portrait.display().to_string(), "corrupt.jpg"), "portrait_unreadable", "portrait"),
    ];
    std::fs::write(dir.join("corrupt.jpg"), b"\xFF\xD8\xFF\xE0 this is not a JPEG").unwrap();
    for (name, text, want_kind, key) in &cases {
        let (code, kind, message) = make_error(&dir, &pki, name, text);
        assert_eq!(code, 2, "{name}: {message}");
        assert_eq!(&kind, want_kind, "{name}: {message}");
        assert!(message.contains(key), "{name}: {message}");
    }

    let (code, kind, message) = make_error(&dir, &dir.join("no-pki-here"), "nopki", &good);
    assert_eq!((code, kind.as_str()), (2, "pki_missing"), "{message}");
    assert!(message.contains("pki init"), "{message}");

    // pki init refuses to overwrite without --force.
    let again = gate_sim(&["pki", "init", pki.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "pki_exists");
    assert!(gate_sim(&["pki", "init", pki.to_str().unwrap(), "--force"]).status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

fn make_error_ok(dir: &Path, pki: &Path, text: &str) -> (i32, String, String) {
    let profile = dir.join("good.toml");
    std::fs::write(&profile, text).unwrap();
    let out = gate_sim(&[
        "passport",
        "make",
        "--profile",
        profile.to_str().unwrap(),
        "--pki",
        pki.to_str().unwrap(),
        "--out",
        dir.join("good-out").to_str().unwrap(),
    ]);
    (out.status.code().unwrap(), String::new(), String::from_utf8_lossy(&out.stderr).into_owned())
}
