//! Chip Authentication and Active Authentication against mrtd's terminal side, in memory: CA after BAC and after
//! PACE with 3DES and AES, the session switching to the new keys; AA with EC and RSA keys; the `clone` fault making
//! every check fail on the terminal's side; and the commands refused outside a session or without keys.

use mrtd::apdu::Command;
use mrtd::crypto::BlockCipher;
use mrtd::error::AaError;
use mrtd::lds::FileId;
use mrtd::pace::Password;
use mrtd::security_infos::Mapping;
use mrtd::sw::StatusWord;

use super::test_support::*;
use crate::access::Access;
use crate::keys::ChipKey;
use crate::passport::profile::PaceCurve;

#[test]
fn chip_authentication_after_bac_with_3des_and_aes() {
    let f = Fixture::new(Access::Bac, PaceCurve::NistP256);
    let dg14 = f.file(FileId::Dg(14)).to_vec();
    for cipher in [Some(BlockCipher::Tdes), None] {
        let mut card = f.card(config(Access::Bac, &[]));
        let mut sm = bac(&mut card);
        let mut next = chip_authentication(&mut card, &mut sm, &dg14, cipher).unwrap();
        assert_eq!(next.cipher(), cipher.unwrap_or(BlockCipher::Aes128));
        assert_eq!(next.ssc_bytes().iter().filter(|b| **b != 0).count(), 0, "SSC starts at zero");
        // The new keys work, the old ones no longer do (and using them ends the session).
        assert_eq!(read_dg1(&mut card, &mut next).unwrap().data, f.file(FileId::Dg(1)));
        assert_eq!(sm_send(&mut card, &mut sm, &read_sfi(1)).unwrap().sw, StatusWord::SmObjectsIncorrect);
        assert!(!card.is_secure());
    }
}

#[test]
fn chip_authentication_after_pace_with_aes_and_3des() {
    let f = Fixture::new(Access::Pace, PaceCurve::BrainpoolP256r1);
    let dg14 = f.file(FileId::Dg(14)).to_vec();
    for cipher in [None, Some(BlockCipher::Tdes)] {
        let mut card = f.card(config(Access::Pace, &[]));
        let mut sm = pace(&mut card, Mapping::Generic, &Password::can(CAN)).unwrap().sm;
        let mut next = chip_authentication(&mut card, &mut sm, &dg14, cipher).unwrap();
        assert_eq!(next.cipher(), cipher.unwrap_or(BlockCipher::Aes128));
        assert_eq!(read_dg1(&mut card, &mut next).unwrap().data, f.file(FileId::Dg(1)));
        // Active Authentication inside the new session.
        active_authentication(&mut card, &mut next, &dg14, f.file(FileId::Dg(15))).unwrap();
    }
}

#[test]
fn active_authentication_signs_the_challenge_with_the_dg15_key() {
    let f = Fixture::new(Access::PaceBac, PaceCurve::BrainpoolP256r1);
    let (dg14, dg15) = (f.file(FileId::Dg(14)).to_vec(), f.file(FileId::Dg(15)).to_vec());
    let mut card = f.card(config(Access::PaceBac, &[]));
    // Outside secure messaging: 6982.
    let ia = |data: Vec<u8>| Command::new(0, 0x88, 0, 0).with_data(data).with_le(256);
    assert_eq!(send(&mut card, &ia(vec![1; 8])).sw, StatusWord::SecurityStatusNotSatisfied);
    let mut sm = bac(&mut card);
    active_authentication(&mut card, &mut sm, &dg14, &dg15).unwrap();
    // A challenge of the wrong length, wrong parameters.
    assert_eq!(sm_send(&mut card, &mut sm, &ia(vec![1; 7])).unwrap().sw, StatusWord::WrongLength);
    let p1 = Command { p1: 1, ..ia(vec![1; 8]) };
    assert_eq!(sm_send(&mut card, &mut sm, &p1).unwrap().sw, StatusWord::WrongP1P2);
    // The answer is a plain r || s of P-256.
    let r = sm_send(&mut card, &mut sm, &ia(vec![7; 8])).unwrap();
    assert_eq!((r.sw, r.data.len()), (StatusWord::Ok, 64));
}

#[test]
fn the_clone_fails_chip_and_active_authentication() {
    for (access, curve) in [(Access::Bac, PaceCurve::NistP256), (Access::Pace, PaceCurve::BrainpoolP256r1)] {
        let f = Fixture::new(access, curve);
        let (dg14, dg15) = (f.file(FileId::Dg(14)).to_vec(), f.file(FileId::Dg(15)).to_vec());
        let open = |card: &mut super::Card| {
            if access == Access::Bac { bac(card) } else { pace(card, Mapping::Generic, &mrz_password()).unwrap().sm }
        };
        // The copy has the same files ...
        let mut card = f.card(config(access, &["clone"]));
        let mut sm = open(&mut card);
        assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)));
        // ... its Active Authentication answers, but with a signature DG15's key does not verify ...
        let e = active_authentication(&mut card, &mut sm, &dg14, &dg15).unwrap_err();
        assert!(matches!(e, mrtd::Error::ActiveAuthentication(AaError::BadSignature)), "{e:?}");
        // ... and its Chip Authentication answers 9000, but on keys the terminal does not have: the next command
        // fails the MAC and the session ends.
        let mut next = chip_authentication(&mut card, &mut sm, &dg14, None).unwrap();
        assert_eq!(read_dg1(&mut card, &mut next).unwrap().sw, StatusWord::SmObjectsIncorrect);
        assert!(!card.is_secure());
        // The original passes both.
        let mut card = f.card(config(access, &[]));
        let mut sm = open(&mut card);
        active_authentication(&mut card, &mut sm, &dg14, &dg15).unwrap();
        let mut next = chip_authentication(&mut card, &mut sm, &dg14, None).unwrap();
        assert_eq!(read_dg1(&mut card, &mut next).unwrap().sw, StatusWord::Ok);
    }
}

#[test]
fn chip_authentication_needs_a_session_and_a_key() {
    let f = Fixture::new(Access::Bac, PaceCurve::NistP256);
    let dg14 = f.file(FileId::Dg(14)).to_vec();
    let mut card = f.card(config(Access::Bac, &[]));
    let kat = Command::new(0, 0x22, 0x41, 0xA6).with_data(vec![0x91, 0x01, 0x04]);
    assert_eq!(send(&mut card, &kat).sw, StatusWord::SecurityStatusNotSatisfied);
    let mut sm = bac(&mut card);
    // A key that is not a point, a key id the chip does not have, GENERAL AUTHENTICATE without MSE:Set AT, an
    // unknown protocol: refused, and the session goes on.
    assert_eq!(sm_send(&mut card, &mut sm, &kat).unwrap().sw, StatusWord::WrongData);
    let mut with_id = chip_key_command(&dg14);
    with_id.data.extend_from_slice(&[0x84, 0x01, 0x09]);
    assert_eq!(sm_send(&mut card, &mut sm, &with_id).unwrap().sw, StatusWord::ReferencedDataNotFound);
    let ga = Command::new(0, 0x86, 0, 0).with_data(vec![0x7C, 0x00]).with_le(256);
    assert_eq!(sm_send(&mut card, &mut sm, &ga).unwrap().sw, StatusWord::ConditionsNotSatisfied);
    let other = Command::new(0, 0x22, 0x41, 0xA4).with_data(vec![0x80, 0x02, 0x2A, 0x03]);
    assert_eq!(sm_send(&mut card, &mut sm, &other).unwrap().sw, StatusWord::ReferencedDataNotFound);
    assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)));
    let next = chip_authentication(&mut card, &mut sm, &dg14, None);
    assert!(next.is_ok());

    // The specimen-like chip without keys: no Chip Authentication (6A88), no INTERNAL AUTHENTICATE (6D00).
    let mut keyless = f.passport.clone();
    keyless.keys = Default::default();
    let mut card = super::Card::new(&keyless, config(Access::Bac, &[])).unwrap();
    let mut sm = bac(&mut card);
    assert_eq!(sm_send(&mut card, &mut sm, &chip_key_command(&dg14)).unwrap().sw, StatusWord::ReferencedDataNotFound);
    let ia = Command::new(0, 0x88, 0, 0).with_data(vec![1; 8]).with_le(256);
    assert_eq!(sm_send(&mut card, &mut sm, &ia).unwrap().sw, StatusWord::InsNotSupported);
}

/// MSE:Set KAT with a fresh key on DG14's curve.
fn chip_key_command(dg14: &[u8]) -> Command {
    let infos = mrtd::security_infos::SecurityInfos::from_dg14(dg14).unwrap();
    let key = infos.chip_authentication_keys().next().unwrap();
    let mrtd::security_infos::Group::Ec(curve) = key.parameters.resolve().unwrap() else { panic!("not EC") };
    let point = mrtd::ec::PrivateKey::generate(&curve).unwrap().public_key().to_uncompressed();
    Command::new(0, 0x22, 0x41, 0xA6).with_data(mrtd::tlv::to_vec(mrtd::tlv::Tag(0x91), &point))
}

#[test]
fn rsa_active_authentication_with_an_openssl_key() {
    let f = Fixture::new(Access::Bac, PaceCurve::NistP256);
    let key_path = f.passport.dir.join("keys/rsa.pem");
    let made = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"])
        .arg(&key_path)
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIP: openssl cannot make an RSA key here");
        return;
    }
    let ChipKey::Rsa(key) = crate::keys::parse_pem(&std::fs::read(&key_path).unwrap()).unwrap() else {
        panic!("not RSA")
    };
    let dg15 = mrtd::aa::AaPublicKey::Rsa(key.public_key().clone()).to_dg15(false).unwrap();
    let mut passport = f.passport.clone();
    passport.files.insert(FileId::Dg(15), dg15.clone());
    passport.keys.active_authentication = Some(key_path);
    let dg14 = f.file(FileId::Dg(14)).to_vec();
    for (faults, genuine) in [(&[][..], true), (&["clone"][..], false)] {
        let mut card = super::Card::new(&passport, config(Access::Bac, faults)).unwrap();
        let mut sm = bac(&mut card);
        let result = active_authentication(&mut card, &mut sm, &dg14, &dg15);
        assert_eq!(result.is_ok(), genuine, "{faults:?}: {result:?}");
    }
}
