//! Proving documents and chips genuine, in memory against the simulator's chip: passports made by the simulator
//! from sim/profiles with its test PKI, read with PACE or BAC, Chip or Active Authentication and Passive
//! Authentication; and every forgery the simulator can make, each refused with its own reason.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use gate_daemon::error::Error;
use gate_daemon::read::{ChipRead, Passive, ReadOptions, read_passport};
use mrtd::mrz::Mrz;
use mrtd::pa::TrustStore;
use sim::chip::card::{Card, CardConfig};
use sim::chip::fault::Faults;
use sim::chip::passport_dir::Passport;
use sim::pki::Signer;

struct InMemory {
    card: Card,
    atr: Vec<u8>,
}

impl hal::card::CardTransport for InMemory {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, hal::Error> {
        Ok(self.card.transmit(apdu))
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn reader_name(&self) -> &str {
        "in memory"
    }
}

/// One test PKI for the whole file: `gate-sim pki init` in a temporary folder.
fn pki() -> &'static Path {
    static PKI: OnceLock<PathBuf> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("authenticity-pki-{}", std::process::id()));
        let pki = sim::pki::Pki::generate(std::time::SystemTime::now()).unwrap();
        pki.write(&dir, true).unwrap();
        dir
    })
}

fn profile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/profiles").join(name)
}

/// A passport made from `profile` and signed by `signer`, in a folder of its own.
fn passport(profile: &Path, signer: Signer) -> Passport {
    let out = std::env::temp_dir().join(format!(
        "authenticity-{}-{}-{}",
        std::process::id(),
        profile.file_stem().unwrap().to_string_lossy(),
        signer.as_str()
    ));
    sim::passport::make_signed(profile, pki(), &out, Some(signer)).unwrap();
    Passport::load(&out).unwrap()
}

/// The gate's trust: the test PKI's CSCA and its CRL.
fn trust() -> Arc<TrustStore> {
    let mut builder = TrustStore::builder();
    for file in ["csca.pem", "crl.der"] {
        builder.add(file, &std::fs::read(pki().join(file)).unwrap()).unwrap();
    }
    Arc::new(builder.build())
}

fn read_with(passport: &Passport, faults: &[&str], options: &ReadOptions) -> Result<ChipRead, Error> {
    let config =
        CardConfig { access: passport.access, faults: Faults::parse(faults).unwrap(), ..CardConfig::default() };
    let card = Card::new(passport, config).unwrap();
    let transport = InMemory { card, atr: sim::chip::card::atr(true) };
    let mrz = Mrz::parse(passport.printed_mrz.as_ref().unwrap()).unwrap();
    read_passport(transport, &mrz, options)
}

fn read(passport: &Passport, faults: &[&str]) -> ChipRead {
    read_with(passport, faults, &ReadOptions { trust: trust(), ..ReadOptions::default() }).unwrap()
}

fn codes(read: &ChipRead) -> Vec<String> {
    read.authenticity.reasons.iter().map(ToString::to_string).collect()
}

#[test]
fn genuine_passports_are_proven_genuine() {
    for (name, access) in [
        ("budi.toml", "BAC"),
        ("pace.toml", "PACE-GM"),
        ("foreigner.toml", "PACE-GM"),
        ("pace_cam.toml", "PACE-CAM"),
        ("td1_card.toml", "PACE-GM"),
        ("jpeg2000.toml", "PACE-GM"),
        ("single_name.toml", "BAC"),
    ] {
        let passport = passport(&profile(name), Signer::Valid);
        let read = read(&passport, &[]);
        assert_eq!(read.access_control, access, "{name}");
        assert_eq!(read.authenticity.passive, Passive::Valid, "{name}: {:?}", codes(&read));
        assert_eq!(read.authenticity.chip.as_str(), "CA", "{name}: {:?}", codes(&read));
        assert!(read.authenticity.reasons.is_empty(), "{name}: {:?}", codes(&read));
        assert!(read.dg1_matches_printed);
    }
}

#[test]
fn a_copied_chip_fails_chip_authentication() {
    for name in ["budi.toml", "pace.toml", "pace_cam.toml"] {
        let passport = passport(&profile(name), Signer::Valid);
        let read = read(&passport, &["clone"]);
        // The copy has every file, so the document itself checks out; the chip does not.
        assert_eq!(read.authenticity.passive, Passive::Valid, "{name}");
        assert_eq!(read.authenticity.chip.as_str(), "failed", "{name}");
        assert!(codes(&read).iter().any(|c| c.starts_with("chip_not_genuine")), "{name}: {:?}", codes(&read));
        // The personal data was still read, for the officer.
        assert!(read.face.is_some());
    }
}

#[test]
fn active_authentication_where_chip_authentication_is_not_offered() {
    // budi.toml without Chip Authentication: the portrait path made absolute for a profile in another folder.
    let dir = std::env::temp_dir().join(format!("authenticity-aa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(profile("budi.toml")).unwrap();
    let portrait = profile("budi.toml")
        .parent()
        .unwrap()
        .join(text.lines().find_map(|l| l.strip_prefix("portrait = ")).unwrap().trim_matches('"'));
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("portrait = ") {
                format!("portrait = {:?}", portrait.display().to_string())
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\nchip_authentication = false\n";
    let aa_profile = dir.join("aa_only.toml");
    std::fs::write(&aa_profile, text).unwrap();
    let passport = passport(&aa_profile, Signer::Valid);
    let genuine = read(&passport, &[]);
    assert_eq!(genuine.authenticity.chip.as_str(), "AA", "{:?}", codes(&genuine));
    assert_eq!(genuine.authenticity.passive, Passive::Valid);
    assert!(genuine.authenticity.reasons.is_empty(), "{:?}", codes(&genuine));
    let copy = read(&passport, &["clone"]);
    assert_eq!(copy.authenticity.chip.as_str(), "failed");
    assert!(codes(&copy).iter().any(|c| c.contains("Active Authentication")), "{:?}", codes(&copy));
}

#[test]
fn every_forgery_is_refused_with_its_own_reason() {
    let budi = profile("budi.toml");
    let cases: [(&str, Signer, &[&str], Passive, &str); 5] = [
        ("tamper-dg2", Signer::Valid, &["tamper-dg2"], Passive::Invalid, "dg_hash_mismatch"),
        ("bad-sod-signature", Signer::Valid, &["bad-sod-signature"], Passive::Invalid, "signature_invalid"),
        ("expired DSC", Signer::Expired, &[], Passive::Invalid, "dsc_expired"),
        ("revoked DSC", Signer::Revoked, &[], Passive::Invalid, "dsc_revoked"),
        ("untrusted CSCA", Signer::Untrusted, &[], Passive::Untrusted, "csca_not_found"),
    ];
    for (what, signer, faults, passive, code) in cases {
        let passport = passport(&budi, signer);
        let read = read(&passport, faults);
        assert_eq!(read.authenticity.passive, passive, "{what}: {:?}", codes(&read));
        let reasons = codes(&read);
        assert!(
            reasons.iter().any(|r| r.starts_with("document_not_genuine") && r.contains(code)),
            "{what}: {reasons:?}"
        );
        // The chip itself is genuine in each case.
        assert_eq!(read.authenticity.chip.as_str(), "CA", "{what}");
    }
}

#[test]
fn pace_with_the_can_and_a_wrong_can() {
    let passport = passport(&profile("pace.toml"), Signer::Valid);
    let can = passport.can.clone().unwrap();
    let options = ReadOptions { trust: trust(), can: Some(can), ..ReadOptions::default() };
    let read = read_with(&passport, &[], &options).unwrap();
    assert_eq!(read.access_control, "PACE-GM");
    assert!(read.authenticity.reasons.is_empty(), "{:?}", codes(&read));

    // A wrong password is a PACE failure, reported as one, with no BAC after it.
    let options = ReadOptions { trust: trust(), can: Some("000000".into()), ..ReadOptions::default() };
    let err = read_with(&passport, &[], &options).unwrap_err();
    assert_eq!(err.kind(), "access_control_failed", "{err:?}");
    assert!(err.to_string().contains("PACE"), "{err}");
}
