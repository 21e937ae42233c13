use super::*;
use crate::bac::tests::h;
use crate::ec::NamedCurve;
use crate::sm::tests::vector_file;

fn data(path: &str) -> Option<Vec<u8>> {
    let full = format!("{}/../../shared/testdata/icao/data/{path}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(&full) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("SKIP: {full} is absent");
            None
        }
    }
}

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(s).unwrap()
}

fn gm_aes128(agreement: KeyAgreement) -> PaceProtocol {
    PaceProtocol { mapping: Mapping::Generic, agreement, cipher: BlockCipher::Aes128 }
}

#[test]
fn protocol_identifiers_round_trip() {
    for mapping in [Mapping::Generic, Mapping::Integrated, Mapping::ChipAuthentication] {
        for agreement in [KeyAgreement::Dh, KeyAgreement::Ecdh] {
            for cipher in [BlockCipher::Tdes, BlockCipher::Aes128, BlockCipher::Aes192, BlockCipher::Aes256] {
                let p = PaceProtocol { mapping, agreement, cipher };
                let defined = mapping != Mapping::ChipAuthentication
                    || (agreement == KeyAgreement::Ecdh && cipher != BlockCipher::Tdes);
                assert_eq!(PaceProtocol::from_oid(&p.oid()) == Some(p), defined, "{p:?}");
                let ca = CaProtocol { agreement, cipher };
                assert_eq!(CaProtocol::from_oid(&ca.oid()), Some(ca));
            }
        }
    }
    // 9303-11 §9.2.1: id-PACE-ECDH-IM-AES-CBC-CMAC-256 and id-PACE-ECDH-CAM-AES-CBC-CMAC-128.
    assert_eq!(
        PaceProtocol::from_oid(&oid("0.4.0.127.0.7.2.2.4.4.4")),
        Some(PaceProtocol { mapping: Mapping::Integrated, agreement: KeyAgreement::Ecdh, cipher: BlockCipher::Aes256 })
    );
    assert_eq!(
        PaceProtocol::from_oid(&oid("0.4.0.127.0.7.2.2.4.6.2")).map(|p| p.mapping),
        Some(Mapping::ChipAuthentication)
    );
    for not_pace in
        ["0.4.0.127.0.7.2.2.4.5.2", "0.4.0.127.0.7.2.2.4.2", "0.4.0.127.0.7.2.2.4.2.5", "0.4.0.127.0.7.2.2.3.2.2"]
    {
        assert_eq!(PaceProtocol::from_oid(&oid(not_pace)), None, "{not_pace}");
    }
}

#[test]
fn vsmartcard_card_access_ecdh_and_dh() {
    // BSI Worked Example for EAC as vsmartcard's nPA emulator ships it (testdata/icao/data/vsmartcard_npa_*,
    // frankmorgner/vsmartcard@a85862856e virtualsmartcard/npa-example-data).
    for (dir, agreement, id) in
        [("vsmartcard_npa_ecdh", KeyAgreement::Ecdh, 13), ("vsmartcard_npa_dh", KeyAgreement::Dh, 0)]
    {
        let Some(bytes) = data(&format!("{dir}/ef_cardaccess")) else { return };
        let infos = SecurityInfos::from_card_access(&bytes).unwrap();
        assert_eq!(infos.infos().len(), 6);
        assert_eq!(infos.terminal_authentication(), Some(&TerminalAuthenticationInfo { version: 2 }));
        let ca: Vec<_> = infos.chip_authentication().collect();
        assert_eq!(
            ca,
            [&ChipAuthenticationInfo {
                protocol: CaProtocol { agreement, cipher: BlockCipher::Aes128 },
                version: 2,
                key_id: Some(1)
            }]
        );
        let pace: Vec<_> = infos.pace().collect();
        assert_eq!(pace, [&PaceInfo { protocol: gm_aes128(agreement), version: 2, parameter_id: Some(id) }]);
        let params = infos.pace_domain_parameters(pace[0]).unwrap();
        assert_eq!(params, DomainParameters::Standardized(id));
        assert_eq!(params.resolve().unwrap().agreement(), agreement);
        assert!(infos.infos().contains(&SecurityInfo::ChipAuthenticationDomainParameters(
            ChipAuthenticationDomainParameterInfo {
                agreement,
                parameters: DomainParameters::Standardized(id),
                key_id: Some(1)
            }
        )));
        // CardInfoLocator and PrivilegedTerminalInfo are kept by name.
        assert!(infos.infos().contains(&SecurityInfo::Other(oid("0.4.0.127.0.7.2.2.6"))));
        assert!(infos.infos().contains(&SecurityInfo::Other(oid("0.4.0.127.0.7.2.2.8"))));
    }
}

#[test]
fn appendix_g_card_access() {
    // ICAO 9303-11 App. G.1 and G.2 (testdata/icao/vectors/icao9303_p11_appG_pace_gm.json).
    let Some(v) = vector_file("icao9303_p11_appG_pace_gm.json") else { return };
    for (set, agreement, id) in [("G1_ECDH", KeyAgreement::Ecdh, 13), ("G2_DH", KeyAgreement::Dh, 0)] {
        let infos = SecurityInfos::from_card_access(&h(&v[set]["EF_CardAccess"])).unwrap();
        let pace: Vec<_> = infos.pace().collect();
        assert_eq!(pace, [&PaceInfo { protocol: gm_aes128(agreement), version: 2, parameter_id: Some(id) }]);
        assert_eq!(pace[0].protocol.oid().as_bytes(), &h(&v[set]["oid_hex"])[..]);
    }
}

#[test]
fn dg14_of_the_bsi_and_etsi_specimens() {
    // JMRTD's BSI 2008 specimen and pymrtd's BSI TR-03105-5 and ETSI TR 103 200 sets (testdata/icao/data): an
    // early DG14 with explicit brainpoolP224r1 parameters under id-ecPublicKey, CA with 3DES, no key ids.
    for path in ["jmrtd/lds/bsi2008/Datagroup14.bin", "pymrtd_bsi_tr03105_5/DG14.bin", "pymrtd_etsi_tr103200/DG14.bin"]
    {
        let Some(bytes) = data(path) else { return };
        let infos = SecurityInfos::from_dg14(&bytes).unwrap();
        assert_eq!(infos.infos().len(), 3, "{path}");
        assert_eq!(infos.terminal_authentication(), Some(&TerminalAuthenticationInfo { version: 1 }));
        let pairs = infos.chip_authentication_pairs();
        assert_eq!(pairs.len(), 1);
        let (info, key) = &pairs[0];
        assert_eq!(info.protocol, CaProtocol { agreement: KeyAgreement::Ecdh, cipher: BlockCipher::Tdes });
        assert_eq!((info.version, info.key_id, key.key_id), (1, None, None));
        let Group::Ec(curve) = key.parameters.resolve().unwrap() else { panic!("{path}: not a curve") };
        assert_eq!(curve.named_curve(), Some(NamedCurve::BrainpoolP224r1), "{path}");
        curve.point_from_sec1(&key.public_key).unwrap();
    }
}

#[test]
fn card_security_content_of_the_bsi_worked_example() {
    // vsmartcard's EF.CardSecurity (BSI Worked Example for EAC): its signed content lists the static Chip
    // Authentication keys whose private halves bsi_eac_worked_example_openpace.json gives as ca_picc_priv_key.
    let Some(v) = vector_file("bsi_eac_worked_example_openpace.json") else { return };
    for (dir, variant) in [("vsmartcard_npa_ecdh", "ecdh"), ("vsmartcard_npa_dh", "dh")] {
        let Some(cms) = data(&format!("{dir}/ef_cardsecurity")) else { return };
        let content = signed_content(&cms);
        let infos = SecurityInfos::from_card_security_content(&content).unwrap();
        let keys: Vec<_> = infos.chip_authentication_keys().collect();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].public_key, h(&v[variant]["ca_picc_pub_key"]), "{variant}");
        assert_eq!(keys[0].key_id, Some(1));
        assert!(keys[0].parameters.resolve().is_ok());
        assert_eq!(infos.chip_authentication_pairs()[0].0.protocol.cipher, BlockCipher::Aes128);
    }
}

/// The eContent of a CMS SignedData, found by walking its TLVs (the signature is Passive Authentication's).
fn signed_content(cms: &[u8]) -> Vec<u8> {
    use crate::tlv::{Tag as T, Tlv};
    let content_info = Tlv::parse_exact(cms, T(0x30)).unwrap();
    let explicit = crate::tlv::find(content_info, T(0xA0)).unwrap().unwrap();
    let signed_data = Tlv::parse_exact(explicit, T(0x30)).unwrap();
    let encap = crate::tlv::TlvIter::new(signed_data).map(Result::unwrap).nth(2).unwrap();
    let econtent = crate::tlv::find(encap.value, T(0xA0)).unwrap().unwrap();
    Tlv::parse_exact(econtent, T(0x04)).unwrap().to_vec()
}

#[test]
fn pace_cam_chip_authentication_key() {
    // The PACE-CAM worked example's ChipAuthenticationPublicKeyInfo (testdata/icao/vectors/
    // pace_cam_worked_example.json), as EF.CardSecurity would list it.
    let Some(v) = vector_file("pace_cam_worked_example.json") else { return };
    let set = tlv::to_vec(tlv::Tag(0x31), &h(&v["ChipAuthenticationPublicKeyInfo"]));
    let infos = SecurityInfos::from_card_security_content(&set).unwrap();
    let key = infos.chip_authentication_keys().next().unwrap();
    assert_eq!(key.public_key, h(&v["PK_IC_static_CA"]));
    assert_eq!(key.parameters, DomainParameters::Standardized(13));
    assert_eq!(key.key_id, Some(13));
}

#[test]
fn what_the_simulator_writes() {
    // sim/src/passport/security.rs: card_access(Access::PaceCam, PaceCurve::NistP256), the GM and CAM PACEInfos
    // with P-256's parameter id 12, sorted as DER sorts a SET OF.
    let card_access =
        hex::decode("31283012060A04007F0007020204020202010202010C3012060A04007F0007020204060202010202010C").unwrap();
    let infos = SecurityInfos::from_card_access(&card_access).unwrap();
    let mappings: Vec<_> = infos.pace().map(|p| (p.protocol.mapping, p.parameter_id)).collect();
    assert_eq!(mappings, [(Mapping::Generic, Some(12)), (Mapping::ChipAuthentication, Some(12))]);

    // dg14(Access::PaceBac, PaceCurve::BrainpoolP256r1, Some(key), true), with the key of its unit test (the
    // P-256 scalar 07..07) as `p256` writes a SubjectPublicKeyInfo: id-ecPublicKey with the named curve.
    let dg14 = hex::decode(
        "6E81AF3181AC3012060A04007F000702020302020201010201013012060A04007F0007020204020202010202010D30170606\
         678108010105020101060A04007F000701010401033069060904007F0007020201023059301306072A8648CE3D020106082A86\
         48CE3D030107034200041E18532FD4754C02F3041D9C75CEB33B83FFD81AC7CE4FE882CCB1C98BC5896EA46C311C4E2FF40DD9\
         6A3653E6E45445D32DFE486ECED75C7A90C6A18881C0A3020101",
    )
    .unwrap();
    let infos = SecurityInfos::from_dg14(&dg14).unwrap();
    assert_eq!(
        infos.active_authentication(),
        Some(&ActiveAuthenticationInfo { version: 1, signature_algorithm: oid("0.4.0.127.0.7.1.1.4.1.3") })
    );
    let pairs = infos.chip_authentication_pairs();
    let (info, key) = &pairs[0];
    assert_eq!((info.protocol.cipher, info.key_id, key.key_id), (BlockCipher::Aes128, Some(1), Some(1)));
    let Group::Ec(curve) = key.parameters.resolve().unwrap() else { panic!("not a curve") };
    assert_eq!(curve.named_curve(), Some(NamedCurve::P256));
    let secret = crate::ec::PrivateKey::from_bytes(&curve, &[7; 32]).unwrap();
    assert_eq!(secret.public_key().to_uncompressed(), key.public_key);
    assert_eq!(infos.pace().count(), 1);
}

#[test]
fn explicit_dh_parameters_and_a_dh_key() {
    // Built here from RFC 5114 §2.1: a PACEInfo (id-PACE-DH-GM-AES-CBC-CMAC-128, parameterId 1) whose parameters a
    // PACEDomainParameterInfo gives explicitly under dhpublicnumber; and a DG14 with a DH key on standardized
    // group 0, as a BIT STRING holding the INTEGER y.
    let card_access = hex::decode(
        "318201563012060A04007F000702020401020201020201013082013E060904007F0007020204013082012C06072A8648CE3E0201\
         3082011F02818100B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E\
         2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0\
         A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A437102818100A4D1CBD5C3FD34126765A442EFB99905\
         F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3\
         B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24\
         855E6EEB22B3B2E5021500F518AA8781A8DF278ABA4E7D64B7CB9D49462353020101",
    )
    .unwrap();
    let infos = SecurityInfos::from_card_access(&card_access).unwrap();
    let info = infos.pace().next().unwrap();
    assert_eq!(info.parameter_id, Some(1));
    let params = infos.pace_domain_parameters(info).unwrap();
    assert!(matches!(params, DomainParameters::DhX942(_)));
    assert_eq!(params.resolve().unwrap(), Group::Dh(DhGroup::standardized(0).unwrap()));

    let dg14 = hex::decode(
        "6E81C13181BE3012060A04007F000702020301010201010201013081A7060904007F000702020101308196300C060704007F0007\
         010202010003818500028181008728F6512606838CDAA3ECD0D3A7FEB671231D54BE69B3AFE773A5F10EACD2F723BCDBAB80353\
         18AEBE37808E338845DFCE5CD76B577530798FAA566BEE243B918965B7A9832AF8466B2AA3BCE8607602020DF96B89A8D5D54E9A\
         3CF9A1D296CC7801C986CD2A2199A32EF276E1B2EE94CF286406C56456735A9607D786CCA2B020101",
    )
    .unwrap();
    let infos = SecurityInfos::from_dg14(&dg14).unwrap();
    let (info, key) = infos.chip_authentication_pairs().into_iter().next().unwrap();
    assert_eq!(info.protocol, CaProtocol { agreement: KeyAgreement::Dh, cipher: BlockCipher::Tdes });
    assert_eq!(key.public_key.len(), 128);
    let Group::Dh(group) = key.parameters.resolve().unwrap() else { panic!("not DH") };
    group.check_public_key(&key.public_key).unwrap();
}

#[test]
fn malformed_input_is_refused_without_panic() {
    let good = hex::decode("31143012060A04007F0007020204020202010202010D").unwrap();
    for n in 0..good.len() {
        assert!(SecurityInfos::from_card_access(&good[..n]).is_err(), "{n}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(SecurityInfos::from_card_access(&trailing).is_err());
    // A PACEInfo whose version is a string, a negative parameter id, an info that is not a SEQUENCE.
    for bad in [
        "31143012060A04007F000702020402020C010202010D",
        "31143012060A04007F000702020402020201020201FF",
        "31143112060A04007F0007020204020202010202010D",
        "3100",
    ] {
        let r = SecurityInfos::from_card_access(&hex::decode(bad).unwrap());
        assert_eq!(r.is_err(), bad != "3100", "{bad}");
    }
    assert!(matches!(SecurityInfos::from_dg14(&good), Err(Error::Lds(LdsError::WrongFileTag { file: "DG14", .. }))));
    assert_eq!(DomainParameters::Standardized(5).agreement(), None);
    assert!(DomainParameters::Standardized(5).resolve().is_err());
    assert!(DomainParameters::Standardized(300).resolve().is_err());
}
