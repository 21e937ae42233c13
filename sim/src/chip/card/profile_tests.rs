//! Every example profile of sim/profiles, made with `passport make` and served in memory as `gate-sim chip` serves
//! it: opened with PACE (PACE-CAM checked against EF.CardSecurity's signed key) or BAC as its access says, then Chip
//! Authentication with DG14's protocol, every file read under the new keys, and Active Authentication.

use std::path::Path;
use std::time::SystemTime;

use der::{Decode as _, Encode as _};
use mrtd::lds::FileId;
use mrtd::security_infos::{Mapping, SecurityInfos};
use mrtd::sw::StatusWord;

use super::test_support::{active_authentication, chip_authentication, config, pace, select_aid, send, sm_send};
use crate::access::Access;
use crate::chip::passport_dir::Passport;

const PROFILES: [&str; 7] = ["budi", "foreigner", "single_name", "td1_card", "jpeg2000", "pace", "pace_cam"];

/// The SecurityInfos EF.CardSecurity signs (its SignedData's content, 9303-11 §9.2.3).
fn card_security_infos(bytes: &[u8]) -> SecurityInfos {
    let info = cms::content_info::ContentInfo::from_der(bytes).unwrap();
    let signed = info.content.decode_as::<cms::signed_data::SignedData>().unwrap();
    let content = signed.encap_content_info.econtent.unwrap().to_der().unwrap();
    let content = der::asn1::OctetString::from_der(&content).unwrap();
    SecurityInfos::from_card_security_content(content.as_bytes()).unwrap()
}

#[test]
fn every_example_profile_is_served_through_its_access_control_ca_and_aa() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("../../shared/testdata/faces").is_dir() {
        eprintln!("SKIP: ../shared/testdata/faces is absent");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sim-card-profiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    crate::pki::Pki::generate(SystemTime::now()).unwrap().write(&dir.join("pki"), false).unwrap();
    for name in PROFILES {
        let profile = root.join("profiles").join(format!("{name}.toml"));
        let made = crate::passport::make(&profile, &dir.join("pki"), &dir.join(name)).unwrap();
        let passport = Passport::load(&made.out).unwrap();
        let access = passport.access;
        let read = |id: FileId| passport.files[&id].clone();
        let mut card = super::Card::new(&passport, config(access, &[])).unwrap();
        let mut sm = match access {
            Access::Bac => bac_with(&mut card, &made.mrz),
            Access::PaceCam => {
                let outcome = pace(&mut card, Mapping::ChipAuthentication, &mrz_password_of(&made.mrz)).unwrap();
                let signed = card_security_infos(&read(FileId::CardSecurity));
                let key = signed.chip_authentication_keys().next().unwrap();
                outcome.chip_authentication.unwrap().verify(key).unwrap();
                outcome.sm
            }
            Access::Pace | Access::PaceBac => {
                let can = mrtd::pace::Password::can(&made.can);
                pace(&mut card, Mapping::Generic, &can).unwrap().sm
            }
        };
        let (dg14, dg15) = (read(FileId::Dg(14)), read(FileId::Dg(15)));
        let mut sm = chip_authentication(&mut card, &mut sm, &dg14, None).unwrap();
        assert_eq!(send_select(&mut card, &mut sm), StatusWord::Ok, "{name}");
        for (sfi, id) in [(0x1E, FileId::Com), (0x1D, FileId::Sod), (1, FileId::Dg(1)), (2, FileId::Dg(2))] {
            let want = read(id);
            let mut got = Vec::new();
            while got.len() < want.len() {
                // Always an extended Le: a short one over 223 bytes does not fit a protected AES response.
                let le = 3000;
                let cmd = if got.is_empty() {
                    mrtd::apdu::Command::new(0, 0xB0, 0x80 | sfi, 0).with_le(le)
                } else {
                    mrtd::apdu::Command::new(0, 0xB0, (got.len() >> 8) as u8, got.len() as u8).with_le(le)
                };
                let r = sm_send(&mut card, &mut sm, &cmd).unwrap();
                assert!(r.sw.is_success() && !r.data.is_empty(), "{name} {id}: {}", r.sw);
                got.extend_from_slice(&r.data);
            }
            assert_eq!(got, want, "{name} {id}");
        }
        active_authentication(&mut card, &mut sm, &dg14, &dg15).unwrap();
        // pace+bac chips answer BAC too.
        if access == Access::PaceBac {
            let mut card = super::Card::new(&passport, config(access, &[])).unwrap();
            let mut sm = bac_with(&mut card, &made.mrz);
            assert_eq!(send_select(&mut card, &mut sm), StatusWord::Ok, "{name}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn mrz_password_of(lines: &[String]) -> mrtd::pace::Password {
    mrtd::pace::Password::mrz(mrtd::mrz::Mrz::parse(lines).unwrap().mrz_information())
}

fn send_select(card: &mut super::Card, sm: &mut mrtd::sm::SecureMessaging) -> StatusWord {
    sm_send(card, sm, &select_aid()).unwrap().sw
}

fn bac_with(card: &mut super::Card, lines: &[String]) -> mrtd::sm::SecureMessaging {
    assert_eq!(send(card, &select_aid()).sw, StatusWord::Ok);
    let challenge = send(card, &mrtd::bac::get_challenge());
    let keys = mrtd::bac::BacKeys::from_mrz_information(mrtd::mrz::Mrz::parse(lines).unwrap().mrz_information());
    let t = mrtd::bac::Terminal::new(keys, challenge.data.try_into().unwrap(), [0x33; 8], [0x44; 16]);
    let answer = send(card, &t.external_authenticate().unwrap());
    assert_eq!(answer.sw, StatusWord::Ok);
    t.finish(&answer.data).unwrap()
}
