//! PACE against mrtd's terminal side, in memory: Generic Mapping on brainpoolP256r1 and P-256 with the MRZ and the
//! CAN, Integrated Mapping, 3DES and DH protocols, PACE-CAM checked against the chip's static key, a wrong
//! password (`6300`), the access variants and the commands PACE refuses.

use mrtd::apdu::Command;
use mrtd::crypto::BlockCipher;
use mrtd::error::{AuthenticationFailure, Culprit, PaceStep};
use mrtd::lds::FileId;
use mrtd::pace::Password;
use mrtd::security_infos::{Mapping, SecurityInfos};
use mrtd::sw::StatusWord;

use super::test_support::*;
use crate::access::Access;
use crate::passport::profile::PaceCurve;

fn pace_error(e: mrtd::Error) -> mrtd::error::PaceError {
    match e {
        mrtd::Error::Pace(p) => p,
        other => panic!("not a PACE error: {other:?}"),
    }
}

#[test]
fn generic_mapping_on_both_curves_with_the_mrz_and_the_can() {
    for curve in [PaceCurve::BrainpoolP256r1, PaceCurve::NistP256] {
        let f = Fixture::new(Access::Pace, curve);
        let infos = SecurityInfos::from_card_access(f.file(FileId::CardAccess)).unwrap();
        assert_eq!(infos.pace().next().unwrap().parameter_id, Some(u32::from(curve.parameter_id())));
        for password in [mrz_password(), Password::can(CAN)] {
            let mut card = f.card(config(Access::Pace, &[]));
            let outcome = pace(&mut card, Mapping::Generic, &password).unwrap();
            assert!(card.is_secure(), "{curve:?} {:?}", password.kind());
            assert_eq!(outcome.protocol.mapping, Mapping::Generic);
            assert!(outcome.chip_authentication.is_none());
            let mut sm = outcome.sm;
            assert_eq!(sm.cipher(), BlockCipher::Aes128);
            // Case-3 commands (SELECT with P2 0C) go without Le after PACE, and the LDS opens.
            assert!(!sm.le_on_case3());
            let dg1 = read_dg1(&mut card, &mut sm).unwrap();
            assert_eq!((dg1.sw, &dg1.data[..]), (StatusWord::Ok, f.file(FileId::Dg(1))));
            // An explicit Le past the end of the file, under AES secure messaging: the rest, with 6282.
            let r = sm_send(&mut card, &mut sm, &Command::new(0, 0xB0, 0x81, 0).with_le(223)).unwrap();
            assert_eq!((r.sw, &r.data[..]), (StatusWord::EndOfFile, f.file(FileId::Dg(1))));
        }
    }
}

#[test]
fn a_wrong_password_gets_6300_at_the_tokens_and_no_session() {
    let f = Fixture::new(Access::Pace, PaceCurve::BrainpoolP256r1);
    let mut card = f.card(config(Access::Pace, &[]));
    for wrong in [Password::can("654321"), Password::mrz("L898902C<369080619406236")] {
        let e = pace_error(pace(&mut card, Mapping::Generic, &wrong).unwrap_err());
        assert_eq!(
            (e.step, e.culprit, e.failure),
            (
                PaceStep::MutualAuthentication,
                Culprit::Chip,
                AuthenticationFailure::Refused(StatusWord::AuthenticationFailed)
            )
        );
        assert!(!card.is_secure());
        // The LDS stays closed; the run is over (GENERAL AUTHENTICATE without MSE:Set AT: 6985).
        assert_eq!(send(&mut card, &select_aid()).sw, StatusWord::Ok);
        assert_eq!(send(&mut card, &read_sfi(1)).sw, StatusWord::SecurityStatusNotSatisfied);
        let ga = Command::new(0, 0x86, 0, 0).with_data(vec![0x7C, 0x00]).with_le(256);
        assert_eq!(send(&mut card, &ga).sw, StatusWord::ConditionsNotSatisfied);
    }
    // The right password still works afterwards.
    let mut sm = pace(&mut card, Mapping::Generic, &mrz_password()).unwrap().sm;
    assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)));
}

#[test]
fn chip_authentication_mapping_proves_the_static_key() {
    for curve in [PaceCurve::NistP256, PaceCurve::BrainpoolP256r1] {
        let f = Fixture::new(Access::PaceCam, curve);
        let dg14 = SecurityInfos::from_dg14(f.file(FileId::Dg(14))).unwrap();
        let key = dg14.chip_authentication_keys().next().unwrap().clone();
        let mut card = f.card(config(Access::PaceCam, &[]));
        let outcome = pace(&mut card, Mapping::ChipAuthentication, &mrz_password()).unwrap();
        let evidence = outcome.chip_authentication.unwrap();
        evidence.verify(&key).unwrap();
        let mut sm = outcome.sm;
        assert_eq!(read_dg1(&mut card, &mut sm).unwrap().sw, StatusWord::Ok);
        // The same chip runs Generic Mapping too.
        let mut card = f.card(config(Access::PaceCam, &[]));
        assert!(pace(&mut card, Mapping::Generic, &Password::can(CAN)).unwrap().chip_authentication.is_none());
    }
}

#[test]
fn the_clone_fails_the_chip_authentication_mapping_check() {
    let f = Fixture::new(Access::PaceCam, PaceCurve::BrainpoolP256r1);
    let dg14 = SecurityInfos::from_dg14(f.file(FileId::Dg(14))).unwrap();
    let key = dg14.chip_authentication_keys().next().unwrap().clone();
    let mut card = f.card(config(Access::PaceCam, &["clone"]));
    // PACE itself succeeds: the password is printed on the data page, which the copy reproduces.
    let outcome = pace(&mut card, Mapping::ChipAuthentication, &mrz_password()).unwrap();
    let e = pace_error(outcome.chip_authentication.unwrap().verify(&key).unwrap_err());
    assert_eq!(
        (e.step, e.culprit, e.failure),
        (PaceStep::ChipAuthentication, Culprit::Chip, AuthenticationFailure::BadChipAuthenticationData)
    );
}

#[test]
fn access_pace_switches_chip_authentication_mapping_off() {
    let f = Fixture::new(Access::PaceCam, PaceCurve::NistP256);
    let mut card = f.card(config(Access::Pace, &[]));
    let e = pace_error(pace(&mut card, Mapping::ChipAuthentication, &mrz_password()).unwrap_err());
    assert_eq!(
        (e.step, e.failure),
        (PaceStep::SetAuthenticationTemplate, AuthenticationFailure::Refused(StatusWord::ReferencedDataNotFound))
    );
    pace(&mut card, Mapping::Generic, &mrz_password()).unwrap();
    // pace-cam on a passport whose EF.CardAccess has no PACE-CAM is refused when the chip is made.
    let f = Fixture::new(Access::Pace, PaceCurve::NistP256);
    assert!(matches!(
        super::Card::new(&f.passport, config(Access::PaceCam, &[])),
        Err(crate::Error::InvalidPassport { .. })
    ));
}

#[test]
fn integrated_mapping_3des_and_dh_protocols_from_ef_cardaccess() {
    let mut f = Fixture::new(Access::Pace, PaceCurve::BrainpoolP256r1);
    f.passport.files.insert(
        FileId::CardAccess,
        card_access(&[
            ("0.4.0.127.0.7.2.2.4.4.2", 13), // id-PACE-ECDH-IM-AES-CBC-CMAC-128, brainpoolP256r1
            ("0.4.0.127.0.7.2.2.4.1.1", 0),  // id-PACE-DH-GM-3DES-CBC-CBC, 1024-bit MODP group with 160-bit q
            ("0.4.0.127.0.7.2.2.4.2.4", 12), // id-PACE-ECDH-GM-AES-CBC-CMAC-256, P-256
        ]),
    );
    let mut card = f.card(config(Access::Pace, &[]));
    let outcome = pace(&mut card, Mapping::Integrated, &mrz_password()).unwrap();
    let mut sm = outcome.sm;
    assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)));

    // The terminal picks a protocol by its identifier: each of the others.
    for (oid, cipher) in
        [("0.4.0.127.0.7.2.2.4.1.1", BlockCipher::Tdes), ("0.4.0.127.0.7.2.2.4.2.4", BlockCipher::Aes256)]
    {
        let mut only = f.passport.clone();
        let id = if cipher == BlockCipher::Tdes { 0 } else { 12 };
        only.files.insert(FileId::CardAccess, card_access(&[(oid, id)]));
        let mut card = super::Card::new(&only, config(Access::Pace, &[])).unwrap();
        let mut sm = pace(&mut card, Mapping::Generic, &Password::can(CAN)).unwrap().sm;
        assert_eq!(sm.cipher(), cipher, "{oid}");
        assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)), "{oid}");
    }
}

#[test]
fn pace_refuses_what_it_does_not_offer() {
    let f = Fixture::new(Access::Pace, PaceCurve::BrainpoolP256r1);
    let mut card = f.card(config(Access::Pace, &[]));
    let set_at = |oid: &[u8], password: u8| {
        let mut data = mrtd::tlv::to_vec(mrtd::tlv::Tag(0x80), oid);
        data.extend_from_slice(&[0x83, 0x01, password]);
        Command::new(0, 0x22, 0xC1, 0xA4).with_data(data)
    };
    let gm_aes = der::asn1::ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
    let im_aes = der::asn1::ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.4.2");
    assert_eq!(send(&mut card, &set_at(gm_aes.as_bytes(), 1)).sw, StatusWord::Ok);
    // A protocol EF.CardAccess does not list, a PIN, an unknown reference, a protocol that is not PACE.
    assert_eq!(send(&mut card, &set_at(im_aes.as_bytes(), 1)).sw, StatusWord::ReferencedDataNotFound);
    assert_eq!(send(&mut card, &set_at(gm_aes.as_bytes(), 3)).sw, StatusWord::ReferencedDataNotFound);
    assert_eq!(send(&mut card, &set_at(gm_aes.as_bytes(), 9)).sw, StatusWord::ReferencedDataNotFound);
    assert_eq!(send(&mut card, &set_at(&[0x2A, 0x03], 1)).sw, StatusWord::ReferencedDataNotFound);
    // Parameters the chip does not have for that protocol.
    let mut with_id = set_at(gm_aes.as_bytes(), 1);
    with_id.data.extend_from_slice(&[0x84, 0x01, 12]);
    assert_eq!(send(&mut card, &with_id).sw, StatusWord::ReferencedDataNotFound);
    // Chaining is for GENERAL AUTHENTICATE; another command abandons a run half-way.
    assert_eq!(send(&mut card, &Command::new(0x10, 0xB0, 0x9C, 0).with_le(4)).sw, StatusWord::Other(0x6884));
    assert_eq!(send(&mut card, &set_at(gm_aes.as_bytes(), 2)).sw, StatusWord::Ok);
    assert_eq!(send(&mut card, &read_sfi(0x1C)).sw, StatusWord::Ok);
    let first = Command::new(0x10, 0x86, 0, 0).with_data(vec![0x7C, 0x00]).with_le(256);
    assert_eq!(send(&mut card, &first).sw, StatusWord::ConditionsNotSatisfied);
    // A chip without PACE does not know the protocol.
    let bac_only = Fixture::new(Access::Bac, PaceCurve::BrainpoolP256r1);
    let mut card = bac_only.card(config(Access::Bac, &[]));
    assert_eq!(send(&mut card, &set_at(gm_aes.as_bytes(), 1)).sw, StatusWord::ReferencedDataNotFound);
}

#[test]
fn pace_and_bac_chip_answers_both_and_a_pace_only_chip_refuses_bac() {
    let f = Fixture::new(Access::PaceBac, PaceCurve::BrainpoolP256r1);
    let mut card = f.card(config(Access::PaceBac, &[]));
    let mut sm = bac(&mut card);
    assert_eq!(sm.cipher(), BlockCipher::Tdes);
    assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)));
    card.power_off();
    card.power_on();
    let mut sm = pace(&mut card, Mapping::Generic, &mrz_password()).unwrap().sm;
    assert_eq!(read_dg1(&mut card, &mut sm).unwrap().data, f.file(FileId::Dg(1)));

    // The same files served as PACE only: GET CHALLENGE and EXTERNAL AUTHENTICATE get 6982.
    let mut card = f.card(config(Access::Pace, &[]));
    assert_eq!(send(&mut card, &select_aid()).sw, StatusWord::Ok);
    assert_eq!(send(&mut card, &mrtd::bac::get_challenge()).sw, StatusWord::SecurityStatusNotSatisfied);
    let keys = mrtd::bac::BacKeys::from_mrz_information(mrtd::mrz::Mrz::parse(&MRZ).unwrap().mrz_information());
    let t = mrtd::bac::Terminal::new(keys, [0; 8], [0x11; 8], [0x22; 16]);
    assert_eq!(send(&mut card, &t.external_authenticate().unwrap()).sw, StatusWord::SecurityStatusNotSatisfied);
    let mut sm = pace(&mut card, Mapping::Generic, &mrz_password()).unwrap().sm;
    // PACE starts a session; it does not run inside one.
    let oid = der::asn1::ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
    let mut data = mrtd::tlv::to_vec(mrtd::tlv::Tag(0x80), oid.as_bytes());
    data.extend_from_slice(&[0x83, 0x01, 0x01]);
    let set_at = Command::new(0, 0x22, 0xC1, 0xA4).with_data(data);
    assert_eq!(sm_send(&mut card, &mut sm, &set_at).unwrap().sw, StatusWord::ConditionsNotSatisfied);
    assert!(card.is_secure());
}
